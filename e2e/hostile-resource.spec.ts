import { expect, test, type Page } from '@playwright/test';
import type { ApiFault, ApiFaultStats } from '../demo/server/resource-faults';
import { API, AS, apiRequests, asStats, otherRequests, pageFetch, resetCounters, signIn, status, storedSession, type StoredSessionShape } from './helpers';
import { authKeys, forceRefresh } from './hostile-helpers';

/**
 * A hostile or broken protected resource (SECURITY.md 19, 20), and a token endpoint the network cannot
 * reach (16). The API's faults are served by the demo resource server (demo/server/resource-faults.ts,
 * TEST_CONTROL only) to the real browser, through `auth.fetch`. Every test checks what the caller got,
 * what reached the AS (its own counters), what reached the API and the other origin, and the storage after.
 */

const ME = `${API}/api/me`;

async function apiFaults(...faults: ApiFault[]): Promise<void> {
  const response = await fetch(`${API}/__test/faults`, { method: 'POST', body: JSON.stringify({ api: faults }) });
  expect(response.status, 'the API accepted the faults').toBe(204);
}

async function apiFaultStats(): Promise<ApiFaultStats> {
  return (await (await fetch(`${API}/__test/faults`)).json()) as ApiFaultStats;
}

/** Status and authorization scheme of each request that reached GET /api/me. */
async function meRequests(): Promise<Array<{ status: number; authorization: string }>> {
  return (await apiRequests()).filter((r) => r.path === '/api/me').map(({ status, authorization }) => ({ status, authorization }));
}

/** Signs in, then zeroes every counter: what follows is the test's alone. */
async function signedIn(page: Page): Promise<{ before: StoredSessionShape; scheme: 'bearer' | 'dpop' }> {
  await signIn(page);
  const before = await storedSession(page);
  expect(before?.accessToken, 'signed in with a stored session').toBeTruthy();
  await resetCounters();
  return { before: before!, scheme: before!.tokenType };
}

/** Nothing was spent and nothing changed: no token request, same stored session, still signed in, the API works. */
async function expectSessionKept(page: Page, before: StoredSessionShape): Promise<void> {
  const stats = await asStats();
  expect(stats.token, 'no token request at the AS').toEqual({ authorization_code: 0, refresh_token: 0 });
  expect(stats.authorization, 'no new login').toBe(0);
  expect(await storedSession(page), 'the stored session is exactly as before').toEqual(before);
  expect(await authKeys(page)).toEqual(['session']);
  await expect(status(page)).toHaveText('signedIn');
  // The queue is empty again: the same token works.
  expect(await apiFaultStats()).toMatchObject({ queued: { api: 0 } });
  expect(await pageFetch(page, ME)).toEqual(['200']);
  expect((await asStats()).token.refresh_token, 'still no refresh').toBe(0);
}

test.beforeEach(async () => {
  await resetCounters();
});

test.describe('a protected resource', () => {
  test('answers 503 with an OAuth-style error: the Response is handed back as is, no refresh, session kept', async ({ page }) => {
    const { before, scheme } = await signedIn(page);
    await apiFaults({ kind: 'status', status: 503 });
    const got = await page.evaluate(async (url) => {
      const response = await window.__auth.fetch(url);
      return { status: response.status, body: (await response.json()) as unknown };
    }, ME);
    expect(got).toEqual({ status: 503, body: { error: 'temporarily_unavailable', error_description: 'injected fault' } });
    expect(await meRequests(), 'one request, with the token, no retry').toEqual([{ status: 503, authorization: scheme }]);
    expect(await apiFaultStats()).toMatchObject({ served: { api: 1 } });
    expect(await otherRequests()).toEqual([]);
    await expectSessionKept(page, before);
  });

  test('answers 500 (any 5xx): returned as is, no refresh', async ({ page }) => {
    const { before, scheme } = await signedIn(page);
    await apiFaults({ kind: 'status', status: 500, error: 'server_error' });
    expect(await pageFetch(page, ME)).toEqual(['500']);
    expect(await meRequests()).toEqual([{ status: 500, authorization: scheme }]);
    await expectSessionKept(page, before);
  });

  test('answers 403 insufficient_scope: the 403 is returned and the token is NOT refreshed (SECURITY.md 20)', async ({ page }) => {
    const { before, scheme } = await signedIn(page);
    await apiFaults({ kind: 'insufficientScope' });
    const got = await page.evaluate(async (url) => {
      const response = await window.__auth.fetch(url);
      return { status: response.status, challenge: response.headers.get('www-authenticate') };
    }, ME);
    expect(got.status).toBe(403);
    // The challenge was readable (the CORS exposes it), so the SDK saw insufficient_scope and still did not refresh.
    expect(got.challenge).toMatch(/error="insufficient_scope"/);
    expect(got.challenge).toMatch(new RegExp(`^${scheme === 'dpop' ? 'DPoP' : 'Bearer'} `));
    expect(await meRequests(), 'no retry').toEqual([{ status: 403, authorization: scheme }]);
    expect(await apiFaultStats()).toMatchObject({ served: { api: 1 } });
    await expectSessionKept(page, before);
  });

  test('answers 401 invalid_token but its CORS hides WWW-Authenticate: the 401 is returned, one warning naming the fix, no refresh loop', async ({ page }) => {
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    const { before, scheme } = await signedIn(page);
    await apiFaults({ kind: 'hideChallenge' }, { kind: 'hideChallenge' });
    const got = await page.evaluate(async (url) => {
      const first = await window.__auth.fetch(url);
      const second = await window.__auth.fetch(url);
      return {
        statuses: [first.status, second.status],
        // What the app can see: the browser hid the challenge.
        challenge: first.headers.get('www-authenticate'),
        nonce: first.headers.get('dpop-nonce'),
      };
    }, ME);
    expect(got).toEqual({ statuses: [401, 401], challenge: null, nonce: null });
    // Each call reached the API once: no retry, no refresh in between.
    expect(await meRequests()).toEqual([
      { status: 401, authorization: scheme },
      { status: 401, authorization: scheme },
    ]);
    expect(await apiFaultStats()).toMatchObject({ served: { api: 2 } });
    const relevant = warnings.filter((w) => w.includes('Access-Control-Expose-Headers'));
    expect(relevant, 'exactly one warning, naming the header to add').toHaveLength(1);
    expect(relevant[0]).toContain('WWW-Authenticate');
    // Never a token in the warning.
    for (const w of warnings) expect(w.includes(before.accessToken)).toBe(false);
    await expectSessionKept(page, before);
  });

  test('redirects to another origin: resource_redirect, and the other origin receives nothing (SECURITY.md 19)', async ({ page }) => {
    const { before, scheme } = await signedIn(page);
    await apiFaults({ kind: 'redirect' });
    expect(await pageFetch(page, ME)).toEqual(['resource_redirect']);
    expect(await meRequests()).toEqual([{ status: 302, authorization: scheme }]);
    expect(await otherRequests(), 'the redirect was not followed, with or without the token').toEqual([]);
    expect(await apiFaultStats()).toMatchObject({ served: { api: 1 } });
    await expectSessionKept(page, before);
  });

  test('sends a 5 MB body: the caller gets the Response and reads it all (resource bodies are the app\'s data)', async ({ page }) => {
    const { before, scheme } = await signedIn(page);
    await apiFaults({ kind: 'huge' });
    const got = await page.evaluate(async (url) => {
      const response = await window.__auth.fetch(url);
      const text = await response.text();
      return { status: response.status, length: text.length, parsed: (JSON.parse(text) as { data: string }).data.length };
    }, ME);
    expect(got).toEqual({ status: 200, length: 5_000_000, parsed: 5_000_000 - '{"data":""}'.length });
    expect(await meRequests()).toEqual([{ status: 200, authorization: scheme }]);
    await expectSessionKept(page, before);
  });

  test('hangs: the app\'s AbortSignal.timeout(1000) aborts the call (a rejection, not a hang), the request is cancelled, session intact', async ({ page }) => {
    const { before } = await signedIn(page);
    await apiFaults({ kind: 'hang' });
    const got = await page.evaluate(async (url) => {
      const started = performance.now();
      try {
        const response = await window.__auth.fetch(url, { signal: AbortSignal.timeout(1000) });
        return { outcome: `resolved ${response.status}`, ms: performance.now() - started };
      } catch (err) {
        const e = err as { name?: string; code?: unknown; constructor?: { name?: string } };
        return { outcome: 'rejected', name: e.name, code: e.code, type: e.constructor?.name, ms: performance.now() - started };
      }
    }, ME);
    expect(got.outcome).toBe('rejected');
    // The abort itself, as fetch gives it: not wrapped into an OAuthError (`network`), not a 10 s SDK timeout.
    expect(got).toMatchObject({ name: 'TimeoutError', type: 'DOMException' });
    expect(got.ms).toBeGreaterThanOrEqual(900);
    expect(got.ms).toBeLessThan(5000);
    // The API saw the request and then the browser went away (it never answered it).
    expect(await apiFaultStats()).toMatchObject({ served: { api: 1 }, queued: { api: 0 } });
    await expect.poll(async () => (await apiFaultStats()).released, { message: 'the hung request was cancelled by the browser' }).toEqual({ client: 1, timeout: 0 });
    expect(await meRequests(), 'the hung request was never answered').toEqual([]);
    await expectSessionKept(page, before);
  });
});

// ---------------------------------------------------------------------------------------------
// SECURITY.md 16: a network error on refresh keeps everything; the session recovers without a login.

test.describe('the token endpoint is unreachable', () => {
  test('a refresh whose every try fails at the network: `network`, session and storage unchanged, then recovery without a new login', async ({ page }) => {
    const { before } = await signedIn(page);
    let refused = 0;
    // Connection refused for the one try and both retries of a refresh (the SDK retries transient failures twice).
    await page.route(`${AS}/token`, async (route) => {
      if (route.request().method() !== 'POST' || refused >= 3) return route.continue();
      refused++;
      await route.abort('connectionrefused');
    });

    expect(await forceRefresh(page)).toBe('network');
    expect(refused, 'one try, two retries').toBe(3);
    const stats = await asStats();
    expect(stats.token, 'nothing reached the AS').toEqual({ authorization_code: 0, refresh_token: 0 });
    expect(await storedSession(page), 'the stored session is exactly as before').toEqual(before);
    expect(await authKeys(page)).toEqual(['session']);
    await expect(status(page)).toHaveText('signedIn');
    expect(await otherRequests()).toEqual([]);

    // The network is back: the same refresh token works, no new login.
    expect(await forceRefresh(page)).toBe('ok');
    const after = await storedSession(page);
    expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 1 });
    expect((await asStats()).authorization).toBe(0);
    expect(after?.refreshToken).toBeTruthy();
    expect(after?.accessToken).not.toBe(before.accessToken);
    expect(await pageFetch(page, ME)).toEqual(['200']);
  });

  test('one try refused at the network: the retry gets through, one refresh at the AS, no new login', async ({ page }) => {
    const { before } = await signedIn(page);
    let refused = 0;
    await page.route(`${AS}/token`, async (route) => {
      if (route.request().method() !== 'POST' || refused >= 1) return route.continue();
      refused++;
      await route.abort('connectionrefused');
    });

    expect(await forceRefresh(page)).toBe('ok');
    expect(refused).toBe(1);
    const stats = await asStats();
    expect(stats.token).toEqual({ authorization_code: 0, refresh_token: 1 });
    expect(stats.authorization).toBe(0);
    const after = await storedSession(page);
    expect(after?.accessToken).not.toBe(before.accessToken);
    await expect(status(page)).toHaveText('signedIn');
    expect(await pageFetch(page, ME)).toEqual(['200']);
    expect(await otherRequests()).toEqual([]);
  });
});
