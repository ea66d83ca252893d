// keycloak-js in its generic-OIDC mode (`oidcProvider`: endpoints from discovery instead of Keycloak's
// /realms/<realm>/protocol/openid-connect/…). Tokens live in memory, per tab (keycloak-js has no
// shared storage): each tab signs in through the AS session (onLoad: 'check-sso') and refreshes on its
// own with updateToken(), before every call and when onTokenExpired fires.
// Expected to fail against oidc-provider: keycloak-js decodes the refresh token as a JWT (Keycloak's are
// JWTs); oidc-provider's are opaque. The bench records what happens.
import Keycloak from 'keycloak-js';
import { bearerCall, config, errorCode, expose } from './harness.ts';

const c = config();
const keycloak = new Keycloak({ oidcProvider: c.issuer, clientId: c.clientId });
keycloak.onTokenExpired = () => {
  keycloak.updateToken(c.renewAheadSeconds).catch(() => undefined);
};

async function start(): Promise<void> {
  await keycloak.init({
    onLoad: 'check-sso',
    pkceMethod: 'S256',
    responseMode: 'query',
    checkLoginIframe: false,
    redirectUri: c.redirectUri,
    scope: c.scope,
  });
}

expose({
  ready: start(),
  login: () => keycloak.login({ redirectUri: c.redirectUri }),
  signedIn: async () => !!keycloak.authenticated && !keycloak.isTokenExpired(),
  call: async () => {
    try {
      await keycloak.updateToken(c.renewAheadSeconds);
    } catch (err) {
      return errorCode(err);
    }
    return bearerCall(keycloak.token);
  },
});
