// The browser-side client of the browser host (main/host): the same `VoxanneBridge` the Electron
// preload exposes, carried over a loopback WebSocket. Only used where `window.voxanne` is absent.
//
// The host prints `http://127.0.0.1:PORT/#k=SECRET`; the secret is moved from the address bar into
// sessionStorage (so a reload keeps working and the secret does not linger in the URL) and sent as
// the `key.<secret>` subprotocol. If the socket drops, calls in flight answer `unavailable`, the
// client reconnects, and listeners are told the current session and connection state again.
import {
  HOST_BRIDGE_PATH,
  HOST_BRIDGE_PROTOCOL,
  HOST_KEY_FRAGMENT,
  HOST_KEY_SUBPROTOCOL_PREFIX,
  HOST_LISTEN_PATH,
  HOST_WEB_TEST_PATH,
  HostBridgeServerMessageSchema,
  ListenPortOfferSchema,
  WebTestPortOfferSchema,
  decodeBridgeJson,
  encodeBridgeJson,
  ipcInvokeChannels,
  ipcPushChannels,
  splitChannel,
  type IpcPushChannel,
  type IpcResult,
  type VoxanneBridge,
} from '@voxanne/protocol';

const KEY_STORAGE = 'voxanne.hostKey';
const RECONNECT_STEPS_MS = [500, 1_000, 2_000, 5_000];
const LOST: IpcResult<never> = {
  ok: false,
  error: { code: 'unavailable', message: 'Lost contact with the Voxanne Desk host. Trying again…' },
};

export class HostKeyMissingError extends Error {
  constructor() {
    super('Open the address the Voxanne browser host printed: it carries the key this page needs.');
    this.name = 'HostKeyMissingError';
  }
}

function takeKey(): string {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromUrl = fragment.get(HOST_KEY_FRAGMENT);
  if (fromUrl) {
    window.sessionStorage.setItem(KEY_STORAGE, fromUrl);
    fragment.delete(HOST_KEY_FRAGMENT);
    const rest = fragment.toString();
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
    return fromUrl;
  }
  const stored = window.sessionStorage.getItem(KEY_STORAGE);
  if (!stored) throw new HostKeyMissingError();
  return stored;
}

function socketUrl(path: string): string {
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}${path}`;
}

export function connectHostBridge(): Promise<VoxanneBridge> {
  const key = takeKey();
  const protocols = [HOST_BRIDGE_PROTOCOL, HOST_KEY_SUBPROTOCOL_PREFIX + key];
  const pending = new Map<number, (result: IpcResult<unknown>) => void>();
  const listeners = new Map<IpcPushChannel, Set<(payload: unknown) => void>>();
  let socket: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;
  let everOpened = false;

  const emit = (channel: IpcPushChannel, payload: unknown) => {
    for (const listener of [...(listeners.get(channel) ?? [])]) listener(payload);
  };

  const invoke = (channel: string, request: unknown): Promise<IpcResult<unknown>> =>
    new Promise((resolve) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        resolve(LOST);
        return;
      }
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(encodeBridgeJson({ type: 'invoke', id, channel, request }));
    });

  // After a reconnect the host may have moved on: tell the listeners where things stand now.
  const catchUp = async () => {
    const [session, connection] = await Promise.all([invoke('session.getState', {}), invoke('connection.getState', {})]);
    if (session.ok) emit('session.onState', session.data);
    if (connection.ok) emit('connection.onState', connection.data);
  };

  const ready = new Promise<void>((resolve, reject) => {
    const open = () => {
      const ws = new WebSocket(socketUrl(HOST_BRIDGE_PATH), protocols);
      socket = ws;
      ws.onopen = () => {
        attempt = 0;
        if (everOpened) void catchUp();
        everOpened = true;
        resolve();
      };
      ws.onmessage = (event: MessageEvent<string>) => {
        const parsed = HostBridgeServerMessageSchema.safeParse(decodeBridgeJson(event.data));
        if (!parsed.success) return;
        const message = parsed.data;
        if (message.type === 'result') {
          pending.get(message.id)?.(message.result);
          pending.delete(message.id);
          return;
        }
        const channel = message.channel as IpcPushChannel;
        const schema = ipcPushChannels[channel];
        const payload = schema?.safeParse(message.payload);
        if (payload?.success) emit(channel, payload.data);
      };
      ws.onclose = () => {
        if (socket === ws) socket = null;
        for (const resolvePending of pending.values()) resolvePending(LOST);
        pending.clear();
        if (!everOpened) {
          reject(new Error('The Voxanne Desk host refused this page. Open the address it printed again.'));
          return;
        }
        const delay = RECONNECT_STEPS_MS[Math.min(attempt, RECONNECT_STEPS_MS.length - 1)] ?? 5_000;
        attempt++;
        window.setTimeout(open, delay);
      };
    };
    open();
  });

  const bridge: Record<string, Record<string, unknown>> = {};
  for (const channel of Object.keys(ipcInvokeChannels)) {
    const [ns, method] = splitChannel(channel);
    (bridge[ns] ??= {})[method] = (request: unknown) => invoke(channel, request);
  }
  for (const channel of Object.keys(ipcPushChannels) as IpcPushChannel[]) {
    const [ns, method] = splitChannel(channel);
    (bridge[ns] ??= {})[method] = (listener: (payload: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => void set.delete(listener);
    };
  }

  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window || event.origin !== window.location.origin) return;
    const [port] = event.ports;
    if (!port) return;
    const webTest = WebTestPortOfferSchema.safeParse(event.data);
    if (webTest.success) return relayPort(HOST_WEB_TEST_PATH, port, webTest.data, protocols);
    const listen = ListenPortOfferSchema.safeParse(event.data);
    if (listen.success) relayPort(HOST_LISTEN_PATH, port, listen.data, protocols);
  });

  return ready.then(() => bridge as unknown as VoxanneBridge);
}

/** Pipes an audio MessagePort (web test, listen-in) through its own loopback socket to the host's relay. */
function relayPort(path: string, port: MessagePort, offer: unknown, protocols: string[]): void {
  const ws = new WebSocket(socketUrl(path), protocols);
  ws.binaryType = 'arraybuffer';
  const early: unknown[] = [];
  const send = (data: unknown) => {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) ws.send(data as ArrayBuffer);
    else ws.send(JSON.stringify(data));
  };
  ws.onopen = () => {
    ws.send(JSON.stringify(offer));
    for (const data of early.splice(0)) send(data);
  };
  port.onmessage = (event: MessageEvent) => {
    if (ws.readyState === WebSocket.OPEN) send(event.data);
    else if (ws.readyState === WebSocket.CONNECTING && early.length < 10) early.push(event.data);
  };
  ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
    if (typeof event.data === 'string') {
      try {
        port.postMessage(JSON.parse(event.data));
      } catch {
        // Not JSON: nothing the page could use.
      }
    } else {
      port.postMessage(new Uint8Array(event.data), [event.data]);
    }
  };
  ws.onclose = () => port.close();
}
