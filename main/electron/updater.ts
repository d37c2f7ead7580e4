// Auto-update through electron-updater, from the https feed main/core/config.ts checked
// (VOXANNE_UPDATE_URL, baked in at build time). Only a packaged app updates. This file only binds
// electron-updater to the core's UpdaterPort and checks periodically; when to install is the core's
// decision (main/core/updates.ts): only after "Restart to update", never silently on quit.
import type { AppUpdater } from 'electron-updater';
import type { Logger } from '../core/logger.js';
import type { UpdaterPort } from '../core/updates.js';

const CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

export interface AutoUpdate {
  port: UpdaterPort;
  stop(): void;
}

export function startAutoUpdate(updater: AppUpdater, feedUrl: string, logger: Logger): AutoUpdate {
  updater.setFeedURL({ provider: 'generic', url: feedUrl });
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = false;
  updater.on('error', (error) => logger.warn('update check failed', { error }));
  updater.on('update-available', (info) => logger.info('update available', { version: info.version }));
  const check = () => void updater.checkForUpdates().catch((error: unknown) => logger.warn('update check failed', { error }));
  check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  timer.unref();
  return {
    port: {
      onDownloaded: (listener) => {
        const onDownloaded = (info: { version: string }) => listener(info.version);
        updater.on('update-downloaded', onDownloaded);
        return () => void updater.off('update-downloaded', onDownloaded);
      },
      quitAndInstall: () => updater.quitAndInstall(),
    },
    stop: () => clearInterval(timer),
  };
}
