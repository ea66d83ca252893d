import { expect, test } from '@playwright/test';
import { API_RESOURCE, AS, asStats, nextAuthorizationRequest, resetCounters, status, submitLogin } from './helpers';

// Issue 15, native shells: the demo AS's native client (demo/server/config.ts NATIVE_CLIENT) redirects to a
// private-use scheme no web page answers; the demo's `native` test mode opens the AS with `navigate` in another
// window (Capacitor's Browser.open opens the system browser), and the test plays the app's deep-link handler.
const NATIVE_REDIRECT = 'com.example.browseroauth:/callback';

test('a native-shell login: navigate opens the AS elsewhere, the custom-scheme callback goes to handleRedirect', async ({ page, context }) => {
  await page.addInitScript(() => {
    window.__authTestOptions = { native: true };
  });
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  const appUrl = page.url();
  await resetCounters.onlyAs();

  // If navigate were ignored, location.assign would take this page to the AS and no window would open.
  const opened = context.waitForEvent('page');
  const authorization = context.waitForEvent('request', (request) => request.url().startsWith(`${AS}/auth?`));
  const authorizationRequest = nextAuthorizationRequest(context);
  await page.getByTestId('sign-in').click();
  const browser = await opened;
  expect((await authorization).frame().page()).toBe(browser);
  expect((await authorizationRequest).params.get('redirect_uri')).toBe(NATIVE_REDIRECT);
  await browser.waitForURL(`${AS}/interaction/**`);
  expect(page.url()).toBe(appUrl);
  await expect(status(page)).toHaveText('authorizing');

  // The AS's last redirect goes to the app's scheme: what the OS would hand to the app's deep-link handler.
  const redirect = browser.waitForResponse((response) => (response.headers()['location'] ?? '').startsWith(`${NATIVE_REDIRECT}?`));
  await submitLogin(browser);
  const callbackUrl = new URL((await redirect).headers()['location']!, AS).href;
  expect(new URL(callbackUrl).searchParams.has('code')).toBe(true);
  await browser.close(); // Browser.close() in the Capacitor recipe

  const result = await page.evaluate((url) => window.__auth.handleRedirect(url), callbackUrl);
  expect(result).toEqual({ returnTo: '/' });
  await expect(status(page)).toHaveText('signedIn');
  expect(page.url()).toBe(appUrl); // the page's own URL was never the callback: left alone
  expect((await asStats()).token.authorization_code).toBe(1);

  const api = await page.evaluate(async (url) => {
    const response = await window.__auth.fetch(`${url}me`);
    return { status: response.status, body: (await response.json()) as { client_id?: string } };
  }, API_RESOURCE);
  expect(api).toMatchObject({ status: 200, body: { client_id: 'browser-oauth-native' } });

  // The same callback again (a deep link delivered twice) is refused: the pending login was used once.
  const replay = await page.evaluate(
    (url) => window.__auth.handleRedirect(`${url}&again`).then(() => 'accepted', (err: { code?: string }) => err.code),
    callbackUrl,
  );
  expect(replay).toBe('state_mismatch');
  expect((await asStats()).token.authorization_code).toBe(1);
});
