import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { browserEffects } from '../src/core/effects.js';
import { OAuthError } from '../src/core/errors.js';
import { decodeSession, SESSION_KEY } from '../src/core/session/record.js';
import type { Tabs } from '../src/core/tabs/channel.js';
import type { AuthState } from '../src/core/types.js';
import { fakeEffects, json, metadata, tokenRequests, type Recorded } from './fakes.js';

/**
 * Issue 12: the demo AS answered a code exchange with `"scope": ""` (RFC 6749 §5.1 allows an empty granted
 * scope); the SDK stored it, its own decoder refused it, and every reload ended signed out with
 * `storage_corrupt`, while `getAccessToken({ forceRefresh: true })` rejected with `storage_corrupt` and the
 * tab still showed signed in. The invariant these tests hold the SDK to: whatever the AS may send is either
 * refused at once (a typed error, nothing stored) or stored so that it reads back; and a session that turns
 * out to be gone never stays on screen.
 */

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An ID token as the token endpoint returns it (oauth4webapi checks its claims, not its signature). */
const idToken = (claims: Record<string, unknown>) => `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
const now = () => Math.floor(Date.now() / 1000);

/** The session a state shows (a reload of a token already due is `refreshing`: still the same session). */
const shown = (state: AuthState) =>
  state.status === 'signedIn' || state.status === 'refreshing' ? { user: state.user, tokenType: state.tokenType } : state.status;

type TokenAnswer = (request: Recorded, nonce: string, issuer: string) => Response;

/** A good token response; `extra` overrides fields (`undefined` removes one). */
const tokenResponse =
  (extra: Record<string, unknown> = {}, claims: Record<string, unknown> = {}): TokenAnswer =>
  (request, nonce, issuer) => {
    const body: Record<string, unknown> = {
      access_token: `at-${Math.random().toString(36).slice(2)}`,
      token_type: 'Bearer',
      expires_in: 60,
      refresh_token: `rt-${Math.random().toString(36).slice(2)}`,
      scope: 'openid api',
      ...(request.body?.get('grant_type') === 'authorization_code' && {
        id_token: idToken({ iss: issuer, aud: 'spa', sub: 'alice', nonce, iat: now(), exp: now() + 600, name: 'Alice', ...claims }),
      }),
    };
    for (const [name, value] of Object.entries(extra)) {
      if (value === undefined) delete body[name];
      else body[name] = value;
    }
    return json(body);
  };

/** Posts on the tab channel, recorded: another tab must hear of a session that is gone. */
function recordingTabs(posts: string[]): () => Tabs {
  return () => ({
    withLock: (task) => task(async () => undefined),
    isLeader: () => true,
    onLeader: () => undefined,
    post: (message) => void posts.push(message.type),
    listen: () => () => undefined,
    close: () => undefined,
  });
}

/** One AS (a fresh issuer: discovery is cached per issuer), and clients that share one store like tabs and reloads do. */
function world(meta: Record<string, unknown> = {}, answers: TokenAnswer[] = []) {
  const issuer = `https://as.example/${Math.random().toString(36).slice(2)}`;
  const document = { ...metadata, issuer, id_token_signing_alg_values_supported: ['ES256'], ...meta };
  for (const [name, value] of Object.entries(meta)) if (value === undefined) delete (document as Record<string, unknown>)[name];
  let nonce = '';
  const queue = [...answers];
  const posts: string[] = [];
  const fake = fakeEffects({
    [`${issuer}/.well-known/openid-configuration`]: () => json(document),
    [metadata.token_endpoint]: (r) => (queue.shift() ?? tokenResponse())(r, nonce, issuer),
    [metadata.revocation_endpoint]: () => new Response(null, { status: 200 }),
  });
  fake.effects.tabs = recordingTabs(posts);
  const config = resolveConfig({ issuer, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'openid api offline_access' });
  const newClient = () => createClientWith(config, fake.effects);
  const client = newClient();
  return {
    fake,
    client,
    posts,
    issuer,
    /** A reload: a new client on the same storage. */
    reload: async () => {
      const next = newClient();
      await next.init();
      return next;
    },
    signIn: async () => {
      await client.init();
      await client.login();
      const authorize = new URL(fake.navigations.at(-1)!);
      nonce = authorize.searchParams.get('nonce') ?? '';
      return client.handleRedirect(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(issuer)}`);
    },
  };
}

/** Token responses an AS may send, legal or not: each is refused at once, or stored so that it reads back. */
const TOKEN_RESPONSES: Array<[string, Record<string, unknown>, Record<string, unknown>?]> = [
  ['an empty granted scope (the demo AS with resource indicators)', { scope: '' }],
  ['no scope (RFC 6749 §5.1: the requested one was granted)', { scope: undefined }],
  ['a scope of blanks', { scope: '   ' }],
  ['a scope that is not a string', { scope: 42 }],
  ['a scope that is null', { scope: null }],
  ['expires_in 0', { expires_in: 0 }],
  ['expires_in as a string', { expires_in: '3600' }],
  ['expires_in that overflows a millisecond time', { expires_in: 1e306 }],
  ['expires_in of 60 days', { expires_in: 60 * 24 * 3600 }],
  ['no expires_in', { expires_in: undefined }],
  ['a negative expires_in', { expires_in: -1 }],
  ['expires_in that is not a number', { expires_in: 'soon' }],
  ['no refresh token', { refresh_token: undefined }],
  ['an empty refresh token', { refresh_token: '' }],
  ['a refresh token that is not a string', { refresh_token: 7 }],
  ['an empty access token', { access_token: '' }],
  ['an access token that is not a string', { access_token: { a: 1 } }],
  ['token_type in capitals', { token_type: 'BEARER' }],
  ['an empty token_type', { token_type: '' }],
  ['unknown extra fields of every type', { x_num: 1, x_obj: { a: [1, null] }, x_null: null, x_empty: '' }],
  ['ID-token claims of odd types', {}, { name: 42, email: null, picture: '', address: { country: 'DE' }, groups: [] }],
  ['an ID token without name', {}, { name: undefined }],
];

describe('what the AS sends at the code exchange is refused, or stored and read back on reload', () => {
  for (const [name, fields, claims] of TOKEN_RESPONSES) {
    it(name, async () => {
      const w = world({}, [tokenResponse(fields, claims)]);
      const outcome = await w.signIn().then(
        () => 'stored',
        (err: unknown) => err,
      );
      if (outcome !== 'stored') {
        expect(outcome).toBeInstanceOf(OAuthError);
        expect(await w.fake.store.get(SESSION_KEY)).toBeUndefined();
        expect(w.client.state.status).toBe('error');
        return;
      }
      expect(w.client.state.status).toBe('signedIn');
      const reloaded = await w.reload();
      expect(shown(reloaded.state)).toEqual(shown(w.client.state));
      // And the reloaded session works: a forced refresh reads the stored record under the lock.
      await expect(reloaded.getAccessToken({ forceRefresh: true }).then(() => 'ok', (e: unknown) => (e as OAuthError).code)).resolves.toBe(
        fields.refresh_token === undefined && 'refresh_token' in fields ? 'login_required' : 'ok',
      );
    });
  }

  it('the issue, end to end: an empty granted scope survives a reload and a forced refresh', async () => {
    const w = world({}, [tokenResponse({ scope: '' }), tokenResponse({ scope: '' })]);
    await w.signIn();
    const reloaded = await w.reload();
    expect(reloaded.state.status).toBe('signedIn');
    await expect(reloaded.getAccessToken({ forceRefresh: true })).resolves.toMatch(/^at-/);
    expect(reloaded.state.status).toBe('signedIn');
    expect(decodeSession(await w.fake.store.get(SESSION_KEY), `${w.issuer}`, 'spa')?.scope).toBe('');
  });
});

describe('what the AS sends at a refresh is refused (the session kept), or stored and read back', () => {
  for (const [name, fields] of TOKEN_RESPONSES) {
    it(name, async () => {
      const w = world({}, [tokenResponse(), tokenResponse(fields)]);
      await w.signIn();
      const before = await w.fake.store.get(SESSION_KEY);
      const outcome = await w.client.getAccessToken({ forceRefresh: true }).then(
        () => 'stored',
        (err: unknown) => err,
      );
      if (outcome !== 'stored') {
        expect(outcome).toBeInstanceOf(OAuthError);
        expect(await w.fake.store.get(SESSION_KEY)).toEqual(before);
        expect(w.client.state.status).toBe('signedIn');
        return;
      }
      const reloaded = await w.reload();
      expect(shown(reloaded.state)).toEqual(shown(w.client.state));
    });
  }
});

/** Metadata an AS may publish: refused at discovery (nothing stored, no navigation), or a login that reads back. */
const METADATA: Array<[string, Record<string, unknown>, 'refused' | 'works']> = [
  ['no token endpoint', { token_endpoint: undefined }, 'refused'],
  ['a token endpoint that is not a string', { token_endpoint: 42 }, 'refused'],
  ['an empty authorization endpoint', { authorization_endpoint: '' }, 'refused'],
  ['a revocation endpoint that is not a string', { revocation_endpoint: ['x'] }, 'refused'],
  ['an alg list that is a string', { id_token_signing_alg_values_supported: 'ES256' }, 'refused'],
  ['a DPoP alg list that is a string', { dpop_signing_alg_values_supported: 'ES256' }, 'refused'],
  ['null for optional fields', { end_session_endpoint: null, revocation_endpoint: null, dpop_signing_alg_values_supported: null }, 'works'],
  ['unknown fields of every type', { x_list: [1, 'a'], x_obj: {}, x_empty: '', claims_supported: [] }, 'works'],
  ['no revocation or end-session endpoint', { revocation_endpoint: undefined, end_session_endpoint: undefined }, 'works'],
];

describe('AS metadata is refused at discovery, or its session reads back', () => {
  for (const [name, fields, expected] of METADATA) {
    it(`${name}: ${expected}`, async () => {
      const w = world(fields);
      if (expected === 'refused') {
        await w.client.init();
        await expect(w.client.login()).rejects.toMatchObject({ code: 'discovery_failed' });
        expect(w.fake.navigations).toEqual([]);
        expect(await w.fake.store.entries()).toEqual([]);
        return;
      }
      await w.signIn();
      const reloaded = await w.reload();
      expect(reloaded.state.status).toBe('signedIn');
      await reloaded.logout();
      expect(reloaded.state.status).toBe('signedOut');
    });
  }
});

describe('decodeSession: every field the AS controls', () => {
  const issuer = 'https://as.example/';
  const good = {
    v: 1,
    issuer,
    clientId: 'spa',
    accessToken: 'at',
    tokenType: 'bearer',
    issuedAt: 1_700_000_000_000,
    expiresAt: 1_700_000_060_000,
    refreshToken: 'rt',
    idToken: 'a.b.c',
    claims: { sub: 'alice' },
    scope: 'openid',
    as: { issuer, token_endpoint: `${issuer}token`, authorization_endpoint: `${issuer}auth` },
  };
  const cases: Array<[field: string, value: unknown, accepted: boolean]> = [
    ['scope', '', true],
    ['scope', undefined, true],
    ['scope', ' ', true],
    ['scope', 42, false],
    ['scope', null, false],
    ['refreshToken', undefined, true],
    ['refreshToken', '', false],
    ['refreshToken', 1, false],
    ['idToken', undefined, true],
    ['idToken', '', false],
    ['claims', undefined, true],
    ['claims', {}, true],
    ['claims', { name: 42, email: null, nested: { a: [] } }, true],
    ['claims', [], false],
    ['claims', 'alice', false],
    ['accessToken', '', false],
    ['accessToken', undefined, false],
    ['expiresAt', 0, true],
    ['expiresAt', Infinity, false],
    ['expiresAt', '1700000060000', false],
    ['issuedAt', -1, false],
    ['as', { ...good.as, authorization_endpoint: undefined }, true],
    ['as', { ...good.as, token_endpoint: undefined }, false],
    ['as', { ...good.as, end_session_endpoint: null, x: [1] }, true],
    ['as', null, false],
    ['resourceTokens', undefined, true],
    ['resourceTokens', { 'urn:x': { accessToken: 'x', issuedAt: 1, expiresAt: 2 } }, true],
    ['resourceTokens', { 'urn:x': { accessToken: '', issuedAt: 1, expiresAt: 2 } }, false],
  ];
  for (const [field, value, accepted] of cases) {
    it(`${field} = ${JSON.stringify(value) ?? 'undefined'}: ${accepted ? 'accepted' : 'storage_corrupt'}`, () => {
      const record: Record<string, unknown> = { ...good, [field]: value };
      if (value === undefined) delete record[field];
      const decode = () => decodeSession(record, issuer, 'spa');
      if (accepted) expect(decode()).toEqual(record);
      else expect(decode).toThrow(expect.objectContaining({ code: 'storage_corrupt' }));
    });
  }
});

describe('a session that is gone never stays on screen', () => {
  it('getAccessToken({ forceRefresh }) finding a corrupt record: storage_corrupt, signed out, record removed, other tabs told', async () => {
    const w = world();
    await w.signIn();
    expect(w.client.state.status).toBe('signedIn');
    await w.fake.store.set(SESSION_KEY, { v: 1, junk: true });
    w.posts.length = 0;
    await expect(w.client.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'storage_corrupt' });
    expect(w.client.state).toMatchObject({ status: 'signedOut', error: { code: 'storage_corrupt' } });
    expect(await w.fake.store.get(SESSION_KEY)).toBeUndefined();
    expect(w.posts).toContain('session-changed');
    expect(tokenRequests(w.fake.requests, 'refresh_token')).toHaveLength(0);
    await expect(w.client.getAccessToken()).rejects.toMatchObject({ code: 'login_required' });
  });

  it('a due token and a corrupt record: the renewal signs out the same way', async () => {
    const w = world();
    await w.signIn();
    await w.fake.store.set(SESSION_KEY, 'garbage');
    w.fake.advance(55_000);
    await expect(w.client.getAccessToken()).rejects.toMatchObject({ code: 'storage_corrupt' });
    expect(w.client.state.status).toBe('signedOut');
  });

  it('getAccessToken({ forceRefresh }) finding no record (another tab logged out): login_required, signed out', async () => {
    const w = world();
    await w.signIn();
    await w.fake.store.delete([SESSION_KEY]);
    await expect(w.client.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'login_required' });
    expect(w.client.state.status).toBe('signedOut');
  });
});

describe('browserEffects().setTimer with a token that lives longer than a browser timer can wait', () => {
  afterEach(() => void vi.useRealTimers());

  it('does not fire at once for a delay above 2^31 - 1 ms (60 days): no renewal spin', () => {
    vi.useFakeTimers();
    const task = vi.fn();
    browserEffects().setTimer(task, 60 * 24 * 3600 * 1000);
    vi.advanceTimersByTime(60_000);
    expect(task).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2 ** 31);
    expect(task).toHaveBeenCalledTimes(1);
  });
});
