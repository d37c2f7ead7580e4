// Live call control end to end: the real renderer in Chromium, the real main-process core in the
// browser host, the real backend in sandbox mode. A patient rings and holds; from the live call's
// card the front desk coaches the assistant (its next line acknowledges the note), listens in (the
// call's audio plays in this page while the assistant says a line), takes the call (Transferred,
// also on a second console window), and ends another call after confirming.
import { expect, placeInboundCall, signIn, test } from './support/desk.js';

test.describe('Live call control through the browser host', () => {
  test('coach, listen, take the call, and end a call from the live card', async ({ page, context, desk }) => {
    await signIn(page, desk.host);
    await expect(page.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });

    await placeInboundCall(desk.backend.url, { script: 'waits-on-hold', callerName: 'Rosalind Franklin' });
    const card = page.getByRole('article', { name: /^Call with / }).first();
    await expect(card).toContainText('please hold', { timeout: 30_000 });
    const controls = card.getByRole('group', { name: /^Live controls for the call with / });

    // Coach: the scripted assistant's next line acknowledges the note.
    await controls.getByRole('button', { name: 'Coach' }).click();
    await controls.getByLabel(/Note for the assistant/).fill('Offer Thursday instead');
    await controls.getByRole('button', { name: 'Send note' }).click();
    await expect(controls.getByText('Note sent to the assistant.')).toBeVisible();
    await expect(card).toContainText('I’ve just had a note: Offer Thursday instead', { timeout: 30_000 });

    // Listen: main fetches the ticket and relays /ws/listen; the page plays it through the worklet.
    await controls.getByRole('button', { name: /^Listen to the call with / }).click();
    await expect(controls.getByText('Listening', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(card).toContainText(/is listening/);
    // The assistant says a line now: it is transcribed, and it is heard here (the meter on the
    // playback path, an AnalyserNode after the worklet, rises above silence).
    await controls.getByRole('button', { name: 'Say' }).click();
    await controls.getByLabel(/What the assistant should say now/).fill('The front desk will be with you in a moment.');
    await controls.getByRole('button', { name: 'Say it' }).click();
    const level = controls.getByRole('meter', { name: /^Audio level, call with / });
    await expect.poll(async () => Number(await level.getAttribute('value')), { timeout: 30_000, intervals: [50] }).toBeGreaterThan(-40);
    await expect(card).toContainText('The front desk will be with you in a moment.', { timeout: 30_000 });
    await controls.getByRole('button', { name: /^Stop listening to the call with / }).click();
    await expect(controls.getByRole('button', { name: /^Listen to the call with / })).toBeVisible();
    await expect(level).toHaveCount(0);

    // A second console window follows the call on its page.
    const second = await context.newPage();
    await second.goto(desk.host.url);
    await second
      .getByRole('article', { name: /^Call with / })
      .first()
      .getByRole('link')
      .first()
      .click();
    await expect(second.getByRole('heading', { name: /^Call with / })).toBeVisible();

    // Take the call: Transferred here (the call's page) and on the second console.
    await controls.getByRole('button', { name: /^Take the call with / }).click();
    await expect(second.getByText(/Transferred to \+44/)).toBeVisible({ timeout: 30_000 });
    await expect(second.getByRole('region', { name: 'Timeline' })).toContainText('took the call', { timeout: 30_000 });

    // End another call, after the confirmation.
    await placeInboundCall(desk.backend.url, { script: 'waits-on-hold', callerName: 'Dorothy Hodgkin' });
    const next = page.getByRole('article', { name: /^Call with / }).first();
    await expect(next).toContainText('please hold', { timeout: 30_000 });
    await next.getByRole('button', { name: /^End the call with / }).click();
    await next.getByRole('button', { name: 'End the call', exact: true }).click();
    await expect(page.getByRole('article', { name: /^Call with / })).toHaveCount(0, { timeout: 30_000 });
  });
});
