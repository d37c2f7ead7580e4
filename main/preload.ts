// The preload: exposes `window.voxanne`, built from the IPC channel tables as named methods only
// (`voxanne.calls.list(query)`, `voxanne.live.onBatch(listener)`), never a generic send or invoke.
// It also forwards the web-test and listen-in MessagePorts the page offers with window.postMessage (see ipc.ts).
// Bundled to CommonJS: sandboxed preloads cannot load ES modules.
import {
  LISTEN_PORT_CHANNEL,
  ListenPortOfferSchema,
  WEB_TEST_PORT_CHANNEL,
  WebTestPortOfferSchema,
  ipcInvokeChannels,
  ipcPushChannels,
  splitChannel,
} from '@voxanne/protocol';
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

type Namespace = Record<string, (arg: never) => unknown>;
const bridge: Record<string, Namespace> = {};

for (const channel of Object.keys(ipcInvokeChannels)) {
  const [ns, method] = splitChannel(channel);
  (bridge[ns] ??= {})[method] = (request: unknown) => ipcRenderer.invoke(channel, request);
}
for (const channel of Object.keys(ipcPushChannels)) {
  const [ns, method] = splitChannel(channel);
  (bridge[ns] ??= {})[method] = (listener: (payload: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError(`${channel} needs a listener function`);
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => void ipcRenderer.removeListener(channel, forward);
  };
}

contextBridge.exposeInMainWorld('voxanne', bridge);

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || event.origin !== window.location.origin) return;
  const [port] = event.ports;
  if (!port) return;
  const webTest = WebTestPortOfferSchema.safeParse(event.data);
  if (webTest.success) return ipcRenderer.postMessage(WEB_TEST_PORT_CHANNEL, webTest.data, [port]);
  const listen = ListenPortOfferSchema.safeParse(event.data);
  if (listen.success) ipcRenderer.postMessage(LISTEN_PORT_CHANNEL, listen.data, [port]);
});
