import { expect, test, type Page } from '@playwright/test';
import { API, AS, apiRequests, asStats, DB_NAME, resetCounters, signIn, status, storedEntries, storedSession } from './helpers';
import { authKeys, expectErrorCode, expectResponsive, forceRefresh, submitAndReturn, toLoginForm } from './hostile-helpers';

/**
 * Storage faults (SECURITY.md 4, 22 and issue 5): IndexedDB is input like any other. Another script on
 * the origin, an old SDK version or a broken disk may have written the SDK's store; opening it may
 * throw or never finish; writes may fail for quota. The SDK must not crash, must not use what is not
 * its own, and must never leave half a login or half a session behind.
 */

test.beforeEach(async () => {
  await resetCounters();
});

/** Writes raw values into the SDK's store, from inside the page (the database exists once the SDK ran). */
async function writeRaw(page: Page, entries: Record<string, unknown>): Promise<void> {
  await page.evaluate(
    async ({ name, entries }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onupgradeneeded = () => open.result.createObjectStore('kv');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction('kv', 'readwrite');
      for (const [key, value] of Object.entries(entries)) tx.objectStore('kv').put(value, key);
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { name: DB_NAME, entries },
  );
}

/** Collects uncaught page errors and the SDK's console warnings. */
function watch(page: Page) {
  const crashes: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('browser-oauth')) warnings.push(m.text());
  });
  return { crashes, warnings };
}

test.describe('corrupted or foreign values in the store', () => {
  const junkSessions: Array<[string, (real: Record<string, unknown>) => unknown]> = [
    ['a string', () => 'garbage'],
    ['a number', () => 42],
    ['an array', () => ['session']],
    ['a record of a future version', (real) => ({ ...real, v: 2 })],
    ['a session of another client', (real) => ({ ...real, clientId: 'another-client' })],
    ['a session of another issuer', (real) => ({ ...real, issuer: 'https://evil.example', as: { ...(real.as as object), issuer: 'https://evil.example' } })],
    ['a session without an access token', (real) => ({ ...real, accessToken: undefined })],
    ['a session with a non-numeric expiry', (real) => ({ ...real, expiresAt: 'tomorrow' })],
    ['a session with metadata from another issuer', (real) => ({ ...real, as: { ...(real.as as object), issuer: 'https://evil.example' } })],
  ];

  for (const [name, junk] of junkSessions) {
    test(`${name} in "session": storage_corrupt, signed out, removed, no token sent`, async ({ page }) => {
      const { crashes } = watch(page);
      await signIn(page);
      const real = (await storedSession(page)) as unknown as Record<string, unknown>;
      await writeRaw(page, { session: junk(real) });
      await resetCounters();
      await page.reload();
      await expect(status(page)).toHaveText('signedOut');
      await expectErrorCode(page, 'storage_corrupt');
      // The junk is gone, so it cannot be half-used later.
      expect(await authKeys(page)).toEqual([]);
      // Nothing from it was sent anywhere: not to the API, not to the AS.
      expect(await page.evaluate((url) => window.__auth.fetch(url).then((r) => String(r.status), (e: { code?: string }) => e.code), `${API}/api/me`)).toBe('login_required');
      expect((await apiRequests()).filter((r) => r.authorization !== 'none')).toEqual([]);
      const stats = await asStats();
      expect(stats.token).toEqual({ authorization_code: 0, refresh_token: 0 });
      expect(crashes).toEqual([]);
      // And the app works: a new login succeeds.
      await page.getByTestId('sign-in').click();
      await expect(status(page)).toHaveText('signedIn');
    });
  }

  test('junk under a pending login\'s key: the callback is storage_corrupt, no token request, the junk is consumed', async ({ page }) => {
    const { crashes } = watch(page);
    await page.goto('/');
    await expect(status(page)).toHaveText('signedOut');
    await writeRaw(page, {
      'pending:planted': { v: 1, state: 'planted', codeVerifier: 'x', issuer: 'https://evil.example', clientId: 'browser-oauth-demo' },
      'pending:garbage': 'garbage',
    });
    await page.goto(`/callback.html?code=stolen&state=planted&iss=${encodeURIComponent(AS)}`);
    await expectErrorCode(page, 'storage_corrupt');
    expect((await asStats()).token.authorization_code).toBe(0);
    expect(await authKeys(page)).toEqual(['pending:garbage']);
    // The next login prunes the rest (a pending login without a valid creation time is abandoned).
    const state = await toLoginForm(page);
    await page.goto('/');
    expect(await authKeys(page)).toEqual([`pending:${state}`]);
    expect(crashes).toEqual([]);
  });
});

test.describe('IndexedDB that cannot be opened', () => {
  test('indexedDB.open throws: memory fallback, one warning, login refused with storage_unavailable', async ({ page }) => {
    const { crashes, warnings } = watch(page);
    await page.addInitScript(() => {
      IDBFactory.prototype.open = function () {
        throw new DOMException('The user denied permission to access the database.', 'SecurityError');
      };
    });
    await page.goto('/');
    await expect(status(page)).toHaveText('signedOut');
    await page.getByTestId('sign-in').click();
    await expectErrorCode(page, 'storage_unavailable');
    expect(new URL(page.url()).pathname).toBe('/'); // never left for the AS
    expect((await asStats()).authorization).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('storage_unavailable');
    expect(crashes).toEqual([]);
  });

  test('indexedDB.open never settles (blocked): the app leaves "loading" within seconds and stays usable', async ({ page }) => {
    const { crashes, warnings } = watch(page);
    await page.addInitScript(() => {
      // A request that never fires success, error or blocked: what a blocked upgrade looks like to idb-keyval.
      IDBFactory.prototype.open = function () {
        return {} as IDBOpenDBRequest;
      };
    });
    const started = Date.now();
    await page.goto('/');
    await expectResponsive(page);
    await expect(status(page)).toHaveText('signedOut', { timeout: 6000 });
    expect(Date.now() - started).toBeLessThan(6000);
    await page.getByTestId('sign-in').click();
    await expectErrorCode(page, 'storage_unavailable');
    expect((await asStats()).authorization).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(crashes).toEqual([]);
  });
});

test.describe('quota exceeded on write', () => {
  /** Every `put` on the listed pages fails the way a full disk makes it fail. */
  async function quotaExceeded(page: Page, paths: string[]): Promise<void> {
    await page.addInitScript((paths) => {
      if (!paths.includes(location.pathname)) return;
      IDBObjectStore.prototype.put = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    }, paths);
  }

  test('storing the pending login fails: storage_unavailable, no navigation, nothing stored', async ({ page }) => {
    const { crashes } = watch(page);
    await quotaExceeded(page, ['/']);
    await page.goto('/');
    await expect(status(page)).toHaveText('signedOut');
    await page.getByTestId('sign-in').click();
    await expectErrorCode(page, 'storage_unavailable');
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await asStats()).authorization).toBe(0);
    expect(await authKeys(page)).toEqual([]);
    expect(crashes).toEqual([]);
  });

  test('storing the session after the code exchange fails: storage_unavailable, nothing half-stored', async ({ page }) => {
    const { crashes } = watch(page);
    await quotaExceeded(page, ['/callback.html']);
    await toLoginForm(page);
    await submitAndReturn(page);
    await expectErrorCode(page, 'storage_unavailable');
    expect((await asStats()).token.authorization_code).toBe(1);
    // The pending login was consumed (read-and-delete needs no put) and no session was written.
    expect(await authKeys(page)).toEqual([]);
    await page.goto('/');
    await expect(status(page)).toHaveText('signedOut');
    expect(crashes).toEqual([]);
  });

  test('storing a rotated refresh token fails: this tab keeps the new session, no tab presents the spent one, a later write heals', async ({ page, context }) => {
    const { crashes, warnings } = watch(page);
    await signIn(page);
    const other = await context.newPage();
    await other.goto('/');
    await expect(status(other)).toHaveText('signedIn');
    // As a full disk fails a write: the request is accepted, the transaction aborts at commit. Deletions still
    // work. (A put that throws synchronously: e2e/hostile-regressions.spec.ts.)
    await page.evaluate(() => {
      const put = IDBObjectStore.prototype.put;
      const w = window as unknown as { __restorePut: () => void };
      w.__restorePut = () => {
        IDBObjectStore.prototype.put = put;
      };
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        const request = put.apply(this, args);
        this.transaction.abort();
        return request;
      };
    });
    await resetCounters();
    // The AS has rotated the refresh token: losing the answer would lose the session, so this tab keeps it…
    expect(await forceRefresh(page)).toBe('ok');
    expect((await asStats()).token.refresh_token).toBe(1);
    expect(warnings.some((w) => w.includes('could not be stored') && w.includes('storage_unavailable'))).toBe(true);
    // …and the record with the spent token is removed (issue 14, defect 1): the other tab has nothing to present.
    expect(await storedSession(page)).toBeUndefined();
    await expect(status(other)).toHaveText('signedOut');
    expect(await forceRefresh(other)).toBe('login_required');
    // A wake-up re-reads storage: this tab keeps its newer session and presents the new refresh token.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect(status(page)).toHaveText('signedIn');
    expect(await forceRefresh(page)).toBe('ok');
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    // The disk has room again: the next refresh stores the session, and the other tab follows.
    await page.evaluate(() => (window as unknown as { __restorePut: () => void }).__restorePut());
    expect(await forceRefresh(page)).toBe('ok');
    expect(await storedSession(page)).toBeDefined();
    await expect(status(other)).toHaveText('signedIn');
    // Three refresh grants, each with a token the AS had not seen spent: reuse detection never fired.
    const stats = await asStats();
    expect(stats.token.refresh_token).toBe(3);
    expect(stats.tokenErrors).toEqual({});
    expect(crashes).toEqual([]);
  });
});
