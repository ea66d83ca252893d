// @okta/okta-auth-js: OktaAuth from "@okta/okta-auth-js/core", Okta's own OAuth-only entry
// (the default "." entry adds the IDX / authn / MyAccount APIs; see README).
import { OktaAuth } from '@okta/okta-auth-js/core';

export async function run(): Promise<unknown> {
  const okta = new OktaAuth({
    issuer: 'https://id.example.com',
    clientId: 'spa',
    redirectUri: 'https://app.example.com/callback',
    postLogoutRedirectUri: 'https://app.example.com/',
    scopes: ['openid', 'profile', 'offline_access'],
    pkce: true,
    tokenManager: { autoRenew: true, storage: 'localStorage' },
  });
  await okta.start();
  if (okta.isLoginRedirect()) await okta.handleLoginRedirect(); // callback
  if (!(await okta.isAuthenticated())) return await okta.signInWithRedirect(); // redirect login with PKCE
  await okta.tokenManager.renew('accessToken'); // renewal
  const token = await okta.getOrRenewAccessToken();
  const me = await (await fetch('https://api.example.com/me', { headers: { Authorization: `Bearer ${token}` } })).json();
  await okta.signOut({ revokeRefreshToken: true });
  return me;
}
