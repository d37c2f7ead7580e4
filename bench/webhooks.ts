// bench/webhooks: Vapi webhook ingestion throughput and tool-call latency, measured (issue 3; never
// part of the timed test suite).
//
//   npx tsx bench/webhooks.ts [--seconds 20] [--concurrency 32] [--clinics 20] [--tool-calls 600] [--only pglite|postgres]
//
// The backend runs in a child process of its own (real HTTP, HMAC verification, zod parsing, the
// order-proof ingestion transactions with their live events, stats.changed on call start/end), on
// embedded PGlite and, when BENCH_DATABASE_URL or TEST_DATABASE_URL names a PostgreSQL server, on a
// database of its own there (created and dropped). This process plays Vapi: signed webhooks shaped as
// Vapi documents them.
//   ingestion   `concurrency` calls at a time, each sending its webhooks in order (status updates,
//               partial and final transcripts, end-of-call report), new calls until `seconds` pass;
//               after an unmeasured warm-up (a quarter of the time, at most 3 s);
//               events/s = webhooks answered 200 per second of wall time; CPU per event of the
//               backend process, of the (local) PostgreSQL server's connections to the bench database (and
//               the processes all databases share) and of this process, from /proc.
//   tool calls  tool-calls webhooks (checkAvailability, lookupCaller, bookAppointment) 4 at a time;
//               latency = request sent → answer received, p50/p99.
//   floor       first, under the same load: a bare node:http + pg server (webhooks-floor-server.ts)
//               storing each webhook with one INSERT through a pool of the backend's size; the
//               budget is our CPU per event (backend, plus PostgreSQL's when it is a server) over
//               the floor's, measured in the same run, so a busy machine does not move it much.
// Budgets: CPU per event ≤ 2 × the floor's on PostgreSQL (on PGlite the ratio is printed, not judged);
// ≥ 1,000 webhook events/s on PostgreSQL, ≥ 400 on PGlite
// (on a quiet machine: throughput on a shared one is the machine's); tool-call p99 < 250 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { budget, judge, machineLoad } from './budget.js';
import { cpuMs, postgresCpuMs } from './proc-cpu.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    clinics: { type: 'string', default: '20' },
    'tool-calls': { type: 'string', default: '600' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const TOOL_CALLS = Number(args['tool-calls']);
const SECRET = randomBytes(32).toString('hex');
const here = path.dirname(new URL(import.meta.url).pathname);
const out = (line = '') => process.stdout.write(`${line}\n`);

interface Server {
  child: ChildProcess;
  backendUrl: string;
  /** Absent on the floor server, which stores raw bodies only. */
  controlUrl?: string;
  clinics: Array<{ clinicId: string; assistantId: string; phoneNumberId: string }>;
  /** The PostgreSQL database it uses (its connections' CPU is counted), none on PGlite. */
  database?: string;
}

/** The backend (webhooks-server.ts) or the floor it is measured against (webhooks-floor-server.ts). */
async function startServer(databaseUrl: string | undefined, script = 'webhooks-server.ts'): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bench-webhooks-'));
  // BENCH_CPU_PROFILE=dir writes a V8 CPU profile of the server there (where its time goes).
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', '--conditions=@voxanne/source', path.join(here, script)], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-000000',
      VAPI_WEBHOOK_AUTH: 'hmac',
      VAPI_WEBHOOK_SECRET: SECRET,
      SEED_DEMO: 'false',
      SANDBOX_INBOUND_CALLS_PER_MINUTE: '0',
      // Production logs every request at info; so does the bench (to a pipe it drains).
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      BENCH_CLINICS: args.clinics,
      DATABASE_URL: databaseUrl ?? '',
      REDIS_URL: '',
    },
    // Logs (every request at info, as in production) go to a file, not a pipe this busy process drains.
    stdio: ['ignore', fs.openSync(path.join(dataDir, 'server.log'), 'w'), 'inherit', 'ipc'],
  });
  return new Promise<Server>((resolve, reject) => {
    child.once('exit', (code) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`bench server exited (${code})`));
    });
    child.on('message', (ready: Omit<Server, 'child' | 'clinics'> & Partial<Pick<Server, 'clinics'>>) =>
      resolve({ child, clinics: FLOOR_CLINICS, ...ready, ...(databaseUrl ? { database: new URL(databaseUrl).pathname.slice(1) } : {}) }),
    );
  });
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

function sign(raw: string): Record<string, string> {
  const timestamp = String(Date.now());
  return {
    'content-type': 'application/json',
    'x-timestamp': timestamp,
    'x-signature': createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex'),
  };
}

// Vapi is not on the backend's machine in production; here it shares 2 cores with it, so the bench's
// own side is kept lean: node:http over kept-alive sockets (undici's fetch cost ~1 ms of CPU a request).
/** The floor server ignores who a webhook is for; its load is shaped like the backend's all the same. */
const FLOOR_CLINICS = [{ clinicId: 'floor', assistantId: 'floor-assistant', phoneNumberId: 'floor-number' }];

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: unknown): Promise<{ status: number; body: string }> {
  const raw = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/webhooks/vapi`,
      { method: 'POST', agent, headers: { ...sign(raw), 'content-length': Buffer.byteLength(raw) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(raw);
  });
}

/** The webhooks of one call, in the order Vapi sends them (shapes as Vapi documents them). */
function callWebhooks(clinic: Server['clinics'][number]): unknown[] {
  const id = randomUUID();
  const t0 = Date.now();
  const call = {
    id,
    orgId: 'bench-org',
    type: 'inboundPhoneCall',
    assistantId: clinic.assistantId,
    phoneNumberId: clinic.phoneNumberId,
    customer: { number: '+441614960100' },
  };
  const message = (m: Record<string, unknown>, dt: number) => ({ message: { ...m, timestamp: t0 + dt, call } });
  const lines = ['Hello, you are through to the clinic.', 'Hi, I would like a check-up please.', 'Of course, what day suits you?'];
  return [
    message({ type: 'status-update', status: 'ringing' }, 0),
    message({ type: 'status-update', status: 'in-progress' }, 1000),
    ...lines.flatMap((text, i) => [
      message(
        { type: 'transcript', role: i % 2 ? 'user' : 'assistant', transcriptType: 'partial', transcript: text.slice(0, 12) },
        2000 + i * 3000,
      ),
      message({ type: 'transcript', role: i % 2 ? 'user' : 'assistant', transcriptType: 'final', transcript: text }, 3000 + i * 3000),
    ]),
    message({ type: 'status-update', status: 'ended', endedReason: 'customer-ended-call' }, 15_000),
    message(
      {
        type: 'end-of-call-report',
        endedReason: 'customer-ended-call',
        startedAt: new Date(t0 + 1000).toISOString(),
        endedAt: new Date(t0 + 15_000).toISOString(),
        cost: 0.03,
        artifact: {
          messages: lines.map((text, i) => ({
            role: i % 2 ? 'user' : 'bot',
            message: text,
            time: t0 + 2000 + i * 3000,
            secondsFromStart: 1 + i * 3,
          })),
          transcript: lines.join('\n'),
          recordingUrl: `https://storage.vapi.ai/${id}.wav`,
        },
        analysis: { summary: 'Caller asked for a check-up.', structuredData: { callCategory: 'question' } },
      },
      16_000,
    ),
  ];
}

function webhookKind(body: unknown): string {
  const m = (body as { message: { type: string; status?: string; transcriptType?: string } }).message;
  return m.type === 'status-update' ? `status ${m.status}` : m.type === 'transcript' ? `${m.transcriptType} transcript` : m.type;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Unmeasured load first, so the figures are of compiled code and warm pools, not of start-up. */
const WARM_UP_SECONDS = Math.min(3, SECONDS / 4);

async function ingestion(server: Server, seconds = SECONDS) {
  const deadline = Date.now() + seconds * 1000;
  let events = 0;
  let failures = 0;
  let calls = 0;
  const started = Date.now();
  const backendCpuBefore = cpuMs(server.child.pid!);
  const postgresCpuBefore = postgresCpuMs(server.database);
  const benchCpuBefore = cpuMs(process.pid);
  // Answer time per kind of webhook, to show where the time goes.
  const byKind = new Map<string, number[]>();
  const worker = async () => {
    while (Date.now() < deadline) {
      const clinic = server.clinics[Math.floor(Math.random() * server.clinics.length)]!;
      for (const body of callWebhooks(clinic)) {
        const startedAt = performance.now();
        const res = await post(server.backendUrl, body);
        const kind = webhookKind(body);
        byKind.set(kind, [...(byKind.get(kind) ?? []), performance.now() - startedAt]);
        if (res.status === 200) events++;
        else failures++;
      }
      calls++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (Date.now() - started) / 1000;
  const cpu = {
    backend: (cpuMs(server.child.pid!) - backendCpuBefore) / events,
    postgres: (postgresCpuMs(server.database) - postgresCpuBefore) / events,
    // This process plays Vapi on the same 2 cores; in production that work is Vapi's, not ours.
    bench: (cpuMs(process.pid) - benchCpuBefore) / events,
  };
  const counts = server.controlUrl
    ? ((await (await fetch(`${server.controlUrl}/counts`)).json()) as { calls: number; ended: number; segments: number; events: number })
    : undefined;
  const kinds = [...byKind]
    .map(
      ([kind, ms]) =>
        `${kind} ${percentile(
          ms.sort((a, b) => a - b),
          50,
        ).toFixed(1)}`,
    )
    .join(', ');
  return { events, failures, calls, elapsed, perSecond: events / elapsed, counts, kinds, cpu };
}

function nextWeekdays(count: number): string[] {
  const days: string[] = [];
  const d = new Date(Date.now() + 86_400_000);
  while (days.length < count) {
    if (d.getUTCDay() >= 1 && d.getUTCDay() <= 5) days.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return days;
}

async function toolCalls(server: Server) {
  const latencies: number[] = [];
  let failures = 0;
  const days = nextWeekdays(60);
  const times = Array.from({ length: 18 }, (_, i) => `${String(9 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);
  let slot = 0;
  let sent = 0;
  const worker = async () => {
    while (sent < TOOL_CALLS) {
      const n = sent++;
      const clinic = server.clinics[n % server.clinics.length]!;
      const kind = n % 3;
      const fn =
        kind === 0
          ? { name: 'checkAvailability', arguments: JSON.stringify({ date: days[n % days.length] }) }
          : kind === 1
            ? { name: 'lookupCaller', arguments: {} }
            : {
                name: 'bookAppointment',
                arguments: {
                  patientName: `Bench Patient ${n}`,
                  date: days[Math.floor(slot / times.length) % days.length],
                  time: times[slot++ % times.length],
                },
              };
      const body = {
        message: {
          type: 'tool-calls',
          timestamp: Date.now(),
          toolCallList: [{ id: `tool-${randomUUID()}`, type: 'function', function: fn }],
          call: {
            id: `bench-tools-${n % 50}-${clinic.clinicId}`,
            type: 'inboundPhoneCall',
            assistantId: clinic.assistantId,
            // One caller per call: the assistant's caps (2 bookings per call, 3 per caller a day) stay
            // out of the way, so the bookings measured are bookings made, not refusals.
            customer: { number: `+44161496${String(n % 50).padStart(4, '0')}` },
          },
        },
      };
      const startedAt = performance.now();
      const res = await post(server.backendUrl, body);
      latencies.push(performance.now() - startedAt);
      if (res.status !== 200 || !res.body.includes('"results"')) failures++;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, failures, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 };
}

/** assistant-request (a number without a fixed assistant rang): answered from the clinic's agent. */
async function assistantRequests(server: Server) {
  const latencies: number[] = [];
  let failures = 0;
  let sent = 0;
  const worker = async () => {
    while (sent < 200) {
      const n = sent++;
      const clinic = server.clinics[n % server.clinics.length]!;
      const body = {
        message: {
          type: 'assistant-request',
          timestamp: Date.now(),
          call: { id: randomUUID(), type: 'inboundPhoneCall', phoneNumberId: clinic.phoneNumberId, customer: { number: '+441614960300' } },
          phoneNumber: { id: clinic.phoneNumberId },
        },
      };
      const startedAt = performance.now();
      const res = await post(server.backendUrl, body);
      latencies.push(performance.now() - startedAt);
      if (res.status !== 200 || !res.body.includes('assistant')) failures++;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, failures, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function withServerDatabase<T>(work: (url: string) => Promise<T>): Promise<T | undefined> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!serverUrl) return undefined;
  const name = `voxanne_bench_webhooks_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    const dropper = new pg.Client({ connectionString: serverUrl });
    await dropper.connect();
    await dropper.query(`drop database if exists ${name} with (force)`);
    await dropper.end();
  }
}

/** CPU per event of a server and its database: in the server's process on PGlite, PostgreSQL's too otherwise. */
const cpuPerEvent = (label: 'pglite' | 'postgres', cpu: { backend: number; postgres: number }) =>
  cpu.backend + (label === 'postgres' ? cpu.postgres : 0);

async function run(label: 'pglite' | 'postgres', databaseUrl: string | undefined, minPerSecond: number) {
  // The floor first, under the same client load, so ours is read against this run's machine.
  const floorServer = await startServer(databaseUrl, 'webhooks-floor-server.ts');
  let floor: Awaited<ReturnType<typeof ingestion>>;
  try {
    out(
      `\n== ${label} floor: bare node:http + pg, one INSERT per webhook, ${CONCURRENCY} calls at a time, ${SECONDS} s (${machineLoad()}) ==`,
    );
    await ingestion(floorServer, WARM_UP_SECONDS);
    floor = await ingestion(floorServer);
    out(
      `floor       ${floor.perSecond.toFixed(0)} webhook events/s (${floor.events} events; ${floor.failures} not 200); CPU per event: server ${floor.cpu.backend.toFixed(2)} ms${label === 'postgres' ? `, PostgreSQL ${floor.cpu.postgres.toFixed(2)} ms` : ''}, this bench ${floor.cpu.bench.toFixed(2)} ms`,
    );
  } finally {
    await stopServer(floorServer);
  }
  const server = await startServer(databaseUrl);
  try {
    out(`\n== ${label}: ${server.clinics.length} clinics, ${CONCURRENCY} calls at a time, ${SECONDS} s (${machineLoad()}) ==`);
    await ingestion(server, WARM_UP_SECONDS);
    const ingest = await ingestion(server);
    out(
      `ingestion   ${ingest.perSecond.toFixed(0)} webhook events/s (${ingest.events} events, ${ingest.calls} calls in ${ingest.elapsed.toFixed(1)} s; ${ingest.failures} not 200)`,
    );
    if (ingest.counts)
      out(
        `            stored (warm-up included): ${ingest.counts.calls} calls (${ingest.counts.ended} ended), ${ingest.counts.segments} transcript segments, ${ingest.counts.events} live events`,
      );
    out(`            answer p50 (ms) by kind: ${ingest.kinds}`);
    out(
      `            CPU per event: backend ${ingest.cpu.backend.toFixed(2)} ms${label === 'postgres' ? `, PostgreSQL server ${ingest.cpu.postgres.toFixed(2)} ms (if local)` : ''}, this bench (playing Vapi) ${ingest.cpu.bench.toFixed(2)} ms`,
    );
    const ours = cpuPerEvent(label, ingest.cpu);
    const floorCpu = cpuPerEvent(label, floor.cpu);
    out(
      `            ${label === 'postgres' ? 'backend + PostgreSQL' : 'backend (PGlite inside)'} CPU per event ${ours.toFixed(2)} ms against the floor's ${floorCpu.toFixed(2)} ms`,
    );
    // The ratio is PostgreSQL's budget, where the hosted backend runs: there webhooks that arrive
    // together share a statement and a commit. Embedded PGlite (a single-clinic desk's own backend)
    // writes each webhook alone, and its budget is the throughput below; its ratio is shown.
    if (label === 'postgres')
      budget({
        key: `webhooks.${label}.cpuPerEventToFloor`,
        label: 'CPU per event / floor CPU per event (same run)',
        figure: ours / floorCpu,
        op: '<=',
        limit: 2,
        unit: '×',
        digits: 2,
      });
    else
      out(
        `  not judged      CPU per event / floor CPU per event (same run) ${(ours / floorCpu).toFixed(2)}× (PGlite's budget is events/s)`,
      );
    budget({
      key: `webhooks.${label}.eventsPerSecond`,
      label: 'webhook events/s',
      figure: ingest.perSecond,
      op: '>=',
      limit: minPerSecond,
      unit: '/s',
      digits: 0,
    });
    judge(`webhooks.${label}.failures`, 'every webhook answered 200', ingest.failures === 0, `${ingest.failures} not 200`);
    const tools = await toolCalls(server);
    out(
      `tool calls  p50 ${tools.p50.toFixed(1)} ms, p99 ${tools.p99.toFixed(1)} ms, max ${tools.max.toFixed(1)} ms (${tools.count} calls, 4 at a time; ${tools.failures} failed)`,
    );
    budget({ key: `webhooks.${label}.toolCallP99Ms`, label: 'tool-call p99', figure: tools.p99, op: '<', limit: 250, unit: ' ms' });
    judge(`webhooks.${label}.toolCallFailures`, 'every tool call answered', tools.failures === 0, `${tools.failures} failed`);
    const requests = await assistantRequests(server);
    out(
      `assistant-request  p50 ${requests.p50.toFixed(1)} ms, p99 ${requests.p99.toFixed(1)} ms (${requests.count}; ${requests.failures} failed); Vapi waits 7,500 ms`,
    );
  } finally {
    await stopServer(server);
  }
}

out(`bench/webhooks on ${os.cpus().length} CPU(s), Node ${process.version}, ${machineLoad()}`);
if (args.only !== 'postgres') await run('pglite', undefined, 400);
if (args.only !== 'pglite') {
  const ran = await withServerDatabase((url) => run('postgres', url, 1000).then(() => true));
  if (!ran) out('\n== postgres: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server) ==');
}
