// The deployable bundle (backend/scripts/build.ts) built into a temporary folder, for tests that run
// it as the container would: plain `node dist/server.js` / `node dist/admin.js`, no tsx.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBackend } from '../../scripts/build.js';

const REPO_NODE_MODULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules');

export interface TestBundle {
  server: string;
  admin: string;
  remove(): void;
}

export async function buildTestBundle(): Promise<TestBundle> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bundle-'));
  const built = await buildBackend(root);
  // The image installs the production dependencies beside dist/; here the repository's stand in.
  fs.symlinkSync(REPO_NODE_MODULES, path.join(root, 'node_modules'), 'dir');
  return { ...built, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
