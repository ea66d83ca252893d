// End-to-end smoke test of the demo servers from Node (no browser), using oauth4webapi:
//   npx tsx demo/server/smoke.ts
// Starts `main.ts --no-spa` with TEST_CONTROL=1 on alternative ports, drives login, code exchange,
// API calls, refresh rotation + reuse detection, revocation and RP-initiated logout, then stops it.
import { strict as assert } from 'node:assert';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oauth from 'oauth4webapi';
import { cookieBrowser, startMain as start, waitFor } from './smoke-util.ts';

const PORTS = { AS_PORT: '14100', API_PORT: '14101', OTHER_PORT: '14102', SPA_PORT: '14173' };
const ACCESS_TOKEN_TTL = 42;
const env = { ...process.env, ...PORTS, TEST_CONTROL: '1', ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL), DEMO_LOG: '0' };
const issuer = `http://127.0.0.1:${PORTS.AS_PORT}`;
const apiUrl = `http://127.0.0.1:${PORTS.API_PORT}/api/`;
const otherUrl = `http://127.0.0.1:${PORTS.OTHER_PORT}/`;
const spaOrigin = `http://127.0.0.1:${PORTS.SPA_PORT}`;
const redirectUri = `${spaOrigin}/callback.html`;
const SCOPE = 'openid profile email offline_access api:read';

let step = 0;
function ok(message: string) {
  console.log(`  ✓ ${String(++step).padStart(2)} ${message}`);
}

const browse = cookieBrowser();
/** Follows AS-internal redirects until one leaves the AS (the callback); returns that URL. */
async function followToCallback(res: Response): Promise<{ url: URL; pages: string[] }> {
  const pages: string[] = [];
  for (let hops = 0; hops < 10; hops++) {
    const location = res.headers.get('location');
    assert.ok(res.status >= 300 && res.status < 400 && location, `expected a redirect, got ${res.status}`);
    const next = new URL(location, res.url || issuer);
    if (next.origin !== issuer) return { url: next, pages };
    pages.push(next.pathname);
    res = await browse(next.href);
    if (res.status === 200) return { url: next, pages }; // an HTML page (the login form)
  }
  throw new Error('too many redirects');
}

// --- the OAuth client side ---------------------------------------------------------------------

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: 'browser-oauth-demo', id_token_signed_response_alg: 'ES256' };
const clientAuth = oauth.None();

/** Captures the last response's headers (oauth4webapi consumes the Response). */
let lastHeaders = new Headers();
const withOrigin = {
  ...insecure,
  headers: { Origin: spaOrigin },
  [oauth.customFetch]: async (url: string, init: RequestInit) => {
    const res = await fetch(url, init);
    lastHeaders = res.headers;
    return res;
  },
};

async function testControl<T>(url: string, method = 'GET'): Promise<T> {
  const res = await fetch(url, { method });
  assert.ok(res.ok, `${method} ${url} → ${res.status}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

async function expectInvalidGrant(as: oauth.AuthorizationServer, refreshToken: string, label: string) {
  const res = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, withOrigin);
  await assert.rejects(oauth.processRefreshTokenResponse(as, client, res), (err: unknown) => {
    assert.ok(err instanceof oauth.ResponseBodyError, `${label}: expected ResponseBodyError`);
    assert.equal(err.error, 'invalid_grant', label);
    return true;
  });
}

function assertAccessToken(token: string) {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'ES256');
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, apiUrl);
  assert.equal(claims.scope, 'api:read');
  assert.equal(claims.client_id, client.client_id);
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.exp! - claims.iat!, ACCESS_TOKEN_TTL);
}

async function login(as: oauth.AuthorizationServer, { expectLoginPage, prompt }: { expectLoginPage: boolean; prompt?: string }) {
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
    ...(prompt ? { prompt } : {}),
  }).toString();

  let { url, pages } = await followToCallback(await browse(authUrl.href));
  if (expectLoginPage) {
    assert.match(url.pathname, /^\/interaction\/[\w-]+$/, 'redirected to the login page');
    const html = await (await browse(url.href)).text();
    for (const needle of ['name="login"', 'name="password"', 'type="submit"', 'Demo Identity', 'demo user: <code>alice</code> / <code>alice</code>']) {
      assert.ok(html.includes(needle), `login page contains ${needle}`);
    }
    const post = (password: string) =>
      browse(`${url.href}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: 'alice', password }),
      });
    const wrong = await post('wrong');
    assert.equal(wrong.status, 200);
    assert.ok((await wrong.text()).includes('Invalid username or password'), 'wrong password shows an error');
    ({ url, pages } = await followToCallback(await post('alice')));
  } else {
    assert.ok(!pages.some((p) => p.startsWith('/interaction/')), `no interaction expected, saw ${pages.join(' ')}`);
  }
  assert.equal(`${url.origin}${url.pathname}`, redirectUri, 'lands on the callback URL');
  assert.ok(url.searchParams.get('code') && url.searchParams.get('iss') === issuer && url.searchParams.get('state') === state);

  const params = oauth.validateAuthResponse(as, client, url, state);
  const res = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, withOrigin);
  assert.equal(lastHeaders.get('access-control-allow-origin'), spaOrigin, 'token endpoint CORS allows the SPA origin');
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: nonce, requireIdToken: true });
  return tokens;
}

// --- the run -------------------------------------------------------------------------------------

async function main() {
  console.log(`smoke: starting servers (AS ${issuer}, API ${apiUrl}, other ${otherUrl})`);
  const server = start(env);
  try {
    await waitFor(`${issuer}/.well-known/openid-configuration`);
    await waitFor(`${apiUrl}public`);
    ok('main.ts --no-spa started AS, API and other-origin servers');

    // A second instance must fail fast on the taken ports.
    const dup = start(env);
    const dupCode = await dup.exited;
    assert.equal(dupCode, 1);
    assert.match(dup.output(), /port 127\.0\.0\.1:\d+ is already in use/);
    ok(`second instance exits 1: "${dup.output().split('\n').find((l) => l.includes('already in use'))!.trim()}"`);

    await testControl(`${issuer}/__test/reset`, 'POST');
    await testControl(`${apiUrl.replace('/api/', '')}/__test/reset`, 'POST');

    // Discovery
    const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { ...insecure, algorithm: 'oidc' }));
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(as.response_types_supported, ['code']);
    assert.ok(as.dpop_signing_alg_values_supported?.includes('ES256'), 'DPoP advertised (on by default)');
    ok(`discovery: iss parameter advertised (RFC 9207), PKCE S256 only, code flow only, DPoP ${as.dpop_signing_alg_values_supported!.join(' ')} (flows: smoke-dpop.ts)`);

    // PKCE is required for this public client.
    {
      const res = await browse(`${as.authorization_endpoint}?${new URLSearchParams({ client_id: client.client_id, redirect_uri: redirectUri, response_type: 'code', scope: SCOPE, state: 'x' })}`);
      const cb = new URL(res.headers.get('location')!);
      assert.equal(cb.searchParams.get('error'), 'invalid_request');
      assert.match(cb.searchParams.get("error_description") ?? "", /PKCE/);
      const plain = await browse(`${as.authorization_endpoint}?${new URLSearchParams({ client_id: client.client_id, redirect_uri: redirectUri, response_type: 'code', scope: SCOPE, state: 'x', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })}`);
      assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request');
      ok(`authorization without code_challenge or with method=plain → invalid_request ("${cb.searchParams.get('error_description')}")`);
    }

    // Login #1 and code exchange
    const t1 = await login(as, { expectLoginPage: true });
    ok('login page (alice/alice, wrong password rejected) → callback with code, state, iss → code exchange');
    assert.equal(t1.token_type, 'bearer');
    assert.equal(t1.expires_in, ACCESS_TOKEN_TTL);
    assert.equal(t1.scope, 'api:read');
    assert.ok(t1.refresh_token, 'refresh token issued without prompt=consent');
    assertAccessToken(t1.access_token);
    const idClaims = oauth.getValidatedIdTokenClaims(t1)!;
    assert.equal(idClaims.sub, 'alice');
    assert.equal(idClaims.name, 'Alice Liddell');
    assert.equal(idClaims.given_name, 'Alice');
    assert.equal(idClaims.family_name, 'Liddell');
    assert.equal(idClaims.preferred_username, 'alice');
    assert.equal(idClaims.email, 'alice@example.com');
    assert.equal(idClaims.email_verified, true);
    assert.equal(decodeProtectedHeader(t1.id_token!).alg, 'ES256');
    ok(`tokens: JWT access token (typ at+jwt, aud ${apiUrl}, scope api:read, ${ACCESS_TOKEN_TTL}s), refresh token, ES256 ID token with profile+email claims`);

    // Resource server
    {
      const me = await fetch(`${apiUrl}me`, { headers: { Authorization: `Bearer ${t1.access_token}`, Origin: spaOrigin } });
      assert.equal(me.status, 200);
      assert.equal(me.headers.get('access-control-allow-origin'), spaOrigin);
      assert.match(me.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/);
      const body = (await me.json()) as { sub: string; scope: string; client_id: string; message: string };
      assert.equal(body.sub, 'alice');
      assert.equal(body.scope, 'api:read');
      assert.equal(body.client_id, client.client_id);
      const pub = await fetch(`${apiUrl}public`);
      assert.equal(pub.status, 200);
      assert.ok(((await pub.json()) as { time?: string }).time);
      ok(`/api/me 200 "${body.message}"; /api/public 200`);

      const none = await fetch(`${apiUrl}me`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="demo-api", DPoP realm="demo-api", algs="[^"]+"$/);
      const bad = await fetch(`${apiUrl}me`, { headers: { Authorization: `Bearer ${t1.access_token.slice(0, -4)}AAAA` } });
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /^Bearer realm="demo-api", error="invalid_token", error_description="[^"]+"$/);
      const idAsAt = await fetch(`${apiUrl}me`, { headers: { Authorization: `Bearer ${t1.id_token}` } });
      assert.equal(idAsAt.status, 401, 'an ID token is not an access token');
      ok(`/api/me without token 401 (${none.headers.get('www-authenticate')}); tampered token 401 (${bad.headers.get('www-authenticate')})`);

      const pre = await fetch(`${apiUrl}me`, { method: 'OPTIONS', headers: { Origin: spaOrigin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), spaOrigin);
      assert.equal(pre.headers.get('access-control-allow-headers'), 'authorization, dpop, content-type');
      const evil = await fetch(`${apiUrl}me`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET' } });
      assert.equal(evil.headers.get('access-control-allow-origin'), null);
      ok('API CORS: preflight allowed for the SPA origin only');

      const redirect = await fetch(`${apiUrl}redirect`, { redirect: 'manual' });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get('location'), `${otherUrl}echo`);
      const echo = await fetch(`${otherUrl}echo`, { method: 'POST', headers: { Authorization: 'Bearer secret-value', Origin: spaOrigin } });
      const echoBody = await echo.text();
      assert.equal(echo.headers.get('access-control-allow-origin'), spaOrigin);
      assert.deepEqual(JSON.parse(echoBody), { authorization: 'Bearer', hasDpopHeader: false });
      assert.ok(!echoBody.includes('secret-value'));
      ok(`/api/redirect 302 → ${otherUrl}echo; other origin echoes the scheme only: ${echoBody}`);

      const apiLog = await testControl<unknown[]>(`${apiUrl.replace('/api/', '')}/__test/requests`);
      assert.deepEqual(apiLog[0], { method: 'GET', path: '/api/me', authorization: 'bearer', hasDpopHeader: false, status: 200 });
      assert.equal(apiLog.length, 6, 'preflights are not recorded');
      const otherLog = await testControl<unknown[]>(`${otherUrl}__test/requests`);
      assert.deepEqual(otherLog, [{ method: 'POST', path: '/echo', authorization: 'bearer', hasDpopHeader: false, status: 200 }]);
      ok(`API /__test/requests recorded ${apiLog.length} requests, e.g. ${JSON.stringify(apiLog[0])}`);
    }

    // Refresh with rotation, then reuse detection
    const t2 = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, t1.refresh_token!, withOrigin));
    assert.equal(lastHeaders.get('access-control-allow-origin'), spaOrigin);
    assert.ok(t2.refresh_token && t2.refresh_token !== t1.refresh_token, 'rotated');
    assert.equal(t2.expires_in, ACCESS_TOKEN_TTL);
    assertAccessToken(t2.access_token);
    assert.ok(t2.id_token, 'ID token on refresh');
    assert.equal(oauth.getValidatedIdTokenClaims(t2)!.email, 'alice@example.com');
    const me2 = await fetch(`${apiUrl}me`, { headers: { Authorization: `Bearer ${t2.access_token}` } });
    assert.equal(me2.status, 200);
    ok('refresh (no resource param): new JWT access token for the API, new ID token, rotated refresh token');

    await expectInvalidGrant(as, t1.refresh_token!, 'reused rotated refresh token');
    await expectInvalidGrant(as, t2.refresh_token!, 'latest refresh token after reuse');
    ok('reusing the rotated refresh token → invalid_grant, and the grant is revoked (latest one → invalid_grant)');

    // Login #2 rides the AS session (no login page) and gets a fresh grant.
    const t3 = await login(as, { expectLoginPage: false });
    assert.ok(t3.refresh_token);
    ok('second login reuses the AS session (no form), new grant after the revoked one');

    const revokeRes = await oauth.revocationRequest(as, client, clientAuth, t3.refresh_token!, withOrigin);
    assert.equal(revokeRes.status, 200);
    await oauth.processRevocationResponse(revokeRes);
    await expectInvalidGrant(as, t3.refresh_token!, 'revoked refresh token');
    ok('revocation endpoint 200; the revoked refresh token → invalid_grant');

    // `faults` (the test fault queue's own counters) and the per-resource breakdown are not what this smoke checks.
    const { faults: _faults, tokenResources: _byResource, ...stats } = await testControl<Record<string, unknown>>(`${issuer}/__test/stats`);
    assert.deepEqual(stats, {
      authorization: 4, // 2 PKCE rejections + 2 logins
      token: { authorization_code: 2, refresh_token: 4 },
      tokenErrors: { invalid_grant: 3 },
      revocation: 1,
      endSession: 0,
      discovery: 1,
    });
    ok(`/__test/stats ${JSON.stringify(stats)}`);

    // RP-initiated logout
    {
      const postLogout = `${spaOrigin}/index.html`;
      const endUrl = `${as.end_session_endpoint}?${new URLSearchParams({ id_token_hint: t3.id_token!, post_logout_redirect_uri: postLogout, state: 'bye' })}`;
      const page = await browse(endUrl);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.ok(html.includes('id="op.logoutForm"') && html.includes("document.getElementById('op.logoutForm').submit()"), 'auto-submitting form');
      const action = /action="([^"]+)"/.exec(html)![1]!;
      const form = new URLSearchParams([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m): [string, string] => [m[1]!, m[2]!]));
      assert.equal(form.get('logout'), 'yes');
      const confirm = await browse(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      assert.equal(confirm.status, 303);
      assert.equal(confirm.headers.get('location'), `${postLogout}?state=bye`);
      ok(`end_session renders an auto-submitting form; submitting it redirects to ${confirm.headers.get('location')}`);

      const again = await browse(`${as.authorization_endpoint}?${new URLSearchParams({ client_id: client.client_id, redirect_uri: redirectUri, response_type: 'code', scope: SCOPE, state: 's', code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), code_challenge_method: 'S256' })}`);
      assert.match(again.headers.get('location') ?? '', /^\/interaction\//);
      ok('after logout the AS asks for the password again');
      assert.equal((await testControl<{ endSession: number }>(`${issuer}/__test/stats`)).endSession, 1);
    }

    // Token endpoint CORS refuses other origins.
    {
      const res = await fetch(as.token_endpoint!, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
      const res2 = await fetch(as.token_endpoint!, {
        method: 'POST',
        headers: { Origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: client.client_id }),
      });
      assert.equal(res2.headers.get('access-control-allow-origin'), null);
      ok(`token endpoint with Origin http://evil.example: preflight ${res.status} ACAO=${res.headers.get('access-control-allow-origin')}, POST ${res2.status} ${JSON.stringify(await res2.json())}`);
    }

    // oidc-provider strips offline_access when `prompt` lacks `consent`; the refresh token must still come.
    {
      const t4 = await login(as, { expectLoginPage: true, prompt: 'login' });
      assert.ok(t4.refresh_token, 'refresh token with prompt=login');
      assert.equal((await fetch(`${apiUrl}me`, { headers: { Authorization: `Bearer ${t4.access_token}` } })).status, 200);
      ok('login with prompt=login (offline_access stripped by oidc-provider) still gets a refresh token');
    }

    await testControl(`${issuer}/__test/reset`, 'POST');
    const { faults: _resetFaults, ...reset } = await testControl<Record<string, unknown>>(`${issuer}/__test/stats`);
    assert.deepEqual(reset, { authorization: 0, token: { authorization_code: 0, refresh_token: 0 }, tokenErrors: {}, tokenResources: {}, revocation: 0, endSession: 0, discovery: 0 });
    ok('POST /__test/reset zeroes the counters');
  } catch (err) {
    console.error('\nserver output:\n' + server.output());
    throw err;
  } finally {
    server.child.kill('SIGTERM');
  }
  const code = await server.exited;
  assert.equal(code, 0, 'clean exit on SIGTERM');
  ok('SIGTERM → servers closed, exit code 0');
  console.log('SMOKE OK');
}

main().catch((err) => {
  console.error('SMOKE FAILED:', err);
  process.exit(1);
});
