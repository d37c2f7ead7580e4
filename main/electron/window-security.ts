// The desktop shell's hardening checklist in code: the window's webPreferences, the content security policy, navigation
// and window-open denial, and the permission handlers that let only the app's own page use the
// microphone (audio only, main frame only).
import { shell, type BrowserWindowConstructorOptions, type Session, type WebContents } from 'electron';
import { isAllowedExternalLink } from '../core/external-links.js';
import type { Logger } from '../core/logger.js';

export { CONTENT_SECURITY_POLICY } from '../core/content-security-policy.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'voxanne';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True for a URL of the app's own origin (`app://voxanne/...`). */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

export function secureWindowOptions(preloadPath: string, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Voxanne Desk',
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
    },
  };
}

/** Applied to every WebContents the app ever creates. */
export function hardenWebContents(contents: WebContents, externalLinkHosts: readonly string[], logger: Logger): void {
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    logger.warn('navigation blocked', { origin: safeOrigin(url) });
  });
  contents.on('will-redirect', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    logger.warn('redirect blocked', { origin: safeOrigin(url) });
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.warn('webview blocked');
  });
  contents.setWindowOpenHandler(({ url }) => {
    // No new windows ever; an allow-listed https link opens in the user's browser instead.
    if (isAllowedExternalLink(url, externalLinkHosts)) void shell.openExternal(url);
    else logger.warn('window.open blocked', { origin: safeOrigin(url) });
    return { action: 'deny' };
  });
}

/** Microphone (audio only) for the app's own main frame; everything else refused. */
export function installPermissionHandlers(session: Session, logger: Logger): void {
  session.setPermissionRequestHandler((_webContents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    const granted =
      permission === 'media' &&
      details.isMainFrame &&
      isAppUrl(details.requestingUrl) &&
      mediaTypes.length > 0 &&
      mediaTypes.every((type) => type === 'audio');
    if (!granted)
      logger.warn('permission refused', {
        permission,
        mediaTypes,
        mainFrame: details.isMainFrame,
        origin: safeOrigin(details.requestingUrl),
      });
    callback(granted);
  });
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin, details) => {
    return (
      permission === 'media' &&
      details.isMainFrame &&
      details.mediaType === 'audio' &&
      isAppUrl(details.securityOrigin ?? requestingOrigin) &&
      (details.requestingUrl === undefined || isAppUrl(details.requestingUrl))
    );
  });
}

function safeOrigin(url: string | undefined): string {
  try {
    return new URL(url ?? '').origin;
  } catch {
    return 'invalid';
  }
}
