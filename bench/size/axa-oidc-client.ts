// @axa-fr/oidc-client: OidcClient without the service worker (tokens in sessionStorage).
import { OidcClient } from '@axa-fr/oidc-client';

export async function run(): Promise<unknown> {
  const oidc = OidcClient.getOrCreate(() => fetch)({
    authority: 'https://id.example.com',
    client_id: 'spa',
    redirect_uri: 'https://app.example.com/callback',
    silent_redirect_uri: 'https://app.example.com/silent-callback',
    scope: 'openid profile offline_access',
    storage: sessionStorage,
  });
  if (location.pathname === '/callback') await oidc.loginCallbackAsync(); // callback
  if (!(await oidc.tryKeepExistingSessionAsync())) return await oidc.loginAsync('/'); // redirect login with PKCE
  await oidc.renewTokensAsync(); // renewal
  const me = await (await oidc.fetchWithTokens(fetch)('https://api.example.com/me')).json(); // API call with the token
  await oidc.logoutAsync('https://app.example.com/');
  return me;
}
