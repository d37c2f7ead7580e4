// Configuring the assistant, its knowledge base and number end to end (as the clinic's administrator:
// front desk sees them read-only, last), and a tour of every main screen for the record: screenshots
// of each (light and dark) saved under e2e/artifacts/screens, and axe-core finding no serious
// violations on any of them (accessibility, contrast included, which jsdom cannot check).
import { ADMIN_EMAIL, DEMO_PASSWORD, FRONT_DESK_EMAIL } from './support/desk.js';
import { expect, openSignedIn, openSignedOut, ringClinic, saveScreen, seriousAxeViolations, test } from './support/renderer-console.js';

test.describe('Configuring the assistant, and every screen', () => {
  test.use({ viewport: { width: 1440, height: 960 } });

  test('uploads a knowledge document and sees it processed', async ({ page, consoleDesk }) => {
    await openSignedIn(page, consoleDesk, ADMIN_EMAIL);
    await page.getByRole('link', { name: 'Knowledge base' }).click();
    await expect(page.getByRole('heading', { name: 'Knowledge base', level: 1 })).toBeVisible();
    await page.locator('input[type="file"]').setInputFiles({
      name: 'parking-and-access.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# Parking and access\n\nFree parking is behind the clinic on Mill Lane. The entrance has step-free access.\n'),
    });
    await expect(page.getByText('Uploaded')).toBeVisible({ timeout: 30_000 });
    const row = page.getByRole('row', { name: /parking-and-access\.md/ });
    await expect(row).toBeVisible();
    await expect(row.getByText(/Processing|Ready/)).toBeVisible();
    await expect(row.getByText('Ready')).toBeVisible({ timeout: 30_000 });

    // A file the assistant cannot use is refused before anything is sent.
    await page
      .locator('input[type="file"]')
      .setInputFiles({ name: 'scan.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('x') });
    await expect(page.getByRole('alert').filter({ hasText: 'scan.docx is not a text, Markdown or PDF file' })).toBeVisible();
    await saveScreen(page, 'knowledge');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  test('edits and saves the personality, which survives a reload', async ({ page, consoleDesk }) => {
    await openSignedIn(page, consoleDesk, ADMIN_EMAIL);
    await page.getByRole('link', { name: 'Assistant' }).click();
    const greeting = page.getByLabel('Greeting');
    await expect(greeting).not.toHaveValue('');
    const newGreeting = 'Good day, Riverside Family Clinic, Ava speaking. How may I help?';
    await greeting.fill(newGreeting);
    // The demo clinic comes with a front-desk number; replace it.
    await page.getByLabel('Transfer number').fill('');
    await page.getByLabel('Transfer number').pressSequentially('+442079460000');
    await expect(page.getByText('Unsaved changes')).toBeVisible();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Saved.')).toBeVisible({ timeout: 15_000 });
    await saveScreen(page, 'agent');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.reload();
    await expect(page.getByLabel('Greeting')).toHaveValue(newGreeting);
    await expect(page.getByLabel('Transfer number')).toHaveValue('+44 20 7946 0000');

    await page.getByRole('button', { name: 'Web test' }).click();
    await expect(page.getByText(/The web test audio bridge is ready|The web test is not available/)).toBeVisible({ timeout: 15_000 });
  });

  test('call history, call detail, phone number and settings screens', async ({ page, consoleDesk }) => {
    await openSignedIn(page, consoleDesk, ADMIN_EMAIL);
    await ringClinic(consoleDesk, { from: '+442079460456', callerName: 'Rosa Kim', script: 'knowledge-question' });
    const card = page.getByRole('article', { name: /Call with/ }).first();
    await expect(card).toBeVisible({ timeout: 20_000 });
    await expect(card).toBeHidden({ timeout: 90_000 });

    await page.getByRole('link', { name: 'Call history' }).click();
    const firstRow = page.getByRole('table', { name: 'Calls' }).getByRole('row').nth(1);
    await expect(firstRow).toBeVisible();
    await page.getByRole('searchbox', { name: 'Search' }).fill('7946 0456');
    await expect(page.getByText(/^1 call$/)).toBeVisible({ timeout: 15_000 });
    await saveScreen(page, 'call-history');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await firstRow.getByRole('link').click();
    await expect(page.getByRole('heading', { name: /^Call with/, level: 1 })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Transcript' }).locator('.transcript__line').first()).toBeVisible();
    await expect(page.getByRole('region', { name: 'Summary' })).not.toContainText('The summary appears when the call ends.');
    await saveScreen(page, 'call-detail');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Phone number' }).click();
    await expect(page.getByRole('region', { name: 'Connected' }).locator('.number-card')).not.toHaveCount(0);
    await saveScreen(page, 'phone-number');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByLabel('A call comes in')).toBeVisible();
    await saveScreen(page, 'settings');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  test('dark theme: every main screen stays readable', async ({ page, consoleDesk }) => {
    await openSignedIn(page, consoleDesk, ADMIN_EMAIL);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Dark').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    try {
      for (const [link, heading, name] of [
        ['Dashboard', 'Dashboard', 'dashboard-dark'],
        ['Call history', 'Call history', 'call-history-dark'],
        ['Assistant', 'Assistant', 'agent-dark'],
        ['Knowledge base', 'Knowledge base', 'knowledge-dark'],
        ['Phone number', 'Phone number', 'phone-number-dark'],
        ['Settings', 'Settings', 'settings-dark'],
      ] as const) {
        await page.getByRole('link', { name: link }).click();
        await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
        await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0, { timeout: 15_000 });
        await saveScreen(page, name);
        expect(await seriousAxeViolations(page), name).toEqual([]);
      }
    } finally {
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Match this computer').check();
    }
  });

  test('front desk sees the assistant and the knowledge base read-only, and can still try the assistant', async ({ page, consoleDesk }) => {
    await openSignedOut(page, consoleDesk);
    await page.getByLabel('Email').fill(FRONT_DESK_EMAIL);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('link', { name: 'Assistant' }).click();
    const personality = page.getByRole('region', { name: 'Personality' });
    await expect(personality.getByRole('note')).toHaveText(/Only a clinic administrator can change the assistant\./);
    await expect(personality.getByLabel('Greeting')).toBeDisabled();
    await expect(personality.getByLabel('Transfer number')).toBeDisabled();
    await expect(personality.getByRole('button', { name: 'Save', exact: true })).toHaveCount(0);
    await expect(page.getByLabel('Your phone number')).toBeEnabled();
    await saveScreen(page, 'agent-front-desk');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Knowledge base' }).click();
    await expect(page.getByRole('note')).toHaveText(/Only a clinic administrator can change the knowledge base\./);
    await expect(page.locator('input[type="file"]')).toHaveCount(0);
    await expect(page.getByRole('row', { name: /parking-and-access\.md/ })).toBeVisible();
    await expect(page.getByRole('button', { name: /^Delete/ })).toHaveCount(0);
    await saveScreen(page, 'knowledge-front-desk');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
