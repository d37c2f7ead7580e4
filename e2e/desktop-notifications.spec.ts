// Tray notifications end to end: a patient rings the clinic (through the telephony sandbox) and asks for a person;
// the main-process notifier announces the call and the request for a human, the tray counts it, and
// clicking the notification opens that call in the console; its Listen button opens the call with
// listening already started.
import { expect, placeInboundCall, signIn, test } from './support/desk.js';

test.describe('Notifications through the browser host', () => {
  test('announces an inbound call that needs a human, and a click opens the call', async ({ page, desk }) => {
    await signIn(page, desk.host);
    await expect(page.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });

    await placeInboundCall(desk.backend.url, { script: 'asks-for-human', callerName: 'Grace Hopper' });

    let notifications = await desk.host.notifications();
    await expect
      .poll(async () => (notifications = await desk.host.notifications()).map((n) => n.kind), { timeout: 60_000 })
      .toEqual(expect.arrayContaining(['inbound-call', 'attention']));
    const attention = notifications.find((n) => n.kind === 'attention');
    const inbound = notifications.find((n) => n.kind === 'inbound-call');
    expect(inbound?.title).toBe('Incoming call');
    // No full phone number on a screen patients may see.
    expect(JSON.stringify(notifications)).not.toMatch(/\+\d{8,}/);
    const navigate = attention?.navigate as { page: string; callId?: string };
    expect(navigate.page).toBe('call');

    await desk.host.clickNotification(attention?.id ?? '');
    await expect(page).toHaveURL(new RegExp(`#/calls/${navigate.callId}$`));
  });

  test('a notification’s Listen button opens the call with listening started', async ({ page, desk }) => {
    // The host may still be signed in from the test before.
    await page.goto(desk.host.url);
    const signInHeading = page.getByRole('heading', { name: 'Sign in' });
    await expect(signInHeading.or(page.getByRole('navigation', { name: 'Main' }))).toBeVisible({ timeout: 30_000 });
    if (await signInHeading.isVisible()) await signIn(page, desk.host);
    await expect(page.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });

    await placeInboundCall(desk.backend.url, { script: 'asks-for-human', callerName: 'Katherine Johnson' });
    let attention: Awaited<ReturnType<typeof desk.host.notifications>>[number] | undefined;
    await expect
      .poll(async () => (attention = (await desk.host.notifications()).find((n) => n.kind === 'attention' && !n.clicked)), {
        timeout: 60_000,
      })
      .toBeDefined();
    const navigate = attention?.navigate as { page: string; callId?: string };

    await desk.host.clickNotification(attention?.id ?? '', 'listen');
    await expect(page).toHaveURL(new RegExp(`#/calls/${navigate.callId}$`));
    // Listening started without a click in the page: main fetched the ticket and relays the audio.
    await expect(page.getByText('Listening', { exact: true })).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: /^Stop listening to the call with / }).click();
    await expect(page.getByRole('button', { name: /^Listen to the call with / })).toBeVisible();
  });
});
