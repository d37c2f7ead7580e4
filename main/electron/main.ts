// The Electron main process: app lifecycle around the one desktop core.
//
// Order matters: the sandbox and the app:// scheme are set before `ready`; the single-instance lock
// is taken before anything opens; the core restores the session before the window loads, so the
// first screen is the right one.
import path from 'node:path';
import { BrowserWindow, app, dialog, ipcMain, safeStorage, session, shell } from 'electron';
import electronUpdater from 'electron-updater';
import { readMainConfig } from '../core/config.js';
import { createDesktopCore, type DesktopCore } from '../core/desktop-core.js';
import { KeyValueSettingsStore } from '../core/kv-settings-store.js';
import { createLogger } from '../core/logger.js';
import type { TrayState } from '../core/ports.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { bindIpc } from './ipc-binding.js';
import { NativeNotifications } from './notifications.js';
import { electronPowerHints } from './power-hints.js';
import { openStore } from './stores.js';
import { AppTray } from './tray.js';
import { startAutoUpdate, type AutoUpdate } from './updater.js';
import { SafeStorageVault } from './vault.js';
import { APP_ENTRY_URL, hardenWebContents, installPermissionHandlers, secureWindowOptions } from './window-security.js';

/** Baked in by the build from VOXANNE_BACKEND_URL and VOXANNE_UPDATE_URL: a double-clicked app has no environment. */
const BUILT_DEFAULTS = { backendUrl: process.env.VOXANNE_BUILD_BACKEND_URL, updateUrl: process.env.VOXANNE_BUILD_UPDATE_URL };
const APP_USER_MODEL_ID = 'app.voxanne.desk';

const here = import.meta.dirname;
const rendererDir = path.resolve(here, '../../renderer/dist');
const preloadPath = path.join(here, 'preload.cjs');
const iconDir = path.join(here, 'icons');

app.enableSandbox();
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void run();
}

async function run(): Promise<void> {
  const configResult = readMainConfig(process.env, BUILT_DEFAULTS);
  const logger = createLogger({ level: configResult.ok ? configResult.config.logLevel : 'info', bindings: { app: 'voxanne-desk' } });
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  await app.whenReady();
  if (!configResult.ok) {
    dialog.showErrorBox('Voxanne Desk is not configured', configResult.problems.join('\n'));
    app.quit();
    return;
  }
  const config = configResult.config;

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, config.externalLinkHosts, logger));
  installPermissionHandlers(session.defaultSession, logger);
  serveRenderer(rendererDir);

  let window: BrowserWindow | null = null;
  let quitting = false;
  const focusWindow = () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  const power = electronPowerHints();
  let tray: AppTray | null = null;
  let lastTrayState: TrayState | null = null;
  let core: DesktopCore | null = null;
  const vault = new SafeStorageVault(safeStorage, openStore('vault'), process.platform);
  if (!vault.persistent) logger.warn('no usable keychain; the refresh token stays in memory', { platform: process.platform });

  // Only a packaged app built with a feed updates; the feed is already checked to be https.
  const autoUpdate: AutoUpdate | null =
    app.isPackaged && config.updateUrl
      ? startAutoUpdate(electronUpdater.autoUpdater, config.updateUrl, logger.child({ part: 'updater' }))
      : null;

  core = createDesktopCore({
    backendUrl: config.backendUrl,
    requestTimeoutMs: config.requestTimeoutMs,
    host: 'electron',
    version: app.getVersion(),
    platform: process.platform,
    externalLinkHosts: config.externalLinkHosts,
    vault,
    notifications: new NativeNotifications(
      (state) => {
        lastTrayState = state;
        tray?.update(state);
      },
      logger.child({ part: 'notifications' }),
    ),
    shell: {
      focusWindow,
      openExternal: (url) => shell.openExternal(url),
      startAtLoginSupported: process.platform === 'win32' || process.platform === 'darwin',
      setStartAtLogin: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
    },
    power,
    settings: new KeyValueSettingsStore(openStore('settings')),
    updater: autoUpdate?.port,
    logger,
  });
  const desktop = core;

  tray = new AppTray(iconDir, {
    open: focusWindow,
    openCall: (callId, action) => desktop.openCall(callId, action),
    // Through the guarded door: a locked console must be unlocked first (a restart signs back in).
    restartToUpdate: () =>
      void desktop.invoke('updates.restart', { confirmed: true }).then((result) => {
        if (!result.ok) focusWindow();
      }),
    setNotificationsPaused: (paused) => desktop.setNotificationsPaused(paused),
    signOut: () => void desktop.invoke('session.logout', {}),
    quit: () => app.quit(),
  });
  if (lastTrayState) tray.update(lastTrayState);
  desktop.updates.onState((update) => tray?.setUpdateState(update));

  const unbindIpc = bindIpc(ipcMain, desktop, () => window, logger);
  app.on('second-instance', focusWindow);

  await desktop.start();

  window = new BrowserWindow(secureWindowOptions(preloadPath, !app.isPackaged));
  window.once('ready-to-show', () => window?.show());
  // The front desk closes the window, not the app: live updates and notifications carry on in the tray.
  window.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    window?.hide();
  });
  await window.loadURL(APP_ENTRY_URL);

  app.on('before-quit', () => {
    quitting = true;
    autoUpdate?.stop();
    unbindIpc();
    power.dispose();
    tray?.destroy();
    void desktop.dispose();
  });
  app.on('activate', focusWindow);
}
