// The <script> page of the demo: no bundler, no modules. dist/browser-oauth.iife.js, loaded just
// before this file, defines window.BrowserOAuth; everything below is what an app would write.
// Untrusted text (from the AS, the API, the URL) only ever goes through textContent.
'use strict';

(function () {
  const { createOAuthClient, OAuthError } = window.BrowserOAuth;

  // The demo's servers; an app would write its own values here.
  const meta = (name, fallback) => {
    const value = document.querySelector(`meta[name="${name}"]`)?.getAttribute('content');
    return value && !value.startsWith('%') ? value : fallback;
  };
  const issuer = meta('demo-issuer', 'http://127.0.0.1:4000');
  const clientId = meta('demo-client-id', 'browser-oauth-demo');
  const apiUrl = meta('demo-api-url', 'http://127.0.0.1:4001/api/').replace(/\/?$/, '/');
  const page = `${location.origin}/script-tag.html`;

  // Same issuer and client as the other pages: the same session, followed across tabs.
  const auth = createOAuthClient({
    issuer,
    clientId,
    redirectUri: page, // this page completes its own sign-in
    scope: 'openid profile email offline_access api:read',
    resources: [apiUrl], // the only place the access token is ever sent
    postLogoutRedirectUri: page,
    allowInsecureLoopback: true, // the demo runs on http://127.0.0.1
  });

  const $ = (id) => document.getElementById(id);
  let actionError;

  const STATUS_LABEL = {
    loading: 'Checking for a session',
    signedOut: 'Not signed in',
    authorizing: 'Redirecting to the authorization server',
    exchanging: 'Exchanging the authorization code',
    signedIn: 'Signed in',
    refreshing: 'Renewing the access token',
    error: 'Sign-in failed',
  };

  function describe(err) {
    if (err instanceof OAuthError) return { code: err.code, description: err.errorDescription || err.message };
    return { code: err instanceof TypeError ? 'network' : 'unexpected', description: err instanceof Error ? err.message : String(err) };
  }

  function displayName(user) {
    for (const key of ['name', 'preferred_username', 'email', 'sub']) if (typeof user[key] === 'string' && user[key]) return user[key];
    return 'Signed-in user';
  }

  function initials(name) {
    const parts = name.replace(/@.*/, '').split(/[\s._-]+/).filter(Boolean);
    return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
  }

  function countdown() {
    const state = auth.state;
    if (state.status !== 'signedIn' && state.status !== 'refreshing') return;
    const seconds = Math.max(0, Math.floor((state.expiresAt - Date.now()) / 1000));
    $('expires-in').textContent = state.status === 'refreshing' ? `refreshing… (expires in ${seconds}s)` : `access token expires in ${seconds}s`;
    $('countdown').classList.toggle('is-refreshing', state.status === 'refreshing');
    $('expires-at').textContent = `Expires at ${new Date(state.expiresAt).toLocaleTimeString()}`;
  }

  function render() {
    const state = auth.state;
    const status = state.status;
    const user = status === 'signedIn' || status === 'refreshing' ? state.user : undefined;

    $('status').textContent = status;
    $('status').className = `pill pill-${status}`;
    $('status').title = STATUS_LABEL[status];
    document.body.dataset.status = status;
    document.title = `${user ? `${displayName(user)} · ` : ''}<script> · browser-oauth demo`;

    $('view-loading').hidden = !(status === 'loading' || status === 'authorizing' || status === 'exchanging');
    $('loading-title').textContent =
      status === 'authorizing' ? 'Redirecting to sign in…' : status === 'exchanging' ? 'Completing sign-in…' : 'Checking your session…';
    $('view-signed-out').hidden = !(status === 'signedOut' || status === 'error');
    $('view-signed-in').hidden = !user;
    $('topbar-user').hidden = !user;

    if (user) {
      const name = displayName(user);
      $('topbar-initials').textContent = $('avatar').textContent = initials(name);
      $('topbar-name').textContent = $('user-name').textContent = name;
      $('user-email').textContent = typeof user.email === 'string' ? user.email : 'no email claim';
      $('user-sub').textContent = String(user.sub ?? '');
      countdown();
    }

    // The last action's failure, else the one the state carries (a failed sign-in, an ended session).
    const shown = actionError ?? ('error' in state && state.error ? describe(state.error) : undefined);
    $('error').hidden = !shown;
    if (shown) {
      $('error').dataset.code = shown.code;
      $('error').className = `alert alert-${status === 'signedIn' && !actionError ? 'warning' : 'danger'}`;
      $('error-title').textContent = actionError
        ? 'That did not work'
        : status === 'error'
          ? 'Sign-in didn’t complete'
          : status === 'signedIn'
            ? 'The session is kept, but the last renewal failed'
            : 'Your session has ended';
      $('error-code').textContent = shown.code;
      $('error-description').textContent = shown.description;
    }
  }

  async function run(button, task) {
    actionError = undefined;
    button.disabled = true;
    render();
    try {
      await task();
    } catch (err) {
      if (!(err instanceof OAuthError)) console.error(err);
      actionError = describe(err);
    } finally {
      button.disabled = false;
      render();
    }
  }

  $('sign-in').addEventListener('click', (event) => run(event.currentTarget, () => auth.login({ returnTo: '/script-tag.html' })));
  $('sign-out').addEventListener('click', (event) => run(event.currentTarget, () => auth.logout({ endSession: true, returnTo: '/script-tag.html' })));
  $('call-api').addEventListener('click', (event) =>
    run(event.currentTarget, async () => {
      const url = `${apiUrl}me`;
      $('result-url').textContent = url;
      $('api-status').textContent = 'sending';
      $('api-status').className = 'badge badge-neutral';
      $('api-result').textContent = '';
      $('api-ms').textContent = '';
      const started = performance.now();
      $('result-empty').hidden = true;
      $('result').hidden = false;
      try {
        const response = await auth.fetch(url, { headers: { accept: 'application/json' } });
        const text = await response.text();
        let body = text;
        try {
          body = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // not JSON: shown as it came
        }
        $('api-status').textContent = String(response.status);
        $('api-status').className = `badge badge-${response.ok ? 'ok' : 'bad'}`;
        $('api-result').textContent = body;
        $('api-ms').textContent = `${Math.round(performance.now() - started)} ms`;
      } catch (err) {
        const shown = describe(err);
        $('api-status').textContent = 'failed';
        $('api-status').className = 'badge badge-bad';
        $('api-result').textContent = JSON.stringify({ error: shown.code, error_description: shown.description }, null, 2);
        throw err;
      }
    }),
  );

  $('call-api-hint').textContent = `GET ${apiUrl}me with the access token`;
  $('footer-issuer').textContent = issuer;
  $('footer-client').textContent = clientId;
  $('footer-resource').textContent = apiUrl;

  auth.subscribe(render); // every transition, including those made in other tabs
  render();
  setInterval(countdown, 1000);
  // Restores the session and, when this URL is the callback, completes the sign-in. Errors are in auth.state.
  auth.init().then(render, (err) => {
    actionError = describe(err);
    render();
  });
})();
