// Live call control end to end: the real renderer in Chromium, the real main-process core in the
// browser host, the real backend in sandbox mode. A patient rings and holds; from the live call's
// card the front desk coaches the assistant (its next line acknowledges the note), takes the call
// (Transferred, also on a second console window), and ends another call after confirming.
import { expect, placeInboundCall, signIn, test } from './support/desk.js';

test.describe('Live call control through the browser host', () => {
  test('coach, take the call, and end a call from the live card', async ({ page, context, desk }) => {
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
