// The browser host: main/core running in plain Node, serving the built renderer to a browser and
// bridging the typed API over a loopback WebSocket. It exists so that the real renderer, the real
// main-process core and the real backend run end to end in Chromium where Electron cannot.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { CallOpenActionSchema, HOST_KEY_FRAGMENT } from '@voxanne/protocol';
import sirv from 'sirv';
import { createDesktopCore, type DesktopCore } from '../core/desktop-core.js';
import { KeyValueSettingsStore } from '../core/kv-settings-store.js';
import type { Logger } from '../core/logger.js';
import type { PowerHints } from '../core/ports.js';
import { CONTENT_SECURITY_POLICY } from '../core/content-security-policy.js';
import { BridgeServer } from './bridge-server.js';
import { FileVault, JsonFileStore } from './file-stores.js';
import { RecordingNotifier } from './recording-notifier.js';

/**
 * Test hooks, behind the run's secret: the notifications the host "showed" (and a way to click one),
 * and what the live connection holds (its state and the seqs of its recent raw events).
 */
export const HOST_HOOKS_PREFIX = '/__host/';
export const HOST_NOTIFICATIONS_PATH = '/__host/notifications';
export const HOST_LIVE_PATH = '/__host/live';
export const HOST_KEY_HEADER = 'x-voxanne-host-key';

export interface BrowserHostOptions {
  backendUrl: string;
  requestTimeoutMs?: number;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  rendererDir: string;
  externalLinkHosts: readonly string[];
  version: string;
  logger: Logger;
  /** Fixed secret (tests); a fresh random one otherwise. */
  secret?: string;
}

export interface BrowserHost {
  /** Open this: it carries the secret in the fragment. */
  url: string;
  origin: string;
  secret: string;
  core: DesktopCore;
  notifier: RecordingNotifier;
  rendererBuilt: boolean;
  close(): Promise<void>;
}

/** Node has no OS network or sleep events for us: the connection relies on its own backoff. */
const steadyPower: PowerHints = { isOnline: () => true, subscribe: () => () => {} };

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  // Owner-only, including a directory that already existed with looser bits: it holds a refresh token.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  const notifier = new RecordingNotifier();
  const logger = options.logger.child({ part: 'host' });
  const opened: string[] = [];

  const core = createDesktopCore({
    backendUrl: options.backendUrl,
    requestTimeoutMs: options.requestTimeoutMs,
    host: 'browser',
    version: options.version,
    platform: process.platform,
    externalLinkHosts: options.externalLinkHosts,
    vault: new FileVault(path.join(options.dataDir, 'refresh-token')),
    notifications: notifier,
    shell: {
      focusWindow: () => {},
      openExternal: async (url) => {
        // A browser opens links itself; the host only notes that the app asked.
        opened.push(url);
        logger.info('external link requested', { origin: new URL(url).origin });
      },
      startAtLoginSupported: false,
      setStartAtLogin: () => {},
    },
    power: steadyPower,
    settings: new KeyValueSettingsStore(new JsonFileStore(path.join(options.dataDir, 'settings.json'))),
    logger: options.logger,
  });

  let origin = '';
  const bridge = new BridgeServer({ core, secret, origin: () => origin, logger });
  const rendererBuilt = existsSync(path.join(options.rendererDir, 'index.html'));
  const serveStatic = rendererBuilt ? sirv(options.rendererDir, { single: true, dev: false, etag: true }) : null;

  const server = http.createServer((req, res) => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (`http://${req.headers.host ?? ''}` !== origin) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname.startsWith(HOST_HOOKS_PREFIX)) {
      handleTestHook(req, res, url, secret, notifier, core);
      return;
    }
    if (serveStatic) {
      serveStatic(req, res, () => void res.writeHead(404).end('Not found'));
      return;
    }
    res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><title>Voxanne Desk</title><h1>The console is not built yet</h1>' +
        '<p>Run <code>npm run build -w @voxanne/renderer</code>, then reload this page.</p>',
    );
  });
  server.on('upgrade', (req, socket, head) => bridge.handleUpgrade(req, socket as Socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the bridge is never reachable from another machine.
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await core.start();
  logger.info('browser host ready', { origin, rendererBuilt });

  return {
    url: `${origin}/#${HOST_KEY_FRAGMENT}=${secret}`,
    origin,
    secret,
    core,
    notifier,
    rendererBuilt,
    close: async () => {
      bridge.close();
      await core.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handleTestHook(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  secret: string,
  notifier: RecordingNotifier,
  core: DesktopCore,
): void {
  const given = Buffer.from(String(req.headers[HOST_KEY_HEADER] ?? ''));
  const expected = Buffer.from(secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    res.writeHead(401).end();
    return;
  }
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (req.method === 'GET' && url.pathname === HOST_NOTIFICATIONS_PATH)
    return json(200, { notifications: notifier.list(), tray: notifier.tray });
  if (req.method === 'GET' && url.pathname === HOST_LIVE_PATH) {
    return json(200, { connection: core.live.getState(), recentSeqs: core.live.recentEvents().map((e) => e.seq) });
  }
  // `?action=listen|take` clicks one of the notification's buttons instead.
  const click = /^\/__host\/notifications\/([\w-]{1,64})\/click$/.exec(url.pathname);
  if (req.method === 'POST' && click?.[1]) {
    const action = url.searchParams.has('action') ? CallOpenActionSchema.safeParse(url.searchParams.get('action')) : null;
    if (action && !action.success) return json(400, {});
    return json(notifier.click(click[1], action?.data) ? 200 : 404, {});
  }
  json(404, {});
}
