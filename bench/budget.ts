// Budgets of the benches: every bench judges its figures through `budget()` (numbers) or `judge()`
// (verdicts that are not one number), which print the verdict with the machine's load beside it, make
// the bench exit 1 when one is missed, and tell bench/run.mjs which figure missed (a line per miss in
// the file named by BENCH_MISSES_FILE), so `npm run bench` can name it in its summary.
//
// BENCH_BUDGETS='{"key": limit, ...}' replaces the limit of the named numeric budgets: a way to check
// that a tighter budget fails the bench, and to try a budget before writing it down.
import fs from 'node:fs';
import os from 'node:os';

export type Comparison = '<' | '<=' | '>=' | '>';

export interface Budget {
  /** Stable name, as BENCH_BUDGETS and the runner's summary spell it: `webhooks.postgres.eventsPerSecond`. */
  key: string;
  /** What the figure is, in words: `webhook events/s on PostgreSQL`. */
  label: string;
  figure: number;
  op: Comparison;
  limit: number;
  /** Printed after numbers: ` ms`, `/s`, `×`, ` kB`. */
  unit?: string;
  /** Digits after the point when printing; 1 unless told. */
  digits?: number;
}

/** The 1, 5 and 15 minute load averages and the core count: figures mean little when load > cores. */
export function machineLoad(): string {
  return `load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores`;
}

function overrides(): Record<string, number> {
  const raw = process.env.BENCH_BUDGETS;
  if (!raw) return {};
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('BENCH_BUDGETS must be a JSON object of numbers');
  return parsed as Record<string, number>;
}

export function compare(figure: number, op: Comparison, limit: number): boolean {
  if (!Number.isFinite(figure)) return false;
  switch (op) {
    case '<':
      return figure < limit;
    case '<=':
      return figure <= limit;
    case '>=':
      return figure >= limit;
    case '>':
      return figure > limit;
  }
}

/** Records a missed budget for the runner and makes this bench exit 1. */
function miss(key: string, text: string): void {
  process.exitCode = 1;
  const file = process.env.BENCH_MISSES_FILE;
  if (file) fs.appendFileSync(file, `${key}: ${text.replace(/\n/g, ' ')}\n`);
}

/** Judges a figure against its budget, prints one line (figure, budget, verdict, load); true when met. */
export function budget(b: Budget): boolean {
  const limit = overrides()[b.key] ?? b.limit;
  const unit = b.unit ?? '';
  const digits = b.digits ?? 1;
  const met = compare(b.figure, b.op, limit);
  const text = `${b.label} ${b.figure.toFixed(digits)}${unit}, budget ${b.op} ${limit}${unit}`;
  process.stdout.write(`  budget ${met ? 'met   ' : 'MISSED'}  ${text}  [${b.key}; ${machineLoad()}]\n`);
  if (!met) miss(b.key, text);
  return met;
}

/** A verdict that is not one number (nothing lost, memory flat, ...); `detail` says what was seen. */
export function judge(key: string, label: string, met: boolean, detail = ''): boolean {
  const text = `${label}${detail ? ` (${detail})` : ''}`;
  process.stdout.write(`  budget ${met ? 'met   ' : 'MISSED'}  ${text}  [${key}; ${machineLoad()}]\n`);
  if (!met) miss(key, text);
  return met;
}
