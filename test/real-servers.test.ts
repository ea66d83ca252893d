import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { OAuthError } from '../src/core/errors.js';
import { grantRefusal } from '../src/core/grant-failure.js';
import { withIdTokenAlgorithms } from '../src/core/id-token-alg.js';
import { logoutReturn } from '../src/core/logout-return.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, json, type Recorded } from './fakes.js';

/**
 * Issue 22: what Glewlwyd and LemonLDAP::NG showed the SDK did wrong, and issue 12 item 14 (the default
 * ID-token algorithms). Each behaviour is also proven in a real browser (e2e/hostile-real-servers.spec.ts,
 * e2e/glewlwyd.spec.ts).
 */

type Handler = (r: Recorded) => Response;

const KEYCLOAK_ALGS = ['PS384', 'RS384', 'EdDSA', 'ES384', 'HS256', 'HS512', 'ES256', 'RS256', 'HS384', 'ES512', 'PS256', 'PS512', 'RS512'];
const AUTH0_ALGS = ['HS256', 'RS256', 'PS256'];

function setup(opts: { token?: Handler[]; revoke?: Handler; meta?: object; options?: Partial<OAuthClientOptions> } = {}) {
  const issuer = `https://as.example/${Math.random().toString(36).slice(2)}`; // a fresh discovery cache entry per test
  const meta = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/revoke`,
    end_session_endpoint: `${issuer}/logout`,
    ...opts.meta,
  };
  const queue = [...(opts.token ?? [])];
  let issued = 0;
  const fake = fakeEffects({
    [`${issuer}/.well-known/openid-configuration`]: () => json(meta),
    [meta.token_endpoint]: (r) => {
      const next = queue.shift();
      if (next) return next(r);
      issued++;
      return json({ access_token: `at${issued}`, token_type: 'Bearer', expires_in: 60, refresh_token: `rt${issued}` });
    },
    [meta.revocation_endpoint]: opts.revoke ?? (() => new Response(null, { status: 200 })),
  });
  const config = resolveConfig({
    issuer,
    clientId: 'spa',
    redirectUri: 'https://app.example/cb',
    scope: 'api offline_access',
    postLogoutRedirectUri: 'https://app.example/bye',
    ...opts.options,
  });
  const client = createClientWith(config, fake.effects);
  /** Login → callback; rejects as the callback does. */
  const signIn = async () => {
    await client.init();
    await client.login();
    const authorize = new URL(fake.navigations.at(-1)!);
    await client.handleRedirect(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}`);
    return authorize;
  };
  /** The same browser (storage, address bar) with a new client: the page load after a navigation. */
  const reopen = () => {
    client.destroy();
    return createClientWith(config, fake.effects);
  };
  return { fake, client, signIn, meta, issuer, reopen };
}

const empty = (status: number): Handler => () => new Response(null, { status });

describe('a 4xx answer to a grant ends it, whatever the body (issue 22, fix 1)', () => {
  const cases: Array<{ name: string; answer: Handler; code: string; error?: string }> = [
    { name: 'an empty 400 (Glewlwyd)', answer: empty(400), code: 'invalid_grant' },
    { name: '400 invalid_request (LemonLDAP::NG)', answer: () => json({ error: 'invalid_request' }, 400), code: 'invalid_grant', error: 'invalid_request' },
    { name: 'a 403 HTML page', answer: () => new Response('<h1>no</h1>', { status: 403, headers: { 'content-type': 'text/html' } }), code: 'invalid_grant' },
    { name: '401 invalid_client', answer: () => json({ error: 'invalid_client' }, 401), code: 'invalid_client', error: 'invalid_client' },
  ];
  for (const c of cases) {
    it(`a refresh answered with ${c.name}: ${c.code}, signed out, session wiped, no retry`, async () => {
      const { client, fake, signIn } = setup({ token: [() => json({ access_token: 'at1', token_type: 'bearer', expires_in: 60, refresh_token: 'rt1' }), c.answer] });
      await signIn();
      await expect(client.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: c.code, status: expect.any(Number), ...(c.error && { error: c.error }) });
      expect(fake.requests.filter((r) => r.body?.get('grant_type') === 'refresh_token')).toHaveLength(1);
      expect(client.state).toMatchObject({ status: 'signedOut', error: { code: c.code } });
      expect(await fake.store.get('session')).toBeUndefined();
      await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'login_required' });
    });
  }

  const kept: Array<{ name: string; answer: Handler; code: string; tries: number }> = [
    { name: '503 (transient: retried)', answer: empty(503), code: 'server_error', tries: 3 },
    { name: '429 Too Many Requests', answer: () => json({ error: 'slow_down' }, 429), code: 'oauth_error', tries: 1 },
    { name: '400 invalid_scope (this request only)', answer: () => json({ error: 'invalid_scope' }, 400), code: 'invalid_scope', tries: 1 },
  ];
  for (const c of kept) {
    it(`a refresh answered with ${c.name}: ${c.code}, the session is kept`, async () => {
      const answers = Array.from({ length: c.tries }, () => c.answer);
      const { client, fake, signIn } = setup({ token: [() => json({ access_token: 'at1', token_type: 'bearer', expires_in: 60, refresh_token: 'rt1' }), ...answers] });
      await signIn();
      await expect(client.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: c.code });
      expect(fake.requests.filter((r) => r.body?.get('grant_type') === 'refresh_token')).toHaveLength(c.tries);
      expect(client.state.status).toBe('signedIn');
      expect(await fake.store.get('session')).toMatchObject({ refreshToken: 'rt1' });
    });
  }

  it('the code exchange answered with an empty 400: invalid_grant, nothing stored', async () => {
    const { client, fake, signIn } = setup({ token: [empty(400)] });
    await expect(signIn()).rejects.toMatchObject({ code: 'invalid_grant', status: 400 });
    expect(client.state).toMatchObject({ status: 'error', error: { code: 'invalid_grant' } });
    expect(await fake.store.entries()).toEqual([]);
  });

  it('grantRefusal maps by status, keeps the AS\'s words, and leaves transient errors alone', () => {
    const req = grantRefusal(new OAuthError('oauth_error', 'x', { error: 'invalid_request', errorDescription: 'gone', status: 400 }));
    expect(req).toMatchObject({ code: 'invalid_grant', error: 'invalid_request', errorDescription: 'gone', status: 400 });
    expect(grantRefusal(new OAuthError('invalid_response', 'x', { status: 410 }))).toMatchObject({ code: 'invalid_grant', status: 410 });
    for (const error of [
      new OAuthError('server_error', 'x', { status: 502 }),
      new OAuthError('network', 'x'),
      new OAuthError('timeout', 'x'),
      new OAuthError('oauth_error', 'x', { status: 408 }),
      new OAuthError('oauth_error', 'x', { error: 'use_dpop_nonce', status: 400 }),
      new OAuthError('invalid_target', 'x', { error: 'invalid_target', status: 400 }),
    ]) {
      expect(grantRefusal(error)).toBe(error);
    }
  });
});

describe('RP-initiated logout sends a state, checks it and strips it (issue 22, fix 2)', () => {
  it('a fresh state per logout, stored for the return, and taken off the address bar when it comes back', async () => {
    const { client, fake, signIn, reopen } = setup();
    await signIn();
    await client.logout({ endSession: true });
    const end = new URL(fake.navigations.at(-1)!);
    const state = end.searchParams.get('state');
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe('https://app.example/bye');
    // Nothing of the session is left: only the end-session request in flight.
    expect((await fake.store.entries()).map(([key]) => key)).toEqual(['logout']);

    // The AS comes back: a new page, a new client.
    const next = reopen();
    fake.goto(`https://app.example/bye?x=1&state=${state}`);
    await next.init();
    expect(fake.location.href).toBe('https://app.example/bye?x=1');
    expect(await fake.store.entries()).toEqual([]);
    expect(fake.warnings).toEqual([]);
  });

  it('a state that is not the one sent: a warning, the URL left alone, the record used up', async () => {
    const { client, fake, signIn, reopen } = setup();
    await signIn();
    await client.logout({ endSession: true });
    const next = reopen();
    fake.goto('https://app.example/bye?state=forged');
    await next.init();
    expect(fake.location.href).toBe('https://app.example/bye?state=forged');
    expect(fake.warnings).toEqual(['The end-session return carries a state this app did not send; left alone']);
    expect(await fake.store.entries()).toEqual([]);
  });

  it('logoutReturn looks only at the address it sent, once, for an hour', () => {
    const stored = { v: 1, state: 's1', returnTo: 'https://app.example/bye', createdAt: 0 };
    expect(logoutReturn(new URL('https://app.example/bye?state=s1'), stored, 1000)).toBe('returned');
    expect(logoutReturn(new URL('https://app.example/bye?state=s1&state=s1'), stored, 1000)).toBe('mismatch');
    expect(logoutReturn(new URL('https://app.example/bye?state=s2'), stored, 1000)).toBe('mismatch');
    expect(logoutReturn(new URL('https://app.example/other?state=s1'), stored, 1000)).toBeUndefined();
    expect(logoutReturn(new URL('https://app.example/bye'), stored, 1000)).toBeUndefined();
    expect(logoutReturn(new URL('https://app.example/bye?state=s1'), stored, 2 * 3600_000)).toBeUndefined();
    expect(logoutReturn(new URL('https://app.example/bye?state=s1'), { state: 's1' }, 1000)).toBeUndefined();
  });
});

describe('CORS warnings that name the fix (issue 22, fixes 3 and 4)', () => {
  it('a DPoP nonce challenge whose DPoP-Nonce the browser cannot read: one retry, and a warning naming the header', async () => {
    const challenge: Handler = () => json({ error: 'use_dpop_nonce' }, 400); // no DPoP-Nonce: as when CORS hides it
    const { client, fake, signIn } = setup({ meta: { dpop_signing_alg_values_supported: ['ES256'] }, token: [challenge, challenge] });
    await expect(signIn()).rejects.toMatchObject({ code: 'oauth_error', error: 'use_dpop_nonce' });
    expect(fake.requests.filter((r) => r.body?.get('grant_type') === 'authorization_code')).toHaveLength(2);
    expect(fake.warnings).toContain('The authorization server asked for a DPoP nonce that CORS hides: it must send "Access-Control-Expose-Headers: DPoP-Nonce"');
    expect(client.state.status).toBe('error');
  });

  it('a readable DPoP-Nonce: no warning', async () => {
    const challenge: Handler = () => json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'n-1' });
    const { fake, signIn } = setup({ meta: { dpop_signing_alg_values_supported: ['ES256'] }, token: [challenge, () => json({ access_token: 'a', token_type: 'DPoP', expires_in: 60 })] });
    await signIn();
    expect(fake.warnings).toEqual([]);
  });

  it('revocation refused with a 4xx: the wipe happens, and the warning says it is the server\'s limit', async () => {
    const { client, fake, signIn } = setup({ revoke: empty(401) });
    await signIn();
    await client.logout();
    expect(await fake.store.entries()).toEqual([]);
    expect(client.state.status).toBe('signedOut');
    expect(fake.warnings).toEqual(['The authorization server refused to revoke the refresh token (401): a limit of the server; the session was wiped all the same']);
  });

  it('revocation failing otherwise (503): the generic warning', async () => {
    const { client, fake, signIn } = setup({ revoke: empty(503) });
    await signIn();
    await client.logout();
    expect(fake.warnings).toEqual(['Revoking the refresh token failed']);
  });
});

/** An ID token with this `alg` header and claims the checks accept (oauth4webapi checks no signature here, SECURITY.md 10). */
function idToken(alg: string, issuer: string, nonce: string | null): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg, typ: 'JWT' })}.${part({ iss: issuer, aud: 'spa', sub: 'u1', iat: now, exp: now + 300, nonce })}.${alg === 'none' ? '' : 'c2ln'}`;
}

describe('the ID-token algorithm by default: every asymmetric one the AS lists (issue 12, item 14)', () => {
  it('withIdTokenAlgorithms removes none and HS*, keeps the rest in order, and leaves an absent list absent', () => {
    const as = { issuer: 'https://as.example' };
    expect(withIdTokenAlgorithms({ ...as, id_token_signing_alg_values_supported: KEYCLOAK_ALGS }).id_token_signing_alg_values_supported).toEqual([
      'PS384', 'RS384', 'EdDSA', 'ES384', 'ES256', 'RS256', 'ES512', 'PS256', 'PS512', 'RS512',
    ]);
    expect(withIdTokenAlgorithms({ ...as, id_token_signing_alg_values_supported: AUTH0_ALGS }).id_token_signing_alg_values_supported).toEqual(['RS256', 'PS256']);
    expect(withIdTokenAlgorithms({ ...as, id_token_signing_alg_values_supported: ['RS512', 'none'] }).id_token_signing_alg_values_supported).toEqual(['RS512']);
    expect(withIdTokenAlgorithms(as)).toEqual(as);
  });

  const cases: Array<{ shape: string; algs: string[]; accepted: string[]; refused: string[] }> = [
    { shape: 'Keycloak', algs: KEYCLOAK_ALGS, accepted: ['RS256', 'PS384', 'ES256', 'EdDSA', 'RS512'], refused: ['HS256', 'HS512', 'none', 'ES256K'] },
    { shape: 'Auth0', algs: AUTH0_ALGS, accepted: ['RS256', 'PS256'], refused: ['HS256', 'none', 'ES256'] },
    { shape: 'LemonLDAP::NG (RS512, none listed)', algs: ['none', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512'], accepted: ['RS512', 'RS256'], refused: ['none', 'HS512'] },
    { shape: 'no list (oauth4webapi\'s RS256 default)', algs: [], accepted: ['RS256'], refused: ['ES256', 'none'] },
  ];
  for (const c of cases) {
    for (const alg of [...c.accepted, ...c.refused]) {
      const ok = c.accepted.includes(alg);
      it(`${c.shape}-shaped metadata: an ID token signed ${alg} is ${ok ? 'accepted' : 'refused (invalid_id_token)'}`, async () => {
        let nonce: string | null = null;
        const { client, fake, issuer } = setup({
          meta: c.algs.length > 0 ? { id_token_signing_alg_values_supported: c.algs } : {},
          options: { scope: 'openid offline_access' },
          token: [() => json({ access_token: 'a', token_type: 'Bearer', expires_in: 60, id_token: idToken(alg, issuer, nonce) })],
        });
        await client.init();
        await client.login();
        const authorize = new URL(fake.navigations.at(-1)!);
        nonce = authorize.searchParams.get('nonce');
        const done = client.handleRedirect(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}`);
        if (ok) {
          await done;
          expect(client.state).toMatchObject({ status: 'signedIn', user: { sub: 'u1' } });
        } else {
          await expect(done).rejects.toMatchObject({ code: 'invalid_id_token' });
          expect(await fake.store.get('session')).toBeUndefined();
        }
      });
    }
  }

  it('idTokenSigningAlg pins one algorithm: the others the AS lists are refused', async () => {
    let nonce: string | null = null;
    const { client, fake, issuer } = setup({
      meta: { id_token_signing_alg_values_supported: KEYCLOAK_ALGS },
      options: { scope: 'openid', idTokenSigningAlg: 'RS256' },
      token: [() => json({ access_token: 'a', token_type: 'Bearer', expires_in: 60, id_token: idToken('PS384', issuer, nonce) })],
    });
    await client.init();
    await client.login();
    const authorize = new URL(fake.navigations.at(-1)!);
    nonce = authorize.searchParams.get('nonce');
    await expect(client.handleRedirect(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}`)).rejects.toMatchObject({ code: 'invalid_id_token' });
  });
});
