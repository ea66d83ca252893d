import { expect, test, type Page } from '@playwright/test';
import {
  AS,
  asStats,
  CLIENT_ID,
  otherRequests,
  resetCounters,
  signIn,
  status,
  storedEntries,
  storedSession,
} from './helpers';
import {
  authKeys,
  clientOptions,
  expectErrorCode,
  expectResponsive,
  faultStats,
  forceRefresh,
  queueFaults,
  submitAndReturn,
  toLoginForm,
  type Fault,
} from './hostile-helpers';

/**
 * A hostile or broken token endpoint (SECURITY.md 10, 11, 12, 16, 23). Every fault is served by the test
 * AS (demo/server/faults.ts) to the real browser, and every test checks the typed error, what reached the
 * AS, and what is left in IndexedDB: nothing half-stored.
 */

const now = () => Math.floor(Date.now() / 1000);
/** Fast failures: the SDK's 10 s default is exercised once, in its own test. */
const SHORT = 1500;

test.beforeEach(async ({ context }) => {
  await resetCounters();
  await clientOptions(context, { timeout: SHORT });
});

/** Does the demo client use DPoP? It does whenever the AS advertises it (the SDK's default). */
async function asUsesDPoP(): Promise<boolean> {
  const metadata = (await (await fetch(`${AS}/.well-known/openid-configuration`)).json()) as { dpop_signing_alg_values_supported?: string[] };
  await resetCounters.onlyAs();
  return (metadata.dpop_signing_alg_values_supported?.length ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------
// The code exchange (B → C → D): the callback fails, nothing is stored, the pending login is gone.

interface ExchangeCase {
  name: string;
  faults: Fault[] | (() => Promise<Fault[]>);
  code: string | string[] | (() => Promise<string>);
  /** Token requests the SDK makes (2 when it retries once, for a DPoP nonce). */
  requests?: number;
}

const idToken = (claims: Record<string, unknown>): Fault[] => [{ kind: 'idToken', claims }];
/** A `use_dpop_nonce` challenge with a new nonce each time. */
const nonceForever = (): Fault[] => [1, 2].map((n) => ({ kind: 'status', status: 400, error: 'use_dpop_nonce', dpopNonce: `nonce-${n}-${Date.now()}` }));

const exchangeCases: ExchangeCase[] = [
  // SECURITY.md 11: bounded in time and size, typed errors.
  { name: 'hangs', faults: [{ kind: 'hang' }], code: 'timeout' },
  { name: 'drips one byte every 100 ms', faults: [{ kind: 'drip', ms: 100 }], code: 'timeout' },
  { name: 'sends a 5 MB body (Content-Length)', faults: [{ kind: 'huge' }], code: 'response_too_large' },
  { name: 'sends a 5 MB body (chunked, no length)', faults: [{ kind: 'huge', chunked: true }], code: 'response_too_large' },
  { name: 'answers 503 with a JSON error', faults: [{ kind: 'status', status: 503 }], code: 'server_error' },
  { name: 'answers 502 with an HTML page', faults: [{ kind: 'status', status: 502, html: true }], code: 'server_error' },
  // Issue 22: a 4xx to the code exchange, whatever its body, is the grant refused for good.
  { name: 'answers 400 with an empty body', faults: [{ kind: 'status', status: 400, empty: true }], code: 'invalid_grant' },
  { name: 'answers 400 invalid_request', faults: [{ kind: 'status', status: 400, error: 'invalid_request' }], code: 'invalid_grant' },
  // Valid JSON served as text/html: see e2e/hostile-regressions.spec.ts.
  { name: 'answers malformed JSON', faults: [{ kind: 'malformed' }], code: 'invalid_response' },
  { name: 'redirects to another origin', faults: [{ kind: 'redirect' }], code: 'invalid_response' },
  // SECURITY.md 10: the response's shape and token_type.
  { name: 'answers without an access_token', faults: [{ kind: 'tamper', field: 'access_token', remove: true }], code: 'invalid_response' },
  { name: 'answers a non-numeric expires_in', faults: [{ kind: 'tamper', field: 'expires_in', value: 'soon' }], code: 'invalid_response' },
  { name: 'answers an unknown token_type', faults: [{ kind: 'tamper', field: 'token_type', value: 'mac' }], code: 'invalid_response' },
  {
    // SECURITY.md 23: a proof was sent and a Bearer token came back (or the reverse without DPoP).
    name: 'answers the other token_type than asked',
    faults: async () => [{ kind: 'tamper', field: 'token_type', value: (await asUsesDPoP()) ? 'Bearer' : 'DPoP' }],
    code: async () => ((await asUsesDPoP()) ? 'dpop_downgrade' : 'invalid_response'),
  },
  { name: 'answers without the ID token the openid scope requires', faults: [{ kind: 'tamper', field: 'id_token', remove: true }], code: 'invalid_response' },
  // SECURITY.md 3, 10: the ID token's claims (re-signed with the AS's own key: only the claim checks stand).
  { name: 'sends an ID token with another nonce', faults: idToken({ nonce: 'forged-nonce' }), code: 'nonce_mismatch' },
  { name: 'sends an ID token without a nonce', faults: idToken({ nonce: null }), code: 'nonce_mismatch' },
  { name: 'sends an ID token for another audience', faults: idToken({ aud: 'another-client' }), code: 'invalid_id_token' },
  { name: 'sends an ID token with an extra audience and no azp', faults: idToken({ aud: [CLIENT_ID, 'another-client'] }), code: 'invalid_id_token' },
  { name: 'sends an ID token authorized for another party', faults: idToken({ aud: [CLIENT_ID, 'another-client'], azp: 'another-client' }), code: 'invalid_id_token' },
  { name: 'sends an expired ID token', faults: async () => idToken({ exp: now() - 3600, iat: now() - 7200 }), code: 'invalid_id_token' },
  { name: 'sends an ID token not valid before an hour from now', faults: async () => idToken({ nbf: now() + 3600 }), code: 'invalid_id_token' },
  { name: 'sends an ID token from another issuer', faults: idToken({ iss: 'https://evil.example' }), code: 'invalid_id_token' },
  {
    // SECURITY.md 10: `alg` is pinned; an unsigned token is refused whatever the AS advertises.
    name: 'sends an unsigned (alg: none) ID token',
    faults: [{ kind: 'idToken', claims: {}, alg: 'none' }],
    code: 'invalid_id_token',
  },
  {
    // Issue 5: `use_dpop_nonce` forever: exactly one retry with the new nonce, then an error. Two
    // challenges are enough to tell: a third try would succeed, and the test would see it signed in.
    name: 'asks for a new DPoP nonce forever',
    faults: nonceForever(),
    code: 'oauth_error',
    requests: 2,
  },
];

async function failedExchange(page: Page, faults: Fault[]): Promise<void> {
  await toLoginForm(page);
  await queueFaults({ token: faults });
  await submitAndReturn(page);
}

/** Everything a failed code exchange must leave behind: an error, an empty store, a usable app. */
async function expectCleanFailure(page: Page, code: string | string[], requests: number): Promise<void> {
  if (Array.isArray(code)) {
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', new RegExp(`^(${code.join('|')})$`));
  } else {
    await expectErrorCode(page, code);
  }
  expect(new URL(page.url()).search, 'code and state left the address bar').toBe('');
  expect((await asStats()).token.authorization_code).toBe(requests);
  expect(await faultStats(), 'every fault was served').toMatchObject({ served: { token: requests }, queued: { token: 0 } });
  // Nothing half-stored: no session, and the pending login was consumed.
  expect(await authKeys(page)).toEqual([]);
  expect(await otherRequests(), 'nothing reached the other origin').toEqual([]);
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  await expect(page.getByTestId('sign-in')).toBeEnabled();
}

test.describe('the code exchange', () => {
  for (const c of exchangeCases) {
    test(`the token endpoint ${c.name}`, async ({ page }) => {
      const faults = typeof c.faults === 'function' ? await c.faults() : c.faults;
      const code = typeof c.code === 'function' ? await c.code() : c.code;
      await failedExchange(page, faults);
      await expectCleanFailure(page, code, c.requests ?? 1);
    });
  }

  test('a hang ends with `timeout` after the SDK default of 10 s, and the page stays responsive meanwhile', async ({ browser }) => {
    // A context without the short test timeout: the SDK's own default is what is measured.
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await toLoginForm(page);
      await queueFaults({ token: [{ kind: 'hang' }] });
      const started = Date.now();
      await submitAndReturn(page);
      await expect.poll(async () => (await asStats()).token.authorization_code).toBe(1);
      await expect(page.locator('#pending')).toBeVisible();
      await expectResponsive(page);
      await expectErrorCode(page, 'timeout', 15_000);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(9_500);
      expect(elapsed).toBeLessThan(13_000);
      expect(await authKeys(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a failed exchange while signed in leaves the stored session exactly as it was', async ({ page }) => {
    await signIn(page);
    const before = await storedSession(page);
    await resetCounters();
    // A second login (e.g. to switch accounts) whose ID token carries a forged nonce.
    await page.evaluate(() => void window.__auth.login({ prompt: 'login' }));
    await page.waitForURL(`${AS}/**`);
    await queueFaults({ token: [{ kind: 'idToken', claims: { nonce: 'forged' } }] });
    await submitAndReturn(page);
    await expectErrorCode(page, 'nonce_mismatch');
    expect(await storedSession(page)).toEqual(before);
    expect(await authKeys(page)).toEqual(['session']);
    await page.goto('/');
    await expect(status(page)).toHaveText('signedIn');
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
  });
});

// ---------------------------------------------------------------------------------------------
// Refresh (SECURITY.md 12, 14, 16): a failure leaves storage exactly as it was, or signs out cleanly.

interface RefreshCase {
  name: string;
  faults: Fault[];
  code: string;
  /** Refresh-token requests: 3 when the failure is transient (one try, two retries). */
  requests: number;
  /** `kept`: the session is untouched and works once the AS is fine; `signedOut`: wiped. */
  outcome: 'kept' | 'kept-but-rotated' | 'signedOut';
}

const three = (fault: Fault): Fault[] => [fault, fault, fault];

const refreshCases: RefreshCase[] = [
  { name: 'hangs (three times)', faults: three({ kind: 'hang' }), code: 'timeout', requests: 3, outcome: 'kept' },
  { name: 'drips (three times)', faults: three({ kind: 'drip', ms: 100 }), code: 'timeout', requests: 3, outcome: 'kept' },
  { name: 'answers 502 HTML (three times)', faults: three({ kind: 'status', status: 502, html: true }), code: 'server_error', requests: 3, outcome: 'kept' },
  { name: 'sends 5 MB', faults: [{ kind: 'huge', chunked: true }], code: 'response_too_large', requests: 1, outcome: 'kept' },
  { name: 'redirects to another origin', faults: [{ kind: 'redirect' }], code: 'invalid_response', requests: 1, outcome: 'kept' },
  // Issue 22: a 4xx means the refresh token will not work again, whatever the body says.
  { name: 'answers invalid_client', faults: [{ kind: 'status', status: 401, error: 'invalid_client' }], code: 'invalid_client', requests: 1, outcome: 'signedOut' },
  { name: 'answers invalid_grant', faults: [{ kind: 'status', status: 400, error: 'invalid_grant' }], code: 'invalid_grant', requests: 1, outcome: 'signedOut' },
  { name: 'answers 400 with an empty body (Glewlwyd)', faults: [{ kind: 'status', status: 400, empty: true }], code: 'invalid_grant', requests: 1, outcome: 'signedOut' },
  { name: 'answers 400 invalid_request (LemonLDAP::NG)', faults: [{ kind: 'status', status: 400, error: 'invalid_request' }], code: 'invalid_grant', requests: 1, outcome: 'signedOut' },
  { name: 'answers 429 (not now, not never)', faults: [{ kind: 'status', status: 429, error: 'slow_down' }], code: 'oauth_error', requests: 1, outcome: 'kept' },
  // Two challenges, as above: a third try would succeed and the code would be `ok`.
  { name: 'asks for a new DPoP nonce forever', faults: nonceForever(), code: 'oauth_error', requests: 2, outcome: 'kept' },
  // Processed by the AS (the refresh token rotated there), then spoiled on the way back.
  { name: 'answers malformed JSON', faults: [{ kind: 'malformed' }], code: 'invalid_response', requests: 1, outcome: 'kept-but-rotated' },
  { name: 'answers an unknown token_type', faults: [{ kind: 'tamper', field: 'token_type', value: 'mac' }], code: 'invalid_response', requests: 1, outcome: 'kept-but-rotated' },
  { name: 'sends an ID token for another audience', faults: [{ kind: 'idToken', claims: { aud: 'another-client' } }], code: 'invalid_id_token', requests: 1, outcome: 'kept-but-rotated' },
  // SECURITY.md 12: a refreshed ID token for another user or another authentication ends the session.
  { name: 'sends an ID token for another user (sub)', faults: [{ kind: 'idToken', claims: { sub: 'mallory' } }], code: 'id_token_mismatch', requests: 1, outcome: 'signedOut' },
  { name: 'sends an ID token of another authentication (auth_time)', faults: [{ kind: 'idToken', claims: { auth_time: 1_000_000_000 } }], code: 'id_token_mismatch', requests: 1, outcome: 'signedOut' },
];

test.describe('refresh', () => {
  for (const c of refreshCases) {
    test(`the token endpoint ${c.name}: ${c.code}, ${c.outcome === 'signedOut' ? 'signed out cleanly' : 'storage exactly as before'}`, async ({ page }) => {
      await signIn(page);
      const before = await storedEntries(page);
      await resetCounters();
      await queueFaults({ token: c.faults });

      expect(await forceRefresh(page)).toBe(c.code);
      const stats = await asStats();
      expect(stats.token.refresh_token).toBe(c.requests);
      expect(await faultStats(), 'every fault was served').toMatchObject({ served: { token: c.requests }, queued: { token: 0 } });
      expect(await otherRequests()).toEqual([]);
      await expectResponsive(page);

      const after = await storedEntries(page);
      if (c.outcome === 'signedOut') {
        await expect(status(page)).toHaveText('signedOut');
        await expectErrorCode(page, c.code);
        expect(await authKeys(page)).toEqual([]);
        expect(await page.evaluate(() => window.__auth.getAccessToken().catch((e: { code?: string }) => e.code))).toBe('login_required');
        return;
      }
      // The session is kept, exactly: same tokens, same key, same expiry. The page says what failed.
      expect(after.session).toEqual(before.session);
      expect(await authKeys(page)).toEqual(['session']);
      await expect(status(page)).toHaveText('signedIn');
      await expectErrorCode(page, c.code);
      if (c.outcome === 'kept') {
        // Nothing was spent at the AS: the AS is fine again, and so is the session, without a new login.
        expect(await forceRefresh(page)).toBe('ok');
        expect((await storedSession(page))?.refreshToken).not.toBe((before.session as { refreshToken?: string }).refreshToken);
        await page.getByTestId('call-api').click();
        await expect(page.getByTestId('api-status')).toHaveText('200');
        expect((await asStats()).authorization).toBe(0);
      }
    });
  }

  test('while a refresh hangs the UI keeps working, and the API is still reachable with the current token', async ({ page }) => {
    await signIn(page);
    await resetCounters();
    await queueFaults({ token: three({ kind: 'hang' }) });
    const refreshing = forceRefresh(page);
    await expect.poll(async () => (await asStats()).token.refresh_token).toBe(1);
    await expect(status(page)).toHaveText('refreshing');
    await expectResponsive(page);
    await page.getByTestId('call-public').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    expect(await refreshing).toBe('timeout');
    await expect(status(page)).toHaveText('signedIn');
  });
});

test('no token, code or state ever appears in a URL the page requests (SECURITY.md 18, 24)', async ({ page }) => {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  const callbackUrl = await signIn(page);
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  const first = await storedSession(page);
  expect(await forceRefresh(page)).toBe('ok');
  const second = await storedSession(page);
  await page.getByTestId('call-other').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await page.evaluate(() => window.__auth.logout());
  const callback = new URL(callbackUrl).searchParams;
  const secrets = [first?.accessToken, first?.refreshToken, first?.idToken, second?.accessToken, second?.refreshToken];
  for (const secret of secrets) {
    expect(secret).toBeTruthy();
    for (const url of urls) expect(url.includes(secret!), url).toBe(false);
  }
  // The code and state travel in exactly one URL each: the AS's redirect to the callback.
  for (const value of [callback.get('code')!, callback.get('state')!]) {
    expect(urls.filter((url) => url.includes(encodeURIComponent(value)) || url.includes(value)).every((url) => url.includes('/callback.html?') || url.startsWith(`${AS}/auth`))).toBe(true);
  }
});
