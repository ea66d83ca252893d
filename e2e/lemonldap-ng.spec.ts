import { expect, test, type Page } from '@playwright/test';
import { ports } from '../playwright.config';
import { serveDemoSpa } from '../scripts/demo-spa';
import { startLemonLdap, type RunningLemonLdap } from '../scripts/lemonldap-ng';
import { forceRefresh } from './hostile-helpers';
import { status, storedEntries } from './helpers';
import { databaseOf, fetchJson, requestsTo, sessionIn } from './other-servers';

/**
 * The demo app against LemonLDAP::NG 2.16.1 (Debian's `lemonldap-ng`: a widely deployed SSO, Perl behind nginx).
 * scripts/lemonldap-ng.ts starts a fresh portal, scripts/demo-spa.ts a build of the demo pointed at it. The
 * portal has no DPoP, no rotation and no revocation endpoint, and signs ID tokens with RS512 while listing
 * `none` and `HS*`: the SDK's default algorithm list (issue 12, item 14) is what lets it in.
 */

const SPA = `http://127.0.0.1:${ports.llngSpa}`;
let llng: RunningLemonLdap;
let spa: { stop(): Promise<void> } | undefined;
let database: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  llng = await startLemonLdap({ port: ports.llng, spaOrigin: SPA });
  spa = await serveDemoSpa({
    port: ports.llngSpa,
    env: { VITE_ISSUER: llng.issuer, VITE_CLIENT_ID: llng.clientId, VITE_SCOPE: llng.scope, VITE_API_URL: `${llng.issuer}oauth2/` },
  });
  database = databaseOf(llng.issuer, llng.clientId);
});

test.afterAll(async () => {
  await spa?.stop();
  await llng?.stop();
});


const session = (page: Page) => sessionIn(page, database);

async function signIn(page: Page): Promise<void> {
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${llng.issuer}**`);
  await page.locator('input[name=user]').fill(llng.user.username);
  await page.locator('input[name=password]').fill(llng.user.password);
  await page.locator('button[type=submit]').first().click();
  await expect(status(page)).toHaveText('signedIn');
}

test('sign-in with an RS512 ID token, reload with zero requests, forced refresh keeping the refresh token, auth.fetch to userinfo, logout back at the app', async ({ page }) => {
  const seen = requestsTo(page, llng.issuer);
  await signIn(page);
  const first = await session(page);
  expect(first?.tokenType).toBe('bearer');
  expect(JSON.parse(Buffer.from(first!.idToken!.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS512' });

  seen.length = 0;
  await page.reload();
  await expect(status(page)).toHaveText('signedIn');
  expect(seen.map((r) => r.url())).toEqual([]);

  // No rotation at LemonLDAP::NG: the answer has no refresh token, and the SDK keeps the one it has.
  expect(await forceRefresh(page)).toBe('ok');
  const second = await session(page);
  expect(second?.accessToken).not.toBe(first?.accessToken);
  expect(second?.refreshToken).toBe(first?.refreshToken);

  const userinfo = await fetchJson(page, `${llng.issuer}oauth2/userinfo`);
  expect(userinfo).toMatchObject({ status: 200, body: { sub: llng.user.username } });

  // End-session (no confirmation page: LogoutBypassConfirm) sends the browser back with the state it was given.
  const endSession = page.waitForRequest((r) => r.url().startsWith(`${llng.issuer}oauth2/logout?`));
  const back = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${SPA}/?`));
  await page.getByTestId('sign-out').click();
  const state = new URL((await endSession).url()).searchParams.get('state');
  expect(state).toMatch(/^[\w-]{43}$/);
  expect(new URL((await back).url()).searchParams.get('state')).toBe(state);
  await expect(status(page)).toHaveText('signedOut');
  await expect.poll(() => page.url()).toBe(`${SPA}/`);
  expect(await storedEntries(page, database)).toEqual({});
});

test('a refresh token the portal no longer knows: 400 invalid_request, read as the end of the grant (invalid_grant), signed out', async ({ page }) => {
  await signIn(page);
  llng.deleteSessions();
  expect(await forceRefresh(page)).toBe('invalid_grant');
  await expect(status(page)).toHaveText('signedOut');
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'invalid_grant');
  // What the portal really said is kept on the error.
  expect(await page.evaluate(() => ({ error: window.__auth.state.error?.error, status: window.__auth.state.error?.status }))).toEqual({ error: 'invalid_request', status: 400 });
  expect(await storedEntries(page, database)).toEqual({});
});
