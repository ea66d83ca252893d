// The Vue page: Vue 3 with browser-oauth/vue. The plugin starts the client (restores the session,
// completes the callback when the URL holds one, then puts the address login() was called from back in
// the address bar) and feeds every useOAuth() of the app from one subscription.

import { createApp } from 'vue';
import { createOAuthPlugin } from 'browser-oauth/vue';
import App from './App.vue';
import { auth } from './auth';

const app = createApp(App).use(createOAuthPlugin(auth));
app.mount('#app');

// In development, an edit of this module re-runs it in place (no page reload) with the client module kept:
// the old app lets go of its subscription, the new one takes its own and does not start the client again.
import.meta.hot?.accept();
import.meta.hot?.dispose(() => app.unmount());
