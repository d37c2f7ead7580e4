// Idle auto-lock for shared reception PCs (issue 5): the window locks, but the live connection and
// the notifications carry on; unlocking checks the password against the backend without dropping
// the live connection.
import { expect, placeInboundCall, signIn, test } from './support/desk.js';

test.describe('Locking the console', () => {
  test('keeps the live connection and notifications running while locked, and unlocks with the password', async ({ page, desk }) => {
    await signIn(page, desk.host);
    const connection = page.locator('.connection__state');
    await expect(connection).toHaveText(/^Live/, { timeout: 30_000 });
    const liveSince = (await desk.host.live()).connection;

    await page.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('heading', { name: 'Locked' })).toBeVisible();

    await placeInboundCall(desk.backend.url, { script: 'new-booking', callerName: 'Ada Lovelace' });
    await expect.poll(async () => (await desk.host.notifications()).map((n) => n.kind), { timeout: 60_000 }).toContain('inbound-call');

    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Locked' })).toBeVisible();

    await page.getByLabel('Password').fill('demo-password-for-e2e');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(connection).toHaveText(/^Live/);
    const after = (await desk.host.live()).connection;
    // The same connection throughout: live since before the lock, never a reconnect attempt.
    expect(after.status).toBe('live');
    expect(after.since).toBe(liveSince.since);
  });
});
