// Tray notifications end to end: a patient rings the clinic (through the telephony sandbox) and asks for a person;
// the main-process notifier announces the call and the request for a human, the tray counts it, and
// clicking the notification opens that call in the console; its Listen button opens the call with
// listening already started.
import { apiSession, expect, placeInboundCall, signIn, test } from './support/desk.js';

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

    // With a number to transfer to, the assistant puts the caller through seconds after asking for a
    // person, and listening ends with the call: on a busy machine the call could be over before main
    // had started listening. Without one, it takes a message instead, and the call stays live for that.
    const admin = await apiSession(desk.backend.url);
    const agent = (await admin.send('GET', '/api/agent')).body as { personality: Record<string, unknown> };
    expect((await admin.send('PUT', '/api/agent', { personality: { ...agent.personality, transferNumber: null } })).status).toBe(200);
    await placeInboundCall(desk.backend.url, { script: 'asks-for-human', callerName: 'Katherine Johnson' });
    let attention: Awaited<ReturnType<typeof desk.host.notifications>>[number] | undefined;
    await expect
      .poll(async () => (attention = (await desk.host.notifications()).find((n) => n.kind === 'attention' && !n.clicked)), {
        timeout: 60_000,
      })
      .toBeDefined();
    const navigate = attention?.navigate as { page: string; callId?: string };

    // Listening ends with the call, so "Listening" may not be on screen for long: the page is watched
    // every frame from before the click. (Stopping a listen is call-control.spec.ts's.)
    await page.evaluate(() => {
      const page = window as unknown as { sawListening?: boolean };
      const look = () => {
        if (Array.from(document.querySelectorAll('body *')).some((element) => element.textContent?.trim() === 'Listening'))
          page.sawListening = true;
        else requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
    await desk.host.clickNotification(attention?.id ?? '', 'listen');
    await expect(page).toHaveURL(new RegExp(`#/calls/${navigate.callId}$`));
    // Listening started without a click in the page: main fetched the ticket and relays the audio.
    await page.waitForFunction(() => (window as unknown as { sawListening?: boolean }).sawListening === true, undefined, {
      timeout: 30_000,
    });
    await expect(page.getByRole('region', { name: 'Timeline' }).getByText('Front Desk listened in')).toBeVisible({ timeout: 60_000 });
  });
});
