import { expect, test, type Page } from '@playwright/test';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import * as o from 'oauth4webapi';
import { AS, API_RESOURCE, asStats, CLIENT_ID, nextAuthorizationRequest, pageFetch, resetCounters, setParMode, signIn, SPA, status, storedEntries, submitLogin, tokenFaults } from './helpers';

/**
 * Pushed authorization requests (RFC 9126) and the DPoP-bound code (RFC 9449 §10), against the demo AS in each
 * of its PAR modes (demo/server/authorization-server.ts `parControl`: on by default, off, required).
 */

test.beforeEach(async () => {
  await resetCounters(); // also the AS's PAR mode back to `on`
});
test.afterEach(async () => {
  await setParMode('on');
});

/** The SDK's `par` option for every page of this tab. */
async function usePar(page: Page, par: 'auto' | boolean): Promise<void> {
  await page.addInitScript((value) => {
    window.__authTestOptions = { par: value };
  }, par);
}

/** `auth.login()` from the page: `'navigated'` when it went to the AS, else the OAuthError code. */
async function loginOutcome(page: Page): Promise<string> {
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  return page.evaluate(() =>
    Promise.race([
      window.__auth.login().then(() => 'resolved', (err: { code?: string }) => err.code ?? String(err)),
      // A login that navigates never settles in this page.
      new Promise<string>((resolve) => window.addEventListener('beforeunload', () => resolve('navigated'))),
    ]),
  );
}

const jwtHeaderJwk = (proof: string) => decodeProtectedHeader(proof).jwk as JWK;

test("'auto', the AS offers PAR: the browser carries client_id and request_uri only; the rest is pushed with a DPoP proof", async ({ page }) => {
  const request = nextAuthorizationRequest(page);
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  // A login with params of its own: they are pushed too.
  await page.evaluate(() => void window.__auth.login({ params: { ui_locales: 'fr' }, loginHint: 'alice' }));
  const { url, pushed, pushedHeaders } = await request;
  expect([...url.searchParams.keys()]).toEqual(['client_id', 'request_uri']);
  expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
  expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
  expect(pushed).toBeDefined();
  expect(Object.fromEntries(pushed!)).toMatchObject({
    client_id: CLIENT_ID,
    redirect_uri: `${SPA}/callback.html`,
    response_type: 'code',
    code_challenge_method: 'S256',
    ui_locales: 'fr',
    login_hint: 'alice',
  });
  for (const name of ['code_challenge', 'state', 'nonce', 'scope', 'dpop_jkt']) expect(pushed!.get(name), name).toBeTruthy();
  expect(pushed!.getAll('resource').length).toBeGreaterThan(0);
  // The proof on the pushed request is made with the key dpop_jkt names: the login's key.
  const proof = pushedHeaders!['dpop'];
  expect(proof).toBeTruthy();
  expect(await calculateJwkThumbprint(jwtHeaderJwk(proof!))).toBe(pushed!.get('dpop_jkt'));
  // Nothing of it is in the address bar at the AS.
  await page.waitForURL(`${AS}/**`);
  for (const name of ['state', 'code_challenge', 'nonce', 'ui_locales']) expect(new URL(page.url()).searchParams.has(name)).toBe(false);

  await submitLogin(page);
  await expect(status(page)).toHaveText('signedIn');
  expect(await pageFetch(page, `${API_RESOURCE}me`)).toEqual(['200']);
  const stats = await asStats();
  expect(stats.par).toBe(1);
  expect(stats.token.authorization_code).toBe(1);
  // The session's key is the login's: the token is bound to the key the code was bound to.
  const session = (await storedEntries(page)).session as { tokenType: string };
  expect(session.tokenType).toBe('dpop');
});

test("'auto', the AS has no PAR: the request in the URL, dpop_jkt included; nothing pushed", async ({ page }) => {
  await setParMode('off');
  const request = nextAuthorizationRequest(page);
  await signIn(page);
  const { url, pushed } = await request;
  expect(pushed).toBeUndefined();
  for (const name of ['code_challenge', 'state', 'nonce', 'redirect_uri', 'dpop_jkt']) expect(url.searchParams.get(name), name).toBeTruthy();
  expect(url.searchParams.has('request_uri')).toBe(false);
  expect((await asStats()).par).toBe(0);
  expect(await pageFetch(page, `${API_RESOURCE}me`)).toEqual(['200']);
});

test('par: true pushes when the AS offers PAR, and fails with par_unsupported, sending and storing nothing, when it does not', async ({ page }) => {
  await usePar(page, true);
  await setParMode('off');
  expect(await loginOutcome(page)).toBe('par_unsupported');
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'par_unsupported');
  expect(Object.keys(await storedEntries(page)).filter((key) => key.startsWith('pending:'))).toEqual([]);
  const stats = await asStats();
  expect({ par: stats.par, authorization: stats.authorization }).toEqual({ par: 0, authorization: 0 });

  await setParMode('on');
  const request = nextAuthorizationRequest(page);
  await signIn(page);
  expect((await request).pushed).toBeDefined();
  expect(await pageFetch(page, `${API_RESOURCE}me`)).toEqual(['200']);
});

test('par: false puts the request in the URL although the AS offers PAR', async ({ page }) => {
  await usePar(page, false);
  const request = nextAuthorizationRequest(page);
  await signIn(page);
  const { url, pushed } = await request;
  expect(pushed).toBeUndefined();
  expect(url.searchParams.get('dpop_jkt')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect((await asStats()).par).toBe(0);
});

test("an AS that requires PAR: it refuses a request in the URL, 'auto' pushes and signs in, par: false fails with par_required", async ({ page, browser }) => {
  await setParMode('required');
  // The mode is real: the AS refuses an authorization request that was not pushed.
  const unpushed = new URL(`${AS}/auth`);
  for (const [name, value] of Object.entries({
    client_id: CLIENT_ID,
    redirect_uri: `${SPA}/callback.html`,
    response_type: 'code',
    scope: 'openid',
    code_challenge: o.generateRandomCodeVerifier(),
    code_challenge_method: 'S256',
  })) {
    unpushed.searchParams.set(name, value);
  }
  const refused = await fetch(unpushed, { redirect: 'manual' });
  expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');

  const request = nextAuthorizationRequest(page);
  await signIn(page);
  expect((await request).pushed).toBeDefined();

  const other = await browser.newContext();
  try {
    const urlOnly = await other.newPage();
    await usePar(urlOnly, false);
    await resetCounters.onlyAs();
    await setParMode('required');
    expect(await loginOutcome(urlOnly)).toBe('par_required');
    const stats = await asStats();
    expect({ par: stats.par, authorization: stats.authorization }).toEqual({ par: 0, authorization: 0 });
  } finally {
    await other.close();
  }
});

for (const [binding, par] of [
  ['a DPoP proof on the pushed request', 'auto'],
  ['dpop_jkt in the URL', false],
] as const) {
  test(`a stolen code and verifier are refused with another DPoP key (bound by ${binding}); the rightful login works`, async ({ page }) => {
    await usePar(page, par);
    const request = nextAuthorizationRequest(page);
    await page.goto('/');
    await expect(status(page)).toHaveText('signedOut');
    await page.getByTestId('sign-in').click();
    const state = (await request).params.get('state')!;
    expect((await request).pushed !== undefined).toBe(par === 'auto');
    await page.waitForURL(`${AS}/**`);
    // The verifier, as any script on the app's origin can read it: the pending login in IndexedDB.
    const spy = await page.context().newPage();
    await spy.goto('/');
    const { codeVerifier } = (await storedEntries(spy))[`pending:${state}`] as { codeVerifier: string };
    await spy.close();
    expect(codeVerifier).toBeTruthy();
    // The app's own exchange is stopped in front of the AS (a 503 that never reaches oidc-provider), so the
    // code is still unused when the thief, who saw the callback URL, tries it.
    await tokenFaults({ kind: 'status', status: 503 });
    const callback = page.waitForRequest((r) => r.url().includes('/callback.html?'));
    await submitLogin(page);
    const callbackUrl = new URL((await callback).url());
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'server_error');

    // The thief exchanges them with a key of its own, outside the browser.
    const issuer = new URL(AS);
    const as = await o.processDiscoveryResponse(issuer, await o.discoveryRequest(issuer, { [o.allowInsecureRequests]: true }));
    const client: o.Client = { client_id: CLIENT_ID };
    const params = o.validateAuthResponse(as, client, callbackUrl, state);
    const response = await o.authorizationCodeGrantRequest(as, client, o.None(), params, `${SPA}/callback.html`, codeVerifier, {
      DPoP: o.DPoP(client, await o.generateKeyPair('ES256')),
      [o.allowInsecureRequests]: true,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error?: string }).error).toBe('invalid_grant');
    const stats = await asStats();
    expect(stats.token.authorization_code).toBe(2); // the app's (stopped by the fault), the thief's
    expect(stats.tokenErrors).toEqual({ invalid_grant: 1 });

    // The rightful user signs in again (the AS remembers them: no form), and the app works.
    await page.goto('/');
    await expect(status(page)).toHaveText('signedOut');
    await page.getByTestId('sign-in').click();
    await expect(status(page)).toHaveText('signedIn');
    expect(await pageFetch(page, `${API_RESOURCE}me`)).toEqual(['200']);
  });
}

test('use_dpop_nonce at the PAR endpoint is retried exactly once, then the login goes on', async ({ page }) => {
  const response = await fetch(`${AS}/__test/dpop-nonce`, { method: 'POST', body: JSON.stringify({ required: true }) });
  expect(response.status).toBe(204);
  await signIn(page); // resetCounters() in the next test's beforeEach turns the nonce off again
  const stats = await asStats();
  expect(stats.par).toBe(2);
  expect(stats.parErrors).toEqual({ use_dpop_nonce: 1 });
  expect(await pageFetch(page, `${API_RESOURCE}me`)).toEqual(['200']);
});
