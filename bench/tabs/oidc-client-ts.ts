// oidc-client-ts as a multi-tab app would configure it: one login shared by the tabs (the user in
// localStorage; the default, sessionStorage, would make every tab sign in on its own), automatic silent
// renewal (with a refresh token, signinSilent uses the refresh_token grant), and an on-demand renewal
// when a call finds the token expired. The renew-ahead margin is scaled to the bench's short lifetime.
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { bearerCall, config, errorCode, expose, isCallback } from './harness.ts';

const c = config();
const manager = new UserManager({
  authority: c.issuer,
  client_id: c.clientId,
  redirect_uri: c.redirectUri,
  scope: c.scope, // includes offline_access: the AS issues a refresh token
  userStore: new WebStorageStateStore({ store: window.localStorage }),
  automaticSilentRenew: true, // the default, explicit
  accessTokenExpiringNotificationTimeInSeconds: c.renewAheadSeconds, // default 60 s, for 10 s tokens
});

async function start(): Promise<void> {
  if (isCallback()) {
    await manager.signinRedirectCallback();
    history.replaceState(null, '', location.pathname);
  }
  await manager.getUser(); // loads the stored user and arms the expiring timer (automaticSilentRenew)
}

async function token(): Promise<User | null> {
  const user = await manager.getUser();
  if (!user || !user.expired) return user;
  return manager.signinSilent(); // on demand: the refresh_token grant
}

expose({
  ready: start(),
  login: () => manager.signinRedirect(),
  signedIn: async () => {
    const user = await manager.getUser();
    return !!user && !user.expired;
  },
  call: async () => {
    let user: User | null;
    try {
      user = await token();
    } catch (err) {
      return errorCode(err);
    }
    return user ? bearerCall(user.access_token) : 'signed_out';
  },
  accessToken: async () => (await manager.getUser())?.access_token,
});
