// browser-oauth with the same options as the demo app (demo/src/auth.ts) and `dpop: false` (Bearer tokens),
// the row the peers compare with most directly; with `dpop: true` in the page's config (bench/protocol.ts),
// the SDK's default instead (DPoP, since the AS offers it). bench/tabs.ts's DPoP row uses the demo page itself.
// Bundled against dist/ (esbuild alias in ../harness-server.ts), the library as users get it.
import { createOAuthClient } from 'browser-oauth';
import { config, expose, isCallback } from './harness.ts';

const c = config();
const auth = createOAuthClient({
  issuer: c.issuer,
  clientId: c.clientId,
  redirectUri: c.redirectUri,
  scope: c.scope,
  resources: [new URL('.', c.apiMe).href],
  allowInsecureLoopback: true,
  ...(c.dpop ? {} : { dpop: false }),
});

async function start(): Promise<void> {
  const callback = isCallback();
  await auth.init(); // restores the session; on the callback URL, completes the login
  if (callback) history.replaceState(null, '', location.pathname);
}

expose({
  ready: start(),
  login: () => auth.login(),
  signedIn: async () => auth.state.status === 'signedIn' || auth.state.status === 'refreshing',
  call: () =>
    auth.fetch(c.apiMe).then(
      async (response) => {
        await response.text();
        return String(response.status);
      },
      (err: unknown) => (err as { code?: string }).code ?? String(err),
    ),
  accessToken: () => auth.getAccessToken(),
});
