// R-D5 end to end: a patient rings the clinic (through the telephony sandbox) and asks for a person;
// the main-process notifier announces the call and the request for a human, the tray counts it, and
// clicking the notification opens that call in the console.
import { expect, signIn, test } from './support/desk.js';

async function sandboxControlUrl(backendUrl: string): Promise<string> {
  const health = (await (await fetch(`${backendUrl}/health`)).json()) as { checks: { telephony: { sandbox?: { controlUrl: string } } } };
  const url = health.checks.telephony.sandbox?.controlUrl;
  if (!url) throw new Error('the backend is not running its telephony sandbox');
  return url;
}

test.describe('Notifications through the browser host', () => {
  test('announces an inbound call that needs a human, and a click opens the call', async ({ page, desk }) => {
    await signIn(page, desk.host);
    await expect(page.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });

    const control = await sandboxControlUrl(desk.backend.url);
    const placed = await fetch(`${control}/inbound-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ script: 'asks-for-human', callerName: 'Grace Hopper' }),
    });
    expect(placed.status).toBe(202);

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
});
