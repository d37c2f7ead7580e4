// The preload: named methods only, built from the channel tables; push listeners that can be
// removed; a web-test port forwarded only when this very window offers it.
import { randomUUID } from 'node:crypto';
import {
  LISTEN_PORT_CHANNEL,
  LISTEN_PORT_OFFER,
  WEB_TEST_PORT_CHANNEL,
  WEB_TEST_PORT_OFFER,
  ipcInvokeChannels,
  ipcPushChannels,
} from '@voxanne/protocol';
import { afterAll, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(async () => ({ ok: true, data: null })), on: vi.fn(), removeListener: vi.fn(), postMessage: vi.fn() },
}));
vi.mock('electron', () => electron);

const fakeWindow = Object.assign(new EventTarget(), { location: { origin: 'app://voxanne' } });
vi.stubGlobal('window', fakeWindow);
// Test files share their worker's globals: a `window` left behind makes other code (PGlite's loader)
// believe it runs in a browser.
afterAll(() => vi.unstubAllGlobals());
await import('../preload.js');
const [[name, bridge]] = electron.contextBridge.exposeInMainWorld.mock.calls as unknown as [
  [string, Record<string, Record<string, (arg: unknown) => unknown>>],
];

function offerPort(data: unknown, source: unknown, origin: string) {
  const port = { close: vi.fn() };
  const event = Object.assign(new Event('message'), { data, source, origin, ports: [port] });
  fakeWindow.dispatchEvent(event);
  return port;
}

describe('preload', () => {
  it('exposes window.voxanne with exactly the named channel methods', () => {
    expect(name).toBe('voxanne');
    const exposed = Object.entries(bridge).flatMap(([ns, methods]) => Object.keys(methods).map((m) => `${ns}.${m}`));
    expect(exposed.sort()).toEqual([...Object.keys(ipcInvokeChannels), ...Object.keys(ipcPushChannels)].sort());
    expect(Object.values(bridge).flatMap((methods) => Object.keys(methods))).not.toContain('send');
  });

  it('invokes its own channel and nothing else', async () => {
    await bridge.calls?.list?.({ limit: 5 });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith('calls.list', { limit: 5 });
  });

  it('subscribes push listeners and removes them again', () => {
    const listener = vi.fn();
    const unsubscribe = bridge.live?.onBatch?.(listener) as () => void;
    const [channel, forward] = electron.ipcRenderer.on.mock.calls.at(-1) as unknown as [string, (e: unknown, p: unknown) => void];
    expect(channel).toBe('live.onBatch');
    forward({ sender: 'ipc' }, { events: [], resyncRequired: false });
    expect(listener).toHaveBeenCalledWith({ events: [], resyncRequired: false });
    unsubscribe();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith('live.onBatch', forward);
    expect(() => bridge.live?.onBatch?.('not a function')).toThrow(TypeError);
  });

  it('forwards a web-test port offered by this window, and ignores any other offer', () => {
    const offer = { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() };
    offerPort(offer, {}, 'app://voxanne');
    offerPort(offer, fakeWindow, 'https://evil.example');
    offerPort({ type: 'something-else' }, fakeWindow, 'app://voxanne');
    expect(electron.ipcRenderer.postMessage).not.toHaveBeenCalled();
    const port = offerPort(offer, fakeWindow, 'app://voxanne');
    expect(electron.ipcRenderer.postMessage).toHaveBeenCalledWith(WEB_TEST_PORT_CHANNEL, offer, [port]);
  });

  it('forwards a listen port for a call on its own channel; a listen offer carrying a ticket is not one', () => {
    electron.ipcRenderer.postMessage.mockClear();
    const offer = { type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: randomUUID() };
    offerPort({ ...offer, ticket: 'ticket-0123456789abcdef' }, fakeWindow, 'app://voxanne');
    offerPort(offer, fakeWindow, 'https://evil.example');
    expect(electron.ipcRenderer.postMessage).not.toHaveBeenCalled();
    const port = offerPort(offer, fakeWindow, 'app://voxanne');
    expect(electron.ipcRenderer.postMessage).toHaveBeenCalledWith(LISTEN_PORT_CHANNEL, offer, [port]);
  });
});
