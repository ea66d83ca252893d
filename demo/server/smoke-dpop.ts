// DPoP (RFC 9449) smoke test of the demo servers from Node (no browser), using oauth4webapi:
//   npx tsx demo/server/smoke-dpop.ts
// Starts `main.ts --no-spa` with TEST_CONTROL=1 on alternative ports, then: authorization request with
// dpop_jkt → code exchange with a proof → DPoP-bound JWT access token (cnf.jkt) → API calls with proofs,
// and everything the API must refuse (Bearer presentation, another key, replay, wrong htm/htu/iat/ath/typ,
// private jwk, two headers, unbound token) → refresh bound to the key (a stolen refresh token is useless)
// → server nonces at the AS and at the API, each retried once → DPOP=0 turns DPoP off at the AS.
import { request as httpRequest } from 'node:http';
import { strict as assert } from 'node:assert';
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair as joseGenerateKeyPair, SignJWT, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { cookieBrowser, startMain as start, waitFor } from './smoke-util.ts';

type KeyPair = Awaited<ReturnType<typeof oauth.generateKeyPair>>;

const PORTS = { AS_PORT: '14200', API_PORT: '14201', OTHER_PORT: '14202', SPA_PORT: '14273' };
const env: NodeJS.ProcessEnv = { ...process.env, ...PORTS, TEST_CONTROL: '1', DEMO_LOG: '0' };
delete env.DPOP; // the default is what is under test
const issuer = `http://127.0.0.1:${PORTS.AS_PORT}`;
const apiBase = `http://127.0.0.1:${PORTS.API_PORT}`;
const apiUrl = `${apiBase}/api/`;
const meUrl = new URL(`${apiUrl}me`);
const spaOrigin = `http://127.0.0.1:${PORTS.SPA_PORT}`;
const redirectUri = `${spaOrigin}/callback.html`;
const SCOPE = 'openid profile email offline_access api:read';
const DPOP_ALGS = ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'PS256', 'RS256'];

let step = 0;
function ok(message: string) {
  console.log(`  ✓ ${String(++step).padStart(2)} ${message}`);
}

const browse = cookieBrowser();
async function followToCallback(res: Response): Promise<URL> {
  for (let hops = 0; hops < 10; hops++) {
    const location = res.headers.get('location');
    assert.ok(res.status >= 300 && res.status < 400 && location, `expected a redirect, got ${res.status}`);
    const next = new URL(location, res.url || issuer);
    if (next.origin !== issuer) return next;
    res = await browse(next.href);
    if (res.status === 200) return next; // the login form
  }
  throw new Error('too many redirects');
}

// --- the OAuth client side ---------------------------------------------------------------------

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: 'browser-oauth-demo', id_token_signed_response_alg: 'ES256' };
const clientAuth = oauth.None();

/** The last response's headers and the last request's headers (oauth4webapi consumes both). */
let lastHeaders = new Headers();
let lastRequestHeaders: Record<string, string> = {};
const capture = {
  ...insecure,
  [oauth.customFetch]: async (url: string, init: RequestInit) => {
    lastRequestHeaders = { ...(init.headers as Record<string, string>) };
    const res = await fetch(url, init);
    lastHeaders = res.headers;
    return res;
  },
};
/** Token endpoint calls as the SPA makes them (with its Origin, for CORS), optionally with a DPoP handle. */
const asSpa = (DPoP?: oauth.DPoPHandle) => ({ ...capture, headers: { Origin: spaOrigin }, ...(DPoP && { DPoP }) });

async function testControl<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(url, { method, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  assert.ok(res.ok, `${method} ${url} → ${res.status}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/**
 * Runs a token request and expects an OAuth error from the AS. (oidc-provider answers every invalid_grant
 * with error_description "grant request is invalid"; the reason stays server-side.)
 */
async function expectTokenError(run: () => Promise<unknown>, error: string, description: RegExp, label: string): Promise<string> {
  let message = '';
  await assert.rejects(run(), (err: unknown) => {
    assert.ok(err instanceof oauth.ResponseBodyError, `${label}: expected ResponseBodyError, got ${String(err)}`);
    assert.equal(err.error, error, label);
    assert.match(err.error_description ?? '', description, label);
    message = `${err.error} "${err.error_description}"`;
    return true;
  });
  return message;
}

let loginCount = 0;
/** Front channel (with `dpop_jkt` when given): returns the callback parameters and the PKCE verifier. */
async function authorize(as: oauth.AuthorizationServer, dpopJkt?: string) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const authUrl = new URL(as.authorization_endpoint!);
  authUrl.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: SCOPE,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(dpopJkt && { dpop_jkt: dpopJkt }),
  }).toString();
  let url = await followToCallback(await browse(authUrl.href));
  if (url.origin === issuer) {
    // The first time: the login form.
    url = await followToCallback(
      await browse(`${url.href}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: 'alice', password: 'alice' }),
      }),
    );
  }
  loginCount++;
  assert.equal(`${url.origin}${url.pathname}`, redirectUri);
  return { params: oauth.validateAuthResponse(as, client, url, state), verifier, nonce };
}

async function exchange(as: oauth.AuthorizationServer, code: Awaited<ReturnType<typeof authorize>>, DPoP?: oauth.DPoPHandle) {
  const res = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, code.params, redirectUri, code.verifier, asSpa(DPoP));
  return oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: code.nonce, requireIdToken: true });
}

async function refresh(as: oauth.AuthorizationServer, refreshToken: string, DPoP?: oauth.DPoPHandle) {
  const res = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, asSpa(DPoP));
  return oauth.processRefreshTokenResponse(as, client, res);
}

async function jktOf(keyPair: KeyPair) {
  return calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** A hand-made proof, for the cases oauth4webapi would never produce. */
async function makeProof(
  keyPair: KeyPair,
  claims: { htm?: string; htu?: string; ath?: string; iat?: number; jti?: string; nonce?: string },
  { typ = 'dpop+jwt', jwk }: { typ?: string; jwk?: JWK } = {},
): Promise<string> {
  const publicJwk = jwk ?? (await exportJWK(keyPair.publicKey));
  const payload = { htm: 'GET', htu: meUrl.href, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ, jwk: publicJwk }).sign(keyPair.privateKey);
}

async function callApi(headers: Record<string, string>, url: URL = meUrl) {
  const res = await fetch(url, { headers: { Origin: spaOrigin, ...headers } });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, headers: res.headers, www: res.headers.get('www-authenticate') ?? '' };
}

/** Two separate `DPoP:` header lines (fetch would join them into one). */
function callApiWithTwoProofHeaders(token: string, proofs: [string, string]): Promise<{ status: number; www: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(meUrl, { headers: { authorization: `DPoP ${token}`, dpop: proofs } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, www: String(res.headers['www-authenticate'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function expectApiRejects(label: string, headers: Record<string, string>, error: string, description: RegExp) {
  const r = await callApi(headers);
  assert.equal(r.status, 401, label);
  assert.match(r.www, new RegExp(`^DPoP realm="demo-api", algs="${DPOP_ALGS.join(' ')}", error="${error}", error_description="[^"]+"$`), `${label}: ${r.www}`);
  assert.match(String(r.body.error_description), description, `${label}: ${String(r.body.error_description)}`);
  return `${label} → 401 ${error} ("${String(r.body.error_description)}")`;
}

const dpopAuth = (token: string, proof: string) => ({ Authorization: `DPoP ${token}`, DPoP: proof });

// --- the run -------------------------------------------------------------------------------------

async function main() {
  console.log(`smoke-dpop: starting servers (AS ${issuer}, API ${apiUrl})`);
  const server = start(env);
  try {
    await waitFor(`${issuer}/.well-known/openid-configuration`);
    await waitFor(`${apiUrl}public`);
    await testControl(`${issuer}/__test/reset`, 'POST');
    await testControl(`${apiBase}/__test/reset`, 'POST');
    ok('main.ts --no-spa started with TEST_CONTROL=1 and no DPOP variable (DPoP on by default)');

    const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { ...insecure, algorithm: 'oidc' }));
    assert.deepEqual(as.dpop_signing_alg_values_supported, DPOP_ALGS);
    ok(`discovery: dpop_signing_alg_values_supported ${JSON.stringify(as.dpop_signing_alg_values_supported)}`);

    {
      const pre = await fetch(as.token_endpoint!, { method: 'OPTIONS', headers: { Origin: spaOrigin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, dpop' } });
      assert.equal(pre.headers.get('access-control-allow-origin'), spaOrigin);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /(^|,\s*)dpop(,|$)/i);
      ok(`token endpoint preflight from the SPA allows the DPoP header (Access-Control-Allow-Headers: ${pre.headers.get('access-control-allow-headers')})`);
    }

    const keyA = await oauth.generateKeyPair('ES256');
    const keyB = await oauth.generateKeyPair('ES256');
    assert.equal(keyA.privateKey.extractable, false);
    const jktA = await jktOf(keyA);
    const dpopA = oauth.DPoP(client, keyA);
    const dpopB = oauth.DPoP(client, keyB);

    // --- authorization code bound to the key (dpop_jkt) ---------------------------------------------
    {
      const code = await authorize(as, jktA);
      const msg = await expectTokenError(() => exchange(as, code), 'invalid_grant', /grant request is invalid/, 'code bound with dpop_jkt, exchanged without a proof');
      // oidc-provider quirk: the code is consumed before the DPoP checks, so the failed attempt burns it.
      const burnt = await expectTokenError(() => exchange(as, code, dpopA), 'invalid_grant', /grant request is invalid/, 'same code with the right key');
      ok(`code requested with dpop_jkt, exchanged without a proof → ${msg}; the code is spent (right key afterwards → ${burnt})`);
    }
    {
      const code = await authorize(as, jktA);
      const msg = await expectTokenError(() => exchange(as, code, dpopB), 'invalid_grant', /grant request is invalid/, 'code bound with dpop_jkt, exchanged with another key');
      ok(`code requested with dpop_jkt, exchanged with a proof from another key → ${msg}`);
    }
    const code = await authorize(as, jktA);
    const t1 = await exchange(as, code, dpopA);
    assert.equal(t1.token_type, 'dpop');
    assert.equal(lastHeaders.get('access-control-allow-origin'), spaOrigin);
    assert.match(lastHeaders.get('access-control-expose-headers') ?? '', /(^|,\s*)DPoP-Nonce(,|$)/i);
    assert.ok(lastRequestHeaders.dpop, 'the code exchange carried a proof');
    const at1 = decodeJwt(t1.access_token);
    assert.deepEqual(at1.cnf, { jkt: jktA });
    assert.ok(t1.refresh_token);
    ok(`code exchange with a proof (key of dpop_jkt) → token_type ${t1.token_type}, access token cnf.jkt ${jktA}; CORS: ACAO ${spaOrigin}, expose "${lastHeaders.get('access-control-expose-headers')}"`);

    // --- the API ---------------------------------------------------------------------------------------
    {
      const res = await oauth.protectedResourceRequest(t1.access_token, 'GET', meUrl, new Headers({ Origin: spaOrigin }), null, { ...capture, DPoP: dpopA });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.token_type, 'DPoP');
      assert.equal(body.jkt, jktA);
      assert.equal(body.sub, 'alice');
      assert.equal(res.headers.get('dpop-nonce'), null, 'no nonce while nonce mode is off');
      assert.match(res.headers.get('access-control-expose-headers') ?? '', /DPoP-Nonce/);
      assert.match(lastRequestHeaders.authorization ?? '', /^DPoP /);
      ok(`/api/me with Authorization: DPoP + proof → 200 token_type ${String(body.token_type)}, jkt ${String(body.jkt)}`);
      const captured = { Authorization: lastRequestHeaders.authorization!, DPoP: lastRequestHeaders.dpop! };

      const bearer = await callApi({ Authorization: `Bearer ${t1.access_token}` });
      assert.equal(bearer.status, 401);
      assert.match(bearer.www, /^Bearer realm="demo-api", error="invalid_token", error_description="DPoP-bound access token presented as a Bearer token"$/);
      ok(`same token as Bearer → 401 (${bearer.www})`);

      await assert.rejects(oauth.protectedResourceRequest(t1.access_token, 'GET', meUrl, new Headers(), null, { ...insecure, DPoP: dpopB }), (err: unknown) => {
        assert.ok(err instanceof oauth.WWWAuthenticateChallengeError);
        assert.equal(err.response.status, 401);
        assert.equal(err.cause[0]!.scheme, 'dpop');
        assert.equal(err.cause[0]!.parameters.error, 'invalid_token');
        return true;
      });
      ok('same token with a proof from another key → 401 DPoP error="invalid_token" (thumbprint ≠ cnf.jkt)');

      console.log(`       ${await expectApiRejects('replayed proof (same jti)', captured, 'invalid_dpop_proof', /jti was already used/)}`);
      const ath = sha256(t1.access_token);
      const cases: [string, Promise<string>, string, RegExp][] = [
        ['wrong htu (/api/public)', makeProof(keyA, { ath, htu: `${apiUrl}public` }), 'invalid_dpop_proof', /htu/],
        ['wrong htu (other origin)', makeProof(keyA, { ath, htu: `http://localhost:${PORTS.API_PORT}/api/me` }), 'invalid_dpop_proof', /htu/],
        ['wrong htm (POST)', makeProof(keyA, { ath, htm: 'POST' }), 'invalid_dpop_proof', /htm/],
        ['iat 120 s in the past', makeProof(keyA, { ath, iat: Math.floor(Date.now() / 1000) - 120 }), 'invalid_dpop_proof', /iat/],
        ['iat 400 s in the future', makeProof(keyA, { ath, iat: Math.floor(Date.now() / 1000) + 400 }), 'invalid_dpop_proof', /iat/],
        ['no ath', makeProof(keyA, {}), 'invalid_dpop_proof', /ath/],
        ['ath of another token', makeProof(keyA, { ath: sha256('x') }), 'invalid_dpop_proof', /ath/],
        ['typ JWT', makeProof(keyA, { ath }, { typ: 'JWT' }), 'invalid_dpop_proof', /typ/],
        ['signed by another key than its jwk', makeProof(keyB, { ath }, { jwk: await exportJWK(keyA.publicKey) }), 'invalid_dpop_proof', /signature/],
        [
          'jwk with private members',
          (async () => {
            const k = await joseGenerateKeyPair('ES256', { extractable: true });
            return makeProof(k, { ath }, { jwk: await exportJWK(k.privateKey) });
          })(),
          'invalid_dpop_proof',
          /public key/,
        ],
        ['not a JWS', Promise.resolve('not-a-jws'), 'invalid_dpop_proof', /not a JWS/],
      ];
      for (const [label, proof, error, description] of cases) {
        console.log(`       ${await expectApiRejects(label, dpopAuth(t1.access_token, await proof), error, description)}`);
      }
      console.log(`       ${await expectApiRejects('DPoP scheme without a DPoP header', { Authorization: `DPoP ${t1.access_token}` }, 'invalid_dpop_proof', /missing/)}`);
      console.log(`       ${await expectApiRejects('two DPoP values in one header', dpopAuth(t1.access_token, `${await makeProof(keyA, { ath })}, ${await makeProof(keyA, { ath })}`), 'invalid_dpop_proof', /exactly one/)}`);
      const two = await callApiWithTwoProofHeaders(t1.access_token, [await makeProof(keyA, { ath }), await makeProof(keyA, { ath })]);
      assert.equal(two.status, 401);
      assert.match(two.www, /error="invalid_dpop_proof", error_description="exactly one DPoP header is allowed"/);
      console.log(`       two DPoP header lines → 401 invalid_dpop_proof`);
      ok('the API refuses replay, wrong htu/htm, stale or far-future iat, bad ath, typ, signature, private jwk, missing or doubled proofs');

      // Accepted variations.
      const future = await callApi(dpopAuth(t1.access_token, await makeProof(keyA, { ath, iat: Math.floor(Date.now() / 1000) + 120 })));
      assert.equal(future.status, 200, 'iat 120 s ahead is accepted with TEST_CONTROL=1 (fake page clocks)');
      const query = await callApi(dpopAuth(t1.access_token, await makeProof(keyA, { ath, htu: `${meUrl.href}?x=1#frag` })), new URL(`${meUrl.href}?y=2`));
      assert.equal(query.status, 200, 'query and fragment are ignored in htu');
      ok('accepted: iat 120 s in the future (TEST_CONTROL window +300 s), htu and request URL with query/fragment');
    }

    // --- an unbound (Bearer) token: no proof at the token endpoint ---------------------------------------
    {
      const tb = await exchange(as, await authorize(as));
      assert.equal(tb.token_type, 'bearer');
      assert.equal(decodeJwt(tb.access_token).cnf, undefined);
      const asBearer = await callApi({ Authorization: `Bearer ${tb.access_token}` });
      assert.equal(asBearer.status, 200);
      assert.equal(asBearer.body.token_type, 'Bearer');
      assert.equal(asBearer.body.jkt, null);
      const msg = await expectApiRejects('unbound token as DPoP', dpopAuth(tb.access_token, await makeProof(keyA, { ath: sha256(tb.access_token) })), 'invalid_token', /not DPoP-bound/);
      // …and its refresh token stays unbound: refreshing it without a proof works.
      const tb2 = await refresh(as, tb.refresh_token!);
      assert.equal(tb2.token_type, 'bearer');
      ok(`no proof at the token endpoint → token_type bearer, no cnf (API: Bearer 200 with jkt null; ${msg}); its refresh stays bearer`);
    }

    // --- refresh tokens bound to the key ----------------------------------------------------------------
    let rt: string;
    {
      const stolen = await expectTokenError(() => refresh(as, t1.refresh_token!), 'invalid_grant', /grant request is invalid/, 'refresh without a proof');
      const otherKey = await expectTokenError(() => refresh(as, t1.refresh_token!, dpopB), 'invalid_grant', /grant request is invalid/, 'refresh with another key');
      ok(`stolen refresh token: without a proof → ${stolen}; with another key's proof → ${otherKey}`);
      const t2 = await refresh(as, t1.refresh_token!, dpopA);
      assert.equal(t2.token_type, 'dpop');
      assert.deepEqual(decodeJwt(t2.access_token).cnf, { jkt: jktA });
      assert.ok(t2.refresh_token && t2.refresh_token !== t1.refresh_token);
      const me = await oauth.protectedResourceRequest(t2.access_token, 'GET', meUrl, new Headers(), null, { ...insecure, DPoP: dpopA });
      assert.equal(me.status, 200);
      await expectTokenError(() => refresh(as, t2.refresh_token!), 'invalid_grant', /grant request is invalid/, 'rotated refresh token without a proof');
      rt = t2.refresh_token!;
      ok('refresh with the key → token_type dpop, cnf.jkt unchanged, rotated refresh token (still bound: no proof → invalid_grant); API 200');
    }

    // --- nonces at the AS ---------------------------------------------------------------------------------
    {
      await testControl(`${issuer}/__test/dpop-nonce`, 'POST', { required: true });
      // A fresh handle (same key) knows no nonce yet, like a new page.
      const fresh = oauth.DPoP(client, keyA);
      let challenge = '';
      await assert.rejects(refresh(as, rt, fresh), (err: unknown) => {
        assert.ok(oauth.isDPoPNonceError(err), `expected use_dpop_nonce, got ${String(err)}`);
        challenge = `${(err as oauth.ResponseBodyError).error} "${(err as oauth.ResponseBodyError).error_description}"`;
        return true;
      });
      assert.equal(lastHeaders.get('access-control-allow-origin'), spaOrigin);
      assert.match(lastHeaders.get('access-control-expose-headers') ?? '', /DPoP-Nonce/i);
      const nonce = lastHeaders.get('dpop-nonce');
      assert.ok(nonce, 'DPoP-Nonce on the error');
      const t3 = await refresh(as, rt, fresh); // the handle cached the nonce
      assert.equal(t3.token_type, 'dpop');
      rt = t3.refresh_token!;
      ok(`AS nonce mode: refresh → 400 ${challenge} with DPoP-Nonce (exposed to the SPA); one retry with the nonce → ok`);

      // The code exchange too; the nonce error comes before the code is looked at, so the code survives.
      const keyC = await oauth.generateKeyPair('ES256');
      const dpopC = oauth.DPoP(client, keyC);
      const codeC = await authorize(as, await jktOf(keyC));
      await assert.rejects(exchange(as, codeC, dpopC), (err: unknown) => oauth.isDPoPNonceError(err));
      const tc = await exchange(as, codeC, dpopC);
      assert.equal(tc.token_type, 'dpop');
      const stats = await testControl<{ tokenErrors: Record<string, number> }>(`${issuer}/__test/stats`);
      assert.equal(stats.tokenErrors.use_dpop_nonce, 2);
      await testControl(`${issuer}/__test/reset`, 'POST');
      const t4 = await refresh(as, rt, oauth.DPoP(client, keyA));
      rt = t4.refresh_token!;
      ok(`AS nonce mode: code exchange → use_dpop_nonce, retry → ok (code not spent); AS tokenErrors ${JSON.stringify(stats.tokenErrors)}; /__test/reset → nonces optional again`);
    }

    // --- nonces at the API ----------------------------------------------------------------------------------
    {
      await testControl(`${apiBase}/__test/reset`, 'POST');
      const t = await refresh(as, rt, dpopA);
      rt = t.refresh_token!;
      await testControl(`${apiBase}/__test/dpop-nonce`, 'POST', { required: true });
      let nonce = '';
      let www = '';
      await assert.rejects(oauth.protectedResourceRequest(t.access_token, 'GET', meUrl, new Headers({ Origin: spaOrigin }), null, { ...insecure, DPoP: dpopA }), (err: unknown) => {
        assert.ok(oauth.isDPoPNonceError(err), `expected use_dpop_nonce, got ${String(err)}`);
        const res = (err as oauth.WWWAuthenticateChallengeError).response;
        assert.equal(res.status, 401);
        nonce = res.headers.get('dpop-nonce') ?? '';
        www = res.headers.get('www-authenticate') ?? '';
        assert.match(res.headers.get('access-control-expose-headers') ?? '', /DPoP-Nonce/);
        return true;
      });
      assert.ok(nonce);
      assert.match(www, /^DPoP realm="demo-api", algs="[^"]+", error="use_dpop_nonce", error_description="[^"]+"$/);
      const retry = await oauth.protectedResourceRequest(t.access_token, 'GET', meUrl, new Headers(), null, { ...insecure, DPoP: dpopA });
      assert.equal(retry.status, 200);
      assert.equal(retry.headers.get('dpop-nonce'), nonce, 'successful answers carry the current nonce');
      const again = await oauth.protectedResourceRequest(t.access_token, 'GET', meUrl, new Headers(), null, { ...insecure, DPoP: dpopA });
      assert.equal(again.status, 200, 'the learned nonce keeps working');
      ok(`API nonce mode: /api/me → 401 (${www}) + DPoP-Nonce; one retry → 200 with DPoP-Nonce; next call 200`);

      // A proof carrying a made-up nonce, then a rotation: challenged again, once.
      const bogus = await callApi(dpopAuth(t.access_token, await makeProof(keyA, { ath: sha256(t.access_token), nonce: 'made-up' })));
      assert.equal(bogus.status, 401);
      assert.match(bogus.www, /error="use_dpop_nonce"/);
      await testControl(`${apiBase}/__test/dpop-nonce`, 'POST', { required: true, rotate: true });
      await assert.rejects(oauth.protectedResourceRequest(t.access_token, 'GET', meUrl, new Headers(), null, { ...insecure, DPoP: dpopA }), (err: unknown) => oauth.isDPoPNonceError(err));
      assert.equal((await oauth.protectedResourceRequest(t.access_token, 'GET', meUrl, new Headers(), null, { ...insecure, DPoP: dpopA })).status, 200);
      ok('API nonce mode: an unknown nonce → use_dpop_nonce; after {"rotate": true} the kept nonce is challenged once, retry 200');

      const stats = await testControl<{ nonceChallenges: number; proofsAccepted: number; proofsRejected: Record<string, number> }>(`${apiBase}/__test/dpop`);
      assert.deepEqual(stats, { nonceChallenges: 3, proofsAccepted: 3, proofsRejected: {} });
      const log = await testControl<{ authorization: string; hasDpopHeader: boolean; status: number }[]>(`${apiBase}/__test/requests`);
      assert.ok(Array.isArray(log));
      assert.deepEqual(log.map((r) => `${r.authorization}:${r.hasDpopHeader}:${r.status}`), [
        'dpop:true:401', 'dpop:true:200', 'dpop:true:200', 'dpop:true:401', 'dpop:true:401', 'dpop:true:200',
      ]);
      ok(`/__test/dpop ${JSON.stringify(stats)}; /__test/requests records authorization "dpop", hasDpopHeader true`);

      await testControl(`${apiBase}/__test/reset`, 'POST');
      const after = await oauth.protectedResourceRequest(t.access_token, 'GET', meUrl, new Headers(), null, { ...insecure, DPoP: oauth.DPoP(client, keyA) });
      assert.equal(after.status, 200);
      assert.equal(after.headers.get('dpop-nonce'), null);
      assert.deepEqual(await testControl(`${apiBase}/__test/dpop`), { nonceChallenges: 0, proofsAccepted: 1, proofsRejected: {} });
      ok('API /__test/reset → nonces off, counters zeroed');
    }

    // The counters of the rejection cases above, in a fresh window.
    {
      await testControl(`${apiBase}/__test/reset`, 'POST');
      const t = await refresh(as, rt, dpopA);
      await callApi(dpopAuth(t.access_token, await makeProof(keyA, { ath: sha256(t.access_token), htm: 'PUT' })));
      await callApi(dpopAuth(t.access_token, await makeProof(keyB, { ath: sha256(t.access_token) })));
      await callApi({ Authorization: `DPoP ${t.access_token}` });
      const stats = await testControl(`${apiBase}/__test/dpop`);
      assert.deepEqual(stats, { nonceChallenges: 0, proofsAccepted: 0, proofsRejected: { htm: 1, jkt: 1, missing: 1 } });
      ok(`/__test/dpop counts rejections by reason: ${JSON.stringify(stats)}`);
    }

    // No credential at all: both schemes offered.
    {
      const none = await callApi({});
      assert.equal(none.status, 401);
      assert.equal(none.www, `Bearer realm="demo-api", DPoP realm="demo-api", algs="${DPOP_ALGS.join(' ')}"`);
      ok(`/api/me without credentials → 401 ${none.www}`);
    }
  } catch (err) {
    console.error('\nserver output:\n' + server.output());
    throw err;
  } finally {
    server.child.kill('SIGTERM');
  }
  assert.equal(await server.exited, 0, 'clean exit on SIGTERM');
  ok(`servers stopped (exit 0) after ${loginCount} authorization requests`);

  // DPOP=0: the AS neither advertises nor binds.
  {
    const off = start({ ...env, DPOP: '0' });
    try {
      await waitFor(`${issuer}/.well-known/openid-configuration`);
      const meta = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(meta.dpop_signing_alg_values_supported, undefined);
      ok('DPOP=0: discovery has no dpop_signing_alg_values_supported');
    } finally {
      off.child.kill('SIGTERM');
    }
    assert.equal(await off.exited, 0);
  }
  console.log('SMOKE DPOP OK');
}

main().catch((err) => {
  console.error('SMOKE DPOP FAILED:', err);
  process.exit(1);
});
