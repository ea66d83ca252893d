// browser-oauth core + Vue adapter ("./vue"). `vue` itself is left external for this entry only: an app
// that uses the adapter already ships Vue, and the budget is what the adapter adds.
// The plugin starts the client (init(): session restore, callback completion).
import { createApp, defineComponent, h, watchEffect } from 'vue';
import { createOAuthClient } from '../../src/index.ts';
import { createOAuthPlugin, useOAuth } from '../../src/vue/index.ts';

const auth = createOAuthClient({
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: 'https://app.example.com/callback',
  scope: 'openid profile offline_access',
  resources: ['https://api.example.com/'],
  postLogoutRedirectUri: 'https://app.example.com/',
});

const Profile = defineComponent(() => {
  const oauth = useOAuth();
  const { login, logout, getAccessToken, fetch } = oauth;
  watchEffect(() => {
    if (oauth.status === 'signedOut') void login({ returnTo: '/' }); // redirect login with PKCE
    if (!oauth.isAuthenticated) return;
    void (async () => {
      await getAccessToken({ forceRefresh: true }); // renewal
      await (await fetch('https://api.example.com/me')).json(); // API call with the token
    })();
  });
  const onClick = () => void logout({ revoke: true, endSession: true });
  return () => h('button', { onClick }, String(oauth.user?.name ?? oauth.status));
});

export function start(): void {
  createApp(Profile).use(createOAuthPlugin(auth)).mount('#app');
}
