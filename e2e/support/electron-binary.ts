// Where the Electron binary is, or why there is none (this build machine cannot download it; see
// scripts/fetch-electron.mjs). Used by `npm start` logic's e2e twin and the Electron smoke test.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.js';

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

export function findElectronBinary(): ElectronBinary {
  const dir = path.join(ROOT, 'node_modules/electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(dir)) return { ok: false, reason: 'the electron package is not installed' };
  if (!existsSync(pathFile)) {
    return { ok: false, reason: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing; this machine has no access to its download host)' };
  }
  const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(dir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { ok: false, reason: `the Electron binary is missing at ${binary}` };
  return { ok: true, path: binary };
}
