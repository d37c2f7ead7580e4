// What a clinic shows an auditor, end to end through the browser host: the administrator invites a
// front-desk member (their initial password shown once), who signs in on a second console and opens
// a call; the administrator's Activity page shows that call being opened, and the CSV export
// downloads a file that holds the same entry.
import { readFile } from 'node:fs/promises';
import { ADMIN_EMAIL, expect, placeInboundCall, signIn, startHost, test } from './support/desk.js';

const NEW_DESK_EMAIL = 'new.desk@demo.voxanne.test';
const NEW_DESK_NAME = 'Noor Haddad';

test.describe('Compliance through the browser host', () => {
  test('an invited front desk opens a call; the admin’s Activity shows it and exports it as CSV', async ({ page, desk, browser }) => {
    await signIn(page, desk.host, ADMIN_EMAIL);
    await expect(page.locator('.connection__state')).toHaveText(/^Live/, { timeout: 30_000 });
    await placeInboundCall(desk.backend.url, { script: 'hang-up', callerName: 'Grace Hopper', from: '+447700900555' });

    // Invite: the password is shown once, in a dialog.
    await page.getByRole('link', { name: 'Staff' }).click();
    const invite = page.getByRole('form', { name: 'Invite a staff member' });
    await invite.getByLabel('Email').fill(NEW_DESK_EMAIL);
    await invite.getByLabel('Name').fill(NEW_DESK_NAME);
    await invite.getByLabel('Role').selectOption({ label: 'Front desk' });
    await invite.getByRole('button', { name: 'Invite' }).click();
    const shown = page.getByRole('dialog', { name: `${NEW_DESK_NAME} is invited` });
    const password = (await shown.getByLabel('Initial password').textContent())?.trim() ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await shown.getByRole('button', { name: 'I have handed it over' }).click();
    await expect(page.getByRole('row', { name: new RegExp(NEW_DESK_NAME) })).toContainText('Front desk');

    // The new front desk signs in on another console and opens the call.
    const secondHost = await startHost(desk.backend.url);
    const secondContext = await browser.newContext();
    const other = await secondContext.newPage();
    let callId = '';
    try {
      await signIn(other, secondHost, NEW_DESK_EMAIL, password);
      await expect(other.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible({ timeout: 30_000 });
      await expect(other.getByRole('link', { name: 'Activity' })).toHaveCount(0);
      await expect(other.getByRole('link', { name: 'Staff' })).toHaveCount(0);
      await other.getByRole('link', { name: 'Call history' }).click();
      const firstRow = other.getByRole('table', { name: 'Calls' }).getByRole('row').nth(1);
      await expect(firstRow).toBeVisible({ timeout: 60_000 });
      await firstRow.getByRole('link').click();
      await expect(other.getByRole('heading', { name: /^Call with/, level: 1 })).toBeVisible();
      callId = /#\/calls\/([0-9a-f-]{36})$/.exec(other.url())?.[1] ?? '';
      expect(callId).not.toBe('');
    } finally {
      await secondContext.close();
      await secondHost.stop();
    }

    // The administrator's Activity page shows who opened it.
    await page.getByRole('link', { name: 'Activity' }).click();
    const filters = page.getByRole('form', { name: 'Filter the activity' });
    await filters.getByLabel('Person').selectOption({ label: `${NEW_DESK_NAME} (${NEW_DESK_EMAIL})` });
    await filters.getByLabel('Action').selectOption({ label: 'Opened a call' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    // The call's page reloads the call as it changes (ringing, then ended): each load is an opening.
    // Every row matching is what tells the filtered list from the unfiltered one shown before it.
    const rows = page.getByRole('table').getByRole('row');
    const allOpenedByThem = async () => {
      const texts = (await rows.allTextContents()).slice(1);
      return (
        texts.length > 0 && texts.every((t) => t.includes(NEW_DESK_NAME) && t.includes('Opened a call') && t.includes(`call ${callId}`))
      );
    };
    await expect.poll(allOpenedByThem).toBe(true);
    const opened = await rows.count();

    // The CSV export downloads the same entry.
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^activity-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe('seq,at,staff_id,staff_name,role,instance,address,action,object_type,object_id,details');
    expect(lines).toHaveLength(opened);
    for (const line of lines.slice(1)) {
      expect(line).toContain(`,${NEW_DESK_NAME},front_desk,`);
      expect(line).toContain(`,call.viewed,call,${callId},`);
    }
  });
});
