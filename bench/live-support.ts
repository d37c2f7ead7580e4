// What the live-socket benches share (bench/live.ts, bench/work-queue.ts): their server children
// (spawned, ready when they print {"backendUrl","controlUrl"}, killed if the bench is interrupted),
// the bench database, a latency histogram and a bounded-concurrency loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** Latencies in 0.1 ms buckets up to 10 s: constant memory for any run length. */
export class Histogram {
  private readonly buckets = new Uint32Array(100_001);
  count = 0;
  max = 0;
  record(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms * 10)))]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }
  percentile(p: number): number {
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i / 10;
    }
    return this.max;
  }
}

/** Server children still running, and cleanups (dropping the bench database): run if the bench is interrupted. */
const running = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void>> = [];
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    void Promise.allSettled(cleanups.map((c) => c())).finally(() => process.exit(130));
  });
}

/** Runs `cleanup` if the bench is interrupted (Ctrl-C) before it finishes. */
export function onInterrupt(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/**
 * Starts `script` in a child process and waits for its ready line. BENCH_SERVER_NODE_ARGS (e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to it, to profile the servers.
 */
export async function startBenchServer(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; backendUrl: string; controlUrl: string }> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs, '--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ backendUrl: string; controlUrl: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} server exited (${code}) before it was ready`)));
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { backendUrl?: string; controlUrl?: string; level?: string; msg?: string };
        if (parsed.backendUrl && parsed.controlUrl) resolve({ backendUrl: parsed.backendUrl, controlUrl: parsed.controlUrl });
        else if (parsed.level === 'error' || parsed.level === 'fatal') process.stderr.write(`[${name}] ${line}\n`);
      } catch {
        process.stderr.write(`[${name}] ${line}\n`);
      }
    });
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { child, ...ready };
}

/** Asks a server child to stop (SIGTERM), and kills it after 15 s. */
export async function stopBenchServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function inBatches<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * The bench's database: a PostgreSQL database of its own on BENCH_DATABASE_URL or TEST_DATABASE_URL
 * (created here, dropped by `drop`), else embedded PGlite in a scratch DATA_DIR.
 */
export async function benchDatabase(bench: string): Promise<{ env: Record<string, string>; label: string; drop(): Promise<void> }> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `voxanne-bench-${bench}-`));
  if (!serverUrl) {
    return {
      env: { DATA_DIR: dataDir },
      label: 'embedded PGlite (set BENCH_DATABASE_URL for Postgres)',
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `voxanne_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    label: `PostgreSQL ${url.host}`,
    async drop() {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
