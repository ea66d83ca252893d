import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { clientOptions, faultStats } from './hostile-helpers';
import { API, SPA, apiRequests, asStats, pageFetch, resetCounters, signIn, signInOn, status, storedSession, tokenFaults } from './helpers';

/**
 * Many tabs, one session. Every count is taken at the authorization server, not in the page.
 * Time: `setFixedTime` moves every tab's `Date.now()` past the access token's expiry at once while
 * real timers keep running, so no tab's renewal timer fires during a test.
 */

const ME = `${API}/api/me`;

async function openSignedInTabs(context: BrowserContext, count: number): Promise<Page[]> {
  const first = await context.newPage();
  await signIn(first);
  const pages = [first];
  for (let i = 1; i < count; i++) {
    const page = await context.newPage();
    await page.goto('/');
    await expect(status(page)).toHaveText('signedIn');
    pages.push(page);
  }
  await resetCounters();
  return pages;
}

/** Every tab's clock jumps past the expiry of the current 60-second access token. */
async function expireTokens(context: BrowserContext): Promise<void> {
  await context.clock.setFixedTime(Date.now() + 70_000);
}

test.beforeEach(async () => {
  await resetCounters();
});

for (const locks of ['Web Locks', 'the IndexedDB lease (no Web Locks)'] as const) {
  test(`5 tabs × 10 concurrent calls after expiry: 50 successes, exactly one refresh — ${locks}`, async ({ context }) => {
    if (locks !== 'Web Locks') {
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
      });
    }
    const pages = await openSignedInTabs(context, 5);
    if (locks !== 'Web Locks') expect(await pages[0]!.evaluate(() => navigator.locks)).toBeUndefined();
    const before = await storedSession(pages[0]!);
    // A slow refresh keeps every tab's calls overlapping with it: without a cross-tab lock, they would refresh too.
    await tokenFaults({ kind: 'delay', ms: 500 });
    await expireTokens(context);

    const results = await Promise.all(pages.map((page) => pageFetch(page, ME, 10)));
    expect(results.flat()).toEqual(Array(50).fill('200'));
    const stats = await asStats();
    expect(stats.token.refresh_token).toBe(1);
    expect(stats.tokenErrors.invalid_grant ?? 0).toBe(0);
    expect((await storedSession(pages[4]!))?.refreshToken).not.toBe(before?.refreshToken);
  });
}

test('logout in one tab signs every tab out within a second; login in one signs them all in', async ({ context }) => {
  const pages = await openSignedInTabs(context, 3);
  await pages[0]!.evaluate(() => window.__auth.logout());
  for (const page of pages.slice(1)) await expect(status(page)).toHaveText('signedOut', { timeout: 1000 });

  // Sign in again in the middle tab (the AS session is still alive: no form): the others follow without a reload.
  const [, middle, last] = pages;
  await middle!.getByTestId('sign-in').click();
  await expect(status(middle!)).toHaveText('signedIn');
  await expect(status(pages[0]!)).toHaveText('signedIn', { timeout: 1000 });
  await expect(status(last!)).toHaveText('signedIn', { timeout: 1000 });
});

test('the AS answers 503 three times: the session is kept, then recovers without a new login', async ({ context }) => {
  const [page] = await openSignedInTabs(context, 1);
  await tokenFaults({ kind: 'status', status: 503 }, { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
  await expireTokens(context);

  expect(await pageFetch(page!, ME)).toEqual(['server_error']); // three tries with backoff, then the caller hears
  await expect(status(page!)).toHaveText('signedIn');
  expect((await storedSession(page!))?.refreshToken).toBeTruthy();

  expect(await pageFetch(page!, ME)).toEqual(['200']);
  const stats = await asStats();
  expect(stats.token.refresh_token).toBe(4);
  expect(stats.tokenErrors.invalid_grant ?? 0).toBe(0);
  expect(stats.authorization).toBe(0); // no new login
});

test('a tab closed while its refresh hangs at the AS: another tab finishes it, the session survives', async ({ context }) => {
  const [holder, other] = await openSignedInTabs(context, 2);
  await tokenFaults({ kind: 'hang' });
  await expireTokens(context);

  // The holder takes the lock and sends the refresh, which the AS receives but never processes.
  void pageFetch(holder!, ME).catch(() => undefined);
  await expect.poll(async () => (await asStats()).token.refresh_token).toBe(1);
  // The other tab waits for the lock…
  const waiting = pageFetch(other!, ME);
  await holder!.close();
  // …which the browser releases with the closed tab: the other tab refreshes and the call succeeds.
  expect(await waiting).toEqual(['200']);
  const stats = await asStats();
  expect(stats.token.refresh_token).toBe(2);
  expect(stats.tokenErrors.invalid_grant ?? 0).toBe(0);
  await expect(status(other!)).toHaveText('signedIn');
});

test('a rotated refresh token whose answer was lost ends cleanly signed out in every tab', async ({ context }) => {
  const pages = await openSignedInTabs(context, 3);
  await tokenFaults({ kind: 'drop' });
  await expireTokens(context);

  // The AS rotated, the answer never arrived; the retry presents the old token: reuse → grant revoked.
  expect(await pageFetch(pages[0]!, ME)).toEqual(['invalid_grant']);
  for (const page of pages) await expect(status(page)).toHaveText('signedOut', { timeout: 1000 });
  expect(await storedSession(pages[1]!)).toBeUndefined();
  // No loop and no hang: every other tab gets a clean error too, without another request.
  expect(await pageFetch(pages[2]!, ME)).toEqual(['login_required']);
  const stats = await asStats();
  expect(stats.token.refresh_token).toBe(2);
  expect(stats.tokenErrors.invalid_grant).toBe(1);
});

/**
 * Issue 14, defect 2 (SECURITY.md 25): with `storage: 'memory'` each tab holds its own session, so the old
 * "re-read storage" news left the other tabs signed in, calling APIs, their refresh tokens never revoked.
 */
test("storage: 'memory' — a logout in one tab signs every tab out, and each revokes its own refresh token", async ({ context }) => {
  await clientOptions(context, { storage: 'memory' });
  const a = await context.newPage();
  await signInOn(a, '/react.html');
  expect(await storedSession(a)).toBeUndefined(); // memory: no session in IndexedDB
  const b = await context.newPage();
  await b.goto('/react.html');
  await expect(status(b)).toHaveText('signedOut'); // its own memory is empty
  // The AS remembers the user: this tab's login comes straight back with a code.
  await b.getByTestId('sign-in').click();
  await expect(status(b)).toHaveText('signedIn');
  await b.getByTestId('call-api').click();
  await expect(b.getByTestId('api-status')).toHaveText('200');
  await resetCounters();

  // Tab a leaves for the AS's end-session endpoint and comes back: the test ends only once it is back, so
  // that closing the context never races that round trip (a teardown that hung once in CI).
  const aBack = a.waitForEvent('framenavigated', { predicate: (frame) => frame === a.mainFrame() && frame.url().startsWith(SPA) });
  await a.getByTestId('sign-out').click();
  // Told by the channel, not by a timer or a reload.
  await expect(status(b)).toHaveText('signedOut');
  // Both refresh tokens revoked: the logging-out tab's and the other tab's own.
  await expect.poll(async () => (await asStats()).revocation).toBe(2);
  await expect(b.getByTestId('sign-in')).toBeVisible();
  expect(await apiRequests()).toEqual([]);
  await aBack;
  await expect(status(a)).toHaveText('signedOut');
});

/** Issue 14, defect 6: the logout revoked only the refresh token it knew; the one a refresh in flight received stayed live. */
test('a logout during another tab\u2019s refresh: the refresh token that refresh receives is revoked too', async ({ context }) => {
  const [a, b] = await openSignedInTabs(context, 2);
  await resetCounters();
  // The AS rotates at once and answers 2 s later: the logout happens while the new token is on its way.
  await tokenFaults({ kind: 'slowAnswer', ms: 2_000 });
  const refresh = b!.evaluate(() =>
    window.__auth.getAccessToken({ forceRefresh: true }).then(
      () => 'refreshed',
      (err: unknown) => (err as { code?: string }).code ?? String(err),
    ),
  );
  // The grant has reached the AS (the fault was served), then tab A logs out.
  await expect.poll(async () => (await faultStats()).served.token).toBe(1);
  await a!.evaluate(() => window.__auth.logout());
  expect(await refresh).toBe('login_required');
  // Two revocations: A's of the token B was spending, and B's of the one its grant returned.
  await expect.poll(async () => (await asStats()).revocation).toBe(2);
  await expect(status(b!)).toHaveText('signedOut');
});
