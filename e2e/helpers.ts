import { expect, type BrowserContext, type Page, type Request } from '@playwright/test';
import { ports } from '../playwright.config';

export const AS = `http://127.0.0.1:${ports.as}`;
export const API = `http://127.0.0.1:${ports.api}`;
/** The demo's two protected APIs, each its own RFC 8707 resource (prefix and indicator alike). */
export const API_RESOURCE = `${API}/api/`;
export const REPORTS_RESOURCE = `${API}/reports/`;
export const OTHER = `http://127.0.0.1:${ports.other}`;
export const SPA = `http://127.0.0.1:${ports.spa}`;
export const CLIENT_ID = 'browser-oauth-demo';
/** The SDK's IndexedDB database for the demo's (issuer, client). */
export const DB_NAME = `browser-oauth:${AS}:${CLIENT_ID}`;

export interface AsStats {
  authorization: number;
  token: { authorization_code: number; refresh_token: number };
  tokenErrors: Record<string, number>;
  /** Token requests by `<grant_type> <resource>` (`none`: no RFC 8707 resource named). */
  tokenResources: Record<string, number>;
  revocation: number;
  endSession: number;
  discovery: number;
  /** Pushed authorization requests received, and their errors by `error`. */
  par: number;
  parErrors: Record<string, number>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: 'none' | 'bearer' | 'dpop' | 'other';
  hasDpopHeader: boolean;
  status: number;
  /** `aud` of the JWT that arrived, read without verifying it. */
  audience?: string | string[];
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  expect(response.ok, `${url} answered ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

/** Counters kept by the authorization server itself: what really reached it. */
export const asStats = () => json<AsStats>(`${AS}/__test/stats`);
export const apiRequests = () => json<RecordedRequest[]>(`${API}/__test/requests`);
export const otherRequests = () => json<RecordedRequest[]>(`${OTHER}/__test/requests`);

/** Zeroes the AS counters and the resource servers' request logs and token policies. */
export async function resetCounters(): Promise<void> {
  await Promise.all([AS, API, OTHER].map((base) => fetch(`${base}/__test/reset`, { method: 'POST' })));
}
/** Zeroes only the AS counters (keeps the API's token policy). */
resetCounters.onlyAs = async (): Promise<void> => {
  await fetch(`${AS}/__test/reset`, { method: 'POST' });
};

export const status = (page: Page) => page.getByTestId('status');

/** The demo AS's pushed authorization requests (demo/server/authorization-server.ts `parControl`); reset: `on`. */
export async function setParMode(mode: 'on' | 'off' | 'required'): Promise<void> {
  const response = await fetch(`${AS}/__test/par`, { method: 'POST', body: JSON.stringify({ mode }) });
  expect(response.status).toBe(204);
}

/** What one login's authorization request is made of: where the browser went, and what was pushed (RFC 9126). */
export interface AuthorizationRequest {
  /** The `/auth` URL the browser was sent to. */
  url: URL;
  /** The pushed request's body, when the login pushed one (then `url` carries only client_id and request_uri). */
  pushed?: URLSearchParams;
  /** The pushed request's headers (DPoP proof). */
  pushedHeaders?: Record<string, string>;
  /** The request's parameters, wherever they travelled: the pushed body, else the URL's query. */
  params: URLSearchParams;
}

/**
 * The next login's authorization request, pushed or not. Start it before the click that logs in; it settles at
 * the `/auth` request (the PAR POST, when there is one, comes first), or fails after `timeout`.
 */
export function nextAuthorizationRequest(target: Page | BrowserContext, timeout = 15_000): Promise<AuthorizationRequest> {
  return new Promise((resolve, reject) => {
    let pushed: { body: URLSearchParams; headers: Record<string, string> } | undefined;
    const timer = setTimeout(() => {
      target.off('request', onRequest);
      reject(new Error(`no authorization request within ${timeout} ms`));
    }, timeout);
    function onRequest(request: Request): void {
      if (request.method() === 'POST' && request.url() === `${AS}/request`) {
        pushed = { body: new URLSearchParams(request.postData() ?? ''), headers: request.headers() };
      } else if (request.url().startsWith(`${AS}/auth?`)) {
        clearTimeout(timer);
        target.off('request', onRequest);
        const url = new URL(request.url());
        const viaPar = url.searchParams.has('request_uri') ? pushed : undefined;
        resolve({ url, params: viaPar?.body ?? url.searchParams, ...(viaPar && { pushed: viaPar.body, pushedHeaders: viaPar.headers }) });
      }
    }
    target.on('request', onRequest);
  });
}

/** Fills the embedded AS's login form as the demo user. */
export async function submitLogin(page: Page): Promise<void> {
  await page.locator('input[name=login]').fill('alice');
  await page.locator('input[name=password]').fill('alice');
  await page.locator('button[type=submit]').click();
}

/**
 * Signs in from the demo home page and returns the callback URL the AS redirected to
 * (so a test can replay it).
 */
export async function signIn(page: Page, path = '/'): Promise<string> {
  await page.goto(path);
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  const callback = page.waitForRequest((request) => request.url().includes('/callback.html?'));
  await submitLogin(page);
  const callbackUrl = (await callback).url();
  await expect(status(page)).toHaveText('signedIn');
  return callbackUrl;
}

/** Every key and value in the SDK's IndexedDB store, read from inside the page. */
export async function storedEntries(page: Page, database = DB_NAME): Promise<Record<string, unknown>> {
  return page.evaluate(async (name) => {
    const databases = await indexedDB.databases();
    if (!databases.some((db) => db.name === name)) return {};
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      if (!db.objectStoreNames.contains('kv')) return {};
      const tx = db.transaction('kv', 'readonly');
      const store = tx.objectStore('kv');
      const [keys, values] = await Promise.all(
        [store.getAllKeys(), store.getAll()].map(
          (request) => new Promise<unknown[]>((resolve, reject) => {
            request.onsuccess = () => resolve(request.result as unknown[]);
            request.onerror = () => reject(request.error);
          }),
        ),
      );
      return Object.fromEntries((keys ?? []).map((key, i) => [String(key), values?.[i]]));
    } finally {
      db.close();
    }
  }, database);
}

export interface StoredSessionShape {
  accessToken: string;
  tokenType: 'bearer' | 'dpop';
  refreshToken?: string;
  idToken?: string;
  expiresAt: number;
}

export async function storedSession(page: Page): Promise<StoredSessionShape | undefined> {
  return (await storedEntries(page)).session as StoredSessionShape | undefined;
}

/** Web storage and script-visible cookies of the app's origin: the SDK must leave them empty. */
export async function webStorage(page: Page): Promise<{ local: number; session: number; cookie: string }> {
  return page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
}

/** A refresh-token grant sent from outside the browser, to ask the AS whether a token still works. */
export async function tryRefresh(refreshToken: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${AS}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error !== undefined && { error: body.error }) };
}

/** Queues faults for the next token requests at the AS (see demo/server/faults.ts; hostile-helpers.ts has them all). */
export async function tokenFaults(
  ...faults: Array<{ kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'drop' } | { kind: 'delay'; ms: number } | { kind: 'slowAnswer'; ms: number }>
): Promise<void> {
  const response = await fetch(`${AS}/__test/faults`, { method: 'POST', body: JSON.stringify({ token: faults }) });
  expect(response.status).toBe(204);
}

/** `auth.fetch` from inside the page: the HTTP status, or the OAuthError code it rejected with. */
export async function pageFetch(page: Page, url: string, times = 1): Promise<string[]> {
  return page.evaluate(
    ({ url, times }) =>
      Promise.all(
        Array.from({ length: times }, () =>
          window.__auth.fetch(url).then(
            (response) => String(response.status),
            (err: unknown) => (err as { code?: string }).code ?? String(err),
          ),
        ),
      ),
    { url, times },
  );
}

/**
 * Signs in on a page that is its own redirect URI (the React, Vue and <script> pages) and returns the
 * callback URL the AS redirected to.
 */
export async function signInOn(page: Page, path: '/react.html' | '/vue.html' | '/script-tag.html'): Promise<string> {
  await page.goto(path);
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  const callback = page.waitForRequest((request) => request.isNavigationRequest() && request.url().includes(`${path}?`));
  await submitLogin(page);
  const callbackUrl = (await callback).url();
  await expect(status(page)).toHaveText('signedIn');
  return callbackUrl;
}
