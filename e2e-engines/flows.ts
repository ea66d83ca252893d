/**
 * The flows that matter most for another engine, written once against the adapter (driver.ts) and run in
 * every engine (firefox.test.ts, webkit.test.ts). Counts are taken at the authorization server. No driver
 * here has clock control: a short token lifetime set at the AS proves renewal, and moving `Date.now` inside
 * each tab (what the SDK reads as its clock) puts several tabs past an expiry at once.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { waitUntil, type Browser, type EngineDefinition, type Tab } from './driver.ts';
import { accessTokenTtl, API, apiRequests, AS, asStats, CLIENT_ID, DB_NAME, delayNextTokenRequest, ME, resetCounters, SPA } from './servers.ts';

type AppPath = '/' | '/react.html' | '/script-tag.html';

const text = async (tab: Tab, testId: string): Promise<string | null> =>
  (await tab.evaluate((id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? null, testId)) ?? null;

async function expectText(tab: Tab, testId: string, expected: string, timeout = 10_000): Promise<void> {
  await waitUntil(async () => (await text(tab, testId)) === expected, `[data-testid=${testId}] to read "${expected}"`, timeout);
}

/** Waits until the app has left `loading`, and returns its status. */
async function settledStatus(tab: Tab): Promise<string> {
  let status: string | null = null;
  await waitUntil(async () => {
    status = await text(tab, 'status');
    return status !== null && status !== 'loading';
  }, 'the app to leave "loading"');
  return status!;
}

const pathOf = async (tab: Tab): Promise<string> => new URL(await tab.url()).pathname;

/**
 * Signs in from `path` through the AS's login form (or its live session, when there is one) and waits until
 * the app is back on `path`, signed in. Returns whether the login form was shown.
 */
async function signIn(tab: Tab, path: AppPath = '/'): Promise<boolean> {
  await tab.goto(path);
  expect(await settledStatus(tab)).toBe('signedOut');
  await tab.click('[data-testid="sign-in"]');
  let where: 'form' | 'app' | undefined;
  await waitUntil(async () => {
    const url = await tab.url();
    if (url.startsWith(`${AS}/`) && (await tab.evaluate(() => document.querySelector('input[name=login]') !== null))) where = 'form';
    else if (url.startsWith(SPA) && (await text(tab, 'status')) === 'signedIn') where = 'app';
    return where !== undefined;
  }, 'the AS login form or the signed-in app');
  if (where === 'form') {
    await tab.fill('input[name=login]', 'alice');
    await tab.fill('input[name=password]', 'alice');
    await tab.click('button[type=submit]');
  }
  await waitUntil(async () => (await tab.url()).startsWith(SPA) && (await text(tab, 'status')) === 'signedIn', `signed in on ${path}`, 15_000);
  expect(await pathOf(tab)).toBe(path);
  return where === 'form';
}

/** Clicks "Call protected API" and returns the status the page shows. */
async function callApi(tab: Tab): Promise<string> {
  // Cleared first, so the status read below is this call's (the pages render it into the same element).
  await tab.evaluate(() => {
    const shown = document.querySelector('[data-testid="api-status"]');
    if (shown) shown.textContent = '';
  });
  await tab.click('[data-testid="call-api"]');
  let shown: string | null = null;
  await waitUntil(async () => /^\d{3}$/.test((shown = await text(tab, 'api-status')) ?? ''), 'the API call to finish');
  return shown!;
}

/** Starts `count` concurrent `auth.fetch(url)` in the page without waiting (WebDriver runs one script at a time). */
const startFetches = (tab: Tab, url: string, count: number): Promise<void> =>
  tab.evaluate(
    (url: string, count: number) => {
      const w = window as unknown as { __calls?: Promise<string[]> };
      w.__calls = Promise.all(
        Array.from({ length: count }, () =>
          window.__auth.fetch(url).then(
            (response) => String(response.status),
            (err: unknown) => (err as { code?: string }).code ?? String(err),
          ),
        ),
      );
    },
    url,
    count,
  );
const fetchResults = (tab: Tab): Promise<string[]> =>
  tab.evaluate(() => (window as unknown as { __calls: Promise<string[]> }).__calls);

/** The SDK's stored session and DPoP key, read from IndexedDB inside the page. */
const storedKey = async (tab: Tab) =>
  (await tab.evaluate(async (name: string) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      const session = await new Promise<{ tokenType: string; refreshToken?: string; keyPair?: CryptoKeyPair } | undefined>((resolve, reject) => {
        const get = db.transaction('kv').objectStore('kv').get('session');
        get.onsuccess = () => resolve(get.result as never);
        get.onerror = () => reject(get.error);
      });
      if (!session) return undefined;
      const key = session.keyPair?.privateKey;
      const exported = key ? await crypto.subtle.exportKey('jwk', key).then(() => 'exported', (err: unknown) => (err as Error).name) : 'no key';
      return { tokenType: session.tokenType, refreshToken: session.refreshToken ?? null, extractable: key?.extractable ?? null, keyType: key?.type ?? null, exported };
    } finally {
      db.close();
    }
  }, DB_NAME)) ?? undefined; // WebDriver returns undefined as null

export function defineFlows(engine: EngineDefinition): void {
  describe(engine.name, () => {
    let browser: Browser;
    /** The tab every test starts from; it stays open so the browser (and a WebDriver session) lives on. */
    let home: Tab;
    let extra: Tab[] = [];
    const newTab = async (): Promise<Tab> => {
      const tab = await browser.newTab();
      extra.push(tab);
      return tab;
    };

    beforeAll(async () => {
      browser = await engine.launch(SPA);
      home = await browser.newTab();
      console.log(`${engine.name}: ${browser.engine} ${browser.version}`);
    });
    afterAll(async () => {
      await browser?.close();
    });

    beforeEach(async () => {
      // Every test starts signed out with zeroed counters. Not RP-initiated logout: its redirects through the
      // AS would still be under way when the test navigates. The AS session may live on: signIn() copes.
      await home.goto('/');
      if ((await settledStatus(home)) === 'signedIn') {
        await home.evaluate(() => window.__auth.logout());
        await expectText(home, 'status', 'signedOut');
      }
      await resetCounters();
    });
    afterEach(async () => {
      for (const tab of extra.splice(0)) await tab.close();
    });

    test('sign-in through the AS form and the callback, then a reload restores the session with zero AS requests', async () => {
      expect(await signIn(home)).toBe(true);
      expect(await home.url()).toBe(`${SPA}/`); // code and state gone from the address bar
      await expectText(home, 'user-name', 'Alice Liddell');
      let stats = await asStats();
      expect(stats.authorization).toBe(1);
      expect(stats.token).toEqual({ authorization_code: 1, refresh_token: 0 });
      expect(await home.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }))).toEqual({ local: 0, session: 0, cookie: '' });

      await resetCounters();
      await home.goto('/');
      expect(await settledStatus(home)).toBe('signedIn');
      expect(await callApi(home)).toBe('200'); // the DPoP key came back from IndexedDB
      stats = await asStats();
      expect(stats.token).toEqual({ authorization_code: 0, refresh_token: 0 });
      expect(stats.authorization + stats.discovery + stats.revocation).toBe(0);
    });

    test('DPoP: a bound token, a private key no script can export, and the API accepts the proofs', async () => {
      await signIn(home);
      expect(await home.evaluate(() => window.__auth.state.tokenType)).toBe('dpop');
      expect(await home.evaluate(() => document.querySelector('[data-testid="token-binding"]')?.getAttribute('data-token-type'))).toBe('dpop');
      expect(await storedKey(home)).toMatchObject({ tokenType: 'dpop', extractable: false, keyType: 'private', exported: 'InvalidAccessError' });
      expect(await callApi(home)).toBe('200');
      expect(await text(home, 'api-result')).toContain('"token_type": "DPoP"');
      expect((await apiRequests()).filter((r) => r.path === '/api/me')).toEqual([
        expect.objectContaining({ authorization: 'dpop', hasDpopHeader: true, status: 200 }),
      ]);
    });

    test('renewal: a 5-second token is refreshed before it expires, without a user action', async () => {
      await accessTokenTtl(5);
      await signIn(home);
      await accessTokenTtl(null); // the renewed token lives 60 s: exactly one renewal in this test
      const before = await storedKey(home);
      await waitUntil(async () => (await asStats()).token.refresh_token >= 1, 'the proactive refresh', 15_000);
      await expectText(home, 'status', 'signedIn');
      expect(await callApi(home)).toBe('200');
      const stats = await asStats();
      expect(stats.token).toEqual({ authorization_code: 1, refresh_token: 1 });
      expect(stats.tokenErrors).toEqual({});
      expect((await storedKey(home))?.refreshToken).not.toBe(before?.refreshToken); // rotated, and stored
    });

    test('three tabs past an expiry, five calls each: fifteen 200s and exactly one refresh at the AS', async () => {
      await signIn(home);
      const tabs = [home, await newTab(), await newTab()];
      for (const tab of tabs.slice(1)) {
        await tab.goto('/');
        expect(await settledStatus(tab)).toBe('signedIn');
      }
      await resetCounters();
      // Every tab's clock jumps past the 60-second token's expiry; real timers keep running.
      for (const tab of tabs) {
        await tab.evaluate(() => {
          const now = Date.now.bind(Date);
          Date.now = () => now() + 70_000;
        });
      }
      // A slow refresh keeps the calls of every tab overlapping with it.
      await delayNextTokenRequest(500);
      for (const tab of tabs) await startFetches(tab, ME, 5);
      const results = [];
      for (const tab of tabs) results.push(...(await fetchResults(tab)));
      expect(results).toEqual(Array(15).fill('200'));
      const stats = await asStats();
      expect(stats.token.refresh_token).toBe(1);
      expect(stats.tokenErrors).toEqual({});
    });

    test('logout in one tab signs the others out; sign-in in one signs them all in', async () => {
      await signIn(home);
      const others = [await newTab(), await newTab()];
      for (const tab of others) {
        await tab.goto('/');
        expect(await settledStatus(tab)).toBe('signedIn');
      }
      await home.evaluate(() => window.__auth.logout());
      for (const tab of others) await expectText(tab, 'status', 'signedOut', 5000);
      expect(await storedKey(others[0]!)).toBeUndefined();
      expect((await asStats()).revocation).toBe(1);

      // The AS session is still alive (no endSession): a click in the middle tab signs in without the form.
      await others[0]!.click('[data-testid="sign-in"]');
      await waitUntil(async () => (await others[0]!.url()).startsWith(SPA) && (await text(others[0]!, 'status')) === 'signedIn', 'signed in again', 15_000);
      await expectText(home, 'status', 'signedIn', 5000);
      await expectText(others[1]!, 'status', 'signedIn', 5000);
    });

    for (const path of ['/script-tag.html', '/react.html'] as const) {
      test(`the ${path === '/react.html' ? 'React' : '<script>'} page: sign-in at its own redirect URI, the API, a reload with zero token requests`, async () => {
        await signIn(home, path);
        await expectText(home, 'user-name', 'Alice Liddell');
        expect(await callApi(home)).toBe('200');
        await resetCounters();
        await home.goto(path);
        expect(await settledStatus(home)).toBe('signedIn');
        expect(await callApi(home)).toBe('200');
        expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 0 });
      });
    }

    test('back/forward cache: Back restores the signed-in page from the cache; after a logout elsewhere it shows signed out', async () => {
      await signIn(home);
      // A tab of its own per round trip: after a restore from the cache, puppeteer's Firefox tab no longer navigates.
      let tab = home;
      const markPage = () =>
        tab.evaluate(() => {
          const w = window as unknown as { __restored: boolean; __marker: boolean };
          w.__marker = true;
          w.__restored = false;
          addEventListener('pageshow', (event) => {
            if (event.persisted) w.__restored = true;
          });
        });
      const roundTrip = async (whileAway: () => Promise<void>) => {
        tab = await newTab();
        await tab.goto('/');
        await settledStatus(tab);
        await markPage();
        await tab.goto('/react.html');
        await settledStatus(tab);
        await whileAway();
        await tab.back();
        await waitUntil(async () => (await pathOf(tab)) === '/', 'back on /');
        return tab.evaluate(() => {
          const w = window as unknown as { __restored?: boolean; __marker?: boolean };
          return { marker: w.__marker === true, restored: w.__restored === true };
        });
      };

      await resetCounters();
      // Restored, not loaded again: the old page's script state is still there. The SDK's leader lock used to
      // keep every page out of Firefox's cache (src/core/tabs.ts now resigns it before unload).
      expect(await roundTrip(async () => undefined)).toEqual({ marker: true, restored: true });
      await expectText(tab, 'status', 'signedIn');
      expect(await callApi(tab)).toBe('200');
      expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 0 });

      // Signed out in another tab while away. Firefox (like Chromium) evicts a cached page that a
      // BroadcastChannel message is sent to, so Back loads it again; WebKit restores it and the SDK re-reads
      // storage on `pageshow`. Either way the page must show the truth.
      await roundTrip(async () => {
        await home.evaluate(() => window.__auth.logout());
        await expectText(home, 'status', 'signedOut');
      });
      await expectText(tab, 'status', 'signedOut', 5000);
      expect(await tab.evaluate(() => window.__auth.getAccessToken().then(() => 'token', (err: { code?: string }) => err.code))).toBe('login_required');
    });

    test('without IndexedDB the SDK falls back to memory: the app runs, and login is refused before leaving for the AS', async () => {
      // No pre-page script hook in classic WebDriver: take IndexedDB away from a client created after load,
      // with the <script> page's global (the IIFE build), exactly as an app would create one.
      await home.goto('/script-tag.html');
      expect(await settledStatus(home)).toBe('signedOut');
      const outcomes = [];
      for (const variant of ['indexedDB is undefined', 'indexedDB.open throws'] as const) {
        outcomes.push(
          await home.evaluate(
            async (variant: string, issuer: string, clientId: string, api: string) => {
              const warnings: string[] = [];
              const { warn } = console;
              const { open } = IDBFactory.prototype;
              console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
              if (variant === 'indexedDB is undefined') Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
              else {
                IDBFactory.prototype.open = function () {
                  throw new DOMException('The user denied permission to access the database.', 'SecurityError');
                };
              }
              try {
                const { createOAuthClient } = (window as unknown as { BrowserOAuth: typeof import('../src/index.ts') }).BrowserOAuth;
                const redirectUri = `${location.origin}/script-tag.html`;
                const auth = createOAuthClient({ issuer, clientId, redirectUri, scope: 'openid', resources: [api], allowInsecureLoopback: true });
                await auth.init();
                const status = auth.state.status;
                const login = await auth.login().then(() => 'navigated', (err: { code?: string }) => err.code);
                auth.destroy();
                return { variant, status, login, warned: warnings.some((w) => w.includes('storage_unavailable')), stillHere: location.pathname };
              } finally {
                console.warn = warn;
                IDBFactory.prototype.open = open;
                delete (window as { indexedDB?: unknown }).indexedDB;
              }
            },
            variant,
            AS,
            CLIENT_ID,
            `${API}/api/`,
          ),
        );
      }
      expect(outcomes).toEqual(
        ['indexedDB is undefined', 'indexedDB.open throws'].map((variant) => ({ variant, status: 'signedOut', login: 'storage_unavailable', warned: true, stillHere: '/script-tag.html' })),
      );
      expect((await asStats()).authorization).toBe(0);
    });
  });
}
