// keycloak-js: Keycloak adapter (code flow + PKCE S256; updateToken renews with the refresh token).
import Keycloak from 'keycloak-js';

export async function run(): Promise<unknown> {
  const kc = new Keycloak({ url: 'https://id.example.com', realm: 'demo', clientId: 'spa' });
  // init() handles the callback and restores the session
  const authenticated = await kc.init({ pkceMethod: 'S256', checkLoginIframe: false, redirectUri: 'https://app.example.com/callback' });
  if (!authenticated) return await kc.login(); // redirect login with PKCE
  await kc.updateToken(-1); // renewal (forced)
  const me = await (await fetch('https://api.example.com/me', { headers: { Authorization: `Bearer ${kc.token}` } })).json();
  await kc.logout({ redirectUri: 'https://app.example.com/' });
  return me;
}
