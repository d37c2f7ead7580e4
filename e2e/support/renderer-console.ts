// The renderer's end-to-end fixture, built on the shared harness (desk.ts): the same real backend
// (sandbox mode) and browser host, plus what the console specs need that the shared `desk` does not
// offer: the sandbox control API on a known port (to ring the clinic as a patient), a renderer build
// that is never stale, and small helpers for screenshots, accessibility and keyboard-only use.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { DEMO_PASSWORD, FRONT_DESK_EMAIL, sandboxControl, startBackend, startHost, type BackendProcess, type HostProcess } from './desk.js';
import { ROOT, freePort, run } from './processes.js';

export interface ConsoleDesk {
  backend: BackendProcess;
  host: HostProcess;
}

/** Simulated calls play at this multiple of real time: quick, but slow enough to watch a transcript stream. */
const SANDBOX_TIME_SCALE = '3';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds renderer/dist when it is missing or older than the renderer's sources or the protocol. */
export async function ensureFreshRendererBuild(): Promise<void> {
  const index = path.join(ROOT, 'renderer/dist/index.html');
  let built = 0;
  try {
    built = statSync(index).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'renderer/src')),
    newestMtime(path.join(ROOT, 'protocol/src')),
    statSync(path.join(ROOT, 'renderer/index.html')).mtimeMs,
  );
  if (built > sources) return;
  const build = run('npm', ['run', 'build', '-w', '@voxanne/renderer'], {});
  const code = await new Promise<number | null>((resolve) => build.child.once('exit', resolve));
  if (code !== 0) throw new Error(`renderer build failed:\n${build.output().slice(-4000)}`);
}

export const test = base.extend<object, { consoleDesk: ConsoleDesk }>({
  consoleDesk: [
    // Playwright reads a fixture's dependencies from this destructuring; this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await ensureFreshRendererBuild();
      const sandboxPort = await freePort();
      const backend = await startBackend({ SANDBOX_PORT: String(sandboxPort), SANDBOX_TIME_SCALE });
      const host = await startHost(backend.url);
      try {
        await use({ backend, host });
      } finally {
        await host.stop();
        await backend.stop();
        rmSync(backend.dataDir, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 240_000 },
  ],
});

export { expect };

/** A patient rings the clinic's number in the sandbox; the call then plays its script. */
export async function ringClinic(desk: ConsoleDesk, call: { from: string; callerName?: string; script?: string }): Promise<void> {
  const response = await sandboxControl(desk.backend.dataDir)('/inbound-calls', { method: 'POST', body: JSON.stringify(call) });
  if (response.status !== 202) throw new Error(`sandbox refused the call: HTTP ${response.status} ${await response.text()}`);
}

/** What outbound test calls ("Call my phone") play next. */
export async function setOutboundScript(desk: ConsoleDesk, script: string): Promise<void> {
  const response = await sandboxControl(desk.backend.dataDir)('/outbound-script', { method: 'PUT', body: JSON.stringify({ script }) });
  if (response.status !== 200) throw new Error(`sandbox refused the script: HTTP ${response.status}`);
}

const SCREENS_DIR = path.join(ROOT, 'e2e/artifacts/screens');

/**
 * Saves a screenshot of the whole screen as a test artifact: e2e/artifacts/screens/<name>.png. The
 * console scrolls inside its main area (header and navigation stay put), so the window is made tall
 * enough for all of it for the picture, then put back.
 */
export async function saveScreen(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const size = page.viewportSize();
  const needed = await page.evaluate(() => {
    const main = document.querySelector('.shell__main');
    return main ? main.getBoundingClientRect().top + main.scrollHeight : document.documentElement.scrollHeight;
  });
  if (size && needed > size.height) await page.setViewportSize({ width: size.width, height: Math.ceil(needed) });
  // Let streaming text and fonts settle so the picture is of a still screen.
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENS_DIR, `${name}.png`), animations: 'disabled' });
  if (size) await page.setViewportSize(size);
}

/** Serious and critical axe-core violations on the page as it is now, as readable lines. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Presses Tab (or Shift+Tab) until `target` has focus; fails after `max` presses. Keyboard only. */
export async function tabTo(page: Page, target: Locator, options: { max?: number; backwards?: boolean } = {}): Promise<void> {
  const max = options.max ?? 60;
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(options.backwards ? 'Shift+Tab' : 'Tab');
  }
  if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
  const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200) ?? 'nothing');
  throw new Error(`could not reach ${target.toString()} with ${max} Tab presses; focus is on ${focused}`);
}

/**
 * Opens the console and makes sure it is signed in. The browser host keeps its session between tests
 * (as the desktop app does between launches), so the page may already be past the sign-in screen.
 */
/** Opens the console signed in (as `email` when it has to sign in; a session the host kept is used as it is). */
export async function openSignedIn(page: Page, desk: ConsoleDesk, email = FRONT_DESK_EMAIL): Promise<void> {
  await page.goto(desk.host.url);
  const signInHeading = page.getByRole('heading', { name: 'Sign in' });
  const shell = page.getByRole('navigation', { name: 'Main' });
  await expect(signInHeading.or(shell)).toBeVisible({ timeout: 30_000 });
  if (await signInHeading.isVisible()) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await expect(shell).toBeVisible();
}

/** Opens the console at its sign-in screen, signing out first if the host kept a session. */
export async function openSignedOut(page: Page, desk: ConsoleDesk): Promise<void> {
  await page.goto(desk.host.url);
  const signInHeading = page.getByRole('heading', { name: 'Sign in' });
  const shell = page.getByRole('navigation', { name: 'Main' });
  await expect(signInHeading.or(shell)).toBeVisible({ timeout: 30_000 });
  if (await shell.isVisible()) await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(signInHeading).toBeVisible();
}
