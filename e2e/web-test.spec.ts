// The web test (and its clean-up) end to end: the real renderer in Debian's Chromium, the real
// main-process core in the browser host, the real backend with its telephony sandbox. Chromium's
// microphone is fed from a WAV of spoken words made here with espeak-ng and sox; the sandbox reports
// the level of what reached it, which must match the WAV's. Then the failures a user meets: the
// microphone denied, and the backend dying mid-test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, test as base, expect, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.js';
import {
  DEMO_PASSWORD,
  FRONT_DESK_EMAIL,
  sandboxControl,
  startBackend,
  startHost,
  type BackendProcess,
  type HostProcess,
} from './support/desk.js';
import { freePort } from './support/processes.js';
import { ensureFreshRendererBuild } from './support/renderer-console.js';

interface WebTestDesk {
  backend: BackendProcess;
  host: HostProcess;
  /** The spoken-words WAV the fake microphone plays (16 kHz mono PCM16, looped by Chromium). */
  wav: string;
}

interface VoiceCallStats {
  callId: string;
  status: string;
  framesReceived: number;
  soundFrames: number;
  soundRms: number;
  callerTurns: number;
  assistantFramesSent: number;
}

/** Frames at or above this level carry sound (the sandbox's detector uses the same gate). */
const SOUND_GATE_DBFS = -45;

const test = base.extend<object, { webTestDesk: WebTestDesk }>({
  webTestDesk: [
    // Playwright reads a fixture's dependencies from this destructuring; this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'voxanne-e2e-webtest-'));
      const wav = makeSpokenWav(dir);
      await ensureFreshRendererBuild();
      const sandboxPort = await freePort();
      const backend = await startBackend({ SANDBOX_PORT: String(sandboxPort) });
      const host = await startHost(backend.url);
      try {
        await use({ backend, host, wav });
      } finally {
        await host.stop();
        await backend.stop();
        rmSync(backend.dataDir, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 240_000 },
  ],
});

/** "Hello…" spoken by espeak-ng, converted by sox to 16 kHz mono PCM16, with a pause that ends the caller's turn. */
function makeSpokenWav(dir: string): string {
  const raw = path.join(dir, 'spoken-raw.wav');
  const wav = path.join(dir, 'spoken.wav');
  execFileSync('espeak-ng', [
    '-v',
    'en-gb',
    '-s',
    '150',
    '-w',
    raw,
    'Hello, I would like to book a check-up for next Tuesday morning, please.',
  ]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', wav, 'pad', '0.3', '1.6']);
  return wav;
}

/** RMS (PCM16 units) over the 20 ms frames of a WAV that carry sound: how loud the speech itself is. */
function wavSoundRms(file: string): number {
  const bytes = readFileSync(file);
  let at = 12;
  while (at + 8 <= bytes.length && bytes.toString('latin1', at, at + 4) !== 'data') at += 8 + bytes.readUInt32LE(at + 4);
  const start = at + 8;
  const end = Math.min(bytes.length, start + bytes.readUInt32LE(at + 4));
  let squares = 0;
  let samples = 0;
  for (let frame = start; frame + 640 <= end; frame += 640) {
    let sum = 0;
    for (let i = frame; i < frame + 640; i += 2) sum += bytes.readInt16LE(i) ** 2;
    if (20 * Math.log10(Math.sqrt(sum / 320) / 32_768) >= SOUND_GATE_DBFS) {
      squares += sum;
      samples += 320;
    }
  }
  return Math.sqrt(squares / samples);
}

async function launch(desk: WebTestDesk, microphone: 'allowed' | 'prompt'): Promise<Browser> {
  const fakeMic = ['--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${desk.wav}`];
  // Without the fake-UI flag Chromium has to ask, and a headless browser cannot: the request is refused.
  const args = [...CHROMIUM_ARGS, ...fakeMic, ...(microphone === 'allowed' ? ['--use-fake-ui-for-media-stream'] : [])];
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args });
}

async function openWebTest(page: Page, desk: WebTestDesk): Promise<void> {
  await page.goto(desk.host.url);
  const signIn = page.getByRole('heading', { name: 'Sign in' });
  const shell = page.getByRole('navigation', { name: 'Main' });
  await expect(signIn.or(shell)).toBeVisible({ timeout: 30_000 });
  if (await signIn.isVisible()) {
    await page.getByLabel('Email').fill(FRONT_DESK_EMAIL);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('link', { name: 'Assistant' }).click();
  await page.getByRole('button', { name: 'Web test', exact: true }).click();
  await expect(page.getByText('The web test audio bridge is ready.')).toBeVisible({ timeout: 15_000 });
}

async function voiceCalls(desk: WebTestDesk): Promise<VoiceCallStats[]> {
  return ((await (await sandboxControl(desk.backend.dataDir)('/voice-calls')).json()) as { calls: VoiceCallStats[] }).calls;
}

test.describe('Web test through the microphone', () => {
  test.describe.configure({ mode: 'serial' });

  test('talks to the sandbox assistant: the mic reaches it at the WAV’s level, it answers out loud, both sides are transcribed, and the call is listed', async ({
    webTestDesk: desk,
  }) => {
    const browser = await launch(desk, 'allowed');
    try {
      const page = await browser.newPage();
      await openWebTest(page, desk);
      // Level fidelity is measured with the raw microphone (no echo cancellation, noise suppression or auto gain).
      await page.getByLabel(/Clean up my voice/).uncheck();
      await page.getByRole('button', { name: 'Start web test' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Live: talk to the assistant.' })).toBeVisible({ timeout: 30_000 });

      const transcript = page.getByRole('log', { name: 'Web test transcript' });
      await expect(transcript.locator('.webtest-line--assistant').first()).toContainText(/clinic/i, { timeout: 20_000 });
      await expect(transcript.locator('.webtest-line--caller', { hasText: /\[speech, \d+\.\d s\]/ }).first()).toBeVisible({
        timeout: 30_000,
      });
      // The assistant answers the caller's turn.
      await expect(transcript.locator('.webtest-line--assistant')).not.toHaveCount(1, { timeout: 20_000 });

      // Its voice plays: the meter on the playback path (an AnalyserNode after the worklet) moves.
      const assistantLevel = page.getByLabel('Assistant', { exact: true });
      await expect
        .poll(async () => Number(await assistantLevel.getAttribute('value')), { timeout: 20_000, intervals: [50] })
        .toBeGreaterThan(-40);

      // What reached the assistant is the microphone's signal at its level.
      const expected = wavSoundRms(desk.wav);
      const call = (await voiceCalls(desk)).at(-1)!;
      expect(call.framesReceived).toBeGreaterThan(100);
      expect(call.soundFrames).toBeGreaterThan(50);
      expect(call.callerTurns).toBeGreaterThanOrEqual(1);
      expect(call.assistantFramesSent).toBeGreaterThan(50);
      const deviation = Math.abs(call.soundRms - expected) / expected;
      test.info().annotations.push({
        type: 'level',
        description: `WAV speech RMS ${expected.toFixed(0)}, received ${call.soundRms.toFixed(0)} (${(deviation * 100).toFixed(1)} % apart)`,
      });
      expect(deviation).toBeLessThan(0.2);

      await page.getByRole('button', { name: 'End test' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'The web test ended.' })).toBeVisible();
      await expect.poll(async () => (await voiceCalls(desk)).at(-1)?.status, { timeout: 15_000 }).toBe('ended');

      // The test call is one of the clinic's calls: the dashboard lists it.
      await page.getByRole('link', { name: 'Dashboard' }).click();
      const recent = page.getByRole('region', { name: 'Recent calls' });
      await expect(recent.getByRole('row', { name: /Web test/ }).first()).toBeVisible({ timeout: 20_000 });
      await expect(recent.getByRole('row', { name: /Web test/ }).first()).toContainText('Test');
    } finally {
      await browser.close();
    }
  });

  test('explains a refused microphone, and starts nothing', async ({ webTestDesk: desk }) => {
    const browser = await launch(desk, 'prompt');
    try {
      const page = await browser.newPage();
      await openWebTest(page, desk);
      const callsBefore = (await voiceCalls(desk)).length;
      await page.getByRole('button', { name: 'Start web test' }).click();
      await expect(page.getByRole('alert')).toContainText('Voxanne Desk is not allowed to use the microphone', { timeout: 15_000 });
      await expect(page.getByRole('button', { name: 'Start a new web test' })).toBeVisible();
      expect(await voiceCalls(desk)).toHaveLength(callsBefore);
    } finally {
      await browser.close();
    }
  });

  test('ends cleanly with a message when the backend dies mid-test', async ({ webTestDesk: desk }) => {
    const browser = await launch(desk, 'allowed');
    try {
      const page = await browser.newPage();
      await openWebTest(page, desk);
      await page.getByRole('button', { name: 'Start web test' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Live: talk to the assistant.' })).toBeVisible({ timeout: 30_000 });

      await desk.backend.kill();
      await expect(page.getByRole('alert')).toContainText('Lost contact with the Voxanne server, so the test call ended.', {
        timeout: 15_000,
      });
      // The microphone and audio are released: the controls of a running test are gone.
      await expect(page.getByRole('button', { name: 'End test' })).toBeHidden();
      await expect(page.getByRole('button', { name: 'Start a new web test' })).toBeVisible();
      await desk.backend.start();
    } finally {
      await browser.close();
    }
  });
});
