/**
 * In-page side of bench/tabs.ts and bench/protocol.ts, bundled into every bench page: what the driver
 * needs from a page, whatever the SDK. The loops themselves are injected by the drivers (the same code for
 * every SDK); see `installLoop` in ../tabs.ts and `callLoop` in ../protocol.ts. The Node side is
 * ../harness-server.ts.
 */

/** Written into every page by the bench's static server (an inline script before the bundle). */
export interface BenchConfig {
  issuer: string;
  clientId: string;
  /** The protected endpoint every tab calls, e.g. http://127.0.0.1:4601/api/me */
  apiMe: string;
  /** Absolute URL of this page, which is also its redirect URI. */
  redirectUri: string;
  scope: string;
  /** The renew-ahead margin every SDK is given, in seconds (scaled to the short access-token lifetime). */
  renewAheadSeconds: number;
  /** browser-oauth page only: `true` leaves the SDK's default (DPoP when the AS offers it); otherwise `dpop: false`. */
  dpop?: boolean;
  /**
   * The AS's discovery document, for SDKs configured with endpoint URLs (okta-auth-js), as an app would
   * hard-code them; when absent the page fetches it.
   */
  discovery?: Record<string, string>;
  /** bench/protocol.ts's bare page: the Bearer token it sends. */
  bareToken?: string;
}

export interface BenchPage {
  /** Settles when the SDK has started (and finished a callback, if the URL held one). Rejects on failure. */
  ready: Promise<void>;
  /** Starts the redirect login (navigates away). */
  login(): Promise<void>;
  /** The SDK's own view: is this tab signed in? Must not send anything to the AS. */
  signedIn(): Promise<boolean>;
  /** One protected API call as the app would make it: "200", another status, or an error code. */
  call(): Promise<string>;
  /** The current access token as the SDK holds it, read without contacting the AS (for a bare `fetch`). */
  accessToken?(): Promise<string | undefined>;
}

/** bench/protocol.ts: the first protected call a page makes at load, when its URL has `?bench-first-call`. */
export interface FirstCall {
  result: string;
  /** `performance.now()` when the call settled (its body read): ms since the navigation started. */
  at: number;
}

declare global {
  interface Window {
    __benchConfig: BenchConfig;
    __bench?: BenchPage & { readyState: 'pending' | 'ready' | 'failed'; failure?: string; readyAt?: number };
    __benchFirstCall?: FirstCall;
  }
}

export const config = (): BenchConfig => window.__benchConfig;

/** The URL holds an authorization response (code or error) for this page. */
export const isCallback = (): boolean => {
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
};

/** A bare `fetch` with the access token as a Bearer token (the peers have no authorized-fetch helper). */
export async function bearerCall(accessToken: string | undefined | null): Promise<string> {
  if (!accessToken) return 'no_token';
  try {
    const response = await fetch(config().apiMe, { headers: { Authorization: `Bearer ${accessToken}` } });
    await response.text();
    return String(response.status);
  } catch (err) {
    return `network:${err instanceof Error ? err.message : String(err)}`;
  }
}

/** What an error is called in the results: an OAuth `error`/`code`, else the message. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; error?: unknown; errorCode?: unknown; message?: unknown } | null;
  for (const value of [e?.error, e?.code, e?.errorCode]) if (typeof value === 'string' && value) return value;
  return typeof e?.message === 'string' ? e.message.slice(0, 80) : String(err).slice(0, 80);
}

/** `?bench-first-call` in the page's URL: make one protected call as soon as the SDK is ready (bench/protocol.ts). */
export const wantsFirstCall = (): boolean => new URLSearchParams(location.search).has('bench-first-call');

/**
 * Records the result and time of a page's first protected call in `window.__benchFirstCall`, and announces it
 * on the console (`__benchFirstCall {json}`), which the driver waits for instead of polling the page.
 */
export function recordFirstCall(call: () => Promise<string>): void {
  const record = (result: string): void => {
    const first: FirstCall = { result, at: performance.now() };
    window.__benchFirstCall = first;
    console.debug(`__benchFirstCall ${JSON.stringify(first)}`);
  };
  call().then(record, (err: unknown) => record(`threw: ${errorCode(err)}`));
}

export function expose(page: BenchPage): void {
  const exposed: NonNullable<Window['__bench']> = { ...page, readyState: 'pending' };
  window.__bench = exposed;
  page.ready.then(
    () => {
      exposed.readyState = 'ready';
      exposed.readyAt = performance.now();
      if (wantsFirstCall()) recordFirstCall(() => page.call());
    },
    (err: unknown) => {
      exposed.readyState = 'failed';
      exposed.failure = errorCode(err);
      console.error('bench page failed to start', err);
    },
  );
}
