// One Vitest run for every workspace: node suites for protocol, backend and main; jsdom for the renderer.
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  test: {
    // Most suites wait on sockets, databases and child processes rather than on the CPU: three files
    // at a time finish in ~60 % of the time of the default (cores - 1 = one file on a 2-core CI box).
    maxWorkers: 3,
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          // Test files share their worker's module cache and globals (set per project: inline projects
          // do not inherit the root's test options). No suite relies on a fresh module graph (each
          // opens its own database, backend and stores, and resets them), and a file that stubs a
          // global restores it. Loading the graph again per file was 40 % of the suite's CPU: whole
          // run alone on 2 cores, 550 → 314 s CPU, 343 → 230 s wall.
          isolate: false,
          include: ['protocol/**/*.test.ts', 'backend/**/*.test.ts', 'main/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          // Migrates one PostgreSQL template per run for the suites' databases to be copied from.
          globalSetup: ['backend/test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'renderer',
          environment: 'jsdom',
          // As above; the stores are made per test by factories, not held by modules.
          isolate: false,
          include: ['renderer/**/*.test.{ts,tsx}'],
          exclude: ['**/node_modules/**'],
          setupFiles: ['renderer/test/setup.ts'],
          // Generous: CI machines are small and shared; no test waits on wall-clock time for its verdict.
          testTimeout: 60_000,
        },
      },
    ],
  },
});
