// @auth0/auth0-spa-js: createAuth0Client (PKCE; refresh tokens; getTokenSilently renews).
import { createAuth0Client } from '@auth0/auth0-spa-js';

export async function run(): Promise<unknown> {
  const auth0 = await createAuth0Client({
    domain: 'id.example.com',
    clientId: 'spa',
    authorizationParams: { redirect_uri: 'https://app.example.com/callback', audience: 'https://api.example.com/', scope: 'openid profile offline_access' },
    cacheLocation: 'localstorage', // survive reloads, like the others
    useRefreshTokens: true,
  });
  if (location.pathname === '/callback') await auth0.handleRedirectCallback(); // callback
  if (!(await auth0.isAuthenticated())) return await auth0.loginWithRedirect(); // redirect login with PKCE
  const token = await auth0.getTokenSilently({ cacheMode: 'off' }); // renewal
  const me = await (await fetch('https://api.example.com/me', { headers: { Authorization: `Bearer ${token}` } })).json();
  await auth0.logout({ logoutParams: { returnTo: 'https://app.example.com/' } });
  return me;
}
