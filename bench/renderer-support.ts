// Shared machinery of the renderer benches: a production build of the console in a temp directory,
// the bench page (a FakeBridge scenario, renderer/test/bench-page.ts) bundled for injection, a
// loopback static server, Debian's Chromium, and the statistics the benches print.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build as esbuild } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import sirv from 'sirv';
import { build as viteBuild } from 'vite';
import { CHROMIUM_ARGS } from '../playwright.config.js';
import { budget, judge, type Budget } from './budget.js';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** Builds the renderer as shipped (production mode) into a fresh temp directory; never touches renderer/dist. */
export async function buildRenderer(): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'voxanne-renderer-bench-'));
  await viteBuild({
    configFile: path.join(ROOT, 'renderer/vite.config.ts'),
    root: path.join(ROOT, 'renderer'),
    logLevel: 'warn',
    mode: 'production',
    build: { outDir: dir, emptyOutDir: true, sourcemap: false },
  });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The bench page as one script for `addInitScript`. */
export async function bundleBenchPage(): Promise<string> {
  const result = await esbuild({
    entryPoints: [path.join(ROOT, 'renderer/test/bench-page.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome130',
    minify: true,
    write: false,
    logLevel: 'warning',
    conditions: ['@voxanne/source'],
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('bench page bundle is empty');
  return output.text;
}

/** Serves `dir` on a loopback port. */
export async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = sirv(dir, { dev: false, etag: true, gzip: false });
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;

/** A verdict that is not one number (judged by `judge()` in bench/budget.ts). */
export interface Verdict {
  key: string;
  label: string;
  met: boolean;
  detail?: string;
}

/**
 * One line per figure, then each budget's verdict (bench/budget.ts: a miss makes the bench exit 1 and
 * is named in `npm run bench`'s summary). True when every budget is met.
 */
export function report(title: string, rows: [string, string][], ...budgets: Array<Budget | Verdict>): boolean {
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = [`\n${title}`, ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)];
  process.stdout.write(`${lines.join('\n')}\n`);
  // Every budget is judged (and printed), even after a miss.
  return budgets.map((b) => ('met' in b ? judge(b.key, b.label, b.met, b.detail) : budget(b))).every(Boolean);
}

/**
 * tsx compiles bench files with esbuild's keepNames, which wraps named functions in `__name(...)`;
 * functions handed to `page.evaluate` run in the page, where that helper does not exist.
 */
export const KEEP_NAMES_SHIM = 'window.__name = (fn) => fn;';

/** What the bench page (renderer/test/bench-page.ts) puts on `window`, as the benches use it. */
export interface BenchWindow {
  voxanne: { live: { onBatch(listener: () => void): () => void } };
  voxanneBench: { startStreaming(intervalMs?: number): void; stopStreaming(): void; violations(): string[] };
}
