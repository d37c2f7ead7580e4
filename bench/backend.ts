// bench/backend: the REST hot paths and start-up memory (issue 2; never part of the timed test suite).
//
//   npx tsx bench/backend.ts [--seconds 10] [--connections 200] [--health-rate 1000] [--calls-rate 200]
//                            [--calls 5000] [--logins 10] [--only pglite|postgres]
//                            [--node-flags "--liftoff-only"]   (extra node flags for the backend, to compare)
//
// The backend runs as the container runs it: the esbuild bundle under plain node with production
// settings, in a child process, on embedded PGlite and, when BENCH_DATABASE_URL or TEST_DATABASE_URL
// names a PostgreSQL server, on a database of its own there (created and dropped). Before it starts,
// its database gets one clinic with `calls` calls of history (60 days, patients, summaries).
//   RSS           resident memory of the backend process once started and idle (from /proc), and
//                 again after the load runs
//   /health and GET /api/calls (first page, limit 50, signed in; the per-clinic rate limit is raised
//   for the run, it would answer most of the load with 429), each loaded twice with
//   `connections` open connections:
//     at a rate   the connections together offer `--health-rate` / `--calls-rate` requests per second,
//                 spread evenly (bench/paced-load.ts; latency from when each request was due): how fast
//                 answers are under a stated load. The budgets are checked here.
//     saturated   (autocannon) every connection sends its next request as soon as the last is answered: the most
//                 the backend can serve. By Little's law latency is then ≈ connections / throughput
//                 (200 / 4,000 req/s = 50 ms), so these latencies measure queueing, not the endpoint.
//   Both report the backend's own CPU time per request (from /proc), which a busy shared machine does
//   not inflate the way it inflates latency.
//   floor         the at-a-rate /health load against a bare node:http server (no framework, no
//                 database): the tail latency the machine itself adds, to read the budgets against.
//   sign-in       `--logins` sign-ins one after another: the backend's CPU per sign-in (one scrypt
//                 verification at the production cost, N=2^17 r=8 p=1, plus the session row and
//                 tokens); then 8 at once: the peak resident memory above start-up (each hash
//                 holds 128 MiB; the backend hashes at most two at a time).
// Budgets (issue 2): /health p99 < 5 ms and calls-list p99 < 50 ms at 200 connections;
// RSS < 200 MB with PGlite, < 120 MB with Postgres. Sign-in: < 1000 ms of CPU each (a person waits
// for it, and it is what a password guess costs us), peak memory < 300 MB above start-up.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Options, type Result } from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { buildBackend } from '../backend/scripts/build.js';
import { openDatabase } from '../backend/src/db/database.js';
import { migrate } from '../backend/src/db/migrate.js';
import { hashPassword } from '../backend/src/auth/passwords.js';
import { createClinic, createStaff } from '../backend/src/clinics/clinic-queries.js';
import { judge } from './budget.js';
import { imageEnv } from './image-env.js';
import { pacedLoad } from './paced-load.js';
import { cpuMs } from './proc-cpu.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '200' },
    'health-rate': { type: 'string', default: '1000' },
    'calls-rate': { type: 'string', default: '200' },
    calls: { type: 'string', default: '5000' },
    logins: { type: 'string', default: '10' },
    only: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
  },
});
const NODE_FLAGS = args['node-flags'].split(' ').filter(Boolean);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const CALLS = Number(args.calls);
const LOGINS = Number(args.logins);
const HEALTH_RATE = Number(args['health-rate']);
const CALLS_RATE = Number(args['calls-rate']);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EMAIL = 'bench@clinic.example';
const PASSWORD = 'bench password long enough';
const BUDGETS = {
  healthP99Ms: 5,
  callsP99Ms: 50,
  rssMb: { pglite: 200, postgres: 120 },
  cpuMsPerLogin: 1000,
  loginPeakAboveStartMb: 300,
} as const;
const out = (line = '') => process.stdout.write(`${line}\n`);

type Driver = 'pglite' | 'postgres';

interface Measured {
  p50: number;
  p99: number;
  perSecond: number;
  /** Non-2xx answers, errors and timeouts. */
  failed: number;
  /** Backend CPU (user + system) per answered request. */
  cpuMsPerRequest: number;
}

interface Figures {
  driver: Driver;
  rssStartMb: number;
  rssAfterMb: number;
  health: { rated: Measured; saturated: Measured };
  calls: { rated: Measured; saturated: Measured };
  signIn: { cpuMsPerLogin: number; peakAboveStartMb: number };
}

/** Builds the deployable bundle once; the repository's node_modules stand in for the image's. */
async function bundle(): Promise<{ server: string; remove(): void }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bench-bundle-'));
  const built = await buildBackend(root);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return { server: built.server, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** One clinic, its front desk login and a realistic history, written before the backend starts. */
async function seed(database: Awaited<ReturnType<typeof openDatabase>>): Promise<void> {
  await migrate(database.db);
  const clinic = await createClinic(database.db, { name: 'Bench Clinic', timeZone: 'Europe/London' });
  await createStaff(database.db, {
    clinicId: clinic.id,
    email: EMAIL,
    name: 'Bench Desk',
    role: 'front_desk',
    passwordHash: await hashPassword(PASSWORD),
  });
  const patients = await database.db
    .insertInto('patients')
    .values(
      Array.from({ length: 200 }, (_, i) => ({
        clinic_id: clinic.id,
        name: `Patient ${i}`,
        phone: `+4479111${String(10000 + i).padStart(5, '0')}`,
      })),
    )
    .returning('id')
    .execute();
  const outcomes = ['booked', 'answered', 'answered', 'transferred', 'missed', 'abandoned'] as const;
  const now = Date.now();
  for (let start = 0; start < CALLS; start += 500) {
    await database.db
      .insertInto('calls')
      .values(
        Array.from({ length: Math.min(500, CALLS - start) }, (_, j) => {
          const i = start + j;
          const at = new Date(now - Math.floor((i / CALLS) * 60 * 86_400_000) - j * 1_000);
          return {
            clinic_id: clinic.id,
            direction: 'inbound' as const,
            status: 'ended' as const,
            caller_number: `+4479112${String(10000 + (i % 90000)).padStart(5, '0')}`,
            patient_id: i % 3 === 0 ? patients[i % patients.length]!.id : null,
            started_at: at,
            ended_at: new Date(at.getTime() + 95_000),
            duration_seconds: 95,
            ended_reason: 'customer-ended-call',
            outcome: outcomes[i % outcomes.length]!,
            summary: `Caller asked about appointment availability and clinic opening hours (call ${i}).`,
            created_at: at,
          };
        }),
      )
      .execute();
  }
  // A bulk load leaves planner statistics empty; a live server's autovacuum would have analyzed by now.
  await sql`analyze`.execute(database.db);
}

interface Running {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function startBackend(server: string, env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [...NODE_FLAGS, server], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'https://voxanne.example.test',
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'info',
      // Production wants the real voice platform and a guarded /metrics; nothing measured here calls
      // Vapi (the address is a closed loopback port).
      VAPI_API_KEY: 'vapi-key-for-the-bench',
      VAPI_BASE_URL: 'http://127.0.0.1:9',
      VAPI_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
      METRICS_TOKEN: randomBytes(24).toString('hex'),
      // The image's memory settings (malloc arenas, V8's young generation).
      ...imageEnv(),
      API_RATE_LIMIT_PER_MINUTE: '100000000',
      // The sign-in phase signs one account in from one address, eight at once: not an attack.
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      LOGIN_BACKOFF_AFTER_FAILURES: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // Every log line is read (and dropped) for the whole run: an unread pipe would stall the server.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"backend listening"')) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`backend exited with ${code}: ${stderr.join('')}`)));
  });
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory now (VmRSS) or at its peak so far (VmHWM), in MB. */
function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function login(url: string): Promise<{ accessToken: string }> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { accessToken: string };
}

/** CPU per sign-in, one after another; then the memory peak of eight at once (see the header). */
async function signIns(pid: number, url: string, rssStartMb: number) {
  const before = cpuMs(pid);
  for (let i = 0; i < LOGINS; i++) await login(url);
  const cpuMsPerLogin = Math.round((cpuMs(pid) - before) / LOGINS);
  await Promise.all(Array.from({ length: 8 }, () => login(url)));
  return { cpuMsPerLogin, peakAboveStartMb: Math.round(rssMb(pid, 'VmHWM') - rssStartMb) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The backend's CPU per answered request while `work` runs. */
async function withCpu(pid: number, work: () => Promise<Omit<Measured, 'cpuMsPerRequest'> & { answered: number }>): Promise<Measured> {
  const cpuBefore = cpuMs(pid);
  const { answered, ...figures } = await work();
  return { ...figures, cpuMsPerRequest: answered ? Math.round(((cpuMs(pid) - cpuBefore) / answered) * 100) / 100 : NaN };
}

async function saturate(options: Options) {
  const result: Result = await autocannon(options);
  const answered = result['2xx'] + result.non2xx;
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    perSecond: Math.round(result.requests.average),
    failed: result.errors + result.timeouts + result.non2xx,
    answered,
  };
}

async function load(pid: number, url: string, rate: number, headers: Record<string, string> = {}) {
  // A short warm-up (JIT, connection pools), then the measured runs.
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
  const rated = await withCpu(pid, () => pacedLoad({ url, connections: CONNECTIONS, rate, seconds: SECONDS, headers }));
  const saturated = await withCpu(pid, () => saturate({ url, connections: CONNECTIONS, duration: SECONDS, headers }));
  return { rated, saturated };
}

async function run(driver: Driver, server: string, serverUrl: string | undefined): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bench-backend-'));
  let databaseUrl: string | undefined;
  let drop = async () => undefined as void;
  try {
    if (driver === 'postgres') {
      const name = `voxanne_bench_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(serverUrl!);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      drop = async () => {
        const dropper = new pg.Client({ connectionString: serverUrl });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      };
    }
    const database = await openDatabase(
      databaseUrl
        ? { kind: 'postgres', url: databaseUrl, poolMax: 4, preparedStatements: true }
        : { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    );
    await seed(database);
    await database.close();

    const backend = await startBackend(server, databaseUrl ? { DATABASE_URL: databaseUrl, DATA_DIR: dataDir } : { DATA_DIR: dataDir });
    try {
      const health = await fetch(`${backend.url}/health`);
      if (health.status !== 200) throw new Error(`backend unhealthy: ${health.status} ${await health.text()}`);
      await sleep(3_000); // settle: start-up garbage collected, pools idle
      const rssStartMb = rssMb(backend.child.pid!);

      const pid = backend.child.pid!;
      // Before the loads, so the memory peak it reads is the sign-ins'.
      const signIn = await signIns(pid, backend.url, rssStartMb);
      const { accessToken } = await login(backend.url);

      const healthLoad = await load(pid, `${backend.url}/health`, HEALTH_RATE);
      const callsLoad = await load(pid, `${backend.url}/api/calls?limit=50`, CALLS_RATE, { authorization: `Bearer ${accessToken}` });
      const rssAfterMb = rssMb(backend.child.pid!);
      return { driver, rssStartMb, rssAfterMb, health: healthLoad, calls: callsLoad, signIn };
    } finally {
      await backend.stop();
    }
  } finally {
    await drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The same paced /health load against a bare node:http server in a child process of its own (no
 * framework, no database): the least latency this machine gives a request at that rate.
 */
async function floor(): Promise<string> {
  const source = `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{"status":"ok"}'); })
    .listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    const bare = await withCpu(child.pid!, () =>
      pacedLoad({ url: `http://127.0.0.1:${port}/health`, connections: CONNECTIONS, rate: HEALTH_RATE, seconds: SECONDS }),
    );
    return `bare node:http at ${HEALTH_RATE} req/s  ${describe(bare)} (the machine's own tail, for comparison)`;
  } finally {
    child.kill();
  }
}

function describe(result: Measured): string {
  return `p50 ${result.p50} ms  p99 ${result.p99} ms  ${result.perSecond} req/s  ${result.cpuMsPerRequest} ms CPU/req${result.failed ? `  (${result.failed} failed)` : ''}`;
}

const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const drivers: Driver[] = (['pglite', 'postgres'] as const).filter((d) => (!args.only || args.only === d) && (d === 'pglite' || serverUrl));
if (!serverUrl && args.only !== 'pglite') out('backend bench: Postgres skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');

out(
  `backend bench: ${CONNECTIONS} connections, ${SECONDS} s per endpoint, ${CALLS} calls of history, ${os.cpus().length} CPUs, node ${process.version}${NODE_FLAGS.length ? `, backend flags ${NODE_FLAGS.join(' ')}` : ''}`,
);
out(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (latency figures mean little when it exceeds the CPU count)`,
);
out(`floor: ${await floor()}`);
const built = await bundle();
let missed = 0;
try {
  for (const driver of drivers) {
    const figures = await run(driver, built.server, serverUrl);
    const ok = (m: Measured, budgetMs: number) => m.p99 < budgetMs && m.failed === 0;
    const checks: Array<[string | undefined, string, boolean | undefined]> = [
      [
        'rssStartMb',
        `RSS at start-up ${figures.rssStartMb} MB (budget < ${BUDGETS.rssMb[driver]} MB); after load ${figures.rssAfterMb} MB`,
        figures.rssStartMb < BUDGETS.rssMb[driver],
      ],
      [
        'healthP99Ms',
        `GET /health     at ${HEALTH_RATE} req/s  ${describe(figures.health.rated)} (budget p99 < ${BUDGETS.healthP99Ms} ms)`,
        ok(figures.health.rated, BUDGETS.healthP99Ms),
      ],
      [undefined, `GET /health     saturated       ${describe(figures.health.saturated)}`, undefined],
      [
        'callsP99Ms',
        `GET /api/calls  at ${CALLS_RATE} req/s   ${describe(figures.calls.rated)} (budget p99 < ${BUDGETS.callsP99Ms} ms)`,
        ok(figures.calls.rated, BUDGETS.callsP99Ms),
      ],
      [undefined, `GET /api/calls  saturated       ${describe(figures.calls.saturated)}`, undefined],
      [
        'cpuMsPerLogin',
        `sign-in         ${figures.signIn.cpuMsPerLogin} ms CPU per sign-in (budget < ${BUDGETS.cpuMsPerLogin} ms)`,
        figures.signIn.cpuMsPerLogin < BUDGETS.cpuMsPerLogin,
      ],
      [
        'loginPeakAboveStartMb',
        `sign-in         8 at once peak at ${figures.signIn.peakAboveStartMb} MB above start-up (budget < ${BUDGETS.loginPeakAboveStartMb} MB)`,
        figures.signIn.peakAboveStartMb < BUDGETS.loginPeakAboveStartMb,
      ],
    ];
    out(`\n${driver}`);
    for (const [key, line, met] of checks) {
      if (key === undefined || met === undefined) out(`          ${line}`);
      else if (!judge(`backend.${driver}.${key}`, line, met)) missed += 1;
    }
  }
} finally {
  built.remove();
}
if (missed) out(`\nbackend bench: ${missed} budget(s) missed`);
