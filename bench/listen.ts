// Listening in on live calls, end to end on one machine: the backend in its own process
// (bench/listen-server.ts, sandbox telephony), its listen hub opening the sandbox's per-call listen
// streams (stereo PCM, 20 ms frames, paced in real time) and fanning them out on /ws/listen to this
// process, which stands in for the desktop side: each frame is taken off its socket and queued for
// playback, as main's relay and the renderer's jitter buffer would.
//
// 1. Latency: one listener on one call; from a frame leaving the sandbox's platform socket to the same
//    frame queued here (the sequence number rides in its first samples; both sides read the
//    machine-wide monotonic clock). p50/p95/p99, budget p95 < 50 ms.
// 2. Load: 50 listeners on 25 calls (two per call) for `--seconds`: the backend's CPU time per
//    listener-second and its RSS, and the latency under that load.
//
// Note: the stand-in skips main's IPC hop and the renderer's AudioWorklet: the figure is the
// backend's and the network's share of the delay.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import {
  AUTH_SUBPROTOCOL_PREFIX,
  LISTEN_SOCKET_PATH,
  LIVE_PROTOCOL,
  type CallListResponse,
  type ListenTicketResponse,
  type LoginResponse,
} from '@voxanne/protocol';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    calls: { type: 'string', default: '25' },
    listeners: { type: 'string', default: '50' },
  },
});
const SECONDS = Number(args.seconds);
const CALLS = Number(args.calls);
const LISTENERS = Number(args.listeners);
const LATENCY_BUDGET_P95_MS = 50;
const here = path.dirname(fileURLToPath(import.meta.url));

const server: ChildProcess = spawn(
  process.execPath,
  ['--conditions=@voxanne/source', '--import', 'tsx', path.join(here, 'listen-server.ts')],
  {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  },
);
const ready = await new Promise<{ backendUrl: string; email: string; password: string }>((resolve, reject) => {
  server.once('exit', (code) => reject(new Error(`bench server exited (${code}) before it was ready`)));
  createInterface({ input: server.stdout! }).on('line', (line) => {
    try {
      const parsed = JSON.parse(line) as { backendUrl?: string; email: string; password: string };
      if (parsed.backendUrl) resolve(parsed as { backendUrl: string; email: string; password: string });
    } catch {
      process.stderr.write(`[server] ${line}\n`);
    }
  });
});

const departedAt = new Map<number, bigint>();
const pending = new Map<number, (value: unknown) => void>();
let nextRequest = 1;
server.on('message', (message: { type: string; id?: number; items?: Array<[number, string]> }) => {
  if (message.type === 'departures') for (const [seq, at] of message.items!) departedAt.set(seq, BigInt(at));
  else if (message.id !== undefined) {
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  }
});
const ask = <T>(type: 'calls' | 'usage' | 'hub', extra: Record<string, unknown> = {}): Promise<T> =>
  new Promise((resolve) => {
    const id = nextRequest++;
    pending.set(id, resolve as (value: unknown) => void);
    server.send({ type, id, ...extra });
  });

const login = (await (
  await fetch(`${ready.backendUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ready.email, password: ready.password }),
  })
).json()) as LoginResponse;
const api = (route: string, init: RequestInit = {}) =>
  fetch(`${ready.backendUrl}${route}`, {
    ...init,
    headers: { authorization: `Bearer ${login.accessToken}`, 'x-csrf-token': login.csrfToken, 'content-type': 'application/json' },
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function liveCalls(count: number): Promise<string[]> {
  for (;;) {
    const page = (await (await api('/api/calls?status=in-progress&limit=100')).json()) as CallListResponse;
    if (page.items.length >= count) return page.items.slice(0, count).map((c) => c.id);
    await sleep(250);
  }
}

/** Arrivals: [seq, hrtime] of every frame queued for playback. */
const arrivals: Array<[number, bigint]> = [];
let playbackQueue: Uint8Array[] = [];

async function listen(callId: string): Promise<WebSocket> {
  const { ticket } = (await (await api(`/api/calls/${callId}/listen`, { method: 'POST' })).json()) as ListenTicketResponse;
  const url = new URL(LISTEN_SOCKET_PATH, ready.backendUrl);
  url.protocol = 'ws:';
  const ws = new WebSocket(url, [LIVE_PROTOCOL, `${AUTH_SUBPROTOCOL_PREFIX}${login.accessToken}`]);
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const at = process.hrtime.bigint();
    const frame = data as Buffer;
    const seq = (frame.readInt16LE(0) & 0xff) | ((frame.readInt16LE(2) & 0xff) << 8) | ((frame.readInt16LE(4) & 0xff) << 16);
    arrivals.push([seq, at]);
    playbackQueue.push(new Uint8Array(frame));
    if (playbackQueue.length > 25) playbackQueue = playbackQueue.slice(-25);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'listen', ticket }));
  return ws;
}

function percentiles(): { p50: number; p95: number; p99: number; n: number } {
  const latencies: number[] = [];
  for (const [seq, at] of arrivals) {
    const left = departedAt.get(seq);
    if (left !== undefined) latencies.push(Number(at - left) / 1e6);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), n: latencies.length };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

await ask('calls', { count: CALLS });
const calls = await liveCalls(CALLS);

// 1. One listener on one call.
const single = await listen(calls[0]!);
await sleep(Math.min(10, SECONDS) * 1000);
await sleep(300); // the last departures arrive in the next 250 ms batch
const quiet = percentiles();
single.close();
process.stdout.write(
  `latency, 1 listener: p50 ${fmt(quiet.p50)}, p95 ${fmt(quiet.p95)}, p99 ${fmt(quiet.p99)} (${quiet.n} frames; budget p95 < ${LATENCY_BUDGET_P95_MS} ms)\n`,
);

// 2. LISTENERS listeners on CALLS calls.
arrivals.length = 0;
departedAt.clear();
const sockets: WebSocket[] = [];
for (let i = 0; i < LISTENERS; i++) sockets.push(await listen(calls[i % calls.length]!));
const hub = await ask<{ listeners: number; upstreams: number }>('hub');
await sleep(1000);
const before = await ask<{ cpu: NodeJS.CpuUsage; memory: NodeJS.MemoryUsage }>('usage');
const started = performance.now();
await sleep(SECONDS * 1000);
const after = await ask<{ cpu: NodeJS.CpuUsage; memory: NodeJS.MemoryUsage }>('usage');
const elapsedSeconds = (performance.now() - started) / 1000;
await sleep(300);
const loaded = percentiles();
const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
const listenerSeconds = hub.listeners * elapsedSeconds;
process.stdout.write(
  [
    `load: ${hub.listeners} listeners on ${hub.upstreams} calls (one platform stream each) for ${elapsedSeconds.toFixed(1)} s`,
    `  backend CPU: ${(cpuMs / listenerSeconds).toFixed(2)} ms per listener-second (${((cpuMs / (elapsedSeconds * 1000)) * 100).toFixed(1)}% of one core; includes the sandbox's own streams)`,
    `  backend RSS: ${(after.memory.rss / 1048576).toFixed(0)} MB (heap ${(after.memory.heapUsed / 1048576).toFixed(0)} MB)`,
    `  latency under load: p50 ${fmt(loaded.p50)}, p95 ${fmt(loaded.p95)}, p99 ${fmt(loaded.p99)} (${loaded.n} frames)`,
  ].join('\n') + '\n',
);

for (const ws of sockets) ws.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
const ok = quiet.n > 0 && quiet.p95 < LATENCY_BUDGET_P95_MS;
process.stdout.write(ok ? 'listen: budget met\n' : 'listen: latency budget missed\n');
process.exit(ok ? 0 : 1);
