// The <script> page (demo/script-tag.html): dist/browser-oauth.iife.js and a plain script, no bundler.
import { expect, test } from '@playwright/test';
import { apiRequests, asStats, resetCounters, signInOn, status, storedEntries, storedSession } from './helpers';

test.beforeEach(async () => {
  await resetCounters();
});

test('the <script> page signs in, calls the API and signs out with the IIFE build alone', async ({ page, context }) => {
  await page.goto('/script-tag.html');
  await expect(status(page)).toHaveText('signedOut');
  // Classic scripts only: the global from the IIFE build drives the page.
  expect(
    await page.evaluate(() => ({
      api: Object.keys((window as unknown as { BrowserOAuth: object }).BrowserOAuth).sort(),
      modules: document.querySelectorAll('script[type=module]').length,
      scripts: [...document.scripts].map((s) => new URL(s.src).pathname),
    })),
  ).toEqual({ api: ['OAuthError', 'createOAuthClient'], modules: 0, scripts: ['/browser-oauth.iife.js', '/script-tag.js'] });

  // A → B → C → D at this page's own redirect URI.
  await signInOn(page, '/script-tag.html');
  expect(page.url()).toMatch(/\/script-tag\.html$/);
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  await expect(page.getByTestId('user-email')).toHaveText('alice@example.com');
  expect((await asStats()).token.authorization_code).toBe(1);
  expect((await storedSession(page))?.refreshToken).toBeTruthy();

  // E → F with the token attached.
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await expect(page.getByTestId('api-result')).toContainText('"sub": "alice"');
  expect((await apiRequests()).filter((r) => r.path === '/api/me').map((r) => r.authorization)).not.toContain('none');

  // The same session on the bundled main page, read from storage with no token request.
  const main = await context.newPage();
  await main.goto('/');
  await expect(status(main)).toHaveText('signedIn');
  expect((await asStats()).token).toEqual({ authorization_code: 1, refresh_token: 0 });
  await main.close();

  // Sign out: RP-initiated logout at the AS and back here, the session gone from IndexedDB.
  const back = page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === '/script-tag.html');
  await page.getByTestId('sign-out').click();
  await back;
  await expect(status(page)).toHaveText('signedOut');
  await expect(page.getByTestId('sign-in')).toBeVisible();
  expect(await storedEntries(page)).toEqual({});
  const stats = await asStats();
  expect(stats.revocation).toBe(1);
  expect(stats.endSession).toBeGreaterThanOrEqual(1);
});
