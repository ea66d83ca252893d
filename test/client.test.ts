import { describe, expect, it, vi } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { OAuthError } from '../src/core/errors.js';
import type { AuthState, OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, ISSUER, json, metadata, tokenRequests, type Recorded } from './fakes.js';

const options: OAuthClientOptions = {
  issuer: ISSUER,
  clientId: 'spa',
  redirectUri: 'https://app.example/cb',
  scope: 'api offline_access', // OAuth 2.0 only: no ID token to sign in these unit tests
  resources: ['https://api.example/v1/'],
};

/** A scripted AS: discovery, and a token endpoint answering from a queue (default: a fresh pair). */
function setup(extra: { token?: Array<(r: Recorded) => Response>; api?: (r: Recorded) => Response } = {}) {
  let issued = 0;
  const queue = [...(extra.token ?? [])];
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: (r) => {
      const next = queue.shift();
      if (next) return next(r);
      issued++;
      return json({ access_token: `at${issued}`, token_type: 'Bearer', expires_in: 60, refresh_token: `rt${issued}` });
    },
    [metadata.revocation_endpoint]: () => new Response(null, { status: 200 }),
    'https://api.example/': extra.api ?? (() => json({ ok: true })),
    'https://other.example/': () => json({ other: true }),
  });
  const client = createClientWith(resolveConfig(options), fake.effects);
  const states: AuthState['status'][] = [];
  client.subscribe((s) => states.push(s.status));
  return { fake, client, states };
}

/** Runs login → callback and returns the client signed in. */
async function signedIn(extra: Parameters<typeof setup>[0] = {}) {
  const ctx = setup(extra);
  await ctx.client.init();
  await ctx.client.login({ returnTo: '/after?x=1' });
  const authorize = new URL(ctx.fake.navigations.at(-1)!);
  ctx.fake.goto(`https://app.example/cb?code=c0de&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(ISSUER)}`);
  const result = await ctx.client.handleRedirect();
  return { ...ctx, authorize, result };
}

describe('login and callback', () => {
  it('sends a PKCE S256 code request and stores the pending login before navigating', async () => {
    const { fake, authorize, result, client, states } = await signedIn();
    expect(authorize.origin + authorize.pathname).toBe(metadata.authorization_endpoint);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: 'spa',
      redirect_uri: 'https://app.example/cb',
      response_type: 'code',
      scope: 'api offline_access',
      code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.has('nonce')).toBe(false); // no openid, no nonce
    const exchange = tokenRequests(fake.requests, 'authorization_code');
    expect(exchange).toHaveLength(1);
    expect(exchange[0]!.body!.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result).toEqual({ returnTo: '/after?x=1' });
    expect(fake.location.search).toBe(''); // code and state left the address bar
    expect(client.state.status).toBe('signedIn');
    expect(states).toEqual(['signedOut', 'authorizing', 'exchanging', 'signedIn']);
    expect((await fake.store.entries()).map(([k]) => k)).toEqual(['session']);
  });

  it('refuses login params that would override protocol parameters', async () => {
    const { client } = setup();
    await expect(client.login({ params: { state: 'mine' } })).rejects.toThrow(TypeError);
    await expect(client.login({ params: { code_challenge_method: 'plain' } })).rejects.toThrow(TypeError);
  });

  it('sends authorizationParams on every login; a login\'s own params are added and win (issue 12: Auth0\'s audience)', async () => {
    const fake = fakeEffects({ [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata) });
    const client = createClientWith(resolveConfig({ ...options, authorizationParams: { audience: 'https://api.example/', ui_locales: 'en' } }), fake.effects);
    await client.init();
    await client.login();
    await client.login({ params: { ui_locales: 'de', acr_values: 'mfa' } });
    const [bare, own] = fake.navigations.map((href) => new URL(href).searchParams);
    expect(bare!.get('audience')).toBe('https://api.example/');
    expect(bare!.get('ui_locales')).toBe('en');
    expect(own!.get('audience')).toBe('https://api.example/');
    expect(own!.get('ui_locales')).toBe('de');
    expect(own!.get('acr_values')).toBe('mfa');
    expect(own!.get('code_challenge_method')).toBe('S256');
  });

  it('refuses authorizationParams that would override protocol parameters, or are not strings, at creation', () => {
    for (const name of ['state', 'nonce', 'code_challenge', 'redirect_uri', 'scope', 'client_id', 'response_type', 'prompt']) {
      expect(() => resolveConfig({ ...options, authorizationParams: { [name]: 'x' } }), name).toThrow(TypeError);
    }
    expect(() => resolveConfig({ ...options, authorizationParams: { audience: 42 } as never })).toThrow(TypeError);
    expect(() => resolveConfig({ ...options, authorizationParams: 'audience=x' as never })).toThrow(TypeError);
    // `resource` is the SDK's own only when it names resource indicators.
    expect(resolveConfig({ ...options, authorizationParams: { resource: 'https://api.example/' } }).authorizationParams).toEqual({ resource: 'https://api.example/' });
    const indicators = { ...options, resources: [{ url: 'https://api.example/v1/', resource: 'urn:api' }] };
    expect(() => resolveConfig({ ...indicators, authorizationParams: { resource: 'urn:other' } })).toThrow(TypeError);
  });

  it('exchanges a code once even when handleRedirect runs twice (StrictMode)', async () => {
    const { client, fake } = setup();
    await client.init();
    await client.login();
    const state = new URL(fake.navigations[0]!).searchParams.get('state');
    const url = `https://app.example/cb?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`;
    const [a, b] = await Promise.all([client.handleRedirect(url), client.handleRedirect(url)]);
    expect(a).toBe(b);
    expect(tokenRequests(fake.requests, 'authorization_code')).toHaveLength(1);
  });

  it.each([
    ['a missing state', 'code=c', 'state_mismatch'],
    ['an unknown state', 'code=c&state=nope', 'state_mismatch'],
    ['a duplicated state', 'code=c&state=a&state=b', 'state_mismatch'],
  ])('rejects %s with no token request', async (_name, query, code) => {
    const { client, fake } = setup();
    await client.init();
    await expect(client.handleRedirect(`https://app.example/cb?${query}`)).rejects.toMatchObject({ code });
    expect(tokenRequests(fake.requests, 'authorization_code')).toHaveLength(0);
    expect(client.state).toMatchObject({ status: 'error', error: { code } });
  });

  it('rejects a callback on another path', async () => {
    const { client } = setup();
    await expect(client.handleRedirect('https://app.example/elsewhere?code=c&state=s')).rejects.toMatchObject({ code: 'invalid_callback' });
  });

  it('surfaces an authorization error only after the state check, and consumes the login', async () => {
    const { client, fake } = setup();
    await client.init();
    await client.login();
    const state = new URL(fake.navigations[0]!).searchParams.get('state');
    const url = `https://app.example/cb?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state=${state}&iss=${encodeURIComponent(ISSUER)}`;
    const err = await client.handleRedirect(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ code: 'access_denied', error: 'access_denied', errorDescription: '<b>no</b>' });
    expect(await fake.store.entries()).toEqual([]);
  });
});

describe('tokens', () => {
  it('serves the cached token without a request while it is fresh', async () => {
    const { client, fake } = await signedIn();
    fake.advance(30_000);
    expect(await client.getAccessToken()).toBe('at1');
    expect(tokenRequests(fake.requests, 'refresh_token')).toHaveLength(0);
  });

  it('refreshes once for many concurrent callers when the token is due', async () => {
    const { client, fake, states } = await signedIn();
    fake.advance(50_000); // past 60 s − a fifth of the lifetime
    const tokens = await Promise.all(Array.from({ length: 10 }, () => client.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['at2']));
    const refreshes = tokenRequests(fake.requests, 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.body!.get('refresh_token')).toBe('rt1');
    expect(states.slice(-2)).toEqual(['refreshing', 'signedIn']);
  });

  it('keeps the old refresh token when the AS does not rotate it', async () => {
    const { client, fake } = await signedIn({
      token: [() => json({ access_token: 'code-at', token_type: 'bearer', expires_in: 60, refresh_token: 'rt-original' }), () => json({ access_token: 'at-next', token_type: 'bearer', expires_in: 60 })],
    });
    expect(await client.getAccessToken({ forceRefresh: true })).toBe('at-next');
    const stored = (await fake.store.get('session')) as { refreshToken: string };
    expect(stored.refreshToken).toBe('rt-original');
  });

  it('renews from the timer before expiry, with no caller', async () => {
    const { fake } = await signedIn();
    fake.advance(47_000);
    expect(tokenRequests(fake.requests, 'refresh_token')).toHaveLength(0);
    fake.advance(2_000); // 48 s: 60 s minus a 12 s leeway
    await expect.poll(() => tokenRequests(fake.requests, 'refresh_token').length).toBe(1);
  });

  it('a 5-second token is refreshed once per lifetime, never in a loop', async () => {
    const five = () => json({ access_token: `short${Math.random()}`, token_type: 'bearer', expires_in: 5, refresh_token: `r${Math.random()}` });
    const { fake } = await signedIn({ token: [five, five, five, five, five, five] });
    for (let i = 0; i < 20; i++) {
      fake.advance(1000);
      await new Promise((r) => setTimeout(r, 0));
    }
    // 20 s of 5-second tokens: at most one refresh per elapsed lifetime.
    const refreshes = tokenRequests(fake.requests, 'refresh_token').length;
    expect(refreshes).toBeGreaterThanOrEqual(3);
    expect(refreshes).toBeLessThanOrEqual(5);
  });

  it('keeps the session on transient failures and retries with backoff', async () => {
    const down = () => json({ error: 'temporarily_unavailable' }, 503);
    const recovered = () => json({ access_token: 'at-recovered', token_type: 'bearer', expires_in: 60, refresh_token: 'rt2' });
    const { client, fake } = await signedIn({
      token: [() => json({ access_token: 'at1', token_type: 'bearer', expires_in: 60, refresh_token: 'rt1' }), down, down, down, recovered],
    });
    fake.advance(50_000);
    const err = await client.getAccessToken().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'server_error', status: 503 });
    expect(tokenRequests(fake.requests, 'refresh_token')).toHaveLength(3); // one try and two retries
    expect(client.state).toMatchObject({ status: 'signedIn', error: { code: 'server_error' } });
    expect(await fake.store.get('session')).toMatchObject({ accessToken: 'at1', refreshToken: 'rt1' });
    // The AS is back: the next call recovers without a new login.
    expect(await client.getAccessToken()).toBe('at-recovered');
    expect(client.state).toMatchObject({ status: 'signedIn' });
    expect(client.state).not.toHaveProperty('error');
  });

  it('signs out and wipes the session on invalid_grant, without retrying', async () => {
    const { client, fake } = await signedIn({
      token: [() => json({ access_token: 'at1', token_type: 'bearer', expires_in: 60, refresh_token: 'rt1' }), () => json({ error: 'invalid_grant' }, 400)],
    });
    fake.advance(50_000);
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(tokenRequests(fake.requests, 'refresh_token')).toHaveLength(1);
    expect(client.state).toMatchObject({ status: 'signedOut', error: { code: 'invalid_grant' } });
    expect(await fake.store.get('session')).toBeUndefined();
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'login_required' });
  });

  it('rejects a token response of another token_type and stores nothing', async () => {
    const { client, fake } = setup({ token: [() => json({ access_token: 'x', token_type: 'mac', expires_in: 60 })] });
    await client.init();
    await client.login();
    const state = new URL(fake.navigations[0]!).searchParams.get('state');
    await expect(client.handleRedirect(`https://app.example/cb?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`)).rejects.toBeInstanceOf(OAuthError);
    expect(await fake.store.get('session')).toBeUndefined();
  });
});

describe('fetch', () => {
  it('leaves requests to other origins untouched', async () => {
    const { client, fake } = await signedIn();
    await client.fetch('https://other.example/x', { headers: { 'x-app': '1' } });
    const sent = fake.requests.at(-1)!;
    expect(sent.url).toBe('https://other.example/x');
    expect(sent.headers.get('authorization')).toBeNull();
    expect(sent.headers.get('x-app')).toBe('1');
  });

  it('attaches the token to resources and keeps method, headers and body', async () => {
    const { client, fake } = await signedIn();
    await client.fetch('https://api.example/v1/items', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    const sent = fake.requests.at(-1)!;
    expect(sent.headers.get('authorization')).toBe('Bearer at1');
    expect(sent.headers.get('content-type')).toBe('text/plain');
    expect(sent.method).toBe('POST');
  });

  it('does not refresh for 403 insufficient_scope and hands the response back', async () => {
    const { client, fake } = await signedIn({
      api: () => new Response('{}', { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } }),
    });
    const response = await client.fetch('https://api.example/v1/admin');
    expect(response.status).toBe(403);
    expect(tokenRequests(fake.requests, 'refresh_token')).toHaveLength(0);
  });

  it('rejects with login_required when signed out, sending nothing', async () => {
    const { client, fake } = setup();
    await client.init();
    await expect(client.fetch('https://api.example/v1/me')).rejects.toMatchObject({ code: 'login_required' });
    expect(fake.requests.filter((r) => r.url.startsWith('https://api.example'))).toHaveLength(0);
  });
});

describe('logout', () => {
  it('wipes storage, revokes the refresh token and navigates to end-session', async () => {
    const { client, fake } = await signedIn();
    await client.logout({ endSession: true, returnTo: '/bye' });
    // Only the end-session request in flight is left, for its state (see test/real-servers.test.ts).
    expect((await fake.store.entries()).map(([key]) => key)).toEqual(['logout']);
    const revoke = fake.requests.find((r) => r.url === metadata.revocation_endpoint);
    expect(revoke?.body?.get('token')).toBe('rt1');
    const end = new URL(fake.navigations.at(-1)!);
    expect(end.origin + end.pathname).toBe(metadata.end_session_endpoint);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe('https://app.example/bye');
    expect(client.state.status).toBe('signedOut');
  });

  it('wipes even when revocation fails', async () => {
    // The client keeps the fetch it was created with: the failure must be the revocation endpoint's own
    // (issue 14: reassigning effects.fetch after creation changed nothing, so this test never failed one).
    let revocations = 0;
    const fake = fakeEffects({
      [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
      [metadata.token_endpoint]: () => json({ access_token: 'at1', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt1' }),
      [metadata.revocation_endpoint]: () => {
        revocations++;
        throw new TypeError('Failed to fetch');
      },
    });
    const client = createClientWith(resolveConfig(options), fake.effects);
    await client.init();
    await client.login();
    const state = new URL(fake.navigations.at(-1)!).searchParams.get('state');
    await client.handleRedirect(`https://app.example/cb?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`);
    expect(client.state.status).toBe('signedIn');

    await client.logout();
    expect(revocations).toBe(1); // it really was tried, and it really failed
    expect(fake.warnings.some((w) => w.includes('Revoking the refresh token failed'))).toBe(true);
    expect(await fake.store.entries()).toEqual([]);
    expect(client.state.status).toBe('signedOut');
  });
});

describe('loginPopup (issue 15)', () => {
  /** A window handle as window.open returns it; `closed` as the test says. */
  const fakeWindow = () => ({ closed: false, focused: 0, location: { href: 'about:blank' }, focus() { this.focused++; }, close() { this.closed = true; } });

  it('rejects with popup_blocked at once when window.open returns null: nothing stored, nothing sent', async () => {
    const { client, fake, states } = setup();
    await client.init();
    await expect(client.loginPopup()).rejects.toMatchObject({ code: 'popup_blocked' });
    expect(fake.requests).toEqual([]);
    expect(await fake.store.entries()).toEqual([]);
    expect(states).toEqual(['signedOut']);
  });

  it('sends the popup to the AS; its callback exchanges once, answers through storage, closes itself, and the call resolves', async () => {
    const { client, fake } = setup();
    const win = fakeWindow();
    let closedSelf = 0;
    fake.effects.openPopup = () => win as unknown as Window;
    fake.effects.closeWindow = () => void closedSelf++;
    await client.init();
    const done = client.loginPopup();
    // A second call while the popup is open brings it forward and shares the first call's promise.
    expect(client.loginPopup()).toBe(done);
    expect(win.focused).toBe(1);
    await vi.waitFor(() => expect(win.location.href).toMatch(/^https:\/\/as\.example\/authorize\?/));
    const state = new URL(win.location.href).searchParams.get('state')!;
    expect(await fake.store.get(`pending:${state}`)).toMatchObject({ popup: true });
    // The popup's page, at the redirect URI (same storage).
    const result = await client.handleRedirect(`https://app.example/cb?code=c0de&state=${state}&iss=${encodeURIComponent(ISSUER)}`);
    expect(result).toMatchObject({ popup: true });
    expect(closedSelf).toBe(1);
    // The opener polls every 250 ms and reads storage every fourth poll (its channel news is a no-op here).
    for (let i = 0; i < 4; i++) fake.advance(250);
    await done;
    expect(tokenRequests(fake.requests, 'authorization_code')).toHaveLength(1);
    expect(client.state.status).toBe('signedIn');
    await vi.waitFor(async () => expect((await fake.store.entries()).map(([k]) => k)).toEqual(['session']));
  });
});
