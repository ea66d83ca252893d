// The floor with DPoP: floor.ts's job with sender-constrained tokens, as browser-oauth does it by default
// (a non-extractable key per login, dpop_jkt, a proof on every token request and API call, one retry on
// use_dpop_nonce). Still nothing else: no state machine, tabs, error mapping, resource matching, timeouts.
import * as o from 'oauth4webapi';
import { createStore, del, get, set } from 'idb-keyval';

const ISSUER = new URL('https://id.example.com');
const REDIRECT = 'https://app.example.com/callback';
const client: o.Client = { client_id: 'spa' };
const clientAuth = o.None();
const store = createStore('floor', 'kv');

interface Pending { state: string; nonce: string; verifier: string; keyPair: CryptoKeyPair }
interface Session { access_token: string; refresh_token?: string; keyPair: CryptoKeyPair }

/** One retry when the server asks for a DPoP nonce (the handle has learned it from the answer). */
async function withNonce<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!o.isDPoPNonceError(err)) throw err;
    return call();
  }
}

export async function run(): Promise<unknown> {
  // discovery
  const as = await o.processDiscoveryResponse(ISSUER, await o.discoveryRequest(ISSUER));
  const here = new URL(location.href);

  // callback: validate the authorization response, exchange the code, validate the ID token
  if (here.pathname === '/callback') {
    const pending = await get<Pending>('pending', store);
    await del('pending', store);
    if (!pending) throw new Error('no pending login');
    const params = o.validateAuthResponse(as, client, here, pending.state);
    const DPoP = o.DPoP(client, pending.keyPair);
    const tokens = await withNonce(async () =>
      o.processAuthorizationCodeResponse(as, client, await o.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT, pending.verifier, { DPoP }), {
        expectedNonce: pending.nonce,
        requireIdToken: true,
      }),
    );
    const claims = o.getValidatedIdTokenClaims(tokens);
    await set('session', { access_token: tokens.access_token, refresh_token: tokens.refresh_token, keyPair: pending.keyPair, claims }, store);
  }

  let session = await get<Session>('session', store);
  if (!session) {
    // redirect login with PKCE
    const verifier = o.generateRandomCodeVerifier();
    const keyPair = await o.generateKeyPair('ES256');
    const pending: Pending = { state: o.generateRandomState(), nonce: o.generateRandomNonce(), verifier, keyPair };
    await set('pending', pending, store);
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', REDIRECT);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'openid profile offline_access');
    url.searchParams.set('code_challenge', await o.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', pending.state);
    url.searchParams.set('nonce', pending.nonce);
    url.searchParams.set('dpop_jkt', await o.DPoP(client, keyPair).calculateThumbprint());
    location.assign(url.href);
    return;
  }

  // renewal: refresh grant
  const DPoP = o.DPoP(client, session.keyPair);
  const current = session;
  const refreshed = await withNonce(async () =>
    o.processRefreshTokenResponse(as, client, await o.refreshTokenGrantRequest(as, client, clientAuth, current.refresh_token!, { DPoP })),
  );
  session = { access_token: refreshed.access_token, refresh_token: refreshed.refresh_token ?? session.refresh_token, keyPair: session.keyPair };
  await set('session', session, store);

  // API call with the token and a proof
  const token = session.access_token;
  const api = await withNonce(() => o.protectedResourceRequest(token, 'GET', new URL('https://api.example.com/me'), undefined, undefined, { DPoP }));
  const body = await api.json();

  // logout: revoke the refresh token, wipe storage, RP-initiated logout
  await o.processRevocationResponse(await o.revocationRequest(as, client, clientAuth, session.refresh_token!));
  await del('session', store);
  const end = new URL(as.end_session_endpoint!);
  end.searchParams.set('client_id', client.client_id);
  end.searchParams.set('post_logout_redirect_uri', 'https://app.example.com/');
  location.assign(end.href);
  return body;
}
