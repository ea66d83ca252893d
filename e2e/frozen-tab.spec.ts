import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import config from '../playwright.config';
import { binaryOf } from '../scripts/system-deps';
import { API, AS, asStats, DB_NAME, pageFetch, resetCounters, signIn, SPA, status, storedSession } from './helpers';

/**
 * A background tab frozen by the browser (Page Lifecycle API) sleeps through the access token's
 * expiry while another tab refreshes. When it resumes, its in-memory copy of the session is stale
 * and due; it must take the token the other tab obtained (from storage, under the cross-tab lock)
 * instead of spending the refresh token a second time.
 *
 * Why a browser of our own: Playwright's focus emulation keeps the pages it manages visible, and
 * CDP `Page.setWebLifecycleState` does nothing to them. So this file starts Chromium itself with a
 * remote-debugging port and attaches with `connectOverCDP(…, { noDefaults: true })`, whose default
 * context has no focus emulation; there the command really freezes the page (it is hidden, gets its
 * `freeze` event, and runs no task until it is resumed).
 *
 * Time: Playwright's clock works on that context too. `setFixedTime` moves `Date.now()` in every
 * tab at once, like the wall clock that keeps running while a tab is frozen (it is applied through
 * the DevTools session, which a frozen page still serves; no page task runs). Real timers keep
 * running, so no renewal timer fires during the test (the first is due 48 s after sign-in).
 */

const ME = `${API}/api/me`;

interface FrozenTabLog {
  /** Ticks of a 25 ms interval: a frozen page runs no timer, so they stop. */
  ticks: number;
  events: Array<
    | { type: 'freeze'; ticks: number }
    | { type: 'resume'; ticks: number; wasDiscarded: boolean; status: string; expiresAt: number | undefined; now: number }
    | { type: 'state'; status: string; expiresAt: number | undefined }
  >;
  /** The `auth.fetch` the app starts the moment the tab resumes. */
  onResume?: Promise<string>;
  /** `Authorization` of every request this tab sent to the API. */
  apiAuthorizations: Array<string | null>;
  /** Every request this tab sent to the authorization server's token endpoint. */
  tokenRequests: number;
}

declare global {
  interface Window {
    __frozenTab: FrozenTabLog;
  }
}

// ---------------------------------------------------------------------------------------------
// A Chromium of our own, attached over CDP

interface OwnChromium {
  browser: Browser;
  close(): Promise<void>;
}

/** Rejects after `ms` with a message naming what was awaited: every wait in this file is bounded. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return within(new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))), ms, 'chromium exit').catch(() => false);
}

/** The same executable and arguments as playwright.config.ts, headless, with a fresh profile. */
async function launchOwnChromium(): Promise<OwnChromium> {
  const launch = config.use?.launchOptions;
  const executable = launch?.executablePath ?? binaryOf('Chromium');
  const dir = await mkdtemp(join(tmpdir(), 'browser-oauth-frozen-tab-'));
  const child = spawn(executable, [...(launch?.args ?? []), '--headless', '--remote-debugging-port=0', `--user-data-dir=${dir}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await within(browser?.close() ?? Promise.resolve(), 10_000, 'browser.close').catch(() => undefined);
    if (!(await exited(child, 100))) {
      child.kill('SIGTERM');
      if (!(await exited(child, 5000))) {
        child.kill('SIGKILL');
        await exited(child, 5000);
      }
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const endpoint = await within(
      new Promise<string>((resolve, reject) => {
        // Keep draining stderr for the browser's whole life, or a full pipe would block it.
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString()).slice(-20_000);
          const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
          if (match) resolve(match[1]!);
        });
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`chromium exited (${code ?? signal}): ${stderr}`)));
      }),
      20_000,
      'chromium DevTools endpoint',
    );
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, timeout: 20_000 });
    return { browser, close };
  } catch (err) {
    await close();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

let own: OwnChromium | undefined;

test.beforeAll(async () => {
  own = await launchOwnChromium();
});

test.afterAll(async () => {
  await own?.close();
});

test.beforeEach(async () => {
  await resetCounters();
});

/** The page's `state`, without the user's claims. */
const stateOf = (page: Page) =>
  page.evaluate(() => {
    const state = window.__auth.state;
    return { status: state.status, expiresAt: 'expiresAt' in state ? state.expiresAt : undefined };
  });

/** Records, in the page, what the test must later prove: lifecycle events, state changes, requests. */
async function instrument(page: Page): Promise<void> {
  await page.evaluate(
    ({ api, tokenEndpoint, me }) => {
      const log: FrozenTabLog = { ticks: 0, events: [], apiAuthorizations: [], tokenRequests: 0 };
      window.__frozenTab = log;
      setInterval(() => log.ticks++, 25);
      const snapshot = () => {
        const state = window.__auth.state;
        return { status: state.status, expiresAt: 'expiresAt' in state ? state.expiresAt : undefined };
      };
      window.__auth.subscribe(() => log.events.push({ type: 'state', ...snapshot() }));
      document.addEventListener('freeze', () => log.events.push({ type: 'freeze', ticks: log.ticks }));
      document.addEventListener('resume', () => {
        // The SDK's own `resume` listener (added at init, so before this one) has only started
        // re-reading storage: this is the copy of the session the tab woke up with.
        log.events.push({ type: 'resume', ticks: log.ticks, wasDiscarded: (document as Document & { wasDiscarded?: boolean }).wasDiscarded ?? false, ...snapshot(), now: Date.now() });
        // What an app does when its tab wakes up: call its API right away.
        log.onResume = window.__auth.fetch(me).then(
          (response) => String(response.status),
          (err: unknown) => (err as { code?: string }).code ?? String(err),
        );
      });
      // The SDK calls the global `fetch` for every request it sends: watch what leaves this tab.
      const realFetch = window.fetch.bind(window);
      window.fetch = (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (url.startsWith(api)) {
          log.apiAuthorizations.push(new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('authorization'));
        }
        if (url === tokenEndpoint) log.tokenRequests++;
        return realFetch(input, init);
      };
    },
    { api: API, tokenEndpoint: `${AS}/token`, me: ME },
  );
}

test('a tab frozen through an expiry while another refreshes uses the new token on resume, without a refresh', async () => {
  test.setTimeout(60_000);
  const context: BrowserContext = own!.browser.contexts()[0]!;
  const pages: Page[] = [];
  try {
    const a = await context.newPage();
    pages.push(a);
    await signIn(a, `${SPA}/`);
    const b = await context.newPage();
    pages.push(b);
    await b.goto(`${SPA}/`);
    await expect(status(b)).toHaveText('signedIn');
    await resetCounters();
    const before = await storedSession(a);
    expect(before?.refreshToken).toBeTruthy();
    expect((await stateOf(b)).expiresAt).toBe(before!.expiresAt);
    await instrument(b);

    // B's timers run while it is active…
    await expect.poll(() => b.evaluate(() => window.__frozenTab.ticks), { timeout: 2000 }).toBeGreaterThanOrEqual(2);

    // …until it is frozen, the way the browser freezes a background tab.
    const cdp = await context.newCDPSession(b);
    await within(cdp.send('Page.setWebLifecycleState', { state: 'frozen' }), 10_000, 'freeze');
    const frozen = await b.evaluate(() => ({ ticks: window.__frozenTab.ticks, events: window.__frozenTab.events }));
    expect(frozen.events).toEqual([{ type: 'freeze', ticks: frozen.ticks }]);
    expect(await b.evaluate(() => document.visibilityState)).toBe('hidden');
    // The user is in tab A now.
    await a.bringToFront();
    await expect.poll(() => a.evaluate(() => document.visibilityState), { timeout: 2000 }).toBe('visible');

    // Time passes the access token's expiry in every tab; tab A refreshes, once.
    await within(context.clock.setFixedTime(Date.now() + 70_000), 10_000, 'clock.setFixedTime');
    expect(await within(pageFetch(a, ME), 20_000, 'auth.fetch in tab A')).toEqual(['200']);
    const after = await storedSession(a);
    expect(after?.accessToken).not.toBe(before!.accessToken);
    expect(after?.refreshToken).not.toBe(before!.refreshToken);
    expect(after!.expiresAt).toBeGreaterThan(before!.expiresAt);
    await expect(status(a)).toHaveText('signedIn');
    expect((await stateOf(a)).expiresAt).toBe(after!.expiresAt);
    let stats = await asStats();
    expect(stats.token.refresh_token).toBe(1);

    // B slept through all of it: not one of its timers ran, no state change, no request.
    const stillFrozen = await b.evaluate(() => ({
      ticks: window.__frozenTab.ticks,
      events: window.__frozenTab.events,
      requests: window.__frozenTab.apiAuthorizations.length + window.__frozenTab.tokenRequests,
    }));
    expect(stillFrozen).toEqual({ ...frozen, requests: 0 });

    // Resume B: it wakes with its old, now expired copy of the session and calls the API at once.
    await within(cdp.send('Page.setWebLifecycleState', { state: 'active' }), 10_000, 'resume');
    const woke = await b.evaluate(() =>
      Promise.race([
        window.__frozenTab.onResume ?? Promise.resolve('no resume event'),
        new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 10 s'), 10_000)),
      ]),
    );
    const events = (await b.evaluate(() => window.__frozenTab.events)).filter((event) => event.type !== 'state');
    expect(events).toEqual([
      { type: 'freeze', ticks: frozen.ticks },
      {
        type: 'resume',
        ticks: frozen.ticks, // no task ran between freeze and resume
        wasDiscarded: false,
        status: 'signedIn',
        expiresAt: before!.expiresAt, // the stale copy…
        now: expect.any(Number),
      },
    ]);
    const resumed = events[1] as Extract<FrozenTabLog['events'][number], { type: 'resume' }>;
    expect(resumed.now).toBeGreaterThan(before!.expiresAt); // …already expired when the tab woke up
    expect(woke).toBe('200');
    stats = await asStats();
    expect(stats.token.refresh_token).toBe(1); // the one tab A made: B spent no refresh token

    // And a call made later in B goes out with the same token; the AS saw no second refresh.
    expect(await within(pageFetch(b, ME), 20_000, 'auth.fetch in tab B')).toEqual(['200']);
    const sent = await b.evaluate(() => ({ api: window.__frozenTab.apiAuthorizations, token: window.__frozenTab.tokenRequests }));
    // `Bearer` or `DPoP` (the demo AS binds tokens to a DPoP key when the SDK sends proofs): A's token either way.
    const authorization = `${after!.tokenType === 'dpop' ? 'DPoP' : 'Bearer'} ${after!.accessToken}`;
    expect(sent).toEqual({ api: [authorization, authorization], token: 0 });
    stats = await asStats();
    expect(stats.token.refresh_token).toBe(1);
    expect(stats.tokenErrors.invalid_grant ?? 0).toBe(0);
    const stored = await storedSession(b);
    expect([stored?.accessToken, stored?.refreshToken, stored?.expiresAt]).toEqual([after!.accessToken, after!.refreshToken, after!.expiresAt]);

    // B's state follows: signed in, with the expiry of A's token.
    await expect.poll(() => stateOf(b), { timeout: 1000 }).toEqual({ status: 'signedIn', expiresAt: after!.expiresAt });
    await expect(status(b)).toHaveText('signedIn');
    expect((await stateOf(a)).expiresAt).toBe(after!.expiresAt);

    // Settled: no refresh is running or waiting in any tab (the refresh lock, named like the database, is free),
    // and still only one reached the AS.
    const lock = await b.evaluate(
      (name) =>
        Promise.race([
          navigator.locks.request(name, async () => 'free'),
          new Promise<string>((resolve) => setTimeout(() => resolve('still held after 10 s'), 10_000)),
        ]),
      DB_NAME,
    );
    expect(lock).toBe('free');
    stats = await asStats();
    expect(stats.token.refresh_token).toBe(1);
    expect(stats.tokenErrors.invalid_grant ?? 0).toBe(0);
  } finally {
    await Promise.all(pages.map((page) => within(page.close(), 10_000, 'page.close').catch(() => undefined)));
  }
});
