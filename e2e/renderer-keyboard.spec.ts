// Keyboard use end to end: the main flow with the keyboard alone (no mouse event at all), with a visible
// focus indicator wherever focus lands: sign in, open a call from the history, place a test call,
// lock and unlock.
import type { Page } from '@playwright/test';
import { DEMO_PASSWORD, FRONT_DESK_EMAIL } from './support/desk.js';
import { expect, ringClinic, seriousAxeViolations, saveScreen, setOutboundScript, tabTo, test } from './support/renderer-console.js';

/** The focused element shows a focus ring (an outline or a ring on its wrapping label). */
async function expectVisibleFocus(page: Page): Promise<void> {
  const visible = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return false;
    const shows = (node: Element | null) => {
      if (!node) return false;
      const style = getComputedStyle(node);
      return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    };
    // A heading focused after navigation is a landing point, announced rather than outlined.
    return el.tagName === 'H1' || shows(el) || shows(el.closest('label'));
  });
  expect(visible).toBe(true);
}

test.describe('Keyboard only', () => {
  test.use({ viewport: { width: 1440, height: 960 } });

  test('the main flow works with the keyboard alone, focus always visible', async ({ page, consoleDesk }) => {
    await setOutboundScript(consoleDesk, 'hang-up');
    // Something in the history to open: a caller who hangs up quickly.
    await ringClinic(consoleDesk, { from: '+442079460789', script: 'hang-up' });
    await page.goto(consoleDesk.host.url);
    const signInHeading = page.getByRole('heading', { name: 'Sign in' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(signInHeading.or(nav)).toBeVisible({ timeout: 30_000 });
    if (await nav.isVisible()) {
      await tabTo(page, page.getByRole('button', { name: 'Sign out' }));
      await expectVisibleFocus(page);
      await page.keyboard.press('Enter');
    }

    // Sign in: the email field has focus from the start.
    await expect(signInHeading).toBeVisible();
    await expect(page.getByLabel('Email')).toBeFocused();
    await page.keyboard.type(FRONT_DESK_EMAIL);
    await page.keyboard.press('Tab');
    await expectVisibleFocus(page);
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();

    // The skip link comes first and lands on the page.
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
    await expectVisibleFocus(page);

    // Call history → open a call with the arrow keys and Enter.
    await tabTo(page, nav.getByRole('link', { name: 'Call history' }));
    await expectVisibleFocus(page);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Call history', level: 1 })).toBeFocused();
    const rows = page.getByRole('table', { name: 'Calls' }).getByRole('row');
    await expect(rows.nth(1)).toBeVisible({ timeout: 30_000 });
    await tabTo(page, rows.nth(1).getByRole('link'));
    await expectVisibleFocus(page);
    if ((await rows.count()) > 2) {
      await page.keyboard.press('ArrowDown');
      await expect(rows.nth(2).getByRole('link')).toBeFocused();
    }
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: /^Call with/, level: 1 })).toBeFocused();

    // Assistant → "Call my phone" from the keyboard.
    await tabTo(page, nav.getByRole('link', { name: 'Assistant' }), { backwards: true });
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Assistant', level: 1 })).toBeFocused();
    await tabTo(page, page.getByLabel('Your phone number'), { max: 120 });
    await expectVisibleFocus(page);
    await page.keyboard.type('+442079460958');
    await page.keyboard.press('Enter');
    await expect(page.getByText(/Test call to \+44 20 7946 0958:/)).toBeVisible({ timeout: 15_000 });

    // Settings: switches and choices by keyboard.
    await tabTo(page, nav.getByRole('link', { name: 'Settings' }), { backwards: true, max: 120 });
    await page.keyboard.press('Enter');
    await tabTo(page, page.getByLabel('A call comes in'));
    await expectVisibleFocus(page);

    // Lock, then unlock with the password.
    await tabTo(page, page.getByRole('button', { name: 'Lock' }), { backwards: true, max: 120 });
    await expectVisibleFocus(page);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Locked' })).toBeVisible();
    await expect(page.getByLabel('Password')).toBeFocused();
    await saveScreen(page, 'lock-screen');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await expect(nav).toBeVisible();
  });
});
