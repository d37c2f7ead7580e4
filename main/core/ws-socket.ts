// The SocketFactory built on the `ws` package: used by the Electron shell, the browser host and tests.
//
// It folds ws's error/unexpected-response/close events into one `onClose` per socket, so the code
// above it has exactly one place where a connection ends, and it removes its own listeners then.
import { WebSocket } from 'ws';
import type { ClientSocket, SocketClosed, SocketFactory, SocketHandlers } from './ports.js';

export interface WsSocketOptions {
  /** Handshake time limit. */
  handshakeTimeoutMs?: number;
  /** Largest message accepted from the server. */
  maxPayloadBytes?: number;
}

export function createWsSocketFactory(options: WsSocketOptions = {}): SocketFactory {
  return (url, protocols, handlers) => openWsSocket(url, protocols, handlers, options);
}

function openWsSocket(url: string, protocols: string[], handlers: SocketHandlers, options: WsSocketOptions): ClientSocket {
  const ws = new WebSocket(url, protocols, {
    handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
    maxPayload: options.maxPayloadBytes ?? 4 * 1024 * 1024,
    perMessageDeflate: false,
  });
  ws.binaryType = 'nodebuffer';
  let wasOpen = false;
  let handshakeStatus: number | null = null;
  let error: string | null = null;
  let ended = false;

  ws.on('open', () => {
    wasOpen = true;
    handshakeStatus = null;
    handlers.onOpen(ws.protocol);
  });
  ws.on('message', (data, isBinary) => {
    if (ended) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) handlers.onMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), true);
    else handlers.onMessage(bytes.toString('utf8'), false);
  });
  ws.on('ping', () => !ended && handlers.onActivity());
  ws.on('pong', () => !ended && handlers.onActivity());
  // Handling this event ourselves keeps the status code (401 means "refresh the token", 503 does not).
  ws.on('unexpected-response', (req, res) => {
    handshakeStatus = res.statusCode ?? null;
    res.resume();
    req.destroy(new Error(`server refused the connection (HTTP ${handshakeStatus ?? '?'})`));
  });
  ws.on('error', (err) => {
    error ??= err.message;
  });
  ws.on('close', (code, reason) => {
    if (ended) return;
    ended = true;
    ws.removeAllListeners();
    // A stray late 'error' after close must not become an uncaught exception.
    ws.on('error', () => {});
    const closed: SocketClosed = { code, reason: reason.toString('utf8'), wasOpen, handshakeStatus, error };
    handlers.onClose(closed);
  });

  return {
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    ping: () => {
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    },
    close: (code, reason) => {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    },
    terminate: () => ws.terminate(),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}
