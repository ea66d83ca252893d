import { expect, test, type Page } from '@playwright/test';
import { AS, asStats, nextAuthorizationRequest, OTHER, resetCounters, SPA, status, storedEntries } from './helpers';
import { authKeys, expectErrorCode, injectedElements, submitAndReturn, toLoginForm } from './hostile-helpers';

/**
 * Callback attacks driven from the page (SECURITY.md 2, 4, 5, 7, 8, 9): a login is in flight (its
 * pending authorization is stored under its real `state`), and the attacker controls the URL that
 * lands on the redirect URI. Forged state, replay and a wrong `iss` with the right state are in
 * core.spec.ts; these are the rest.
 */

const ISS = `iss=${encodeURIComponent(AS)}`;

test.beforeEach(async () => {
  await resetCounters();
});

const tokenRequests = async () => (await asStats()).token.authorization_code;

/** The login's pending authorization is still stored (the attack did not consume it). */
async function expectPending(page: Page, state: string, stored: boolean): Promise<void> {
  const keys = await authKeys(page);
  if (stored) expect(keys).toEqual([`pending:${state}`]);
  else expect(keys).toEqual([]);
}

test.describe('state', () => {
  test('a callback without state: state_mismatch, no token request, the login in flight untouched', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html?code=stolen&${ISS}`);
    await expectErrorCode(page, 'state_mismatch');
    expect(new URL(page.url()).search).toBe('');
    expect(await tokenRequests()).toBe(0);
    await expectPending(page, state, true);
  });

  test('a callback with an empty state: state_mismatch, no token request', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html?code=stolen&state=&${ISS}`);
    await expectErrorCode(page, 'state_mismatch');
    expect(await tokenRequests()).toBe(0);
    await expectPending(page, state, true);
  });

  for (const [name, second] of [
    ['the same state twice', (s: string) => s],
    ['the real state and a forged one', () => 'forged'],
  ] as const) {
    test(`a callback with ${name}: state_mismatch, no token request`, async ({ page }) => {
      const state = await toLoginForm(page);
      await page.goto(`/callback.html?code=stolen&state=${state}&state=${second(state)}&${ISS}`);
      await expectErrorCode(page, 'state_mismatch');
      expect(new URL(page.url()).search).toBe('');
      expect(await tokenRequests()).toBe(0);
      // Refused before the store is touched: the pending login was neither used nor consumed.
      await expectPending(page, state, true);
    });
  }

  test('the real callback opened in two tabs at once reaches the token endpoint exactly once', async ({ context, page }) => {
    await toLoginForm(page);
    // The browser comes back to the callback, but its script never runs in this tab (the code is not
    // used here): the attacker, a double-click or a restored tab now has a live callback URL.
    await page.route('**/assets/callback-*.js', (route) => route.abort());
    await submitAndReturn(page);
    const callbackUrl = page.url();
    expect(new URL(callbackUrl).searchParams.get('code')).toBeTruthy();
    await page.close();

    const [a, b] = [await context.newPage(), await context.newPage()];
    await Promise.all([a.goto(callbackUrl), b.goto(callbackUrl)]);
    const outcome = async (p: Page) => {
      await expect(p.getByTestId('error').or(p.getByTestId('status').filter({ hasText: 'signedIn' }))).toBeVisible();
      return (await p.getByTestId('error').isVisible()) ? await p.getByTestId('error').getAttribute('data-code') : 'signedIn';
    };
    expect([await outcome(a), await outcome(b)].sort()).toEqual(['signedIn', 'state_mismatch']);
    expect(await tokenRequests()).toBe(1);
    expect((await asStats()).tokenErrors.invalid_grant ?? 0).toBe(0);
    expect(await authKeys(a)).toEqual(['session']);
  });
});

test.describe('the request and the callback page', () => {
  test('every login sends a fresh PKCE S256 challenge, state and nonce (SECURITY.md 1, 2, 3)', async ({ page }) => {
    const requests: URLSearchParams[] = [];
    for (let i = 0; i < 3; i++) {
      const request = nextAuthorizationRequest(page); // pushed (the demo AS offers PAR) or in the URL
      await toLoginForm(page);
      requests.push((await request).params);
    }
    expect(requests).toHaveLength(3);
    for (const name of ['code_challenge', 'state', 'nonce']) {
      expect(new Set(requests.map((r) => r.get(name))).size, `${name} is fresh per login`).toBe(3);
    }
    expect(requests.map((r) => r.get('code_challenge_method'))).toEqual(['S256', 'S256', 'S256']);
    expect(requests.map((r) => r.get('response_type'))).toEqual(['code', 'code', 'code']);
    // The SDK refuses to let an app override them.
    await page.goto('/');
    const refused = await page.evaluate(() =>
      window.__auth.login({ params: { code_challenge_method: 'plain' } }).then(
        () => 'navigated',
        (e: Error) => e.name,
      ),
    );
    expect(refused).toBe('TypeError');
  });

  test('the callback page sends no Referer and loads nothing from another origin (SECURITY.md 5)', async ({ page }) => {
    const requests: Array<{ url: string; referer?: string }> = [];
    await toLoginForm(page);
    page.on('request', (request) => requests.push({ url: request.url(), referer: request.headers().referer }));
    const document = page.waitForResponse((response) => response.url().includes('/callback.html?'));
    await submitAndReturn(page);
    expect((await document).headers()['referrer-policy']).toBe('no-referrer');
    await expect(status(page)).toHaveText('signedIn');
    const fromCallback = requests.slice(requests.findIndex((r) => r.url.includes('/callback.html?')) + 1, requests.findIndex((r) => new URL(r.url).pathname === '/' && r.url.startsWith(SPA)));
    // Only the app's own files and the token request; no Referer (it would carry the code) anywhere.
    for (const r of fromCallback) {
      expect([SPA, AS], r.url).toContain(new URL(r.url).origin);
      expect(r.referer ?? '', r.url).toBe(''); // absent (Playwright may show it as an empty string)
    }
    expect(fromCallback.filter((r) => r.url.startsWith(AS)).map((r) => new URL(r.url).pathname)).toEqual(['/token']);
  });

  test('a callback without iss (the AS advertises it): issuer_mismatch, no token request (SECURITY.md 6)', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html?code=stolen&state=${state}`);
    await expectErrorCode(page, 'issuer_mismatch');
    expect(await tokenRequests()).toBe(0);
    await expectPending(page, state, false);
  });
});

test.describe('authorization errors', () => {
  const hostile =
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b><iframe src="javascript:1"></iframe>' +
    ' and then a very long tail'.repeat(200);

  test('a hostile error_description is shown as text, bounded, and the login is consumed', async ({ page }) => {
    const state = await toLoginForm(page);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`/callback.html?error=access_denied&error_description=${encodeURIComponent(hostile)}&state=${state}&${ISS}`);
    await expectErrorCode(page, 'access_denied');
    const shown = await page.locator('#failed-description').textContent();
    // Exactly the untrusted text, cut to 300 characters by the SDK: no markup was interpreted.
    expect(shown).toBe(hostile.slice(0, 300));
    expect(await injectedElements(page, '#failed')).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(new URL(page.url()).search).toBe('');
    expect(await tokenRequests()).toBe(0);
    // SECURITY.md 7: an error consumes the pending login like any other answer.
    await expectPending(page, state, false);
  });

  test('a hostile `error` value maps to authorization_error and is shown as text', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html?error=${encodeURIComponent('<svg onload="window.__pwned=1">')}&state=${state}&${ISS}`);
    await expectErrorCode(page, 'authorization_error');
    expect(await injectedElements(page, '#failed')).toBe(0);
    expect(await page.evaluate(() => window.__auth.state.status === 'error' && window.__auth.state.error.error)).toBe('<svg onload="window.__pwned=1">');
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await expectPending(page, state, false);
  });

  test('an error with a forged state is a state_mismatch: the error is not believed, the login in flight survives', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html?error=access_denied&error_description=${encodeURIComponent('Your account is locked, call +1 555 0100')}&state=forged&${ISS}`);
    await expectErrorCode(page, 'state_mismatch');
    await expect(page.locator('#failed-description')).not.toContainText('555');
    await expectPending(page, state, true);
  });

  test('an error with the right state but another issuer is an issuer_mismatch', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html?error=access_denied&state=${state}&iss=${encodeURIComponent('https://evil.example')}`);
    await expectErrorCode(page, 'issuer_mismatch');
    expect(await tokenRequests()).toBe(0);
  });
});

test.describe('implicit-flow and hybrid parameters (SECURITY.md 9): no token is ever accepted from a URL', () => {
  async function expectNoSession(page: Page): Promise<void> {
    expect(await tokenRequests()).toBe(0);
    expect(Object.keys(await storedEntries(page)).filter((k) => k === 'session')).toEqual([]);
    expect(await page.evaluate(() => window.__auth.getAccessToken().catch((e: { code?: string }) => e.code))).toBe('login_required');
  }

  test('#access_token=… on the callback: state_mismatch, the fragment leaves the address bar', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html#access_token=evil&token_type=Bearer&expires_in=3600&state=${state}`);
    await expectErrorCode(page, 'state_mismatch');
    expect(new URL(page.url()).hash).toBe('');
    await expectNoSession(page);
  });

  test('?access_token=… with the right state: refused before any token request', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/callback.html?access_token=evil&token_type=Bearer&state=${state}&${ISS}`);
    await expectErrorCode(page, 'invalid_callback');
    await expectNoSession(page);
    await expectPending(page, state, false);
  });

  for (const param of ['id_token', 'token']) {
    test(`?code=…&${param}=… (hybrid) with the right state: invalid_callback, no token request`, async ({ page }) => {
      const state = await toLoginForm(page);
      await page.goto(`/callback.html?code=real-looking&${param}=eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.&state=${state}&${ISS}`);
      await expectErrorCode(page, 'invalid_callback');
      await expectNoSession(page);
      await expectPending(page, state, false);
    });
  }

  test('#access_token=… on the home page: ignored, signed out, nothing stored, nothing sent', async ({ page }) => {
    await page.goto('/#access_token=evil&id_token=evil&token_type=Bearer&state=x');
    await expect(status(page)).toHaveText('signedOut');
    await expectNoSession(page);
    expect((await asStats()).discovery).toBe(0);
  });
});

test.describe('the redirect URI is exact (SECURITY.md 8)', () => {
  test('code and state on another path of the app are not processed', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto(`/?code=stolen&state=${state}&${ISS}`);
    await expect(status(page)).toHaveText('signedOut');
    expect(await tokenRequests()).toBe(0);
    await expectPending(page, state, true);
  });

  test('handleRedirect refuses a URL on another origin or path, before touching the login', async ({ page }) => {
    const state = await toLoginForm(page);
    await page.goto('/');
    const codes = await page.evaluate(
      async (urls) => {
        const out: string[] = [];
        for (const url of urls) out.push(await window.__auth.handleRedirect(url).then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e)));
        return out;
      },
      [
        `${OTHER}/callback.html?code=stolen&state=${state}&${ISS}`,
        `${SPA.replace('127.0.0.1', 'localhost')}/callback.html?code=stolen&state=${state}&${ISS}`,
        `${SPA}/callback.htm?code=stolen&state=${state}&${ISS}`,
        `${SPA}/callback.html/?code=stolen&state=${state}&${ISS}`,
        `${SPA}/x/../callback.html?code=stolen&state=forged&${ISS}`,
      ],
    );
    // The last one normalises to the redirect URI: then it is the state that fails.
    expect(codes).toEqual(['invalid_callback', 'invalid_callback', 'invalid_callback', 'invalid_callback', 'state_mismatch']);
    expect(await tokenRequests()).toBe(0);
    await expectPending(page, state, true);
  });
});
