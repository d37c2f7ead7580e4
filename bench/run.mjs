// `npm run bench [-- name ...]`: runs the benchmarks one after another (never in parallel: they
// measure latency and memory on the same machine), each in its own process, printing their figures.
// A bench that misses a budget or fails makes the run exit 1; the others still run.
// Add a bench by adding its file to BENCHES.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const BENCHES = [
  'backend.ts',
  'webhooks.ts',
  'knowledge-upload.ts',
  'retention.ts',
  'live.ts',
  'web-test.ts',
  'listen.ts',
  'main-core.ts',
  'renderer-bundle-size.ts',
  'renderer-tti.ts',
  'renderer-frame-time.ts',
];

const here = import.meta.dirname;
const wanted = process.argv.slice(2);
const selected = wanted.length ? BENCHES.filter((file) => wanted.some((name) => file.startsWith(name))) : BENCHES;
if (selected.length === 0) {
  process.stderr.write(`bench: nothing matches ${wanted.join(', ')}; known: ${BENCHES.join(', ')}\n`);
  process.exit(64);
}

const failed = [];
for (const file of selected) {
  process.stdout.write(`\n=== bench/${file}\n`);
  if (!fs.existsSync(path.join(here, file))) {
    process.stdout.write('(not in this checkout: skipped)\n');
    continue;
  }
  const result = spawnSync(process.execPath, ['--conditions=@voxanne/source', '--import', 'tsx', path.join(here, file)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed.push(`${file} (${result.signal ?? `exit ${result.status}`})`);
}
process.stdout.write(failed.length ? `\nbench: ${failed.join(', ')} missed a budget or failed\n` : '\nbench: every budget met\n');
process.exit(failed.length ? 1 : 0);
