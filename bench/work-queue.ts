// bench/work-queue: how fast a work-queue change reaches every console of its clinic (never part of
// the timed test suite).
//
//   npx tsx bench/work-queue.ts [--consoles 200] [--clinics 20] [--rate 50] [--seconds 20] [--items 5]
//   npm run bench -- work-queue    (the runner; exit 1 when a budget is missed)
//
// One real backend in a child process (bench/live-server.ts), --clinics clinics with --items open
// work items each, and --consoles live sockets spread over the clinics (signed in, resumed, as the
// desktop app does). The bench then claims and releases the items over the real REST API
// (POST /api/work-items/:id/claim and /release, token and CSRF) at --rate changes a second, round
// robin over the clinics, for --seconds; each change is one `work_item.changed` event to every
// console of its clinic. Latency = from sending the HTTP request to a console receiving the change
// (one clock: this process); lost = changes the server accepted that some console never received.
// Budgets: p99 < 100 ms; nothing lost and no change refused.
//
// Database: BENCH_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL, a database of its own); without
// either, embedded PGlite.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { AUTH_SUBPROTOCOL_PREFIX, CSRF_HEADER, LIVE_PROTOCOL, LIVE_SOCKET_PATH, type LoginResponse } from '@voxanne/protocol';
import { budget, judge } from './budget.js';
import { benchDatabase, Histogram, inBatches, onInterrupt, startBenchServer, stopBenchServer } from './live-support.js';

const { values: args } = parseArgs({
  options: {
    consoles: { type: 'string', default: '200' },
    clinics: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    items: { type: 'string', default: '5' },
  },
});
const CONSOLES = Number(args.consoles);
const CLINICS = Number(args.clinics);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const ITEMS = Number(args.items);
const here = path.dirname(new URL(import.meta.url).pathname);
const out = (line = '') => process.stdout.write(`${line}\n`);

interface BenchClinic {
  clinicId: string;
  email: string;
  password: string;
}

interface Session {
  accessToken: string;
  csrfToken: string;
}

async function signIn(backendUrl: string, clinic: BenchClinic): Promise<Session> {
  const res = await fetch(`${backendUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: clinic.email, password: clinic.password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const session = (await res.json()) as LoginResponse;
  return { accessToken: session.accessToken, csrfToken: session.csrfToken };
}

/** A console's live socket: records when each change of each item arrived (in order per item). */
class Console {
  /** Item id → receipt times of its changes, in arrival order. */
  readonly receivedAt = new Map<string, number[]>();
  received = 0;
  private ws: WebSocket | null = null;

  constructor(
    private readonly backendUrl: string,
    readonly clinicIndex: number,
    private readonly session: Session,
  ) {}

  async connect(): Promise<void> {
    const url = new URL(LIVE_SOCKET_PATH, this.backendUrl);
    url.protocol = 'ws:';
    const ws = new WebSocket(url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + this.session.accessToken], { perMessageDeflate: false });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`live socket closed (${code}) before it was ready`)));
      ws.on('message', (data) => {
        const now = performance.now();
        const message = JSON.parse(String(data)) as {
          type: string;
          lastSeq?: number;
          event?: { kind: string; data: { item?: { id: string } } };
        };
        if (message.type === 'hello') ws.send(JSON.stringify({ type: 'resume', afterSeq: message.lastSeq }));
        else if (message.type === 'replay-complete') resolve();
        else if (message.type === 'event' && message.event?.kind === 'work_item.changed' && message.event.data.item) {
          const id = message.event.data.item.id;
          const times = this.receivedAt.get(id) ?? [];
          times.push(now);
          this.receivedAt.set(id, times);
          this.received++;
        }
      });
    });
  }

  close(): void {
    this.ws?.close(1000);
  }
}

/** One clinic's items and who changes them (its front-desk login): each item claimed, then released, in turn. */
interface Driver {
  session: Session;
  items: Array<{ id: string; claimed: boolean; busy: boolean; acceptedSentAt: number[] }>;
  next: number;
}

async function main(): Promise<void> {
  const db = await benchDatabase('work-queue');
  onInterrupt(() => db.drop());
  out(`bench/work-queue: ${CONSOLES} consoles, ${CLINICS} clinics, ${ITEMS} items each, ${RATE} changes/s for ${SECONDS} s`);
  out(`database: ${db.label}; ${os.cpus().length} CPUs, Node ${process.version}`);
  const server = await startBenchServer('voxanne', path.join(here, 'live-server.ts'), [], {
    NODE_ENV: 'development',
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    // The bench drives every clinic's changes from this one address: the limiter is not what it measures.
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    // One login per clinic holds all of that clinic's consoles.
    LIVE_SOCKETS_PER_USER: '1000',
    LOGIN_BACKOFF_AFTER_FAILURES: '100',
    ...db.env,
  });
  try {
    const control = async <T>(route: string, body: unknown): Promise<T> => {
      const res = await fetch(`${server.controlUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`POST ${route}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const { clinics } = await control<{ clinics: BenchClinic[] }>('/setup', { clinics: CLINICS });
    const { items } = await control<{ items: Record<string, string[]> }>('/work-items', {
      clinicIds: clinics.map((c) => c.clinicId),
      perClinic: ITEMS,
    });
    const drivers: Driver[] = [];
    for (const clinic of clinics) {
      drivers.push({
        session: await signIn(server.backendUrl, clinic),
        items: items[clinic.clinicId]!.map((id) => ({ id, claimed: false, busy: false, acceptedSentAt: [] })),
        next: 0,
      });
    }

    out(`connecting ${CONSOLES} consoles ...`);
    const consoles = Array.from({ length: CONSOLES }, (_, i) => i % CLINICS).map((clinicIndex) => ({ clinicIndex }));
    const connected: Console[] = [];
    // Sign-ins are scrypt-bound (at a test-grade cost here): a few at a time.
    await inBatches(consoles, 4, async ({ clinicIndex }) => {
      const c = new Console(server.backendUrl, clinicIndex, await signIn(server.backendUrl, clinics[clinicIndex]!));
      await c.connect();
      connected.push(c);
    });

    type Stats = { cpuSeconds: number; eventLoopDelayMs: { p50: number; p99: number; max: number } };
    const stats = async () => (await (await fetch(`${server.controlUrl}/stats`)).json()) as Stats;
    const before = await stats(); // also resets the server's loop-delay histogram
    out(`changing items: ${RATE} changes/s for ${SECONDS} s ...`);
    let httpErrors = 0;
    let skipped = 0;
    let inFlight = 0;
    const total = RATE * SECONDS;
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE) + 1);
      while (sent < due) {
        const driver = drivers[sent % drivers.length]!;
        sent++;
        const item = driver.items[driver.next++ % driver.items.length]!;
        // Changes of one item are sequential (a claim of one's own claimed item would change nothing).
        if (item.busy) {
          skipped++;
          continue;
        }
        item.busy = true;
        inFlight++;
        const action = item.claimed ? 'release' : 'claim';
        const sentAt = performance.now();
        fetch(`${server.backendUrl}/api/work-items/${item.id}/${action}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${driver.session.accessToken}`,
            [CSRF_HEADER]: driver.session.csrfToken,
          },
          body: '{}',
        })
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status !== 200) return void httpErrors++;
            item.claimed = !item.claimed;
            item.acceptedSentAt.push(sentAt);
          })
          .catch(() => httpErrors++)
          .finally(() => {
            item.busy = false;
            inFlight--;
          });
      }
      await sleep(1);
    }
    while (inFlight > 0) await sleep(5);
    const seconds = (performance.now() - started) / 1000;
    const after = await stats();

    // Every console should see every accepted change of its clinic: wait until it has, or until
    // nothing more arrived for 15 s.
    const acceptedOf = (d: Driver) => d.items.reduce((sum, i) => sum + i.acceptedSentAt.length, 0);
    const expected = connected.reduce((sum, c) => sum + acceptedOf(drivers[c.clinicIndex]!), 0);
    let delivered = 0;
    let progressAt = performance.now();
    while (performance.now() - progressAt < 15_000) {
      const now = connected.reduce((sum, c) => sum + c.received, 0);
      if (now > delivered) progressAt = performance.now();
      delivered = now;
      if (delivered >= expected) break;
      await sleep(20);
    }
    const latency = new Histogram();
    for (const c of connected) {
      for (const item of drivers[c.clinicIndex]!.items) {
        const received = c.receivedAt.get(item.id) ?? [];
        received.forEach((at, k) => {
          const sentAt = item.acceptedSentAt[k];
          if (sentAt !== undefined) latency.record(at - sentAt);
        });
      }
    }
    for (const c of connected) c.close();
    const lost = Math.max(0, expected - delivered);
    const changes = drivers.reduce((sum, d) => sum + acceptedOf(d), 0);

    out();
    out(
      `${changes} changes accepted in ${seconds.toFixed(1)} s (${(changes / seconds).toFixed(1)}/s), ${httpErrors} refused or failed, ${skipped} skipped (item still changing)`,
    );
    // Server CPU per change (request, transaction, fan-out to its clinic's consoles) depends far less
    // on the machine's load than latency does.
    const cpuMsPerChange = ((after.cpuSeconds - before.cpuSeconds) * 1000) / Math.max(1, changes);
    const loop = after.eventLoopDelayMs;
    out(
      `server: ${cpuMsPerChange.toFixed(2)} ms CPU per change; event-loop delay p50 ${loop.p50.toFixed(1)} ms, p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms`,
    );
    out(`deliveries: ${delivered}/${expected} (${CONSOLES / CLINICS} consoles per clinic), lost ${lost}`);
    out(
      `change → every console: p50 ${latency.percentile(50).toFixed(1)} ms, p95 ${latency.percentile(95).toFixed(1)} ms, p99 ${latency.percentile(99).toFixed(1)} ms, max ${latency.max.toFixed(1)} ms`,
    );
    budget({
      key: 'workQueue.p99',
      label: 'work-queue change → every console p99',
      figure: latency.percentile(99),
      op: '<',
      limit: 100,
      unit: ' ms',
    });
    judge('workQueue.lost', 'nothing lost or refused', lost === 0 && httpErrors === 0, `${lost} lost, ${httpErrors} refused or failed`);
  } finally {
    await stopBenchServer(server.child);
    await db.drop();
  }
}

await main();
