// Locking the console on a shared reception PC: the window locks (Ctrl+L), a patient rings, and
// nothing about them reaches the page (not in the DOM, not on the bridge socket) or the
// notifications, which say only that something happened. A reload stays locked. The live
// connection carries on throughout; unlocking checks the password against the backend and the call
// appears.
import type { WebSocket as PageSocket } from '@playwright/test';
import { DEMO_PASSWORD, expect, placeInboundCall, signIn, test } from './support/desk.js';

const CALLER_NAME = 'Grace Hopper';
const CALLER_NUMBER = '+447700900123';
const PATIENT_DATA = /Grace|Hopper|7700\s?900\s?123|900123|test results/;

test.describe('Locking the console', () => {
  test('shows nothing of a call that arrives while locked, and the call once unlocked', async ({ page, desk }) => {
    // Everything the host pushes to the page, across reloads.
    const frames: string[] = [];
    page.on('websocket', (socket: PageSocket) => socket.on('framereceived', ({ payload }) => frames.push(String(payload))));

    await signIn(page, desk.host);
    const connection = page.locator('.connection__state');
    await expect(connection).toHaveText(/^Live/, { timeout: 30_000 });
    const liveSince = (await desk.host.live()).connection;

    await page.keyboard.press('Control+L');
    await expect(page.getByRole('heading', { name: 'Locked' })).toBeVisible();
    const framesBeforeCall = frames.length;

    const callId = await placeInboundCall(desk.backend.url, { script: 'asks-for-human', callerName: CALLER_NAME, from: CALLER_NUMBER });
    let notifications = await desk.host.notifications();
    await expect
      .poll(async () => (notifications = await desk.host.notifications()).map((n) => n.kind), { timeout: 60_000 })
      .toEqual(expect.arrayContaining(['inbound-call', 'attention']));
    // The caller has given their name by now (the script asks for a person after saying it).
    expect(notifications.find((n) => n.kind === 'inbound-call')?.title).toBe('Incoming call');
    expect(notifications.find((n) => n.kind === 'attention')?.title).toBe('A caller needs a person');
    expect(JSON.stringify(notifications)).not.toMatch(PATIENT_DATA);
    expect((await desk.host.live()).recentSeqs.length).toBeGreaterThan(0);

    expect(await page.content()).not.toMatch(PATIENT_DATA);
    expect(frames.slice(framesBeforeCall).join('\n')).not.toMatch(PATIENT_DATA);
    expect(frames.slice(framesBeforeCall).join('\n')).not.toContain(callId);

    // A reload is not a way past the lock: the state lives in main.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Locked' })).toBeVisible();
    expect(await page.content()).not.toMatch(PATIENT_DATA);

    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Locked' })).toBeVisible();
    expect(frames.slice(framesBeforeCall).join('\n')).not.toMatch(PATIENT_DATA);

    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(connection).toHaveText(/^Live/);
    // The call that came in while locked is on the dashboard now, under the caller's number (its last
    // three digits: this is a front-desk console).
    await expect(page.getByText('…123').first()).toBeVisible();

    // The same connection throughout: live since before the lock, never a reconnect attempt.
    const after = (await desk.host.live()).connection;
    expect(after.status).toBe('live');
    expect(after.since).toBe(liveSince.since);
  });
});
