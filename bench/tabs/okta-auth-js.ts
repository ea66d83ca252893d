// @okta/okta-auth-js (the OAuth-only `/core` entry) against a generic OIDC server: Okta's endpoint paths
// (/oauth2/v1/…) replaced by the AS's own through the documented URL options, read from discovery.
// Its defaults for a multi-tab app: tokens in localStorage, autoRenew by the leader tab only (services
// syncStorage + leader election, both on by default in a browser), on-demand renewal through
// getOrRenewAccessToken. Two settings are forced by the bench:
// - expireEarlySeconds scaled to the 10 s lifetime (Okta only honours it when the page's hostname is
//   `localhost`, hence this page's origin http://localhost:<port>);
// - ignoreSignature: okta-auth-js verifies RS256 ID tokens only and the demo client's are ES256. Claims
//   (iss, aud, nonce, exp, iat) are still validated; this does not change what reaches the token endpoint.
import { OktaAuth } from '@okta/okta-auth-js/core';
import { bearerCall, config, errorCode, expose } from './harness.ts';

const c = config();
let okta: OktaAuth | undefined;

async function start(): Promise<void> {
  // The endpoint URLs an app would hard-code; bench/protocol.ts passes them in, bench/tabs.ts lets the page read discovery.
  const md = c.discovery ?? ((await (await fetch(`${c.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>);
  okta = new OktaAuth({
    issuer: c.issuer,
    clientId: c.clientId,
    redirectUri: c.redirectUri,
    authorizeUrl: md.authorization_endpoint,
    tokenUrl: md.token_endpoint,
    revokeUrl: md.revocation_endpoint,
    userinfoUrl: md.userinfo_endpoint,
    logoutUrl: md.end_session_endpoint,
    scopes: c.scope.split(' '),
    pkce: true,
    responseType: 'code',
    ignoreSignature: true,
    tokenManager: { storage: 'localStorage', autoRenew: true, expireEarlySeconds: c.renewAheadSeconds },
    services: { autoRenew: true, syncStorage: true, autoRemove: true },
    // After the callback, stay on this page (the default navigates to the original URI: a reload).
    restoreOriginalUri: async () => history.replaceState(null, '', location.pathname),
  });
  if (okta.isLoginRedirect()) await okta.handleLoginRedirect(); // exchanges the code, stores the tokens
  await okta.start(); // token manager + services (auto renew, cross-tab sync, leader election)
}

const ready = start();
expose({
  ready,
  login: async () => {
    await ready;
    await okta!.signInWithRedirect();
  },
  signedIn: async () => {
    if (!okta) return false;
    const { accessToken, refreshToken } = await okta.tokenManager.getTokens();
    return !!accessToken && !!refreshToken && !okta.tokenManager.hasExpired(accessToken);
  },
  call: async () => {
    let token: string | undefined | null;
    try {
      token = await okta!.getOrRenewAccessToken();
    } catch (err) {
      return errorCode(err);
    }
    return token ? bearerCall(token) : 'signed_out';
  },
  accessToken: async () => (await okta?.tokenManager.getTokens())?.accessToken?.accessToken,
});
