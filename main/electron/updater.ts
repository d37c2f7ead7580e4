// Auto-update through electron-updater, from the publish feed electron-builder wrote into the
// packaged app (configured at build time from VOXANNE_UPDATE_URL). Only a packaged app updates.
import type { AppUpdater } from 'electron-updater';
import type { Logger } from '../core/logger.js';

const CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

export function startAutoUpdate(updater: AppUpdater, logger: Logger): () => void {
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.on('error', (error) => logger.warn('update check failed', { error }));
  updater.on('update-available', (info) => logger.info('update available', { version: info.version }));
  updater.on('update-downloaded', (info) => logger.info('update downloaded; installs on quit', { version: info.version }));
  const check = () => void updater.checkForUpdatesAndNotify().catch((error: unknown) => logger.warn('update check failed', { error }));
  check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
