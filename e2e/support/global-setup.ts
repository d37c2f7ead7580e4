// Runs once before any worker starts:
// - builds renderer/dist if it is missing or stale, so parallel workers never build it at the same
//   time (one would serve files the other is rewriting);
// - starts the real backend once on an empty DATA_DIR (its first start: create, migrate and seed the
//   embedded database, then a sign-in), stops it, and leaves that DATA_DIR for every test's backend to
//   start from a copy of (desk.ts). Workers inherit the environment set here.
import { rmSync } from 'node:fs';
import { DATA_TEMPLATE_ENV, startBackend } from './desk.js';
import { ensureFreshRendererBuild } from './renderer-console.js';

export default async function globalSetup(): Promise<() => void> {
  await ensureFreshRendererBuild();
  const firstStart = await startBackend();
  await firstStart.stop();
  process.env[DATA_TEMPLATE_ENV] = firstStart.dataDir;
  return () => rmSync(firstStart.dataDir, { recursive: true, force: true });
}
