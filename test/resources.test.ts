// Per-resource tokens (RFC 8707 resource indicators, SECURITY.md 21): a token for API A never goes to API B.
// The client runs against a scripted AS whose tokens name the resource they were issued for.
import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { decodeSession, SESSION_KEY } from '../src/core/session/record.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { matchResource, parseResources, type ResourcePrefix } from '../src/core/url.js';
import { fakeEffects, ISSUER, json, metadata, tokenRequests, type Recorded } from './fakes.js';

const ORDERS = 'https://orders.example/';
const BILLING = 'urn:example:billing';

const options: OAuthClientOptions = {
  issuer: ISSUER,
  clientId: 'spa',
  redirectUri: 'https://app.example/cb',
  scope: 'orders billing offline_access',
  resources: [
    { url: 'https://orders.example/', resource: ORDERS },
    { url: 'https://api.example/billing/', resource: BILLING, scope: 'billing' },
  ],
};

/** Token endpoint: `at-<resource>-<n>`; `refuse` answers the next request with that error instead. */
function setup(opts: OAuthClientOptions = options, answers: Array<(r: Recorded) => Response> = []) {
  let issued = 0;
  /** Set by a test: answers instead of the token endpoint / the billing API when it returns a Response. */
  const hooks: { token?: (r: Recorded) => Response | undefined; billing?: (r: Recorded) => Response } = {};
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: (r) => {
      const scripted = answers.shift() ?? hooks.token;
      const answer = scripted?.(r);
      if (answer) return answer;
      issued++;
      const resource = r.body?.get('resource') ?? 'none';
      return json({ access_token: `at-${resource}-${issued}`, token_type: 'Bearer', expires_in: 60, refresh_token: `rt${issued}` });
    },
    'https://orders.example/': () => json({ orders: [] }),
    'https://api.example/billing/': (r) => hooks.billing?.(r) ?? json({ billing: true }),
    'https://api.example/': () => json({ api: true }),
  });
  const client = createClientWith(resolveConfig(opts), fake.effects);
  return { fake, client, hooks };
}

async function signedIn(opts?: OAuthClientOptions, answers?: Array<(r: Recorded) => Response>) {
  const ctx = setup(opts, answers);
  await ctx.client.init();
  await ctx.client.login();
  const authorize = new URL(ctx.fake.navigations.at(-1)!);
  ctx.fake.goto(`https://app.example/cb?code=c0de&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(ISSUER)}`);
  await ctx.client.handleRedirect();
  return { ...ctx, authorize };
}

const sentTo = (requests: Recorded[], prefix: string) =>
  requests.filter((r) => r.url.startsWith(prefix)).map((r) => r.headers.get('authorization'));

describe('per-resource tokens', () => {
  it('asks for every resource at login and names the first one at the code exchange', async () => {
    const { fake, authorize } = await signedIn();
    expect(authorize.searchParams.getAll('resource')).toEqual([ORDERS, BILLING]);
    const [exchange] = tokenRequests(fake.requests, 'authorization_code');
    expect(exchange!.body!.getAll('resource')).toEqual([ORDERS]);
    // No scope on a code exchange (RFC 6749 §4.1.3 has none).
    expect(exchange!.body!.has('scope')).toBe(false);
  });

  it('sends each API only its own token, getting the second one with the refresh token once', async () => {
    const { client, fake } = await signedIn();
    await client.fetch('https://orders.example/list');
    await client.fetch('https://api.example/billing/invoices');
    await client.fetch('https://api.example/billing/invoices/7');
    await client.fetch('https://orders.example/list');
    expect(sentTo(fake.requests, 'https://orders.example/')).toEqual([`Bearer at-${ORDERS}-1`, `Bearer at-${ORDERS}-1`]);
    expect(sentTo(fake.requests, 'https://api.example/billing/')).toEqual([`Bearer at-${BILLING}-2`, `Bearer at-${BILLING}-2`]);
    const refreshes = tokenRequests(fake.requests, 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.body!.get('resource')).toBe(BILLING);
    expect(refreshes[0]!.body!.get('scope')).toBe('billing');
    // The rotated refresh token is the session's from now on; the first API's token is untouched.
    const stored = decodeSession(await fake.store.get(SESSION_KEY), `${ISSUER}/`, 'spa')!;
    expect(stored.refreshToken).toBe('rt2');
    expect(stored.accessToken).toBe(`at-${ORDERS}-1`);
    expect(stored.resourceTokens).toEqual({ [BILLING]: { accessToken: `at-${BILLING}-2`, issuedAt: fake.now, expiresAt: fake.now + 60_000 } });
    // Paths of the same origin outside the prefix get nothing.
    await client.fetch('https://api.example/other');
    expect(fake.requests.at(-1)!.headers.get('authorization')).toBeNull();
  });

  it('renews each token on its own schedule, naming its resource', async () => {
    const { client, fake } = await signedIn();
    await client.fetch('https://api.example/billing/x'); // billing token issued at t0
    fake.advance(50_000); // both due; the leader's timer starts renewing the session's own token
    expect(await client.getAccessToken()).toMatch(new RegExp(`^at-${ORDERS}-`)); // (the fake lock is not exclusive: one at a time)
    await client.fetch('https://api.example/billing/x');
    const refreshes = tokenRequests(fake.requests, 'refresh_token').map((r) => r.body!.get('resource'));
    // The leader's timer renewed the session's own token; the call renewed billing's.
    expect(refreshes).toEqual([BILLING, ORDERS, BILLING]);
    expect(sentTo(fake.requests, 'https://api.example/billing/').at(-1)).toMatch(new RegExp(`^Bearer at-${BILLING}-\\d+$`));
    expect(await client.getAccessToken()).toMatch(new RegExp(`^at-${ORDERS}-`));
    expect(await client.getAccessToken({ resource: BILLING })).toMatch(new RegExp(`^at-${BILLING}-`));
    await expect(client.getAccessToken({ resource: 'https://unknown.example/' })).rejects.toThrow(TypeError);
  });

  it('on 401 invalid_token replaces only the rejected resource token, once', async () => {
    let calls = 0;
    const { client, fake, hooks } = await signedIn();
    await client.fetch('https://api.example/billing/x');
    const before = tokenRequests(fake.requests, 'refresh_token').length;
    // The billing API now rejects every token it sees.
    hooks.billing = () => {
      calls++;
      return new Response('{}', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    };
    await expect(client.fetch('https://api.example/billing/x')).rejects.toMatchObject({ code: 'invalid_token' });
    expect(calls).toBe(2);
    const after = tokenRequests(fake.requests, 'refresh_token').slice(before).map((r) => r.body!.get('resource'));
    expect(after).toEqual([BILLING]);
    expect(await client.getAccessToken()).toBe(`at-${ORDERS}-1`);
  });

  it('without a refresh token: refresh_token_required for the other resource, the session stays', async () => {
    const { client, fake } = await signedIn(options, [
      () => json({ access_token: 'only', token_type: 'Bearer', expires_in: 60 }),
    ]);
    await expect(client.fetch('https://api.example/billing/x')).rejects.toMatchObject({ code: 'refresh_token_required' });
    expect(sentTo(fake.requests, 'https://api.example/billing/')).toEqual([]);
    expect(client.state.status).toBe('signedIn');
    expect(await client.getAccessToken()).toBe('only');
  });

  it('invalid_target from the AS is typed and does not end the session', async () => {
    const { client, fake, hooks } = await signedIn();
    hooks.token = (r) => (r.body?.get('resource') === BILLING ? json({ error: 'invalid_target', error_description: 'unknown resource' }, 400) : undefined);
    await expect(client.fetch('https://api.example/billing/x')).rejects.toMatchObject({ code: 'invalid_target', error: 'invalid_target' });
    expect(client.state.status).toBe('signedIn');
    expect(decodeSession(await fake.store.get(SESSION_KEY), `${ISSUER}/`, 'spa')?.accessToken).toBe(`at-${ORDERS}-1`);
  });

  it('invalid_grant while getting another resource token ends the session everywhere', async () => {
    const { client, fake, hooks } = await signedIn();
    hooks.token = () => json({ error: 'invalid_grant' }, 400);
    await expect(client.fetch('https://api.example/billing/x')).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(client.state.status).toBe('signedOut');
    expect(await fake.store.get(SESSION_KEY)).toBeUndefined();
  });

  it('a new login drops the previous session\'s resource tokens', async () => {
    const first = await signedIn();
    await first.client.fetch('https://api.example/billing/x');
    await first.client.login();
    const authorize = new URL(first.fake.navigations.at(-1)!);
    first.fake.goto(`https://app.example/cb?code=c0de2&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(ISSUER)}`);
    await first.client.handleRedirect();
    const stored = decodeSession(await first.fake.store.get(SESSION_KEY), `${ISSUER}/`, 'spa')!;
    expect(stored.resourceTokens).toBeUndefined();
  });

  it('rejects a stored session whose resource tokens are not ours (storage_corrupt)', () => {
    const base = { v: 1, issuer: `${ISSUER}/`, clientId: 'spa', accessToken: 'a', tokenType: 'bearer', issuedAt: 1, expiresAt: 2, as: metadata };
    expect(() => decodeSession({ ...base, resourceTokens: { x: { accessToken: '', issuedAt: 1, expiresAt: 2 } } }, `${ISSUER}/`, 'spa')).toThrow(
      expect.objectContaining({ code: 'storage_corrupt' }),
    );
    expect(() => decodeSession({ ...base, resourceTokens: [] }, `${ISSUER}/`, 'spa')).toThrow(expect.objectContaining({ code: 'storage_corrupt' }));
  });

  it('reserves the resource login parameter when indicators are configured, and only then', async () => {
    const { client } = setup();
    await client.init();
    await expect(client.login({ params: { resource: 'https://evil.example/' } })).rejects.toThrow(TypeError);
    const plain = setup({ ...options, resources: ['https://orders.example/'] });
    await plain.client.init();
    await plain.client.login({ params: { resource: ORDERS } });
    expect(new URL(plain.fake.navigations.at(-1)!).searchParams.getAll('resource')).toEqual([ORDERS]);
  });
});

describe('resources option', () => {
  const parse = (values: unknown) => parseResources(values as never, true);

  it('validates indicators and refuses mixing strings with indicated entries', () => {
    expect(() => parse(['https://a.example/', { url: 'https://b.example/', resource: 'https://b.example/' }])).toThrow(/every entry/);
    expect(() => parse([{ url: 'https://b.example/', resource: 'not a uri' }])).toThrow(/absolute URI/);
    expect(() => parse([{ url: 'https://b.example/', resource: 'https://b.example/#x' }])).toThrow(/fragment/);
    expect(() => parse([{ url: 'https://b.example/', resource: 'urn:b', scope: ' ' }])).toThrow(/scope/);
    expect(() => parse([{ url: 'https://b.example/', resource: 'urn:b' }, { url: 'https://c.example/', resource: 'urn:b' }])).toThrow(/twice/);
    expect(() => parse([{ url: 'http://b.example/', resource: 'urn:b' }])).toThrow(/https/);
    expect(parse([{ url: 'https://b.example/v1', resource: 'urn:b', scope: 'b' }])).toEqual([
      { origin: 'https://b.example', path: '/v1/', resource: 'urn:b', scope: 'b' },
    ]);
  });

  it('matches the longest prefix, so a nested API never gets the outer one\'s token', () => {
    const prefixes = parse([
      { url: 'https://api.example/', resource: 'urn:outer' },
      { url: 'https://api.example/billing/', resource: 'urn:billing' },
    ]);
    expect((matchResource(new URL('https://api.example/billing/x'), prefixes) as ResourcePrefix).resource).toBe('urn:billing');
    expect((matchResource(new URL('https://api.example/billing'), prefixes) as ResourcePrefix).resource).toBe('urn:billing');
    expect((matchResource(new URL('https://api.example/billingx'), prefixes) as ResourcePrefix).resource).toBe('urn:outer');
    expect(matchResource(new URL('https://api.example.evil/billing/'), prefixes)).toBeUndefined();
  });
});
