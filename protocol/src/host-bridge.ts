// Wire protocol between the browser host (main/host, Node) and its browser-side client
// (renderer/src/bridge/host-bridge.ts). It carries the IPC channel tables of ipc.ts unchanged:
// invoke requests are validated by main exactly as the Electron IPC binding validates them.
//
// Loopback only. The socket is authenticated by a per-run secret the host prints in its URL
// (`http://127.0.0.1:PORT/#k=SECRET`), sent back as the subprotocol `key.<secret>`; the host also
// checks the Origin is its own.
import { z } from 'zod';
import { text } from './common.js';
import { ipcResultSchema } from './ipc.js';

export const HOST_BRIDGE_PATH = '/bridge';
/** One socket per web-test relay; first text message is a WebTestPortOffer, then frames. */
export const HOST_WEB_TEST_PATH = '/bridge/web-test';
/** One socket per listen-in relay; first text message is a ListenPortOffer, then frames. */
export const HOST_LISTEN_PATH = '/bridge/listen';
export const HOST_BRIDGE_PROTOCOL = 'voxanne-host.v1';
export const HOST_KEY_SUBPROTOCOL_PREFIX = 'key.';
/** The URL fragment parameter carrying the secret (a fragment never reaches a server or a log). */
export const HOST_KEY_FRAGMENT = 'k';

export const HostBridgeClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('invoke'),
    id: z.number().int().nonnegative(),
    channel: text().min(1).max(64),
    request: z.unknown(),
  }),
]);
export type HostBridgeClientMessage = z.infer<typeof HostBridgeClientMessageSchema>;

export const HostBridgeServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), result: ipcResultSchema(z.unknown()) }),
  z.object({ type: z.literal('push'), channel: text(), payload: z.unknown() }),
]);
export type HostBridgeServerMessage = z.infer<typeof HostBridgeServerMessageSchema>;

// JSON has no bytes; knowledge uploads do. A Uint8Array travels as {"$bytes": "<base64>"}.
const BYTES_KEY = '$bytes';

export function encodeBridgeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? { [BYTES_KEY]: bytesToBase64(v) } : v));
}

export function decodeBridgeJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const encoded = (v as Record<string, unknown>)[BYTES_KEY];
      if (keys.length === 1 && typeof encoded === 'string') return base64ToBytes(encoded);
    }
    return v;
  });
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
