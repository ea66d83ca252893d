import { expect, test, type Page, type Request } from '@playwright/test';
import { ports } from '../playwright.config';
import { serveDemoSpa } from '../scripts/demo-spa';
import { startGlewlwyd, type RunningGlewlwyd } from '../scripts/glewlwyd';
import { clientOptions, forceRefresh } from './hostile-helpers';
import { status, storedEntries } from './helpers';
import { databaseOf, fetchJson, requestsTo, sessionIn } from './other-servers';

/**
 * The demo app against Glewlwyd 2.7.5 (Debian's `glewlwyd`, an OpenID Connect server written in C): a second,
 * independent implementation of everything oidc-provider proves. scripts/glewlwyd.ts starts a fresh server
 * (SQLite, loopback, configured through its admin API) and scripts/demo-spa.ts a build of the demo pointed at it.
 */

const GLEWLWYD = `http://127.0.0.1:${ports.glewlwyd}`;
let glewlwyd: RunningGlewlwyd;
let spa: { stop(): Promise<void> } | undefined;
let database: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const spaOrigin = `http://127.0.0.1:${ports.glewlwydSpa}`;
  glewlwyd = await startGlewlwyd({ port: ports.glewlwyd, spaOrigin });
  spa = await serveDemoSpa({
    port: ports.glewlwydSpa,
    // The demo's API buttons are not used here: the protected resource is Glewlwyd's own userinfo endpoint.
    env: { VITE_ISSUER: glewlwyd.issuer, VITE_CLIENT_ID: glewlwyd.clientId, VITE_SCOPE: glewlwyd.scope, VITE_API_URL: `${glewlwyd.issuer}/` },
  });
  database = databaseOf(glewlwyd.issuer, glewlwyd.clientId);
});

test.afterAll(async () => {
  await spa?.stop();
  await glewlwyd?.stop();
});


const tokenRequests = (seen: Request[], grant: string) =>
  seen.filter((r) => r.url() === `${glewlwyd.issuer}/token` && r.method() === 'POST' && new URLSearchParams(r.postData() ?? '').get('grant_type') === grant);

const session = (page: Page) => sessionIn(page, database);

/** Signs in through Glewlwyd's own login page. */
async function signIn(page: Page): Promise<void> {
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${GLEWLWYD}/login.html**`);
  await page.locator('#username').fill(glewlwyd.user.username);
  await page.locator('#password').fill(glewlwyd.user.password);
  await page.locator('#loginbut').click();
  // Glewlwyd then asks "What do you wish for?": continue to the app (the scope was granted beforehand).
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(status(page)).toHaveText('signedIn');
}

test('DPoP: sign-in, reload with zero requests, forced refresh with rotation, auth.fetch to userinfo, logout back at the app', async ({ page }) => {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('browser-oauth')) warnings.push(m.text());
  });
  const seen = requestsTo(page, GLEWLWYD);
  await signIn(page);
  const first = await session(page);
  expect(first?.tokenType).toBe('dpop');
  const [exchange] = tokenRequests(seen, 'authorization_code');
  expect(await exchange!.headerValue('dpop')).toMatch(/^ey/);
  expect(new URL(page.url()).search, 'code and state left the address bar').toBe('');

  // A reload: the session comes back from IndexedDB, not one request to Glewlwyd.
  seen.length = 0;
  await page.reload();
  await expect(status(page)).toHaveText('signedIn');
  expect(seen.map((r) => r.url())).toEqual([]);

  // Forced refresh: a new access token and a new (one-use) refresh token, with a DPoP proof.
  expect(await forceRefresh(page)).toBe('ok');
  const second = await session(page);
  expect(second?.accessToken).not.toBe(first?.accessToken);
  expect(second?.refreshToken).not.toBe(first?.refreshToken);
  const [refresh] = tokenRequests(seen, 'refresh_token');
  expect(await refresh!.headerValue('dpop')).toMatch(/^ey/);

  // auth.fetch to Glewlwyd's userinfo endpoint: a DPoP token and a proof.
  const userinfo = await fetchJson(page, `${glewlwyd.issuer}/userinfo`);
  expect(userinfo.status).toBe(200);
  expect(userinfo.body.sub).toBeTruthy();
  const call = seen.find((r) => r.url() === `${glewlwyd.issuer}/userinfo`);
  expect(await call!.headerValue('authorization')).toMatch(/^DPoP /);
  expect(await call!.headerValue('dpop')).toMatch(/^ey/);

  // Logout: local wipe, the revocation Glewlwyd refuses to public clients (one warning naming it the server's
  // limit), then end-session with a state: Glewlwyd asks, and sends the browser back with that state only.
  seen.length = 0;
  const endSession = page.waitForRequest((r) => r.url().startsWith(`${glewlwyd.issuer}/end_session?`));
  await page.getByTestId('sign-out').click();
  const sent = new URL((await endSession).url());
  expect(sent.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
  expect(sent.searchParams.get('post_logout_redirect_uri')).toBe(`http://127.0.0.1:${ports.glewlwydSpa}/`);
  await page.waitForURL(`${GLEWLWYD}/login.html?**prompt=end_session**`);
  const back = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`http://127.0.0.1:${ports.glewlwydSpa}/?`));
  await page.getByRole('button', { name: 'Logout' }).click();
  expect(new URL((await back).url()).searchParams.get('state')).toBe(sent.searchParams.get('state'));
  await expect(status(page)).toHaveText('signedOut');
  // The SDK checked the state and took it off the address bar; nothing of the session is left.
  await expect.poll(() => page.url()).toBe(`http://127.0.0.1:${ports.glewlwydSpa}/`);
  expect(await storedEntries(page, database)).toEqual({});
  expect(tokenRequests(seen, 'refresh_token')).toEqual([]);
  expect(warnings).toEqual([
    "[browser-oauth] The authorization server refused to revoke the refresh token (401): a limit of the server; the session was wiped all the same (invalid_response)",
  ]);
});

test('Bearer: a refresh token Glewlwyd has disabled (its one-use chain replayed) signs the app out: invalid_grant, storage wiped', async ({ page, context }) => {
  await clientOptions(context, { dpop: false });
  await signIn(page);
  const first = await session(page);
  expect(first?.tokenType).toBe('bearer');
  expect(await forceRefresh(page)).toBe('ok');
  const second = await session(page);
  expect(second?.refreshToken).not.toBe(first?.refreshToken);

  // Someone replays the spent refresh token: Glewlwyd takes the chain as stolen and disables its last token.
  const replay = await fetch(`${glewlwyd.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first!.refreshToken!, client_id: glewlwyd.clientId }),
  });
  expect(replay.status).toBe(400);

  // Glewlwyd answers the app's next refresh with an empty 400: the session ends, in this tab and in storage.
  const other = await context.newPage();
  await other.goto('/');
  await expect(status(other)).toHaveText('signedIn');
  expect(await forceRefresh(page)).toBe('invalid_grant');
  await expect(status(page)).toHaveText('signedOut');
  await expect(status(other)).toHaveText('signedOut');
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'invalid_grant');
  expect(await storedEntries(page, database)).toEqual({});
  await page.reload();
  await expect(status(page)).toHaveText('signedOut');

  // Bearer tokens work with Glewlwyd's userinfo too, after a new sign-in.
  // Through the button, not `evaluate(login())`: login()'s promise outlives the page it navigates away from.
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${GLEWLWYD}/**`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(status(page)).toHaveText('signedIn');
  const call = page.waitForRequest(`${glewlwyd.issuer}/userinfo`);
  const userinfo = await page.evaluate(async (url) => (await window.__auth.fetch(url)).status, `${glewlwyd.issuer}/userinfo`);
  expect(userinfo).toBe(200);
  expect(await (await call).headerValue('authorization')).toMatch(/^Bearer /);
});
