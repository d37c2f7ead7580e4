// The dashboard updating in real time, end to end: the real renderer in Chromium,
// the real main-process core in the browser host, the real backend with its telephony sandbox. A
// patient rings; the console shows the call live, its transcript streaming, the booking the
// assistant makes, and the stats moving. Then "Call my phone": refused when invalid, followed when
// valid, and listed in Recent calls.
import { DEMO_PASSWORD, FRONT_DESK_EMAIL } from './support/desk.js';
import {
  expect,
  openSignedIn,
  openSignedOut,
  ringClinic,
  saveScreen,
  seriousAxeViolations,
  setOutboundScript,
  test,
} from './support/renderer-console.js';

test.describe('Console dashboard, live', () => {
  test.use({ viewport: { width: 1440, height: 960 } });

  test('signs in and shows the live dashboard', async ({ page, consoleDesk }) => {
    await openSignedOut(page, consoleDesk);
    await saveScreen(page, 'sign-in');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByLabel('Email').fill(FRONT_DESK_EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    await expect(page.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });
    await expect(page.getByText('Riverside Family Clinic')).toBeVisible();
  });

  test("a patient calls: the call streams live, the booking lands in today's bookings and the stats", async ({ page, consoleDesk }) => {
    await openSignedIn(page, consoleDesk);
    await expect(page.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });
    const stat = (label: string) => page.locator('.stat', { hasText: label }).locator('.stat__value');
    await expect(stat('Calls today')).not.toHaveText('—');
    const callsBefore = Number(await stat('Calls today').textContent());
    const bookingsBefore = Number(await stat('Bookings').textContent());

    await ringClinic(consoleDesk, { from: '+442079460123', callerName: 'Ellie Morgan', script: 'new-booking' });

    // Named by the caller once known, by the number's last three digits before (a front-desk console).
    const card = page.getByRole('article', { name: /Call with (Ellie Morgan|…123)/ });
    await expect(card).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('status').filter({ hasText: /New call from/ })).toHaveCount(1);
    // The transcript streams: lines keep arriving while the call is in progress.
    const lines = card.locator('.transcript__line');
    await expect(lines.first()).toBeVisible({ timeout: 20_000 });
    await expect(card.getByText('In progress')).toBeVisible();
    const early = await lines.count();
    await expect.poll(async () => lines.count(), { timeout: 30_000 }).toBeGreaterThan(early);
    await saveScreen(page, 'dashboard-live-call');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The assistant books; the booking and the figures arrive without a reload.
    const bookings = page.getByRole('region', { name: "Today's bookings" });
    await expect(bookings.getByRole('list', { name: 'Booked today' }).getByRole('listitem')).not.toHaveCount(0, { timeout: 60_000 });
    await expect(stat('Bookings')).toHaveText(String(bookingsBefore + 1), { timeout: 30_000 });
    await expect(stat('Calls today')).toHaveText(String(callsBefore + 1));

    // The call ends and moves to Recent calls.
    await expect(card).toBeHidden({ timeout: 90_000 });
    const recent = page.getByRole('region', { name: 'Recent calls' });
    await expect(recent.getByRole('row').nth(1)).toContainText(/Ellie Morgan|\+44 20 7946 0123/);
    await expect(recent.getByRole('row').nth(1)).toContainText('Booked');
    await saveScreen(page, 'dashboard');
  });

  test('"Call my phone": refuses an invalid number, follows a valid one to the end, lists it in Recent calls', async ({
    page,
    consoleDesk,
  }) => {
    await setOutboundScript(consoleDesk, 'hang-up');
    await openSignedIn(page, consoleDesk);
    await page.getByRole('link', { name: 'Assistant' }).click();
    const number = page.getByLabel('Your phone number');
    await number.pressSequentially('020 7946 0958');
    await page.getByRole('button', { name: 'Call my phone' }).click();
    await expect(number).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText(/Include the country code/).first()).toBeVisible();

    await number.fill('');
    await number.pressSequentially('+442079460958');
    await expect(number).toHaveValue('+44 20 7946 0958');
    await page.getByRole('button', { name: 'Call my phone' }).click();
    await expect(page.getByText(/Test call to \+44 20 7946 0958: (Queued|Ringing your phone|In progress)/)).toBeVisible({
      timeout: 15_000,
    });
    await saveScreen(page, 'agent-test-call');
    await expect(page.getByText(/Test call to \+44 20 7946 0958: Ended\./)).toBeVisible({ timeout: 90_000 });

    await page.getByRole('link', { name: 'Dashboard' }).click();
    const recent = page.getByRole('region', { name: 'Recent calls' });
    await expect(recent.getByRole('row').filter({ hasText: 'Test' }).first()).toBeVisible({ timeout: 15_000 });
  });
});
