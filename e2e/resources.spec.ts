import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { API_RESOURCE, AS, apiRequests, asStats, nextAuthorizationRequest, pageFetch, REPORTS_RESOURCE, resetCounters, signIn, status, storedEntries, tokenFaults } from './helpers';

/**
 * Per-resource tokens (RFC 8707 resource indicators, SECURITY.md 21): the demo configures two APIs on one
 * server, `/api/` and `/reports/`, each with its own indicator. The AS issues JWTs whose `aud` is the one
 * API they are for; the API records the `aud` of every token that reaches it, verified or not.
 */

const ME = `${API_RESOURCE}me`;
const SUMMARY = `${REPORTS_RESOURCE}summary`;

interface StoredWithResources {
  accessToken: string;
  refreshToken?: string;
  resourceTokens?: Record<string, { accessToken: string; expiresAt: number }>;
}
const stored = async (page: Page) => (await storedEntries(page)).session as StoredWithResources | undefined;

/** Which audiences reached each API path, in order. */
async function audiencesByPath(): Promise<Record<string, unknown[]>> {
  const byPath: Record<string, unknown[]> = {};
  for (const r of await apiRequests()) (byPath[r.path] ??= []).push(r.audience);
  return byPath;
}

test.beforeEach(async () => {
  await resetCounters();
});

test('each API receives only the token issued for it; the second token comes from one refresh', async ({ page }) => {
  const authorize = nextAuthorizationRequest(page);
  await signIn(page);
  // A: the login asks for both resources (RFC 8707 §2.1), pushed (the demo AS offers PAR) or in the URL.
  expect((await authorize).params.getAll('resource')).toEqual([API_RESOURCE, REPORTS_RESOURCE]);
  // C: the code exchange names the first one, and nothing else was needed to sign in.
  expect((await asStats()).tokenResources).toEqual({ [`authorization_code ${API_RESOURCE}`]: 1 });

  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await page.getByTestId('call-reports').click();
  await expect(page.getByTestId('api-status')).toHaveText('200');
  await expect(page.getByTestId('api-result')).toContainText(`"aud": "${REPORTS_RESOURCE}"`);
  // More calls to both, interleaved: no more token requests.
  expect(await pageFetch(page, ME, 3)).toEqual(['200', '200', '200']);
  expect(await pageFetch(page, SUMMARY, 3)).toEqual(['200', '200', '200']);

  // The reports token came from exactly one refresh-token grant naming the reports API.
  expect((await asStats()).tokenResources).toEqual({
    [`authorization_code ${API_RESOURCE}`]: 1,
    [`refresh_token ${REPORTS_RESOURCE}`]: 1,
  });
  // What reached each API: only tokens for it.
  expect(await audiencesByPath()).toEqual({
    '/api/me': Array(4).fill(API_RESOURCE),
    '/reports/summary': Array(4).fill(REPORTS_RESOURCE),
  });
  // Stored together, in the one session record; the refresh token was rotated by the second grant.
  const session = await stored(page);
  expect(Object.keys(session?.resourceTokens ?? {})).toEqual([REPORTS_RESOURCE]);
  expect(session?.resourceTokens?.[REPORTS_RESOURCE]?.accessToken).not.toBe(session?.accessToken);

  // A reload brings both back from IndexedDB: zero requests to the AS.
  await resetCounters();
  await page.reload();
  await expect(status(page)).toHaveText('signedIn');
  expect(await pageFetch(page, ME)).toEqual(['200']);
  expect(await pageFetch(page, SUMMARY)).toEqual(['200']);
  const stats = await asStats();
  expect(stats.token).toEqual({ authorization_code: 0, refresh_token: 0 });
  expect(stats.discovery).toBe(0);
});

test('the demo API refuses the other API\'s token for its audience: the check the SDK relies on is real', async ({ page }) => {
  await signIn(page, '/');
  // Each token from the SDK, then presented by hand with a bare fetch, at its own API and at the other.
  // Without a DPoP proof a bound token is refused anyway, so the answer's reason is what tells them apart:
  // the audience is checked first.
  const results = await page.evaluate(
    async ({ me, summary, reports }) => {
      const auth = window.__auth;
      const apiToken = await auth.getAccessToken();
      const reportsToken = await auth.getAccessToken({ resource: reports });
      const present = async (url: string, token: string) => {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const body = (await response.json()) as { error_description?: string };
        return `${response.status} ${body.error_description ?? 'ok'}`;
      };
      return {
        different: apiToken !== reportsToken,
        ownA: await present(me, apiToken),
        ownB: await present(summary, reportsToken),
        swappedA: await present(summary, apiToken),
        swappedB: await present(me, reportsToken),
      };
    },
    { me: ME, summary: SUMMARY, reports: REPORTS_RESOURCE },
  );
  expect(results.different).toBe(true);
  // At its own API a token passes the audience check (and fails only for the missing proof when DPoP-bound).
  for (const own of [results.ownA, results.ownB]) expect(own).toMatch(/^(200 ok|401 DPoP-bound access token presented as a Bearer token)$/);
  expect(results.swappedA).toBe('401 access token claim aud is invalid');
  expect(results.swappedB).toBe('401 access token claim aud is invalid');
});

/** Every tab's clock jumps past the expiry of the current 60-second access tokens. */
async function expireTokens(context: BrowserContext): Promise<void> {
  await context.clock.setFixedTime(Date.now() + 70_000);
}

test('after expiry, 3 tabs × 5 concurrent reports calls: one refresh for the reports token, the API token untouched', async ({ context }) => {
  const first = await context.newPage();
  await signIn(first);
  expect(await pageFetch(first, SUMMARY)).toEqual(['200']);
  const pages = [first];
  for (let i = 1; i < 3; i++) {
    const page = await context.newPage();
    await page.goto('/');
    await expect(status(page)).toHaveText('signedIn');
    pages.push(page);
  }
  const before = await stored(first);
  await resetCounters();
  // A slow refresh keeps every tab's calls overlapping with it: only the cross-tab lock keeps it at one.
  await tokenFaults({ kind: 'delay', ms: 500 });
  await expireTokens(context);

  const results = await Promise.all(pages.map((page) => pageFetch(page, SUMMARY, 5)));
  expect(results.flat()).toEqual(Array(15).fill('200'));
  const stats = await asStats();
  expect(stats.tokenResources).toEqual({ [`refresh_token ${REPORTS_RESOURCE}`]: 1 });
  expect(stats.tokenErrors.invalid_grant ?? 0).toBe(0);
  const after = await stored(pages[2]!);
  expect(after?.resourceTokens?.[REPORTS_RESOURCE]?.accessToken).not.toBe(before?.resourceTokens?.[REPORTS_RESOURCE]?.accessToken);
  // The session's own (API) token was not due for this call and is not touched by it.
  expect(after?.accessToken).toBe(before?.accessToken);
  expect(new Set((await audiencesByPath())['/reports/summary'])).toEqual(new Set([REPORTS_RESOURCE]));

  // The API token is renewed on its own, with its own indicator.
  expect(await pageFetch(pages[1]!, ME)).toEqual(['200']);
  expect((await asStats()).tokenResources).toEqual({ [`refresh_token ${REPORTS_RESOURCE}`]: 1, [`refresh_token ${API_RESOURCE}`]: 1 });
});

test('logout removes every resource token along with the session', async ({ page }) => {
  await signIn(page);
  expect(await pageFetch(page, SUMMARY)).toEqual(['200']);
  expect((await stored(page))?.resourceTokens?.[REPORTS_RESOURCE]).toBeTruthy();
  await page.evaluate(() => window.__auth.logout());
  await expect(status(page)).toHaveText('signedOut');
  expect(await stored(page)).toBeUndefined();
  await resetCounters();
  expect(await pageFetch(page, SUMMARY)).toEqual(['login_required']);
  expect(await apiRequests()).toEqual([]);
});
