import { expect, test } from '@playwright/test';
import { API, AS, apiRequests, asStats, CLIENT_ID, nextAuthorizationRequest, resetCounters, signIn, SPA, storedEntries, storedSession } from './helpers';

/** DPoP (RFC 9449) end to end: the embedded AS advertises it, so the SDK uses it by default. */

async function setNonceRequired(base: string, required: boolean): Promise<void> {
  const response = await fetch(`${base}/__test/dpop-nonce`, { method: 'POST', body: JSON.stringify({ required }) });
  expect(response.status).toBe(204);
}

test.beforeEach(async () => {
  await resetCounters();
});

test('sign in with DPoP: a DPoP-bound token the API accepts, and a private key no script can export', async ({ page }) => {
  const authRequest = nextAuthorizationRequest(page);
  await signIn(page);
  // Pushed (the demo AS offers PAR) or in the URL: the code is bound to the login's key.
  expect((await authRequest).params.get('dpop_jkt')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect((await storedSession(page))).toMatchObject({ tokenType: 'dpop' });
  // The state says so too, and the demo shows it.
  expect(await page.evaluate(() => (window.__auth.state as { tokenType?: string }).tokenType)).toBe('dpop');
  await expect(page.getByTestId('token-binding')).toHaveAttribute('data-token-type', 'dpop');

  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await expect(page.getByTestId('api-result')).toContainText('"token_type": "DPoP"');
  expect((await apiRequests()).filter((r) => r.path === '/api/me')).toEqual([
    expect.objectContaining({ authorization: 'dpop', hasDpopHeader: true, status: 200 }),
  ]);

  const key = await page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const session = await new Promise<{ keyPair: CryptoKeyPair }>((resolve, reject) => {
      const get = db.transaction('kv').objectStore('kv').get('session');
      get.onsuccess = () => resolve(get.result as { keyPair: CryptoKeyPair });
      get.onerror = () => reject(get.error);
    });
    db.close();
    const exported = await crypto.subtle.exportKey('jwk', session.keyPair.privateKey).then(
      () => 'exported',
      (err: unknown) => (err as Error).name,
    );
    return { extractable: session.keyPair.privateKey.extractable, type: session.keyPair.privateKey.type, exported };
  }, `browser-oauth:${AS}:${CLIENT_ID}`);
  expect(key).toEqual({ extractable: false, type: 'private', exported: 'InvalidAccessError' });
});

test('stolen tokens are useless without the key: the API rejects the access token, the AS the refresh token', async ({ page, browser }) => {
  await signIn(page);
  const stolen = (await storedSession(page))!;
  expect(stolen.refreshToken).toBeTruthy();

  const thief = await browser.newContext();
  const attacker = await thief.newPage();
  await attacker.goto(`${SPA}/`); // same origin as the app, so CORS lets the requests through
  const outcome = await attacker.evaluate(
    async ({ api, as, clientId, accessToken, refreshToken }) => {
      const asBearer = await fetch(`${api}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      const asDpopWithoutProof = await fetch(`${api}/api/me`, { headers: { authorization: `DPoP ${accessToken}` } });
      const refresh = await fetch(`${as}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
      });
      return { bearer: asBearer.status, dpop: asDpopWithoutProof.status, refresh: refresh.status, refreshError: ((await refresh.json()) as { error?: string }).error };
    },
    { api: API, as: AS, clientId: CLIENT_ID, accessToken: stolen.accessToken, refreshToken: stolen.refreshToken! },
  );
  await thief.close();
  expect(outcome.bearer).toBe(401);
  expect(outcome.dpop).toBe(401);
  expect(outcome.refresh).toBe(400);
  expect(outcome.refreshError).toMatch(/invalid_grant|invalid_dpop_proof/);

  // The rightful tab still works.
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
});

test('server nonces: the AS and the API each ask once, the SDK retries exactly once each', async ({ page }) => {
  await setNonceRequired(AS, true);
  await setNonceRequired(API, true);
  try {
    await signIn(page);
    const stats = await asStats();
    expect(stats.token.authorization_code).toBe(2); // the nonce challenge, then the retry
    expect(stats.tokenErrors.use_dpop_nonce).toBe(1);

    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    expect((await apiRequests()).filter((r) => r.path === '/api/me').map((r) => r.status)).toEqual([401, 200]);
    // The nonce learned is used next time: no new challenge.
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    expect((await apiRequests()).filter((r) => r.path === '/api/me').map((r) => r.status)).toEqual([401, 200, 200]);
  } finally {
    await setNonceRequired(AS, false);
    await setNonceRequired(API, false);
  }
});

test('logout removes the key; the next login uses a different one', async ({ page }) => {
  const first = nextAuthorizationRequest(page);
  await signIn(page);
  await page.evaluate(() => window.__auth.logout());
  expect(await storedEntries(page)).toEqual({});
  const second = nextAuthorizationRequest(page);
  await page.getByTestId('sign-in').click();
  await expect(page.getByTestId('status')).toHaveText('signedIn');
  const jkts = [(await first).params.get('dpop_jkt'), (await second).params.get('dpop_jkt')];
  expect(jkts[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(jkts[0]).not.toBe(jkts[1]);
  expect((await storedSession(page))?.tokenType).toBe('dpop');
});
