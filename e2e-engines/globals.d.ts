import type { createOAuthClient } from '../src/index.ts';

declare global {
  interface Window {
    /** The demo's client (demo/src/auth.ts), exposed for the tests. */
    __auth: ReturnType<typeof createOAuthClient>;
  }
}
