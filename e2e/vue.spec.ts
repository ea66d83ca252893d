// The Vue page (demo/vue.html): Vue 3 with browser-oauth/vue (createOAuthPlugin, useOAuth).
import { expect, test, type Page } from '@playwright/test';
import { AS, asStats, resetCounters, signIn, signInOn, status, storedEntries, storedSession, submitLogin } from './helpers';

test.beforeEach(async () => {
  await resetCounters();
});

/** What the page reports as broken: uncaught errors, and console errors (a CSP or Trusted Types refusal among them). */
function problemsOf(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  return problems;
}

test('the Vue page signs in with exactly one code exchange, shows the user, calls the API, and keeps the session on reload', async ({ page }) => {
  const problems = problemsOf(page);
  const callbackUrl = await signInOn(page, '/vue.html');
  expect(new URL(callbackUrl).searchParams.has('code')).toBe(true);
  // The plugin completed the page's own callback and cleaned the address bar.
  expect(page.url()).toMatch(/\/vue\.html$/);
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  await expect(page.getByTestId('user-email')).toHaveText('alice@example.com');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('expires-in')).toContainText(/expires in \d+s/);
  await expect(page).toHaveTitle('Alice Liddell · Vue · browser-oauth demo');

  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await expect(page.getByTestId('api-result')).toContainText('"sub": "alice"');

  await page.reload();
  await expect(status(page)).toHaveText('signedIn');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');

  // One code, one exchange: a second one would make the AS revoke the grant (code reuse).
  const stats = await asStats();
  expect(stats.authorization).toBe(1);
  expect(stats.token.authorization_code).toBe(1);
  expect(stats.tokenErrors).toEqual({});
  const stored = Object.keys(await storedEntries(page));
  expect(stored).toContain('session');
  expect(stored.filter((key) => key.startsWith('pending:'))).toEqual([]); // the login was consumed
  expect(problems).toEqual([]);
});

test('after the sign-in, the plugin puts the address login() was called from back in the address bar', async ({ page }) => {
  await page.goto('/vue.html?tab=tokens#details');
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  await submitLogin(page);
  await expect(status(page)).toHaveText('signedIn');
  await expect.poll(() => page.url()).toBe(`${new URL(page.url()).origin}/vue.html?tab=tokens#details`);
  expect((await asStats()).token.authorization_code).toBe(1);
});

test('the Vue page follows a sign-in and a sign-out made in other tabs, without a reload', async ({ page, context }) => {
  await page.goto('/vue.html');
  await expect(status(page)).toHaveText('signedOut');
  await page.evaluate(() => {
    (window as { loadedOnce?: boolean }).loadedOnce = true; // gone if the page reloads
  });

  const main = await context.newPage();
  await signIn(main);
  await expect(status(page)).toHaveText('signedIn');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  expect((await asStats()).token.authorization_code).toBe(1);

  // A second tab on the Vue page shares the session, and a sign-out on the main page reaches both.
  const second = await context.newPage();
  await second.goto('/vue.html');
  await expect(second.getByTestId('user-name')).toHaveText('Alice Liddell');
  await main.evaluate(() => window.__auth.logout());
  await expect(status(main)).toHaveText('signedOut');
  for (const tab of [page, second]) {
    await expect(status(tab)).toHaveText('signedOut');
    await expect(tab.getByTestId('user-name')).toHaveCount(0);
    await expect(tab.getByTestId('sign-in')).toBeVisible();
  }
  expect(await page.evaluate(() => (window as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  expect(await storedEntries(page)).toEqual({});
  expect((await asStats()).token.authorization_code).toBe(1); // no tab signed itself in again
});

test('signing out on the Vue page signs the other pages out', async ({ page, context }) => {
  await signInOn(page, '/vue.html');
  const react = await context.newPage();
  await react.goto('/react.html');
  await expect(status(react)).toHaveText('signedIn');

  await page.getByTestId('sign-out').click();
  await expect(status(react)).toHaveText('signedOut');
  // The page leaves /vue.html for the AS's end-session endpoint and comes back: waitForURL alone can match
  // before it has left (a flake under load), so wait for the AS to have seen the end-session request first.
  await expect.poll(async () => (await asStats()).endSession, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  await page.waitForURL(/\/vue\.html$/);
  await expect(status(page)).toHaveText('signedOut');
  expect((await asStats()).revocation).toBe(1);
});

test('a rejected callback on the Vue page shows the error state, and "Try again" signs in', async ({ page }) => {
  await page.goto(`/vue.html?code=forged-code&state=forged-state&iss=${encodeURIComponent(AS)}`);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'state_mismatch');
  await expect(status(page)).toHaveText('error');
  expect(new URL(page.url()).search).toBe('');
  expect((await asStats()).token.authorization_code).toBe(0);
  expect(await storedSession(page)).toBeUndefined();

  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  await submitLogin(page);
  await expect(status(page)).toHaveText('signedIn');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  expect((await asStats()).token.authorization_code).toBe(1);
});
