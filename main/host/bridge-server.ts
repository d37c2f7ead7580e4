// The loopback WebSocket that carries the typed bridge to the browser (the browser
// host). Who may connect: a page of this host's own origin, reached by its loopback address, that
// presents this run's secret as the `key.<secret>` subprotocol. What it may do: exactly what the
// Electron IPC binding allows, through the same validating door (`core.invoke`).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  HOST_BRIDGE_PATH,
  HOST_BRIDGE_PROTOCOL,
  HOST_KEY_SUBPROTOCOL_PREFIX,
  HOST_LISTEN_PATH,
  HOST_WEB_TEST_PATH,
  HostBridgeClientMessageSchema,
  decodeBridgeJson,
  encodeBridgeJson,
  type HostBridgeServerMessage,
} from '@voxanne/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DesktopCore } from '../core/desktop-core.js';
import type { Logger } from '../core/logger.js';
import type { RelayPort } from '../core/web-test-relay.js';

/** Knowledge uploads (10 MB) travel base64-encoded in one message. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface BridgeServerOptions {
  core: DesktopCore;
  secret: string;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  origin: () => string;
  logger: Logger;
}

export class BridgeServer {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<WebSocket>();
  private readonly stopPushes: () => void;

  constructor(private readonly o: BridgeServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      handleProtocols: (protocols) => (protocols.has(HOST_BRIDGE_PROTOCOL) ? HOST_BRIDGE_PROTOCOL : false),
    });
    this.stopPushes = o.core.onPush((channel, payload) => {
      const text = encodeBridgeJson({ type: 'push', channel, payload } satisfies HostBridgeServerMessage);
      for (const client of this.clients) client.send(text);
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Why an upgrade is refused, or null when it may proceed. */
  refusal(req: IncomingMessage): number | null {
    const origin = this.o.origin();
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== HOST_BRIDGE_PATH && url.pathname !== HOST_WEB_TEST_PATH && url.pathname !== HOST_LISTEN_PATH) return 404;
    // A page elsewhere (or a DNS-rebinding name for this port) never gets in.
    if (req.headers.origin !== origin || `http://${req.headers.host ?? ''}` !== origin) return 403;
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const key = offered.find((p) => p.startsWith(HOST_KEY_SUBPROTOCOL_PREFIX))?.slice(HOST_KEY_SUBPROTOCOL_PREFIX.length) ?? '';
    if (!offered.includes(HOST_BRIDGE_PROTOCOL) || !sameSecret(key, this.o.secret)) return 401;
    return null;
  }

  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const status = this.refusal(req);
    if (status !== null) {
      this.o.logger.warn('bridge connection refused', { status, origin: req.headers.origin ?? null });
      socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const path = new URL(req.url ?? '/', this.o.origin()).pathname;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (path === HOST_WEB_TEST_PATH) this.onPort(ws, (port, offer) => this.o.core.attachWebTestPort(port, offer));
      else if (path === HOST_LISTEN_PATH) this.onPort(ws, (port, offer) => this.o.core.attachListenPort(port, offer));
      else this.onBridge(ws);
    });
  }

  close(): void {
    this.stopPushes();
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private onBridge(ws: WebSocket): void {
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text only');
      let message;
      try {
        message = HostBridgeClientMessageSchema.safeParse(decodeBridgeJson(String(data)));
      } catch {
        message = null;
      }
      if (!message?.success) {
        this.o.logger.warn('bridge message off the contract; closing');
        return ws.close(1008, 'bad message');
      }
      const { id, channel, request } = message.data;
      void this.o.core.invoke(channel, request).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(encodeBridgeJson({ type: 'result', id, result } satisfies HostBridgeServerMessage));
      });
    });
  }

  /**
   * An audio port (web test, listen-in) carried by its own socket. First text message: the port's
   * offer, which the core validates. Then binary frames and JSON control, as on a MessagePort.
   */
  private onPort(ws: WebSocket, attach: (port: RelayPort<unknown>, offer: unknown) => boolean): void {
    const listeners: ((data: unknown) => void)[] = [];
    const closers: (() => void)[] = [];
    let attached = false;
    const port: RelayPort<unknown> = {
      post: (message) => {
        if (ws.readyState !== ws.OPEN) return;
        if (message instanceof Uint8Array) ws.send(message, { binary: true });
        else ws.send(JSON.stringify(message));
      },
      onMessage: (listener) => void listeners.push(listener),
      onClose: (listener) => void closers.push(listener),
      close: () => ws.close(1000, 'relay closed'),
      get backlogBytes() {
        return ws.bufferedAmount;
      },
    };
    ws.on('close', () => closers.forEach((c) => c()));
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!attached) {
        attached = true;
        let offer: unknown;
        try {
          offer = JSON.parse(bytes.toString('utf8'));
        } catch {
          offer = null;
        }
        if (isBinary || !attach(port, offer)) ws.close(1008, 'bad offer');
        return;
      }
      let value: unknown;
      if (isBinary) value = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      else {
        try {
          value = JSON.parse(bytes.toString('utf8'));
        } catch {
          return;
        }
      }
      for (const listener of listeners) listener(value);
    });
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
