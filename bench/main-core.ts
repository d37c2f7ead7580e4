// main/core under a long live stream (issue 5): memory and CPU while consuming events at 1,000/s
// from a real WebSocket server, and whether listeners or timers accumulate.
//
//   node --expose-gc --conditions=@voxanne/source --import tsx bench/main-core.ts [--events N] [--rate R]
//
// Defaults: 1,000,000 events at 1,000/s (about 17 minutes). Budgets (stated, not asserted by any
// test): RSS growth < 10 % from the warmed-up baseline to the end; no growth in listeners, pending
// timers or open handles.
import { fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDesktopCore } from '../main/core/desktop-core.js';
import { silentLogger } from '../main/core/logger.js';
import { systemClock, type Clock, type NotificationPort } from '../main/core/ports.js';
import { PASSWORD, USER } from '../main/test/fake-backend.js';
import { FakeShell, ManualPowerHints, MemorySettings, MemoryVault } from '../main/test/memory-ports.js';
import { budget } from './budget.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, rate: { type: 'string', default: '1000' } } });
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const SAMPLE_MS = 5_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) process.stderr.write('bench: run with --expose-gc for settled memory figures\n');
const settle = () => {
  gc?.();
  gc?.();
};

/** The real clock, counting the timers the core has pending at any moment. */
const pendingTimers = new Set<unknown>();
const countingClock: Clock = {
  now: () => systemClock.now(),
  setTimeout: (callback, ms) => {
    const handle: unknown = systemClock.setTimeout(() => {
      pendingTimers.delete(handle);
      callback();
    }, ms);
    pendingTimers.add(handle);
    return handle;
  },
  clearTimeout: (handle) => {
    pendingTimers.delete(handle);
    systemClock.clearTimeout(handle);
  },
};

let notificationsShown = 0;
const countingNotifications: NotificationPort = { show: () => void notificationsShown++, setTrayState: () => {} };
const power = new ManualPowerHints();

const server = fork(path.join(import.meta.dirname, 'main-core-server.ts'), [], {
  execArgv: ['--conditions=@voxanne/source', '--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const fromServer = <T>(type: string) =>
  new Promise<T>((resolve) => {
    const listener = (message: { type: string }) => {
      if (message.type === type) {
        server.off('message', listener);
        resolve(message as T);
      }
    };
    server.on('message', listener);
  });
const { url } = await fromServer<{ url: string }>('ready');

const core = createDesktopCore({
  backendUrl: url,
  host: 'browser',
  version: 'bench',
  platform: process.platform,
  externalLinkHosts: [],
  vault: new MemoryVault(),
  notifications: countingNotifications,
  shell: new FakeShell(),
  power,
  settings: new MemorySettings(),
  clock: countingClock,
  logger: silentLogger,
});
let received = 0;
let batches = 0;
let largestBatch = 0;
let minGapMs = Number.POSITIVE_INFINITY;
let lastBatchAt = 0;
core.onPush((channel, payload) => {
  if (channel !== 'live.onBatch') return;
  const batch = payload as { events: unknown[] };
  // Date.now, the clock the core spaces its batches by.
  const now = Date.now();
  if (lastBatchAt) minGapMs = Math.min(minGapMs, now - lastBatchAt);
  lastBatchAt = now;
  batches++;
  received += batch.events.length;
  largestBatch = Math.max(largestBatch, batch.events.length);
});
let processed = 0;
core.live.onEvent(() => processed++);

const login = await core.invoke('session.login', { email: USER.email, password: PASSWORD });
if (!login.ok) throw new Error(`bench sign-in failed: ${login.error.message}`);
while (core.live.getState().status !== 'live') await new Promise((r) => setTimeout(r, 20));

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
const listeners = () => core.live.diagnostics().listeners + power.listenerCount;
const snapshot = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, timers: pendingTimers.size, listeners: listeners(), handles: handles() };
};

const cpuStart = process.cpuUsage();
const wallStart = performance.now();
server.send({ type: 'go', events: EVENTS, rate: RATE });
const done = fromServer<{ sent: number }>('done');

process.stdout.write(`bench main-core: ${EVENTS.toLocaleString('en')} events at ${RATE}/s against a real ws server (${url})\n`);
process.stdout.write('  elapsed  processed    rss MB  heap MB  timers  listeners  handles\n');
let baseline: ReturnType<typeof snapshot> | null = null;
const sampler = setInterval(() => {
  settle();
  const s = snapshot();
  // The baseline is taken once 10 % of the stream has gone by: JIT and buffers are warm then.
  if (!baseline && processed >= EVENTS * 0.1) baseline = s;
  process.stdout.write(
    `  ${((performance.now() - wallStart) / 1000).toFixed(0).padStart(6)} s ${String(processed).padStart(10)} ${mb(s.rss).padStart(9)} ${mb(s.heap).padStart(8)} ${String(s.timers).padStart(7)} ${String(s.listeners).padStart(10)} ${String(s.handles).padStart(8)}\n`,
  );
}, SAMPLE_MS);

await done;
while (processed < EVENTS) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 1_000));
clearInterval(sampler);
const wallS = (performance.now() - wallStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
settle();
const end = snapshot();
const base = baseline ?? end;
const growth = ((end.rss - base.rss) / base.rss) * 100;

process.stdout.write(
  [
    '',
    `events processed      ${processed.toLocaleString('en')} (${(processed / wallS).toFixed(0)}/s over ${wallS.toFixed(1)} s); delivered in batches: ${received.toLocaleString('en')} (partials collapsed)`,
    `batches               ${batches.toLocaleString('en')}; largest ${largestBatch} events; smallest gap ${minGapMs.toFixed(0)} ms (budget ≥ 500 ms)`,
    `notifications shown   ${notificationsShown.toLocaleString('en')} (storm control collapses bursts)`,
    `CPU                   ${(((cpu.user + cpu.system) / 1000 / (wallS * 1000)) * 100).toFixed(1)} % of one core (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s)`,
    `RSS                   ${mb(base.rss)} MB after warm-up → ${mb(end.rss)} MB at the end: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %`,
    `heap used             ${mb(base.heap)} MB → ${mb(end.heap)} MB`,
    `pending core timers   ${base.timers} → ${end.timers} ${end.timers <= base.timers ? 'OK' : 'GREW'}`,
    `listeners             ${base.listeners} → ${end.listeners} ${end.listeners <= base.listeners ? 'OK' : 'GREW'}`,
    `open handles          ${base.handles} → ${end.handles} ${end.handles <= base.handles ? 'OK' : 'GREW'}`,
    `raw history           ${core.live.recentEvents().length} events (bound 100); remembered ids ${core.live.diagnostics().seenIds} (bound 1,000)`,
    '',
  ].join('\n'),
);

budget({ key: 'main-core.rssGrowthPercent', label: 'RSS growth after warm-up', figure: growth, op: '<', limit: 10, unit: ' %' });

await core.dispose();
server.kill();
process.exit(process.exitCode ?? 0);
