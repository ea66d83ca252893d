// Several clients on one page (issue 17): demo/two-clients.html holds two clients of the demo AS (different
// client ids, one shared redirect URI). Each keeps its own session, tokens, storage and tab channel; a callback
// is completed by the client that started the login; signing out of one leaves the other signed in.
import { expect, test, type Page } from '@playwright/test';
import { AS, asStats, CLIENT_ID, DB_NAME, resetCounters, storedEntries, submitLogin, type StoredSessionShape } from './helpers';

const SECOND_CLIENT_ID = `${CLIENT_ID}-second`;
const SECOND_DB_NAME = `browser-oauth:${AS}:${SECOND_CLIENT_ID}`;
const PAGE = '/two-clients.html';

const statusOf = (page: Page, key: 'a' | 'b') => page.getByTestId(`status-${key}`);

/** Signs client `key` in; the AS may skip its form when the browser already has a session there. */
async function signInWith(page: Page, key: 'a' | 'b'): Promise<string> {
  const callback = page.waitForRequest((request) => request.isNavigationRequest() && request.url().includes(`${PAGE}?`));
  await page.getByTestId(`sign-in-${key}`).click();
  const form = page.locator('input[name=login]');
  await expect(form.or(statusOf(page, key).filter({ hasText: 'signedIn' }))).toBeVisible();
  if (page.url().startsWith(AS)) await submitLogin(page);
  const url = (await callback).url();
  await expect(statusOf(page, key)).toHaveText('signedIn');
  return url;
}

async function sessionIn(page: Page, database: string): Promise<StoredSessionShape | undefined> {
  return (await storedEntries(page, database)).session as StoredSessionShape | undefined;
}

test.beforeEach(async () => {
  await resetCounters();
});

test('two clients on one page: both sign in through one redirect URI, keep apart, and logout of one leaves the other', async ({ page, context }) => {
  await page.goto(PAGE);
  await expect(statusOf(page, 'a')).toHaveText('signedOut');
  await expect(statusOf(page, 'b')).toHaveText('signedOut');

  // A's callback: B's init() runs first on this page and must leave it to A.
  const callbackA = await signInWith(page, 'a');
  expect(new URL(callbackA).searchParams.has('code')).toBe(true);
  expect(page.url()).toMatch(/\/two-clients\.html$/); // A took the code and state out of the address bar
  await expect(statusOf(page, 'b')).toHaveText('signedOut'); // not an error: simply not B's callback

  // B's callback: A's init() is the one that must leave it alone now.
  await signInWith(page, 'b');
  expect(page.url()).toMatch(/\/two-clients\.html$/);
  await expect(statusOf(page, 'a')).toHaveText('signedIn');

  // One code exchange per client: neither callback was spent twice, or by the wrong client.
  expect((await asStats()).token.authorization_code).toBe(2);

  // Each client's token goes to the API as its own: the API sees each client id.
  await page.getByTestId('call-a').click();
  await expect(page.getByTestId('result-a')).toHaveText(`200 ${CLIENT_ID} alice`);
  await page.getByTestId('call-b').click();
  await expect(page.getByTestId('result-b')).toHaveText(`200 ${SECOND_CLIENT_ID} alice`);

  // One database per client, each with its own session.
  const [a, b] = [await sessionIn(page, DB_NAME), await sessionIn(page, SECOND_DB_NAME)];
  expect(a?.refreshToken).toBeTruthy();
  expect(b?.refreshToken).toBeTruthy();
  expect(a!.accessToken).not.toBe(b!.accessToken);
  expect(a!.refreshToken).not.toBe(b!.refreshToken);

  // A second tab restores both sessions, each from its own database.
  const other = await context.newPage();
  await other.goto(PAGE);
  await expect(statusOf(other, 'a')).toHaveText('signedIn');
  await expect(statusOf(other, 'b')).toHaveText('signedIn');

  // Logout of B: B's tab channel tells the other tab's B, and nobody tells A.
  await page.getByTestId('sign-out-b').click();
  await expect(statusOf(page, 'b')).toHaveText('signedOut');
  await expect(statusOf(other, 'b')).toHaveText('signedOut');
  await expect(statusOf(page, 'a')).toHaveText('signedIn');
  await expect(statusOf(other, 'a')).toHaveText('signedIn');
  expect(await sessionIn(page, SECOND_DB_NAME)).toBeUndefined();
  expect((await sessionIn(page, DB_NAME))?.refreshToken).toBe(a!.refreshToken);

  // A still works, and still after a reload.
  await page.reload();
  await expect(statusOf(page, 'a')).toHaveText('signedIn');
  await expect(statusOf(page, 'b')).toHaveText('signedOut');
  await page.getByTestId('call-a').click();
  await expect(page.getByTestId('result-a')).toHaveText(`200 ${CLIENT_ID} alice`);
  await page.getByTestId('call-b').click();
  await expect(page.getByTestId('result-b')).toHaveText('OAuthError login_required');
});
