// The shared work queue across two consoles (two browser hosts, two browser contexts, one backend):
// a caller hangs up during the greeting (through the telephony sandbox) and the missed call appears
// on both; one console claims it and the other shows who; closing asks for the outcome, and the
// item leaves both queues.
import { ADMIN_EMAIL, expect, placeInboundCall, signIn, startHost, test } from './support/desk.js';

test.describe('Work queue through two browser hosts', () => {
  test('a missed call reaches both consoles, a claim shows on the other, and closing needs an outcome', async ({ page, desk, browser }) => {
    const secondHost = await startHost(desk.backend.url);
    const secondContext = await browser.newContext();
    const other = await secondContext.newPage();
    try {
      await signIn(page, desk.host);
      await signIn(other, secondHost, ADMIN_EMAIL);
      for (const console of [page, other]) await expect(console.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });

      await placeInboundCall(desk.backend.url, { script: 'hang-up', callerName: 'Grace Hopper', from: '+447700900777' });
      const cardOn = (console: typeof page) =>
        console
          .getByRole('region', { name: 'Work queue' })
          .getByRole('listitem', { name: /^Missed call: / })
          .filter({ hasText: 'Caller hung up without speaking' });
      const mine = cardOn(page);
      const theirs = cardOn(other);
      await expect(mine).toHaveCount(1, { timeout: 60_000 });
      await expect(theirs).toHaveCount(1);

      await mine.getByRole('button', { name: 'I’m on it' }).click();
      await expect(mine.getByText('You are on it')).toBeVisible();
      await expect(theirs.getByText('Front Desk is on it')).toBeVisible();
      await expect(theirs.getByRole('button', { name: 'I’m on it' })).toHaveCount(0);

      await mine.getByRole('button', { name: 'Done…' }).click();
      await mine.getByRole('button', { name: 'Mark done' }).click();
      await expect(mine.getByRole('alert')).toHaveText('Choose how it ended.');
      await mine.getByLabel('How did it end?').selectOption({ label: 'No answer — left voicemail' });
      await mine.getByLabel('Note (optional)').fill('Left a message about the appointment.');
      await mine.getByRole('button', { name: 'Mark done' }).click();
      await expect(mine).toHaveCount(0);
      await expect(theirs).toHaveCount(0);
    } finally {
      await secondContext.close();
      await secondHost.stop();
    }
  });
});
