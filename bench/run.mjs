// `npm run bench [-- name ...]`: runs the benchmarks one after another (never in parallel: they
// measure latency and memory on the same machine), each in its own process, printing their figures.
// A bench that misses a budget or fails makes the run exit 1; the others still run. The summary names
// every figure that missed (each bench writes its misses to BENCH_MISSES_FILE: bench/budget.ts).
// Add a bench by adding its file to BENCHES. A name may also be the path of a bench file (the runner's
// own tests run fixture benches that way).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BENCHES = [
  'backend.ts',
  'webhooks.ts',
  'knowledge-upload.ts',
  'retention.ts',
  'live.ts',
  'work-queue.ts',
  'web-test.ts',
  'listen.ts',
  'main-core.ts',
  'renderer-bundle-size.ts',
  'renderer-tti.ts',
  'renderer-frame-time.ts',
];

const here = import.meta.dirname;
const wanted = process.argv.slice(2);
const paths = wanted.filter((name) => /\.(ts|mjs|js)$/.test(name) && fs.existsSync(name)).map((name) => path.resolve(name));
const names = wanted.filter((name) => !/\.(ts|mjs|js)$/.test(name) || !fs.existsSync(name));
const selected = [
  ...(wanted.length ? BENCHES.filter((file) => names.some((name) => file.startsWith(name))) : BENCHES).map((file) => path.join(here, file)),
  ...paths,
];
if (selected.length === 0) {
  process.stderr.write(`bench: nothing matches ${wanted.join(', ')}; known: ${BENCHES.join(', ')}\n`);
  process.exit(64);
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bench-run-'));
const failed = [];
try {
  for (const file of selected) {
    const name = path.relative(here, file).startsWith('..') ? file : path.relative(here, file);
    process.stdout.write(`\n=== bench/${name} (load ${load()})\n`);
    if (!fs.existsSync(file)) {
      process.stdout.write('(not in this checkout: skipped)\n');
      continue;
    }
    const missesFile = path.join(scratch, `${path.basename(file)}.misses`);
    fs.rmSync(missesFile, { force: true });
    // --expose-gc: benches that read memory (main-core's soak) collect garbage before each sample.
    const result = spawnSync(process.execPath, ['--expose-gc', '--conditions=@voxanne/source', '--import', 'tsx', file], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_MISSES_FILE: missesFile },
    });
    const misses = fs.existsSync(missesFile) ? fs.readFileSync(missesFile, 'utf8').split('\n').filter(Boolean) : [];
    if (result.status === 0 && misses.length === 0) continue;
    const how = result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
    failed.push({ name, how, misses });
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
if (failed.length === 0) {
  process.stdout.write(`\nbench: every budget met (load ${load()})\n`);
  process.exit(0);
}
const lines = failed.flatMap(({ name, how, misses }) =>
  misses.length ? misses.map((miss) => `  ${name}: MISSED ${miss}`) : [`  ${name}: failed (${how}) before judging its budgets`],
);
process.stdout.write(`\nbench: ${failed.length} bench(es) missed a budget or failed (load ${load()}):\n${lines.join('\n')}\n`);
process.exit(1);
