// The one OAuth client of the demo, shared by every page (index, callback, and the React and
// script-tag pages to come). Each page imports this module; nothing else creates a client.

import { createOAuthClient } from 'browser-oauth';
import { clientId, issuer, postLogoutRedirectUri, redirectUri, resources, scope } from './config';
import { testOptions } from './test-options';

export type DemoClient = ReturnType<typeof createOAuthClient>;

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
  }
}

window.__auth = auth;
