// The Vue page's client. Same issuer and client id as the other pages, so the same IndexedDB session
// and tab channel: sign in or out on any page and this one follows. Its own redirect URI (this page)
// lets the plugin complete the login itself.

import { createOAuthClient } from 'browser-oauth';
import { clientId, issuer, resources, scope, spaOrigin } from '../config';
import { testOptions } from '../test-options';

export const PAGE = '/vue.html';

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

// In development, an edit of this module makes a new client: stop this one (its timers and tab channel).
import.meta.hot?.dispose(() => auth.destroy());
