import type { OAuthClient } from '../src/index';

declare global {
  interface Window {
    /** The demo exposes its client for the tests. */
    __auth: OAuthClient;
  }
}
