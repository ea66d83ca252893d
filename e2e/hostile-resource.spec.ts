import { expect, test, type Page } from '@playwright/test';
import type { ApiFault, ApiFaultStats } from '../demo/server/resource-faults';
import {
  API,
  AS,
  apiRequests,
  asStats,
  otherRequests,
  pageFetch,
  resetCounters,
  signIn,
  status,
  storedEntries,
  storedSession,
  type StoredSessionShape,
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
 * A hostile or broken protected resource (SECURITY.md 16, 19, 20), and a token endpoint the network cannot
 * reach, that drips, or that asks for a DPoP nonce forever (11, 16). The API's faults are served by the demo
 * resource server (demo/server/resource-faults.ts, TEST_CONTROL only) to the real browser, through
 * `auth.fetch`; the AS's by the test AS (demo/server/faults.ts). Every test checks what the caller got,
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

/** Ends a `forever` fault: empties the API's fault queue (and its request log, its token policy). */
async function clearApiFaults(): Promise<void> {
  expect((await fetch(`${API}/__test/reset`, { method: 'POST' })).status).toBe(204);
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

  test('drips its body: auth.fetch hands the Response back at the headers, calls and a refresh go through while the body trickles, the app\'s AbortSignal stops the read with an AbortError', async ({ page }) => {
    // The SDK's limits for AS requests are short here: they must not cut a resource's body (the app's data).
    await clientOptions(page, { timeout: 1500 });
    const { before, scheme } = await signedIn(page);
    await apiFaults({ kind: 'drip', ms: 100, bytes: 4 });

    const head = await page.evaluate(async (url) => {
      const controller = new AbortController();
      const started = performance.now();
      // Bounded here: an SDK that waited for the body would otherwise hang the test until the drip ends.
      const response = await Promise.race([
        window.__auth.fetch(url, { signal: controller.signal }),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
      ]);
      const ms = performance.now() - started;
      if (response === null) return { status: 'no Response within 5 s', ms };
      const reader = response.body!.getReader();
      const drip: Drip = {
        controller,
        reader,
        bytes: 0,
        headersAt: performance.now(),
        // Reads for `ms`, keeping a read that is still pending for next time.
        async readFor(ms) {
          const until = performance.now() + ms;
          for (;;) {
            const left = until - performance.now();
            if (left <= 0) return;
            this.pending ??= this.reader.read();
            const result = await Promise.race([this.pending, new Promise<null>((resolve) => setTimeout(() => resolve(null), left))]);
            if (result === null) return;
            this.pending = undefined;
            if (result.done) throw new Error('the drip ended');
            this.bytes += result.value.byteLength;
          }
        },
      };
      (window as unknown as { __drip: Drip }).__drip = drip;
      return { status: response.status, type: response.headers.get('content-type'), ms };
    }, ME);
    expect(head).toMatchObject({ status: 200, type: 'application/json; charset=utf-8' });
    expect(head.ms, 'the Response came with the headers, not after the body').toBeLessThan(2000);
    // The API is still sending: the answer is not finished, nothing was released.
    expect(await apiFaultStats()).toMatchObject({ served: { api: 1 }, queued: { api: 0 }, released: { client: 0, timeout: 0 } });
    expect(await meRequests(), 'the dripping answer is not finished').toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __drip: Drip }).__drip.readFor(500).then(() => 'reading')), 'the body trickles').toBe('reading');

    // Meanwhile: three calls and a refresh, each bounded here so that a blocked one fails the test instead of hanging it.
    const meanwhile = await page.evaluate(async (url) => {
      const within = <T>(promise: Promise<T>): Promise<T | 'blocked'> =>
        Promise.race([promise, new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 5000))]);
      const calls = await within(Promise.all([1, 2, 3].map(() => window.__auth.fetch(url).then((response) => response.status))));
      const refresh = await within(window.__auth.getAccessToken({ forceRefresh: true }).then(() => 'ok', (err: { code?: string }) => err.code));
      return { calls, refresh };
    }, ME);
    expect(meanwhile, 'no lock or queue is held across a resource call').toEqual({ calls: [200, 200, 200], refresh: 'ok' });
    const refreshed = await storedSession(page);
    expect(refreshed?.accessToken).not.toBe(before.accessToken);
    expect(refreshed?.refreshToken).not.toBe(before.refreshToken);
    expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 1 });

    // The body still trickles past the SDK's 1.5 s AS timeout, for as long as the app reads.
    const later = await page.evaluate(async () => {
      const drip = (window as unknown as { __drip: Drip }).__drip;
      const bytes = drip.bytes;
      await drip.readFor(Math.max(0, 2600 - (performance.now() - drip.headersAt)));
      return { more: drip.bytes - bytes, total: drip.bytes, sinceHeaders: performance.now() - drip.headersAt };
    });
    expect(later.sinceHeaders).toBeGreaterThanOrEqual(2500);
    expect(later.more, 'more bytes came after the refresh').toBeGreaterThan(0);
    expect(later.total, 'a drip: a few bytes at a time').toBeLessThan(500);
    expect((await apiFaultStats()).released, 'the API is still sending').toEqual({ client: 0, timeout: 0 });

    // The app gives up: its own signal stops the read.
    const aborted = await page.evaluate(async () => {
      const drip = (window as unknown as { __drip: Drip }).__drip;
      drip.controller.abort();
      const until = performance.now() + 3000;
      try {
        for (;;) {
          const left = until - performance.now();
          if (left <= 0) return { outcome: 'still reading 3 s after the abort' };
          drip.pending ??= drip.reader.read();
          const result = await Promise.race([drip.pending, new Promise<null>((resolve) => setTimeout(() => resolve(null), left))]);
          if (result === null) continue;
          drip.pending = undefined;
          if (result.done) return { outcome: 'ended' };
        }
      } catch (err) {
        const e = err as { name?: string; constructor?: { name?: string } };
        return { outcome: 'rejected', name: e.name, type: e.constructor?.name };
      }
    });
    expect(aborted).toEqual({ outcome: 'rejected', name: 'AbortError', type: 'DOMException' });
    await expect.poll(async () => (await apiFaultStats()).released, { message: 'the browser closed the dripping request' }).toEqual({ client: 1, timeout: 0 });
    const { dripped } = await apiFaultStats();
    await page.waitForTimeout(300);
    expect((await apiFaultStats()).dripped, 'and the API stopped sending').toBe(dripped);

    // The API saw the three calls (the dripping answer never finished), the AS one refresh; the session is the refreshed one.
    expect(await meRequests()).toEqual([1, 2, 3].map(() => ({ status: 200, authorization: scheme })));
    expect(await storedSession(page)).toEqual(refreshed);
    expect(await authKeys(page)).toEqual(['session']);
    await expect(status(page)).toHaveText('signedIn');
    expect(await pageFetch(page, ME)).toEqual(['200']);
    expect(await asStats()).toMatchObject({ authorization: 0, token: { authorization_code: 0, refresh_token: 1 } });
    expect(await otherRequests()).toEqual([]);
  });

  test('asks for a new DPoP nonce forever: one retry with the new nonce, then its 401 is handed back; 2 requests per call, no refresh, session kept (SECURITY.md 16)', async ({ page }) => {
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    const { before, scheme } = await signedIn(page);
    expect(scheme, 'the demo AS offers DPoP, so the token is DPoP-bound').toBe('dpop');
    await apiFaults({ kind: 'useDpopNonce', forever: true });

    const got = await page.evaluate(async (url) => {
      const answers = [];
      for (let call = 0; call < 2; call++) {
        const response = await window.__auth.fetch(url);
        answers.push({
          status: response.status,
          challenge: response.headers.get('www-authenticate'),
          nonce: response.headers.get('dpop-nonce'),
          body: (await response.json()) as unknown,
        });
      }
      return answers;
    }, ME);

    const { served, queued, nonces } = await apiFaultStats();
    expect(served, 'exactly 2 requests per call: one retry, no loop').toEqual({ api: 4 });
    expect(queued, 'the fault still answers every request').toEqual({ api: 1 });
    expect(await meRequests()).toEqual([1, 2, 3, 4].map(() => ({ status: 401, authorization: 'dpop' })));
    // The retry carries the nonce the challenge just issued; the next call starts with the last nonce learned.
    expect(nonces.map((n) => n.presented)).toEqual([null, nonces[0]!.issued, nonces[1]!.issued, nonces[2]!.issued]);
    expect(new Set(nonces.map((n) => n.issued)).size, 'a new nonce every time').toBe(4);
    // The caller gets the last challenge itself, readable: a 401 Response, not a rejection.
    const answer = (nonce: string) => ({
      status: 401,
      challenge: expect.stringMatching(/^DPoP realm="[^"]*", error="use_dpop_nonce"/) as unknown,
      nonce,
      body: { error: 'use_dpop_nonce', error_description: 'a new DPoP nonce is required' },
    });
    expect(got).toEqual([answer(nonces[1]!.issued), answer(nonces[3]!.issued)]);
    // The challenge was readable: no CORS warning; a nonce is not a reason to refresh.
    expect(warnings.filter((w) => w.includes('browser-oauth'))).toEqual([]);
    expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 0 });
    // The last nonce is kept for the API's origin (a public value, shared with the other tabs).
    await expect.poll(async () => ((await storedEntries(page))['dpop-nonces'] as Record<string, string> | undefined)?.[API]).toBe(nonces[3]!.issued);

    await clearApiFaults();
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

// ---------------------------------------------------------------------------------------------
// SECURITY.md 11, 16: a token endpoint that drips is bounded by the SDK's timeout, body included; one
// that asks for a DPoP nonce forever gets one retry per try, and the user stays signed in.

test.describe('the token endpoint drips or asks for a DPoP nonce forever', () => {
  /** The test's SDK timeout for AS requests (the demo client's `timeout`). */
  const TIMEOUT = 1500;
  const drip: Fault = { kind: 'drip', ms: 100 };

  test('drips during a refresh: each of the three tries ends at the configured timeout (the body counts), `timeout`, storage as before, then recovery', async ({ page }) => {
    await clientOptions(page, { timeout: TIMEOUT });
    const { before } = await signedIn(page);
    const entries = await storedEntries(page);
    await queueFaults({ token: [drip, drip, drip] });

    const got = await page.evaluate(async () => {
      const started = performance.now();
      const code = await Promise.race([
        window.__auth.getAccessToken({ forceRefresh: true }).then(() => 'ok', (err: { code?: string }) => err.code),
        new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000)),
      ]);
      return { code, ms: performance.now() - started };
    });
    expect(got.code).toBe('timeout');
    // Three tries of TIMEOUT each (the headers came at once: only a timeout over the whole body ends a
    // try), with the pauses between them: 250 and 1000 ms, plus up to half again of jitter.
    expect(got.ms).toBeGreaterThanOrEqual(3 * TIMEOUT + 250 + 1000 - 50);
    expect(got.ms).toBeLessThan(3 * TIMEOUT + 375 + 1500 + 2000);
    expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 3 });
    expect(await faultStats()).toMatchObject({ served: { token: 3 }, queued: { token: 0 } });
    expect((await storedEntries(page)).session, 'nothing stored').toEqual(entries.session);
    expect(await authKeys(page)).toEqual(['session']);
    await expect(status(page)).toHaveText('signedIn');
    await expectErrorCode(page, 'timeout');
    await expectResponsive(page);
    // The AS is fine again: the same refresh token works, no new login.
    expect(await forceRefresh(page)).toBe('ok');
    expect((await storedSession(page))?.refreshToken).not.toBe(before.refreshToken);
    expect(await pageFetch(page, ME)).toEqual(['200']);
    expect(await asStats()).toMatchObject({ authorization: 0, token: { authorization_code: 0, refresh_token: 4 } });
  });

  test('drips during the code exchange: `timeout` once the configured timeout is up, nothing stored', async ({ page }) => {
    await clientOptions(page, { timeout: TIMEOUT });
    await toLoginForm(page);
    await queueFaults({ token: [drip] });
    const started = Date.now();
    await submitAndReturn(page);
    await expectErrorCode(page, 'timeout');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT);
    // The login form's own round trips, then one try of TIMEOUT: a drip never outlasts the timeout.
    expect(elapsed).toBeLessThan(TIMEOUT + 4000);
    expect((await asStats()).token).toEqual({ authorization_code: 1, refresh_token: 0 });
    expect(await faultStats()).toMatchObject({ served: { token: 1 }, queued: { token: 0 } });
    expect(await authKeys(page), 'no session, and the pending login was consumed').toEqual([]);
  });

  test('asks for a new DPoP nonce forever during a refresh: 2 token requests, `oauth_error` carrying use_dpop_nonce, no transient retries, still signed in', async ({ page }) => {
    const { before } = await signedIn(page);
    expect(before.tokenType).toBe('dpop');
    const entries = await storedEntries(page);
    // Every token request would be challenged again: six queued, more than any loop the SDK could make here.
    const challenges: Fault[] = [0, 1, 2, 3, 4, 5].map((n) => ({ kind: 'status', status: 400, error: 'use_dpop_nonce', dpopNonce: `forever-${n}` }));
    await queueFaults({ token: challenges });
    const proofNonces: unknown[] = [];
    await page.route(`${AS}/token`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const proof = route.request().headers().dpop;
      proofNonces.push(proof ? (JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()) as { nonce?: unknown }).nonce : 'no proof');
      await route.continue();
    });

    const got = await page.evaluate(() =>
      window.__auth.getAccessToken({ forceRefresh: true }).then(
        () => ({ code: 'ok' }),
        (err: { name?: string; code?: string; error?: string; status?: number }) => ({ name: err.name, code: err.code, error: err.error, status: err.status }),
      ),
    );
    // Not invalid_grant: the grant is fine, the AS misbehaves. Not transient either: retrying would only
    // ask again. The AS's own `error` value is on the OAuthError for whoever needs it.
    expect(got).toEqual({ name: 'OAuthError', code: 'oauth_error', error: 'use_dpop_nonce', status: 400 });
    expect(await faultStats(), 'one try, retried once with the new nonce').toMatchObject({ served: { token: 2 }, queued: { token: 4 } });
    expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 2 });
    expect(proofNonces).toHaveLength(2);
    expect(proofNonces[1], 'the retry carries the nonce the challenge issued').toBe('forever-0');
    expect(proofNonces[0]).not.toBe('forever-0');

    // Still signed in, storage as before, the current token still served and accepted.
    await resetCounters();
    await page.unroute(`${AS}/token`);
    await expect(status(page)).toHaveText('signedIn');
    await expectErrorCode(page, 'oauth_error');
    expect((await storedEntries(page)).session).toEqual(entries.session);
    expect(await authKeys(page)).toEqual(['session']);
    expect(await page.evaluate(() => window.__auth.getAccessToken())).toBe(before.accessToken);
    expect(await pageFetch(page, ME)).toEqual(['200']);
    expect((await asStats()).token, 'served from memory, no request').toEqual({ authorization_code: 0, refresh_token: 0 });
    // The AS behaves again: the same refresh token works, no new login. The last nonce the SDK learned is
    // the fault's, which the real AS does not know: it asks once for its own, and the retry succeeds.
    expect(await forceRefresh(page)).toBe('ok');
    expect(await asStats()).toMatchObject({ authorization: 0, token: { authorization_code: 0, refresh_token: 2 }, tokenErrors: { use_dpop_nonce: 1 } });
    expect((await storedSession(page))?.refreshToken).not.toBe(before.refreshToken);
  });
});

/** The dripping body the first test keeps reading across page.evaluate calls. */
interface Drip {
  controller: AbortController;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  pending?: Promise<ReadableStreamReadResult<Uint8Array>>;
  bytes: number;
  headersAt: number;
  readFor(this: Drip, ms: number): Promise<void>;
}
