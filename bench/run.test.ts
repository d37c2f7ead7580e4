// The bench runner and the budget verdicts: a missed budget must fail `npm run bench` and be named in
// its summary (a bench that printed "OVER BUDGET" and exited 0 once let a regression through).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { budget, compare, judge } from './budget.js';
import { report } from './renderer-support.js';

const here = import.meta.dirname;
const fixture = (name: string) => path.join(here, 'fixtures', name);

function runBenches(files: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(here, 'run.mjs'), ...files], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_BUDGETS: '', BENCH_MISSES_FILE: '', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bench/run.mjs', () => {
  it('exits 0 when every budget is met', () => {
    const run = runBenches([fixture('meets.ts')]);
    expect(run.stdout).toContain('budget met');
    expect(run.stdout).toContain('bench: every budget met');
    expect(run.stdout).toMatch(/budget met +garbage collection can be forced/);
    expect(run.status).toBe(0);
  });

  it('exits 1 and names the figure that missed, still running the other benches', () => {
    const run = runBenches([fixture('misses.ts'), fixture('meets.ts')]);
    expect(run.status).toBe(1);
    const summary = run.stdout.slice(run.stdout.lastIndexOf('\nbench: '));
    expect(summary).toContain('1 bench(es) missed a budget or failed');
    expect(summary).toMatch(/misses\.ts: MISSED fixture\.eventsPerSecond: fixture events\/s 200\/s, budget >= 1000\/s/);
    expect(summary).not.toContain('meets.ts');
    expect(summary).not.toContain('nothingLost');
    expect(run.stdout).toContain('fixture answer time'); // the bench after the miss ran
  });

  it('exits 1 when a tightened budget is missed', () => {
    const run = runBenches([fixture('meets.ts')], { BENCH_BUDGETS: JSON.stringify({ 'fixture.answerMs': 2 }) });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/meets\.ts: MISSED fixture\.answerMs: fixture answer time 5\.0 ms, budget < 2 ms/);
  });

  it('fails a real bench whose budget is tightened (renderer bundle size under 1 kB)', () => {
    const run = runBenches(['renderer-bundle-size'], { BENCH_BUDGETS: JSON.stringify({ 'renderer.initialJsKb': 1 }) });
    expect(run.stdout).toMatch(/renderer-bundle-size\.ts: MISSED renderer\.initialJsKb: initial JS \(gzip\) [\d.]+ kB, budget < 1 kB/);
    expect(run.status).toBe(1);
  }, 180_000);

  it('exits 1 and says so when a bench fails before judging', () => {
    const run = runBenches([fixture('crashes.ts')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/crashes\.ts: failed \(exit 1\) before judging its budgets/);
  });

  it('refuses a name that matches no bench', () => {
    const run = runBenches(['no-such-bench']);
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('nothing matches no-such-bench');
  });
});

describe('budget verdicts', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('compares in the stated direction and never passes a NaN', () => {
    expect(compare(799, '<', 800)).toBe(true);
    expect(compare(800, '<', 800)).toBe(false);
    expect(compare(800, '<=', 800)).toBe(true);
    expect(compare(1000, '>=', 1000)).toBe(true);
    expect(compare(999, '>=', 1000)).toBe(false);
    expect(compare(Number.NaN, '>=', 0)).toBe(false);
  });

  it('sets a failing exit code on a miss, prints the figure and the load, and honours BENCH_BUDGETS', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.stubEnv('BENCH_MISSES_FILE', '');
    expect(budget({ key: 't.ms', label: 'time', figure: 5, op: '<', limit: 10, unit: ' ms' })).toBe(true);
    expect(process.exitCode).toBeUndefined();
    vi.stubEnv('BENCH_BUDGETS', JSON.stringify({ 't.ms': 4 }));
    expect(budget({ key: 't.ms', label: 'time', figure: 5, op: '<', limit: 10, unit: ' ms' })).toBe(false);
    expect(process.exitCode).toBe(1);
    const printed = write.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(printed).toMatch(/MISSED {2}time 5\.0 ms, budget < 4 ms {2}\[t\.ms; load [\d. ]+ on \d+ cores\]/);
    expect(judge('t.lost', 'nothing lost', true)).toBe(true);
  });

  it('report() judges every budget it is given and fails the bench on any miss', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.stubEnv('BENCH_MISSES_FILE', '');
    const met = report(
      'Dashboard',
      [['interactive (median)', '900.0 ms']],
      { key: 'r.interactiveMs', label: 'interactive', figure: 900, op: '<', limit: 800, unit: ' ms' },
      { key: 'r.rows', label: 'rows a screenful', met: true },
    );
    expect(met).toBe(false);
    expect(process.exitCode).toBe(1);
    const printed = write.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(printed).toContain('interactive (median)  900.0 ms');
    expect(printed).toMatch(/MISSED {2}interactive 900\.0 ms, budget < 800 ms/);
    expect(printed).toMatch(/met {5}rows a screenful/);
  });

  it('report() leaves the exit code alone when every budget is met', () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(report('Bundle', [['initial JS', '100 kB']], { key: 'r.kb', label: 'initial JS', figure: 100, op: '<', limit: 250 })).toBe(true);
    expect(process.exitCode).toBeUndefined();
  });
});
