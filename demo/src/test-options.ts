// Options an e2e test may set for the demo's clients, on every page of a tab (the callback included).

import type { OAuthClientOptions } from 'browser-oauth';

/**
 * Shorter SDK limits (the defaults, 10 s and 1 MiB, would make fault tests slow), and `storage: 'memory'`
 * to prove what happens when every tab keeps its own session.
 */
export interface TestOptions {
  timeout?: number;
  maxResponseBytes?: number;
  storage?: 'memory';
  /** `false`: Bearer tokens although the AS offers DPoP (the Bearer-mode tests against another AS). */
  dpop?: boolean;
  /** Pushed authorization requests (e2e/par.spec.ts): the SDK's `par` option. */
  par?: 'auto' | boolean;
  /**
   * The demo AS's native client (issue 15; demo/server/config.ts NATIVE_CLIENT): a private-use redirect URI, and
   * a `navigate` that opens the AS in another window, as `Browser.open` of Capacitor opens the system browser.
   */
  native?: boolean;
}

/** What {@link testOptions} adds to the demo client's options. */
type TestClientOptions = Omit<TestOptions, 'native'> & Partial<Pick<OAuthClientOptions, 'clientId' | 'redirectUri' | 'navigate' | 'par'>>;

/**
 * e2e only: `VITE_TEST_HOOKS=1` is set by the launcher with TEST_CONTROL=1 (never by `npm run demo`),
 * otherwise this is `{}` and the build drops the branch. A test sets `window.__authTestOptions` with
 * `page.addInitScript`, which runs before the page's modules on every page of the tab.
 */
export function testOptions(): TestClientOptions {
  if (import.meta.env.VITE_TEST_HOOKS !== '1') return {};
  const given = window.__authTestOptions ?? {};
  return {
    ...(typeof given.timeout === 'number' && { timeout: given.timeout }),
    ...(typeof given.maxResponseBytes === 'number' && { maxResponseBytes: given.maxResponseBytes }),
    ...(given.storage === 'memory' && { storage: 'memory' as const }),
    ...(typeof given.dpop === 'boolean' && { dpop: given.dpop }),
    ...((typeof given.par === 'boolean' || given.par === 'auto') && { par: given.par }),
    ...(given.native === true && {
      clientId: 'browser-oauth-native',
      redirectUri: 'com.example.browseroauth:/callback',
      navigate: (url: URL) => void window.open(url.href, '_blank'),
    }),
  };
}

declare global {
  interface Window {
    /** e2e only, read when VITE_TEST_HOOKS=1: see testOptions(). */
    __authTestOptions?: TestOptions;
  }
}
