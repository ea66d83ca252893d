import { expect, test } from '@playwright/test';
import {
  API,
  AS,
  apiRequests,
  asStats,
  nextAuthorizationRequest,
  otherRequests,
  OTHER,
  resetCounters,
  signIn,
  SPA,
  status,
  storedEntries,
  storedSession,
  submitLogin,
  tryRefresh,
  webStorage,
} from './helpers';

test.beforeEach(async () => {
  await resetCounters();
});

test('sign in, call the API, reload with zero token requests, refresh after expiry, sign out', async ({ page }) => {
  // A fake clock that runs in real time until the test moves it past the token's expiry.
  await page.clock.install();

  // A → B → C → D: one authorization request, one code exchange, and the user's claims on the page.
  await signIn(page);
  expect(new URL(page.url()).pathname).toBe('/');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Liddell');
  await expect(page.getByTestId('user-email')).toHaveText('alice@example.com');
  let stats = await asStats();
  expect(stats.authorization).toBe(1);
  expect(stats.token).toEqual({ authorization_code: 1, refresh_token: 0 });

  // Tokens live in IndexedDB only: nothing in web storage or script-visible cookies.
  const first = await storedSession(page);
  expect(first?.accessToken).toBeTruthy();
  expect(first?.refreshToken).toBeTruthy();
  // The pending login was consumed; what remains is the session (and public DPoP nonces, if any).
  expect(Object.keys(await storedEntries(page)).filter((key) => key !== 'dpop-nonces')).toEqual(['session']);
  expect(await webStorage(page)).toEqual({ local: 0, session: 0, cookie: '' });

  // E → F with the token attached.
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await expect(page.getByTestId('api-result')).toContainText('"sub": "alice"');
  // The embedded AS advertises DPoP, so the token is DPoP-bound (e2e/dpop.spec.ts); Bearer with DPOP=0.
  const scheme = first?.tokenType === 'dpop' ? 'dpop' : 'bearer';
  expect((await apiRequests()).filter((r) => r.path === '/api/me').map((r) => r.authorization)).toEqual([scheme]);

  // Reload: the session comes back from IndexedDB without a single request to the AS.
  await resetCounters();
  await page.reload();
  await expect(status(page)).toHaveText('signedIn');
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  stats = await asStats();
  expect(stats.token).toEqual({ authorization_code: 0, refresh_token: 0 });
  expect(stats.discovery).toBe(0);

  // Past the renewal point of the 60-second token: exactly one refresh, and the API still answers.
  await page.clock.fastForward('00:55');
  await expect.poll(async () => (await asStats()).token.refresh_token).toBe(1);
  await expect(status(page)).toHaveText('signedIn');
  const second = await storedSession(page);
  expect(second?.accessToken).not.toBe(first?.accessToken);
  expect(second?.refreshToken).not.toBe(first?.refreshToken); // rotated, and stored
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  expect((await asStats()).token.refresh_token).toBe(1);

  // Sign out: storage wiped, refresh token revoked at the AS, RP-initiated logout, back home. The page leaves for
  // the AS's end-session endpoint and comes back: read its storage only once it is back (a flake otherwise).
  const backHome = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() && frame.url().startsWith(SPA) });
  await page.getByTestId('sign-out').click();
  await backHome;
  await expect(status(page)).toHaveText('signedOut');
  await expect(page.getByTestId('sign-in')).toBeVisible();
  expect(await storedEntries(page)).toEqual({});
  stats = await asStats();
  expect(stats.revocation).toBe(1);
  expect(stats.endSession).toBeGreaterThanOrEqual(1);
  expect(await tryRefresh(second!.refreshToken!)).toEqual({ status: 400, error: 'invalid_grant' });
});

test('a forged callback is an error: no token request, address bar cleaned, session intact', async ({ page }) => {
  await signIn(page);
  const before = await storedSession(page);
  await resetCounters();

  await page.goto(`/callback.html?code=forged-code&state=forged-state&iss=${encodeURIComponent(AS)}`);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'state_mismatch');
  // The code and state leave the address bar at once (SECURITY.md 5).
  expect(new URL(page.url()).search).toBe('');
  expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 0 });

  await page.goto('/');
  await expect(status(page)).toHaveText('signedIn');
  expect(await storedSession(page)).toEqual(before);
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
});

test('a replayed callback never reaches the token endpoint', async ({ page }) => {
  const callbackUrl = await signIn(page);
  const before = await storedSession(page);
  await resetCounters();

  // Back button / reload of the real callback: its pending login was consumed by the first visit.
  await page.goto(callbackUrl);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'state_mismatch');
  expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 0 });
  expect(await storedSession(page)).toEqual(before);

  await page.goto('/');
  await expect(status(page)).toHaveText('signedIn');
});

test('a callback with the right state but a wrong issuer is rejected before any token request', async ({ page }) => {
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  const authRequest = nextAuthorizationRequest(page);
  await page.getByTestId('sign-in').click();
  // The state of the login in flight, as a mix-up attacker who observed it would use it (pushed or in the URL).
  const request = (await authRequest).params;
  const state = request.get('state');
  expect(state, 'the authorization request carries a state').toBeTruthy();
  // A: the code flow with PKCE S256 and an OIDC nonce, nothing else.
  expect(request.get('response_type')).toBe('code');
  expect(request.get('code_challenge_method')).toBe('S256');
  expect(request.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(request.get('nonce')).toBeTruthy();
  expect(request.get('redirect_uri')).toBe(`${SPA}/callback.html`);
  await page.waitForURL(`${AS}/**`);
  await resetCounters();

  await page.goto(`/callback.html?code=stolen&state=${state}&iss=${encodeURIComponent('https://evil.example')}`);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'issuer_mismatch');
  expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 0 });
  // The pending login is consumed: the same state cannot be tried twice.
  expect(Object.keys(await storedEntries(page)).filter((k) => k.startsWith('pending:'))).toEqual([]);
});

test('the token goes only to configured resources', async ({ page }) => {
  await signIn(page);
  await resetCounters();

  await page.getByTestId('call-other').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await expect(page.getByTestId('api-result')).toContainText('"authorization": null');

  const results = await page.evaluate(
    async ({ api, other }) => {
      const auth = window.__auth;
      const outcome = async (url: string) => {
        try {
          return String((await auth.fetch(url)).status);
        } catch (err) {
          return (err as { code?: string }).code ?? String(err);
        }
      };
      return {
        resource: await outcome(`${api}/api/me`),
        samePrefixOtherPath: await outcome(`${api}/apix`),
        otherOrigin: await outcome(`${other}/echo`),
        lookAlikeHost: await outcome(`http://localhost:${new URL(api).port}/api/me`),
        redirect: await outcome(`${api}/api/redirect`),
        // Issue 14, defect 3: a proxy that decodes `%2f` once would route these out of /api/.
        encodedClimb: await outcome(`${api}/api/..%2fadmin`),
        pathParamClimb: await outcome(`${api}/api/..;/admin`),
      };
    },
    { api: API, other: OTHER },
  );
  expect(results.resource).toBe('200');
  expect(results.redirect).toBe('resource_redirect');
  expect([results.encodedClimb, results.pathParamClimb]).toEqual(['unsafe_resource_path', 'unsafe_resource_path']);

  const seen = await apiRequests();
  const auth = (path: string) => seen.filter((r) => r.path === path).map((r) => r.authorization);
  const scheme = (await storedSession(page))?.tokenType === 'dpop' ? 'dpop' : 'bearer';
  expect(auth('/api/me')).toContain(scheme);
  expect(auth('/apix')).toEqual(['none']);
  expect(auth('/api/redirect')).toEqual([scheme]); // the resource itself may see it…
  // …but the redirect to another origin is never followed with it.
  expect((await otherRequests()).every((r) => r.authorization === 'none')).toBe(true);
  expect((await otherRequests()).length).toBe(2); // the button and the direct call, never the redirect
  // The refused climbs never left the browser: the API saw no request outside the ones above.
  expect(seen.map((r) => r.path).filter((p) => p.includes('admin'))).toEqual([]);
});

test('a token the API rejects is refreshed once and the call retried once, then it is an error', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');

  // The API now treats the token it has seen as revoked: 401 invalid_token → one refresh → retry → 200.
  await fetch(`${API}/__test/distrust-seen`, { method: 'POST' });
  await resetCounters.onlyAs();
  const statuses = async () => (await apiRequests()).filter((r) => r.path === '/api/me').map((r) => r.status);
  const before = (await statuses()).length;
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  expect((await statuses()).slice(before)).toEqual([401, 200]);
  expect((await asStats()).token.refresh_token).toBe(1);

  // A resource that refuses every token: exactly one more refresh and one retry, then `invalid_token`.
  await fetch(`${API}/__test/reject-all`, { method: 'POST' });
  const code = await page.evaluate(async (url) => {
    try {
      await window.__auth.fetch(url);
      return 'resolved';
    } catch (err) {
      return (err as { code?: string }).code;
    }
  }, `${API}/api/me`);
  expect(code).toBe('invalid_token');
  expect((await statuses()).slice(before)).toEqual([401, 200, 401, 401]);
  expect((await asStats()).token.refresh_token).toBe(2);
  await expect(status(page)).toHaveText('signedIn'); // a resource's refusal does not end the session
});

test('without IndexedDB the app still runs, warns once, and login fails fast with storage_unavailable', async ({ page }) => {
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning' && message.text().includes('browser-oauth')) warnings.push(message.text());
  });
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'storage_unavailable');
  expect(new URL(page.url()).pathname).toBe('/'); // never left for the AS
  expect((await asStats()).authorization).toBe(0);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('storage_unavailable');
});

test('no token, code or state ever reaches the console or an error message', async ({ page }) => {
  const logged: string[] = [];
  page.on('console', (message) => logged.push(message.text()));
  page.on('pageerror', (error) => logged.push(`${error.name}: ${error.message}`));
  const callbackUrl = await signIn(page);
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await page.goto(callbackUrl); // a replay: an error is shown and logged
  await expect(page.getByTestId('error')).toBeVisible();
  const shown = await page.getByTestId('error').innerText();

  const session = await storedSession(page);
  const callback = new URL(callbackUrl).searchParams;
  const secrets = [session?.accessToken, session?.refreshToken, session?.idToken, callback.get('code'), callback.get('state')];
  for (const secret of secrets) {
    expect(secret).toBeTruthy();
    for (const line of [...logged, shown]) expect(line).not.toContain(secret!);
  }
  // And the error object itself, as an app would log it.
  const serialized = await page.evaluate(async (url) => {
    try {
      await window.__auth.handleRedirect(url);
      return 'resolved';
    } catch (err) {
      const e = err as Error & { cause?: unknown };
      return JSON.stringify({ ...e, message: e.message, stack: e.stack, cause: String(e.cause), causeMessage: (e.cause as Error | undefined)?.message });
    }
  }, `${new URL(callbackUrl).origin}/callback.html?${callback.toString()}`);
  for (const secret of secrets) expect(serialized).not.toContain(secret!);
});
