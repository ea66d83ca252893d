// The one OAuth client of the demo, shared by every page (index, callback, and the React and
// script-tag pages to come). Each page imports this module; nothing else creates a client.

import { createOAuthClient } from 'browser-oauth';
import { clientId, issuer, postLogoutRedirectUri, redirectUri, resources, scope } from './config';

export type DemoClient = ReturnType<typeof createOAuthClient>;

/** Options the e2e tests may shorten: the SDK's defaults (10 s, 1 MiB) would make fault tests slow. */
interface TestOptions {
  timeout?: number;
  maxResponseBytes?: number;
  /** `false`: Bearer tokens although the AS offers DPoP (the Bearer-mode tests against another AS). */
  dpop?: boolean;
}

/**
 * e2e only: `VITE_TEST_HOOKS=1` is set by the launcher with TEST_CONTROL=1 (never by `npm run demo`),
 * otherwise this is `{}` and the build drops the branch. A test sets `window.__authTestOptions` with
 * `page.addInitScript`, which runs before this module on every page of the tab (the callback included).
 */
function testOptions(): TestOptions {
  if (import.meta.env.VITE_TEST_HOOKS !== '1') return {};
  const given = window.__authTestOptions ?? {};
  return {
    ...(typeof given.timeout === 'number' && { timeout: given.timeout }),
    ...(typeof given.maxResponseBytes === 'number' && { maxResponseBytes: given.maxResponseBytes }),
    ...(typeof given.dpop === 'boolean' && { dpop: given.dpop }),
  };
}

export const auth: DemoClient = createOAuthClient({
  issuer,
  clientId,
  redirectUri,
  scope,
  resources,
  postLogoutRedirectUri,
  allowInsecureLoopback: true, // the demo runs on http://127.0.0.1
  ...testOptions(),
});

declare global {
  interface Window {
    /** Demo only: lets the end-to-end tests drive the client directly. Never do this in an app. */
    __auth: DemoClient;
    /** e2e only, read when VITE_TEST_HOOKS=1: see testOptions(). */
    __authTestOptions?: TestOptions;
  }
}

window.__auth = auth;
