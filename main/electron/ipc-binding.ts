// Binds the IPC channel tables to ipcMain. Every handler first checks that the sender is the app's
// own main frame in the app's own window, then hands the raw request to the core's IPC door, which
// validates it with the protocol schema. Pushes go only to that window.
import { LISTEN_PORT_CHANNEL, WEB_TEST_PORT_CHANNEL, ipcInvokeChannels, type IpcResult } from '@voxanne/protocol';
import type { BrowserWindow, IpcMain, IpcMainEvent, IpcMainInvokeEvent, MessagePortMain } from 'electron';
import type { DesktopCore } from '../core/desktop-core.js';
import type { Logger } from '../core/logger.js';
import type { RelayPort } from '../core/web-test-relay.js';
import { isAppUrl } from './window-security.js';

const REFUSED: IpcResult<never> = {
  ok: false,
  error: { code: 'forbidden', message: 'This request did not come from the Voxanne window.' },
};

/** The sender must be our window's main frame, showing our own page. */
export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  if (!window || window.isDestroyed() || !frame) return false;
  if (event.sender !== window.webContents) return false;
  if (frame !== window.webContents.mainFrame || frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

export function bindIpc(ipcMain: IpcMain, core: DesktopCore, getWindow: () => BrowserWindow | null, logger: Logger): () => void {
  const channels = Object.keys(ipcInvokeChannels);
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, request: unknown) => {
      if (!isTrustedSender(event, getWindow())) {
        logger.warn('IPC from an untrusted sender refused', { channel, url: event.senderFrame?.url.slice(0, 100) ?? null });
        return REFUSED;
      }
      return core.invoke(channel, request);
    });
  }

  /** An audio port from the renderer: only from our own window, then the core validates the offer. */
  const portHandler = (what: string, attach: (port: MessagePortMain, offer: unknown) => void) => (event: IpcMainEvent, offer: unknown) => {
    const [port] = event.ports;
    if (!port) return;
    if (!isTrustedSender(event, getWindow())) {
      logger.warn(`${what} port from an untrusted sender refused`);
      port.close();
      return;
    }
    attach(port, offer);
  };
  const onWebTestPort = portHandler('web-test', (port, offer) => core.attachWebTestPort(relayPortOf(port), offer));
  const onListenPort = portHandler('listen', (port, offer) => core.attachListenPort(relayPortOf(port), offer));
  ipcMain.on(WEB_TEST_PORT_CHANNEL, onWebTestPort);
  ipcMain.on(LISTEN_PORT_CHANNEL, onListenPort);

  const stopPushes = core.onPush((channel, payload) => {
    const window = getWindow();
    if (window && !window.isDestroyed()) window.webContents.send(channel, payload);
  });

  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
    ipcMain.removeListener(WEB_TEST_PORT_CHANNEL, onWebTestPort);
    ipcMain.removeListener(LISTEN_PORT_CHANNEL, onListenPort);
    stopPushes();
  };
}

export function relayPortOf<M>(port: MessagePortMain): RelayPort<M> {
  const relay: RelayPort<M> = {
    post: (message) => port.postMessage(message),
    onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    onClose: (listener) => port.on('close', listener),
    close: () => port.close(),
  };
  port.start();
  return relay;
}
