// browser-oauth core: the job through the public API of ".".
import { createOAuthClient, OAuthError } from '../../src/index.ts';

export async function run(): Promise<unknown> {
  const auth = createOAuthClient({
    issuer: 'https://id.example.com',
    clientId: 'spa',
    redirectUri: 'https://app.example.com/callback',
    scope: 'openid profile offline_access',
    resources: ['https://api.example.com/'],
    postLogoutRedirectUri: 'https://app.example.com/',
  });
  auth.subscribe((state) => console.log(state.status));
  try {
    await auth.init(); // restores the session
    if (location.pathname === '/callback') await auth.handleRedirect(); // callback: validate, exchange, store
    if (auth.state.status !== 'signedIn') return await auth.login({ returnTo: '/' }); // redirect login, PKCE
    await auth.getAccessToken({ forceRefresh: true }); // renewal (refresh grant)
    const me = await (await auth.fetch('https://api.example.com/me')).json(); // API call with the token
    await auth.logout({ revoke: true, endSession: true }); // revoke + RP-initiated logout
    return me;
  } catch (e) {
    if (e instanceof OAuthError) console.error(e.code);
    throw e;
  } finally {
    auth.destroy();
  }
}
