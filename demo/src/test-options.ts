// Options an e2e test may set for the demo's clients, on every page of a tab (the callback included).

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
}

/**
 * e2e only: `VITE_TEST_HOOKS=1` is set by the launcher with TEST_CONTROL=1 (never by `npm run demo`),
 * otherwise this is `{}` and the build drops the branch. A test sets `window.__authTestOptions` with
 * `page.addInitScript`, which runs before the page's modules on every page of the tab.
 */
export function testOptions(): TestOptions {
  if (import.meta.env.VITE_TEST_HOOKS !== '1') return {};
  const given = window.__authTestOptions ?? {};
  return {
    ...(typeof given.timeout === 'number' && { timeout: given.timeout }),
    ...(typeof given.maxResponseBytes === 'number' && { maxResponseBytes: given.maxResponseBytes }),
    ...(given.storage === 'memory' && { storage: 'memory' as const }),
    ...(typeof given.dpop === 'boolean' && { dpop: given.dpop }),
  };
}

declare global {
  interface Window {
    /** e2e only, read when VITE_TEST_HOOKS=1: see testOptions(). */
    __authTestOptions?: TestOptions;
  }
}
