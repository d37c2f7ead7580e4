// The memory settings the backend's image runs with (backend/Dockerfile's runtime ENV), for benches
// that start the bundle "as the container runs it": read from the Dockerfile, so a bench cannot
// measure settings the image no longer has. Only these two: the rest of the ENV (address, port, data
// folder) each bench sets for itself.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCKERFILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../backend/Dockerfile');
const MEMORY_SETTINGS = ['MALLOC_ARENA_MAX', 'NODE_OPTIONS'] as const;

/** `KEY=value` pairs of the last stage's ENV instructions (continued lines joined, quotes removed). */
export function imageEnv(dockerfile = fs.readFileSync(DOCKERFILE, 'utf8')): Record<(typeof MEMORY_SETTINGS)[number], string> {
  const lastStage = dockerfile.split(/^FROM\s/m).at(-1)!;
  const instructions = lastStage.replace(/\\\n/g, ' ').split('\n');
  const env: Record<string, string> = {};
  for (const line of instructions) {
    const match = /^ENV\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    for (const pair of match[1]!.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[pair[1]!] = pair[2]!.replace(/^"|"$/g, '');
  }
  const missing = MEMORY_SETTINGS.filter((key) => env[key] === undefined);
  if (missing.length > 0) throw new Error(`backend/Dockerfile's runtime stage sets no ${missing.join(', ')}`);
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX!, NODE_OPTIONS: env.NODE_OPTIONS! };
}
