// Time to interactive of the built console (issue 6, budget < 1 s): Chromium opens the production
// build with a clinic holding 10,000 calls of history (a FakeBridge injected as `window.voxanne`,
// answering with protocol-valid data), and we time, from navigation start:
//   - first contentful paint;
//   - interactive: the dashboard shows its figures, live and recent calls and today's bookings, and
//     the main thread has gone quiet (a task scheduled after two frames runs without delay).
// Then the call history: time until its first rows show, and frame intervals while scrolling
// through all 10,000 calls (pages of 100 fetched by cursor as the list nears its end).
//
//   node --conditions=@voxanne/source --import tsx bench/renderer-tti.ts [--runs 7]
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import {
  KEEP_NAMES_SHIM,
  type BenchWindow,
  buildRenderer,
  bundleBenchPage,
  launchChromium,
  ms,
  percentile,
  report,
  serve,
} from './renderer-support.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(values.runs);
const HISTORY = 10_000;
const BUDGET_MS = 1000;

/** Runs in the page before the app: records when the dashboard became interactive. */
const INTERACTIVE_PROBE = `(() => {
  const ready = () => {
    const stat = document.querySelector('.stat__value');
    return stat && stat.textContent !== '—'
      && document.querySelector('.panel--recent tbody tr')
      && document.querySelector('.panel--live .live-call, .panel--live .empty-state')
      && document.querySelector('.panel--bookings .booking, .panel--bookings .empty-state');
  };
  const observer = new MutationObserver(() => {
    if (!ready()) return;
    observer.disconnect();
    const shown = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const scheduled = performance.now();
      setTimeout(() => { window.__interactive = { shown, quiet: performance.now(), lag: performance.now() - scheduled }; }, 0);
    }));
  });
  document.addEventListener('DOMContentLoaded', () => observer.observe(document.body, { childList: true, subtree: true, characterData: true }));
})();`;

interface Run {
  fakeSetup: number;
  fcp: number;
  shown: number;
  interactive: number;
}

async function measureDashboard(browser: Browser, url: string, benchPage: string): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript({ content: KEEP_NAMES_SHIM });
  await page.addInitScript({ content: `window.voxanneBenchScenario = { historyCalls: ${HISTORY}, liveCalls: 3 };` });
  await page.addInitScript({ content: benchPage });
  await page.addInitScript({ content: INTERACTIVE_PROBE });
  await page.goto(`${url}#/dashboard`);
  await page.waitForFunction(() => (window as { __interactive?: unknown }).__interactive, null, { timeout: 30_000 });
  const figures = await page.evaluate(() => {
    const probe = (window as unknown as { __interactive: { shown: number; quiet: number } }).__interactive;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN;
    const fakeSetup = performance.getEntriesByName('voxanne-bench:fake-setup')[0]?.duration ?? Number.NaN;
    return { fakeSetup, fcp, shown: probe.shown, interactive: probe.quiet };
  });
  const violations = await page.evaluate(() => (window as unknown as BenchWindow).voxanneBench.violations());
  if (violations.length) throw new Error(`bench page broke the protocol: ${violations.join('; ')}`);
  await context.close();
  return figures;
}

async function measureHistory(browser: Browser, url: string, benchPage: string) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript({ content: KEEP_NAMES_SHIM });
  await page.addInitScript({ content: `window.voxanneBenchScenario = { historyCalls: ${HISTORY}, liveCalls: 0 };` });
  await page.addInitScript({ content: benchPage });
  await page.goto(`${url}#/calls`);
  const start = await page.evaluate(() => performance.now());
  await page.locator('.history__scroller [data-index="0"]').waitFor({ timeout: 30_000 });
  const firstRows = await page.evaluate(() => performance.now());
  // Scroll through everything, a screenful per frame, recording frame intervals.
  const scroll = await page.evaluate(async (total) => {
    const scroller = document.querySelector<HTMLElement>('.history__scroller');
    if (!scroller) throw new Error('no history list');
    const intervals: number[] = [];
    let last = performance.now();
    const started = last;
    await new Promise<void>((resolve, reject) => {
      const frame = (now: number) => {
        intervals.push(now - last);
        last = now;
        scroller.scrollTop += scroller.clientHeight;
        const rendered = scroller.querySelectorAll('[data-index]');
        const lastIndex = Number((rendered[rendered.length - 1] as HTMLElement | undefined)?.dataset.index ?? -1);
        if (lastIndex >= total - 1) resolve();
        else if (now - started > 120_000) reject(new Error(`stuck at row ${lastIndex}`));
        else requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    return {
      intervals: intervals.slice(1),
      elapsed: performance.now() - started,
      rowsInDom: scroller.querySelectorAll('[data-index]').length,
    };
  }, HISTORY);
  await context.close();
  return { firstRows: firstRows - start, ...scroll };
}

const benchPage = await bundleBenchPage();
const { dir, cleanup } = await buildRenderer();
const server = await serve(dir);
const browser = await launchChromium();
try {
  // One untimed load warms Chromium's own caches (the disk cache is per context, so each run is cold).
  await measureDashboard(browser, server.url, benchPage);
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measureDashboard(browser, server.url, benchPage));
  const interactive = runs.map((r) => r.interactive);
  const median = percentile(interactive, 50);
  report(
    `Dashboard time to interactive, ${HISTORY.toLocaleString('en')} calls of history (${RUNS} cold loads)`,
    [
      [
        'fake bridge set-up, in the page (median)',
        `${ms(
          percentile(
            runs.map((r) => r.fakeSetup),
            50,
          ),
        )} (not product code; included below)`,
      ],
      [
        'first contentful paint (median)',
        ms(
          percentile(
            runs.map((r) => r.fcp),
            50,
          ),
        ),
      ],
      [
        'data on screen (median)',
        ms(
          percentile(
            runs.map((r) => r.shown),
            50,
          ),
        ),
      ],
      ['interactive (median)', ms(median)],
      ['interactive (worst)', ms(Math.max(...interactive))],
    ],
    { key: 'renderer.interactiveMs', label: 'time to interactive (median)', figure: median, op: '<', limit: BUDGET_MS, unit: ' ms' },
  );

  const history = await measureHistory(browser, server.url, benchPage);
  report(
    `Call history with ${HISTORY.toLocaleString('en')} calls`,
    [
      ['first rows after opening', ms(history.firstRows)],
      ['scrolled through all calls in', ms(history.elapsed)],
      ['frame interval while scrolling p50 / p95', `${ms(percentile(history.intervals, 50))} / ${ms(percentile(history.intervals, 95))}`],
      ['rows in the DOM at the end', String(history.rowsInDom)],
    ],
    {
      key: 'renderer.historyRowsInDom',
      label: 'history rows in the DOM (a screenful)',
      figure: history.rowsInDom,
      op: '<',
      limit: 60,
      digits: 0,
    },
  );
} finally {
  await browser.close();
  await server.close();
  cleanup();
}
