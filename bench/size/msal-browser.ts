// @azure/msal-browser: PublicClientApplication (auth code + PKCE; acquireTokenSilent renews).
import { PublicClientApplication } from '@azure/msal-browser';

export async function run(): Promise<unknown> {
  const pca = new PublicClientApplication({
    auth: {
      clientId: 'spa',
      authority: 'https://id.example.com',
      knownAuthorities: ['id.example.com'],
      redirectUri: 'https://app.example.com/callback',
      postLogoutRedirectUri: 'https://app.example.com/',
    },
    cache: { cacheLocation: 'localStorage' }, // survive reloads, like the others
    system: { protocolMode: 'OIDC' }, // a generic OIDC AS, not Entra ID
  });
  await pca.initialize();
  const result = await pca.handleRedirectPromise(); // callback
  const account = result?.account ?? pca.getAllAccounts()[0];
  const scopes = ['openid', 'profile', 'offline_access', 'api://spa/read'];
  if (!account) return await pca.loginRedirect({ scopes }); // redirect login with PKCE
  const token = await pca.acquireTokenSilent({ scopes, account, forceRefresh: true }); // renewal
  const me = await (await fetch('https://api.example.com/me', { headers: { Authorization: `Bearer ${token.accessToken}` } })).json();
  await pca.logoutRedirect({ account });
  return me;
}
