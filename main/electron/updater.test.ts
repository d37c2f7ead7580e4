// The thin binding of electron-updater: the checked feed, no install on quit, downloads reported
// to the core, and quitAndInstall only when the core asks. A fake AppUpdater stands in (no Electron here).
import { EventEmitter } from 'node:events';
import type { AppUpdater } from 'electron-updater';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { startAutoUpdate, type AutoUpdate } from './updater.js';

class FakeAppUpdater extends EventEmitter {
  autoDownload = false;
  autoInstallOnAppQuit = true;
  setFeedURL = vi.fn();
  checkForUpdates = vi.fn(async () => null);
  quitAndInstall = vi.fn();
}

let running: AutoUpdate | null = null;
afterEach(() => running?.stop());

describe('electron-updater binding', () => {
  it('uses the checked feed, downloads on its own, never installs on quit, and installs when asked', () => {
    const updater = new FakeAppUpdater();
    running = startAutoUpdate(updater as unknown as AppUpdater, 'https://updates.clinic.example/desktop/', silentLogger);
    expect(updater.setFeedURL).toHaveBeenCalledWith({ provider: 'generic', url: 'https://updates.clinic.example/desktop/' });
    expect(updater.autoDownload).toBe(true);
    expect(updater.autoInstallOnAppQuit).toBe(false);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);

    const downloaded: string[] = [];
    const stop = running.port.onDownloaded((version) => downloaded.push(version));
    updater.emit('update-downloaded', { version: '1.4.0' });
    expect(downloaded).toEqual(['1.4.0']);
    expect(updater.quitAndInstall).not.toHaveBeenCalled();

    running.port.quitAndInstall();
    expect(updater.quitAndInstall).toHaveBeenCalledTimes(1);
    stop();
    updater.emit('update-downloaded', { version: '1.5.0' });
    expect(downloaded).toEqual(['1.4.0']);
  });
});
