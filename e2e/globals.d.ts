import type { OAuthClient } from '../src/index';

declare global {
  interface Window {
    /** The demo exposes its client for the tests. */
    __auth: OAuthClient;
    /** Shorter SDK limits for the demo client (e2e build only, see demo/src/auth.ts). */
    __authTestOptions?: { timeout?: number; maxResponseBytes?: number; storage?: 'memory'; dpop?: boolean; native?: boolean; par?: 'auto' | boolean };
  }
}
