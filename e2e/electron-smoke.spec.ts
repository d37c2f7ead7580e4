// The real Electron shell, launched by Playwright, where the Electron binary exists: it starts,
// restores no session, shows the sign-in screen from app://, and the page has the typed bridge and
// no Node. Where the binary is absent (this build machine), the test says so and why.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ipcInvokeChannels, ipcPushChannels, splitChannel } from '@voxanne/protocol';
import { _electron as electron } from '@playwright/test';
import { findElectronBinary } from '../scripts/electron-binary.mjs';
import { ROOT, run } from './support/processes.js';
import { ensureRendererBuilt, expect, test } from './support/desk.js';

const binary = findElectronBinary();
if (!binary.ok) process.stderr.write(`electron-smoke: not run here because ${binary.reason}.\n`);

test.describe('Electron shell smoke test', () => {
  // Decided before any fixture runs, so no backend is started for a test that cannot run.
  test.skip(!binary.ok, `Electron binary absent: ${binary.ok ? '' : binary.reason}`);

  test('launches, serves the console from app:// and exposes only the typed bridge', async ({ desk }) => {
    if (!binary.ok) return;
    await ensureRendererBuilt();
    if (!existsSync(path.join(ROOT, 'dist/electron/main.mjs'))) {
      const build = run(process.execPath, ['main/build.mjs', '--no-renderer'], {});
      await new Promise<void>((resolve) => build.child.once('exit', () => resolve()));
    }
    const app = await electron.launch({
      executablePath: binary.path,
      args: [path.join(ROOT, 'dist/electron/main.mjs'), '--no-sandbox', '--password-store=basic'],
      env: { ...process.env, VOXANNE_BACKEND_URL: desk.backend.url },
    });
    try {
      const window = await app.firstWindow();
      await expect(window.getByLabel('Email')).toBeVisible({ timeout: 30_000 });
      expect(window.url()).toMatch(/^app:\/\/voxanne\//);
      expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      const namespaces = [
        ...new Set([...Object.keys(ipcInvokeChannels), ...Object.keys(ipcPushChannels)].map((c) => splitChannel(c)[0])),
      ].sort();
      expect(await window.evaluate(() => Object.keys((globalThis as unknown as { voxanne: object }).voxanne).sort())).toEqual(namespaces);
      // basic_text: the user is told their sign-in is not kept.
      const info = await window.evaluate(() =>
        (globalThis as unknown as { voxanne: { app: { getInfo(r: object): Promise<unknown> } } }).voxanne.app.getInfo({}),
      );
      expect(info).toMatchObject({ ok: true, data: { host: 'electron', tokenStorage: { persistent: false } } });
    } finally {
      await app.close();
    }
  });
});
