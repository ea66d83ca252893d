import { expect, test, type Page } from '@playwright/test';
import { AS, asStats, resetCounters, status, storedEntries, submitLogin } from './helpers';

/**
 * loginPopup() (issue 15): the popup comes back to the callback page, which completes the login there and
 * closes itself; the opener learns of it through storage and the tabs channel only, so it works when the AS
 * sends `Cross-Origin-Opener-Policy: same-origin` (the demo AS's default; POST /__test/coop turns it off).
 */

const setCoop = (enabled: boolean) => fetch(`${AS}/__test/coop`, { method: 'POST', body: JSON.stringify({ enabled }) });

test.beforeEach(async () => {
  await resetCounters(); // COOP back on too
});

test.afterAll(async () => {
  await setCoop(true);
});

/** Clicks "Sign in with a popup" and returns the popup, once it shows the AS's login form. */
async function openPopup(page: Page): Promise<Page> {
  await expect(status(page)).toHaveText('signedOut');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('sign-in-popup').click()]);
  await popup.waitForURL(`${AS}/interaction/**`);
  await expect(popup.locator('input[name=login]')).toBeVisible();
  return popup;
}

/** Signs in as the demo user in the popup; resolves once the popup has closed itself and `page` shows the session. */
async function completeInPopup(page: Page, popup: Page): Promise<void> {
  const closed = popup.waitForEvent('close');
  await submitLogin(popup);
  await closed;
  await expect(status(page)).toHaveText('signedIn');
  // loginPopup() itself resolved: the demo shows an alert for a rejected action.
  await expect(page.getByTestId('error')).toHaveCount(0);
}

for (const coop of [true, false]) {
  test(`popup sign-in with the AS's COOP ${coop ? 'on' : 'off'}: the opener ends signed in, the popup closes itself, one code exchange`, async ({ page }) => {
    await setCoop(coop);
    await page.goto('/');
    const popup = await openPopup(page);
    // COOP same-origin on the AS's page severs the popup from this page: no `window.opener` over there.
    expect(await popup.evaluate(() => window.opener !== null)).toBe(!coop);
    await completeInPopup(page, popup);
    await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
    // The page never left: no redirect happened here.
    expect(new URL(page.url()).pathname).toBe('/');
    const stats = await asStats();
    expect(stats.authorization).toBe(1);
    expect(stats.token.authorization_code).toBe(1);
    // Nothing of the login is left behind: the pending record and the popup's answer are gone.
    await expect.poll(async () => Object.keys(await storedEntries(page)).filter((key) => key !== 'dpop-nonces')).toEqual(['session']);
  });
}

test('a blocked popup rejects at once with popup_blocked, and nothing is stored', async ({ page }) => {
  await page.addInitScript(() => {
    window.open = () => null;
  });
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in-popup').click();
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'popup_blocked');
  await expect(status(page)).toHaveText('signedOut');
  expect((await asStats()).authorization).toBe(0);
  expect(Object.keys(await storedEntries(page))).toEqual([]);
});

test('the user closes the popup before signing in: popup_closed, no exchange, the pending login is dropped', async ({ page }) => {
  await setCoop(false); // the opener can see the popup: the close is noticed (with COOP only popupTimeout ends the wait)
  await page.clock.install(); // runs in real time until moved; moved past the time the popup must be seen alive
  await page.goto('/');
  const popup = await openPopup(page);
  await page.clock.runFor(2000);
  await popup.close();
  await page.clock.runFor(1000);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'popup_closed');
  expect((await asStats()).token.authorization_code).toBe(0);
  // Nothing of the login is left. (The AS's DPoP nonce from the pushed request may stay: it is the server's, not a secret.)
  await expect.poll(async () => Object.keys(await storedEntries(page)).filter((key) => key !== 'dpop-nonces')).toEqual([]);
});

test('COOP severs the popup: no false popup_closed while it is open; the login still completes', async ({ page }) => {
  await page.clock.install();
  await page.goto('/');
  const popup = await openPopup(page);
  expect(await popup.evaluate(() => window.opener)).toBeNull();
  // The severed handle reads `closed`: the opener must keep waiting, however long the user takes.
  await page.clock.runFor(10_000);
  await expect(status(page)).toHaveText('authorizing');
  await completeInPopup(page, popup);
  expect((await asStats()).token.authorization_code).toBe(1);
});

test('the user cancels at the AS: loginPopup rejects with access_denied, as the redirect flow does', async ({ page }) => {
  await page.goto('/');
  const popup = await openPopup(page);
  const closed = popup.waitForEvent('close');
  await popup.getByRole('link', { name: 'Cancel' }).click();
  await closed;
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'access_denied');
  expect((await asStats()).token.authorization_code).toBe(0);
});

test('another tab open meanwhile: both end signed in, one code exchange', async ({ page, context }) => {
  await page.goto('/');
  const other = await context.newPage();
  await other.goto('/react.html');
  await expect(status(other)).toHaveText('signedOut');
  const popup = await openPopup(page);
  await completeInPopup(page, popup);
  await expect(status(other)).toHaveText('signedIn');
  expect((await asStats()).token.authorization_code).toBe(1);
});

test('a second click while the popup is open brings it forward: one popup, one exchange', async ({ page, context }) => {
  await setCoop(false);
  await page.goto('/');
  const popup = await openPopup(page);
  let popups = 0;
  page.on('popup', () => popups++);
  // The demo disables its button while busy: the SDK itself is called again.
  await page.evaluate(() => void window.__auth.loginPopup());
  await completeInPopup(page, popup);
  expect(popups).toBe(0);
  expect(context.pages()).toHaveLength(1);
  expect((await asStats()).token.authorization_code).toBe(1);
});

test('COOP hides a popup the user walks away from: popup_timeout, and a late sign-in there exchanges nothing', async ({ page }) => {
  await page.clock.install();
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  const opened = page.waitForEvent('popup');
  await page.evaluate(() => void window.__auth.loginPopup({ popupTimeout: 30_000 }).catch(() => undefined));
  const popup = await opened;
  await popup.waitForURL(`${AS}/interaction/**`);
  await page.clock.runFor(31_000);
  await expect.poll(() => page.evaluate(() => window.__auth.state.error?.code)).toBe('popup_timeout');
  // The pending login was deleted: completing the forgotten popup now reaches no token endpoint.
  await submitLogin(popup);
  await expect(popup.locator('#failed')).toHaveAttribute('data-code', 'state_mismatch');
  expect((await asStats()).token.authorization_code).toBe(0);
  await expect(status(page)).toHaveText('error');
});

test('popup sign-in from the React page: its StrictMode popup exchanges the code once', async ({ page }) => {
  await page.goto('/react.html');
  const popup = await openPopup(page);
  await completeInPopup(page, popup);
  expect((await asStats()).token.authorization_code).toBe(1);
});
