// The React page (demo/react.html): React 19 in <StrictMode> with browser-oauth/react.
import { expect, test } from '@playwright/test';
import { AS, asStats, resetCounters, signIn, signInOn, status, storedEntries, storedSession, submitLogin } from './helpers';

test.beforeEach(async () => {
  await resetCounters();
});

test('in StrictMode the React page signs in with exactly one code exchange, shows the user, calls the API', async ({ page }) => {
  await page.goto('/react.html');
  await expect(status(page)).toHaveText('signedOut');
  // StrictMode's development double-run is on: mount effects ran twice (the provider's among them).
  await expect(page.locator('body')).toHaveAttribute('data-mount-effects', '2');

  const callbackUrl = await signInOn(page, '/react.html');
  expect(new URL(callbackUrl).searchParams.has('code')).toBe(true);
  // The page completed its own callback and cleaned the address bar.
  expect(page.url()).toMatch(/\/react\.html$/);
  await expect(page.locator('body')).toHaveAttribute('data-mount-effects', '2');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  await expect(page.getByTestId('user-email')).toHaveText('alice@example.com');
  await expect(page.getByTestId('error')).toHaveCount(0); // no second, refused, callback either
  await expect(page.getByTestId('expires-in')).toContainText(/expires in \d+s/);

  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await expect(page.getByTestId('api-result')).toContainText('"sub": "alice"');

  // One code, one exchange: a second one would make the AS revoke the grant (code reuse).
  const stats = await asStats();
  expect(stats.authorization).toBe(1);
  expect(stats.token.authorization_code).toBe(1);
  expect(stats.tokenErrors).toEqual({});
  const stored = Object.keys(await storedEntries(page));
  expect(stored).toContain('session');
  expect(stored.filter((key) => key.startsWith('pending:'))).toEqual([]); // the login was consumed
});

/**
 * Issue 12 item 7: after the provider completed the login, the address bar stayed on the redirect URI; the
 * README left the `returnTo` to the app. The provider now puts it back (`onLoginComplete`, default).
 */
test('after the sign-in, the provider puts the address login() was called from back in the address bar', async ({ page }) => {
  await page.goto('/react.html?tab=tokens#details');
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  await submitLogin(page);
  await expect(status(page)).toHaveText('signedIn');
  await expect.poll(() => page.url()).toBe(`${new URL(page.url()).origin}/react.html?tab=tokens#details`);
  const stats = await asStats();
  expect(stats.token.authorization_code).toBe(1);
});

test('the React page follows a sign-out made in another tab, without a reload', async ({ page, context }) => {
  await signInOn(page, '/react.html');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  await page.evaluate(() => {
    (window as { loadedOnce?: boolean }).loadedOnce = true; // gone if the page reloads
  });

  const main = await context.newPage();
  await main.goto('/');
  await expect(status(main)).toHaveText('signedIn'); // one session for every page
  await main.evaluate(() => window.__auth.logout());
  await expect(status(main)).toHaveText('signedOut');

  await expect(status(page)).toHaveText('signedOut', { timeout: 1000 });
  await expect(page.getByTestId('user-name')).toHaveCount(0);
  await expect(page.getByTestId('sign-in')).toBeVisible();
  expect(await page.evaluate(() => (window as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  expect(await storedEntries(page)).toEqual({});
});

test('signing in on the main page makes an open React page show the user', async ({ page, context }) => {
  await page.goto('/react.html');
  await expect(status(page)).toHaveText('signedOut');

  const main = await context.newPage();
  await signIn(main);

  await expect(status(page)).toHaveText('signedIn');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  expect((await asStats()).token.authorization_code).toBe(1);
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
});

test('a rejected callback on the React page reaches the error boundary (throwErrors), and retry signs in', async ({ page }) => {
  await page.goto(`/react.html?code=forged-code&state=forged-state&iss=${encodeURIComponent(AS)}`);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'state_mismatch');
  await expect(status(page)).toHaveText('error');
  expect(new URL(page.url()).search).toBe('');
  expect((await asStats()).token.authorization_code).toBe(0);
  expect(await storedSession(page)).toBeUndefined();

  // "Try again" starts a login; the boundary steps aside as the state leaves `error`.
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  await submitLogin(page);
  await expect(status(page)).toHaveText('signedIn');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  expect((await asStats()).token.authorization_code).toBe(1);
});
