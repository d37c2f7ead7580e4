// The shared end-to-end harness: the real backend in sandbox mode (temp DATA_DIR, free port, no
// simulated inbound calls unless a test asks), the browser host against it, and helpers to sign in.
// One backend and one host per test file (PGlite's first open is slow), stopped after the file.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { ROOT, freePort, nodeWithTsx, run, waitForHealth, type Running } from './processes.js';
import { controlClient, readSandboxControl } from '../../backend/sandbox/control-file.js';

export const DEMO_PASSWORD = 'demo-password-for-e2e';
export const FRONT_DESK_EMAIL = 'frontdesk@demo.voxanne.test';
export const ADMIN_EMAIL = 'admin@demo.voxanne.test';
const HOST_KEY_HEADER = 'x-voxanne-host-key';

export interface BackendProcess {
  url: string;
  port: number;
  dataDir: string;
  /** Starts (again) on the same port and data directory. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** Crash (SIGKILL). */
  kill(): Promise<void>;
  output(): string;
}

/** Each started backend's DATA_DIR by URL: its sandbox's control address and key are kept there. */
const dataDirs = new Map<string, string>();

/**
 * A DATA_DIR whose embedded database a real backend created, migrated and seeded on its first start
 * (global-setup.ts, once per run). Each backend starts on a copy of that database, as on a restart,
 * instead of paying the first start again: ~4 of its ~7.5 s of CPU, ten times per run.
 */
export const DATA_TEMPLATE_ENV = 'VOXANNE_E2E_DATA_TEMPLATE';

export async function startBackend(env: NodeJS.ProcessEnv = {}): Promise<BackendProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'voxanne-e2e-backend-'));
  const template = process.env[DATA_TEMPLATE_ENV];
  if (template) cpSync(path.join(template, 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  dataDirs.set(url, dataDir);
  let current: Running | null = null;
  let log = '';
  const backend: BackendProcess = {
    url,
    port,
    dataDir,
    start: async () => {
      current = run(...nodeWithTsx('backend/src/server.ts'), {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DEMO_PASSWORD,
        SANDBOX_INBOUND_CALLS_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
        ...env,
      });
      // A give-up point, not a verdict: two workers start backends side by side on a loaded 2-core box.
      try {
        await waitForHealth(url, 180_000, current);
      } catch (error) {
        // Never leave a backend behind that came up too late for the test.
        await current.kill();
        throw error;
      }
      // Pay the cold start of the sign-in path (first queries, the password hash) here, with no time
      // limit, rather than in the console's first sign-in, which gives up (VOXANNE_REQUEST_TIMEOUT_MS).
      await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: FRONT_DESK_EMAIL, password: DEMO_PASSWORD }),
      }).catch(() => {});
    },
    stop: async () => {
      log += current?.output() ?? '';
      await current?.stop();
    },
    kill: async () => {
      log += current?.output() ?? '';
      await current?.kill();
    },
    output: () => log + (current?.output() ?? ''),
  };
  await backend.start();
  return backend;
}

export interface HostProcess {
  /** Open this in the page: it carries the host's secret. */
  url: string;
  origin: string;
  secret: string;
  dataDir: string;
  stop(): Promise<void>;
  output(): string;
  /** What the host's notifier "showed" (the recording notifier). */
  notifications(): Promise<{ id: string; kind: string; title: string; body: string; navigate: unknown; clicked: boolean }[]>;
  /** Clicks it, or one of its buttons (`listen`, `take`). */
  clickNotification(id: string, action?: 'listen' | 'take'): Promise<void>;
  /** The host core's live connection: its state and the seqs of the raw events it holds (≤ 100). */
  live(): Promise<{ connection: { status: string; lastSeq: number; attempt: number; since: string }; recentSeqs: number[] }>;
}

export async function startHost(backendUrl: string): Promise<HostProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'voxanne-e2e-host-'));
  const running = run(...nodeWithTsx('main/host/host.ts'), {
    VOXANNE_BACKEND_URL: backendUrl,
    VOXANNE_HOST_PORT: '0',
    VOXANNE_HOST_DATA_DIR: dataDir,
    // Sign-ins hash at production's password cost while lint, types and the unit suites share the
    // 2 cores: the console's 10 s default gave up on them under that load. No test waits on this limit.
    VOXANNE_REQUEST_TIMEOUT_MS: '60000',
    LOG_LEVEL: 'warn',
  });
  const [, url = ''] = await running.waitForLine(/voxanne host: open (\S+)/, 60_000);
  const parsed = new URL(url);
  const secret = new URLSearchParams(parsed.hash.slice(1)).get('k') ?? '';
  const hook = `${parsed.origin}/__host/notifications`;
  return {
    url,
    origin: parsed.origin,
    secret,
    dataDir,
    output: running.output,
    stop: async () => {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    notifications: async () => {
      const response = await fetch(hook, { headers: { [HOST_KEY_HEADER]: secret } });
      return ((await response.json()) as { notifications: Awaited<ReturnType<HostProcess['notifications']>> }).notifications;
    },
    live: async () => {
      const response = await fetch(`${parsed.origin}/__host/live`, { headers: { [HOST_KEY_HEADER]: secret } });
      return (await response.json()) as Awaited<ReturnType<HostProcess['live']>>;
    },
    clickNotification: async (id, action) => {
      const query = action ? `?action=${action}` : '';
      const response = await fetch(`${hook}/${id}/click${query}`, { method: 'POST', headers: { [HOST_KEY_HEADER]: secret } });
      if (response.status !== 200) throw new Error(`no notification ${id}`);
    },
  };
}

/** Builds renderer/dist once if it is missing (the host serves it). */
export async function ensureRendererBuilt(): Promise<void> {
  const { existsSync } = await import('node:fs');
  if (existsSync(path.join(ROOT, 'renderer/dist/index.html'))) return;
  const build = run('npm', ['run', 'build', '-w', '@voxanne/renderer'], {});
  await build.waitForLine(/built in|✓ built/, 180_000);
  await new Promise<void>((resolve) => build.child.once('exit', () => resolve()));
}

export async function signIn(page: Page, host: HostProcess, email = FRONT_DESK_EMAIL, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(host.url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

type Desk = { backend: BackendProcess; host: HostProcess };

async function startDesk(): Promise<Desk> {
  await ensureRendererBuilt();
  const backend = await startBackend();
  const host = await startHost(backend.url);
  return { backend, host };
}

async function stopDesk(desk: Desk): Promise<void> {
  await desk.host.stop();
  await desk.backend.stop();
  rmSync(desk.backend.dataDir, { recursive: true, force: true });
}

/**
 * `test` with a `desk` (backend + host) per test FILE: the tests of one file share it (PGlite's
 * first open is slow), and the next file gets a fresh one, so files never see each other's data or
 * sign-in. Playwright has no file scope, so a worker-scoped holder swaps desks when the file changes.
 */
export const test = base.extend<{ desk: Desk }, { deskHolder: { desk: Desk | null; file: string | null } }>({
  deskHolder: [
    // Playwright reads a fixture's dependencies from this destructuring; this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const holder: { desk: Desk | null; file: string | null } = { desk: null, file: null };
      try {
        await use(holder);
      } finally {
        if (holder.desk) await stopDesk(holder.desk);
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  desk: [
    async ({ deskHolder }, use, testInfo) => {
      if (deskHolder.file !== testInfo.file || !deskHolder.desk) {
        if (deskHolder.desk) await stopDesk(deskHolder.desk);
        deskHolder.desk = null;
        deskHolder.desk = await startDesk();
        deskHolder.file = testInfo.file;
      }
      await use(deskHolder.desk);
    },
    { timeout: 240_000 },
  ],
});

export { expect };

/** A signed-in REST session straight against the backend, for arranging what a test needs. */
export async function apiSession(backendUrl: string, email = ADMIN_EMAIL) {
  const response = await fetch(`${backendUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login as ${email} failed: HTTP ${response.status}`);
  const tokens = (await response.json()) as { accessToken: string; csrfToken: string };
  const send = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
    const r = await fetch(`${backendUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.accessToken}`, 'x-csrf-token': tokens.csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json().catch(() => null)) as unknown };
  };
  const post = (path: string, body: unknown) => send('POST', path, body);
  return { accessToken: tokens.accessToken, post, send };
}

/** The telephony sandbox's control API of the backend using `dataDir` (address and key from its file). */
export function sandboxControl(dataDir: string): (route: string, init?: RequestInit) => Promise<Response> {
  return controlClient(readSandboxControl(dataDir));
}

/** A patient rings the clinic, through the telephony sandbox's control API. Returns the call id. */
export async function placeInboundCall(
  backendUrl: string,
  body: { script?: string; callerName?: string; from?: string } = {},
): Promise<string> {
  const dataDir = dataDirs.get(backendUrl);
  if (!dataDir) throw new Error(`no backend was started here at ${backendUrl}`);
  const response = await sandboxControl(dataDir)('/inbound-calls', { method: 'POST', body: JSON.stringify(body) });
  if (response.status !== 202) throw new Error(`the sandbox refused the call: HTTP ${response.status}`);
  return ((await response.json()) as { callId: string }).callId;
}
