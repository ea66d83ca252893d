// oidc-client-ts: UserManager (PKCE by default; signinSilent uses the refresh token when there is one).
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

export async function run(): Promise<unknown> {
  const um = new UserManager({
    authority: 'https://id.example.com',
    client_id: 'spa',
    redirect_uri: 'https://app.example.com/callback',
    post_logout_redirect_uri: 'https://app.example.com/',
    scope: 'openid profile offline_access',
    userStore: new WebStorageStateStore({ store: window.localStorage }), // survive reloads, like the others
    automaticSilentRenew: true,
  });
  if (location.pathname === '/callback') await um.signinCallback(); // callback
  let user = await um.getUser();
  if (!user || user.expired) return await um.signinRedirect(); // redirect login with PKCE
  user = await um.signinSilent(); // renewal
  const me = await (await fetch('https://api.example.com/me', { headers: { Authorization: `Bearer ${user!.access_token}` } })).json();
  await um.revokeTokens(['refresh_token']);
  await um.signoutRedirect(); // RP-initiated logout
  return me;
}
