// bench/webtest: the web-test audio path, measured (issue 7; never part of the timed test suite).
//
//   npx tsx bench/webtest.ts [--minutes 10] [--talk-seconds 1.5]
//
// One web test of `minutes`. The desktop side is main/core's real WebTestRelay (what Electron and the
// browser host run) over real WebSockets, fed 20 ms PCM16 frames in real time as the worklet sends
// them: `talk-seconds` of a tone, then as long a pause, so the sandbox assistant hears turns and
// answers, and audio flows both ways the whole time. The backend runs in a child process
// (bench/web-test-server.ts) with the sandbox's vapi.websocket transport as the provider socket.
//
// Figures:
//   added latency   from a frame entering the relay (main receiving it from the renderer's port) to
//                   its arrival at the provider socket: relay → /ws/web-test → bridge queue → provider
//                   socket. One clock for both ends: the machine-wide monotonic clock (hrtime).
//                   Budget: p95 < 30 ms on loopback.
//   bridge memory   the backend process's heap used and RSS every 30 s (as they are), and after a full
//                   GC at the end of the warm-up and at the end (a forced GC stalls the backend, so only
//                   twice). Budget: flat, i.e. GC'd heap growth from warm-up to the end < 5 MB and < 10 %.
//   audio           frames sent / arrived / lost, assistant frames received, bridge queue peaks and drops.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WEB_TEST_AUDIO, WEB_TEST_PORT_OFFER, type LoginResponse, type WebTestPortServerMessage } from '@voxanne/protocol';
import { WebTestRelay, type RelayPort } from '../main/core/web-test-relay.js';
import { createWsSocketFactory } from '../main/core/ws-socket.js';
import { createLogger } from '../main/core/logger.js';
import { budget, judge } from './budget.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'talk-seconds': { type: 'string', default: '1.5' },
  },
});
const MINUTES = Number(args.minutes);
const TALK_FRAMES = Math.round((Number(args['talk-seconds']) * 1000) / WEB_TEST_AUDIO.frameMs);
const MEMORY_EVERY_MS = 30_000;
const WARM_UP_MS = Math.min(60_000, (MINUTES * 60_000) / 4);
const LATENCY_BUDGET_P95_MS = 30;
const here = path.dirname(fileURLToPath(import.meta.url));

interface Memory {
  atMs: number;
  heapUsed: number;
  rss: number;
  arrayBuffers: number;
}

// --- the backend ------------------------------------------------------------------------------------

const server: ChildProcess = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, 'web-test-server.ts')], {
  env: { ...process.env, WEB_TEST_MAX_SESSION_SECONDS: String(Math.ceil(MINUTES * 60) + 120) },
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
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

const arrivedAt = new Map<number, bigint>();
const pending = new Map<number, (value: unknown) => void>();
let nextRequest = 1;
server.on(
  'message',
  (message: { type: string; id?: number; items?: Array<[number, string]>; usage?: NodeJS.MemoryUsage; counters?: unknown }) => {
    if (message.type === 'arrivals') for (const [seq, at] of message.items!) arrivedAt.set(seq, BigInt(at));
    else if (message.id !== undefined) {
      pending.get(message.id)?.(message.usage ?? message.counters);
      pending.delete(message.id);
    }
  },
);
const ask = <T>(type: 'memory' | 'bridge', gc = false): Promise<T> =>
  new Promise((resolve) => {
    const id = nextRequest++;
    pending.set(id, resolve as (value: unknown) => void);
    server.send({ type, id, gc });
  });

const login = (await (
  await fetch(`${ready.backendUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ready.email, password: ready.password }),
  })
).json()) as LoginResponse;
let refreshToken = login.refreshToken;

// --- the desktop side: main's relay, with a port standing in for the renderer's -----------------------

const received: WebTestPortServerMessage[] = [];
let assistantFrames = 0;
let portListener: (data: unknown) => void = () => undefined;
let portClosed = () => undefined as void;
const port: RelayPort = {
  post: (message) => {
    if (message instanceof Uint8Array) assistantFrames++;
    else received.push(message);
  },
  onMessage: (listener) => void (portListener = listener),
  onClose: (listener) => void (portClosed = listener),
  close: () => undefined,
};
const relay = new WebTestRelay({
  backendUrl: ready.backendUrl,
  openSocket: createWsSocketFactory(),
  // Called at open and whenever the backend warns the token is expiring: a fresh token each time,
  // so a test longer than the token's lifetime goes on (as the desktop's session does).
  accessToken: async () => {
    const res = await fetch(`${ready.backendUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    const session = (await res.json()) as LoginResponse;
    refreshToken = session.refreshToken;
    return session.accessToken;
  },
  logger: createLogger({ level: 'warn' }),
});
relay.attach(port, { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() });
portListener({ type: 'start' });
await waitFor(() => received.some((m) => m.type === 'ready'), 30_000, 'the web test to be ready');

// --- one session, frames in real time ------------------------------------------------------------------

const sentAt = new Map<number, bigint>();
const memory: Memory[] = [];
const collected: Memory[] = [];
let warmUpCollected = false;
const started = performance.now();
const sessionMs = MINUTES * 60_000;
let seq = 0;
let nextMemory = 0;
process.stdout.write(`web test bench: one session of ${MINUTES} min, ${args['talk-seconds']} s talk / pause\n`);

while (performance.now() - started < sessionMs) {
  const due = started + seq * WEB_TEST_AUDIO.frameMs;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const frame = new Uint8Array(WEB_TEST_AUDIO.frameBytes);
  const view = new DataView(frame.buffer);
  const talking = Math.floor(seq / TALK_FRAMES) % 2 === 0;
  for (let i = 3; i < WEB_TEST_AUDIO.frameSamples; i++) {
    const n = seq * WEB_TEST_AUDIO.frameSamples + i;
    view.setInt16(i * 2, talking ? Math.round(6000 * Math.sin((2 * Math.PI * 300 * n) / WEB_TEST_AUDIO.sampleRate)) : 0, true);
  }
  // The sequence number, one byte per sample (see web-test-server.ts).
  for (let b = 0; b < 3; b++) view.setInt16(b * 2, (seq >> (8 * b)) & 0xff, true);
  sentAt.set(seq, process.hrtime.bigint());
  portListener(frame);
  seq++;
  const elapsed = performance.now() - started;
  if (elapsed >= nextMemory) {
    nextMemory += MEMORY_EVERY_MS;
    // Not awaited: the microphone does not pause while the backend answers.
    const frames = seq;
    void ask<NodeJS.MemoryUsage>('memory').then((usage) => {
      memory.push({ atMs: elapsed, heapUsed: usage.heapUsed, rss: usage.rss, arrayBuffers: usage.arrayBuffers });
      process.stdout.write(
        `  ${(elapsed / 60_000).toFixed(1).padStart(4)} min  heap ${mb(usage.heapUsed)}  rss ${mb(usage.rss)}  frames ${frames}\n`,
      );
    });
  }
  if (!warmUpCollected && elapsed >= WARM_UP_MS) {
    warmUpCollected = true;
    void ask<NodeJS.MemoryUsage>('memory', true).then((usage) =>
      collected.push({ atMs: elapsed, heapUsed: usage.heapUsed, rss: usage.rss, arrayBuffers: usage.arrayBuffers }),
    );
  }
}
await new Promise((resolve) => setTimeout(resolve, 1_000)); // the last arrivals
const bridge =
  await ask<
    Array<{ toProvider: { sent: number; dropped: number; peak: number }; toClient: { sent: number; dropped: number; peak: number } }>
  >('bridge');
const finalMemory = await ask<NodeJS.MemoryUsage>('memory', true);
collected.push({
  atMs: performance.now() - started,
  heapUsed: finalMemory.heapUsed,
  rss: finalMemory.rss,
  arrayBuffers: finalMemory.arrayBuffers,
});
portListener({ type: 'end' });
await waitFor(() => received.some((m) => m.type === 'ended'), 10_000, 'the session to end');
portClosed();
relay.closeAll(null);

// --- figures ---------------------------------------------------------------------------------------------

const latencies: number[] = [];
for (const [s, at] of sentAt) {
  const arrived = arrivedAt.get(s);
  if (arrived !== undefined) latencies.push(Number(arrived - at) / 1e6);
}
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
const p95 = pct(95);
const [first, last] = collected as [Memory, Memory];
const heapGrowth = last.heapUsed - first.heapUsed;
const heapFlat = heapGrowth < 5 * 1024 * 1024 && heapGrowth < first.heapUsed * 0.1;

process.stdout.write(
  [
    '',
    `added latency, relay input → provider socket (${latencies.length} frames):`,
    `  p50 ${pct(50).toFixed(2)} ms   p95 ${p95.toFixed(2)} ms   p99 ${pct(99).toFixed(2)} ms   max ${latencies.at(-1)!.toFixed(2)} ms`,
    `audio: ${seq} frames sent, ${arrivedAt.size} arrived, ${seq - arrivedAt.size} lost; ${assistantFrames} assistant frames received (${((assistantFrames * WEB_TEST_AUDIO.frameMs) / 1000).toFixed(0)} s of speech); ${transcripts('caller')} caller and ${transcripts('assistant')} assistant turns transcribed`,
    `machine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min): tail latencies grow with other work on the machine`,
    `bridge queues: ${JSON.stringify(bridge.map(({ toProvider, toClient }) => ({ toProvider, toClient })))}`,
    `backend memory (heap as sampled: ${memory.map((m) => mb(m.heapUsed)).join(', ')})`,
    `backend memory after a full GC (at ${(first.atMs / 60_000).toFixed(1)} min, after warm-up, and at the end, ${(last.atMs / 60_000).toFixed(1)} min):`,
    `  heap ${mb(first.heapUsed)} → ${mb(last.heapUsed)} (${heapGrowth >= 0 ? '+' : ''}${mb(heapGrowth)}), rss ${mb(first.rss)} → ${mb(last.rss)}, array buffers ${mb(first.arrayBuffers)} → ${mb(last.arrayBuffers)}`,
    '',
  ].join('\n'),
);

budget({
  key: 'web-test.addedLatencyP95Ms',
  label: 'added latency p95',
  figure: p95,
  op: '<',
  limit: LATENCY_BUDGET_P95_MS,
  unit: ' ms',
  digits: 2,
});
judge('web-test.heapFlat', 'backend heap flat (growth < 5 MB and < 10 %)', heapFlat, mb(heapGrowth));
judge('web-test.framesLost', 'audio frames lost = 0', seq === arrivedAt.size, `${seq - arrivedAt.size} lost`);
server.kill('SIGTERM');

function transcripts(speaker: 'caller' | 'assistant'): number {
  return received.filter((m) => m.type === 'transcript' && m.speaker === speaker && m.transcriptType === 'final').length;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

async function waitFor(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(received.slice(-5))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
