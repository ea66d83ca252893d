// The React page's client. Same issuer and client id as the other pages, so the same IndexedDB
// session and tab channel: sign in or out on any page and this one follows. Its own redirect URI
// (this page) lets it complete the login itself, inside <StrictMode>.

import { createOAuthClient } from 'browser-oauth';
import { clientId, issuer, resources, scope, spaOrigin } from '../config';
import { testOptions } from '../test-options';

export const PAGE = '/react.html';

export const auth = createOAuthClient({
  issuer,
  clientId,
  redirectUri: `${spaOrigin}${PAGE}`,
  scope,
  resources,
  postLogoutRedirectUri: `${spaOrigin}${PAGE}`,
  allowInsecureLoopback: true, // the demo runs on http://127.0.0.1
  ...testOptions(),
});
