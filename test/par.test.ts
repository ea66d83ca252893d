import { calculateJwkThumbprint } from 'jose';
import * as o from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import type { Effects } from '../src/core/effects.js';
import { OAuthError } from '../src/core/errors.js';
import { usesPar } from '../src/core/flows/par.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, json, type Recorded } from './fakes.js';

/** Pushed authorization requests (RFC 9126) and the DPoP-bound code (RFC 9449 §10), against a scripted AS. */

const ISSUER = 'https://par-as.example';
const PAR_ENDPOINT = `${ISSUER}/par`;
const TOKEN_ENDPOINT = `${ISSUER}/token`;
const base = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: TOKEN_ENDPOINT };
const withPar = { ...base, pushed_authorization_request_endpoint: PAR_ENDPOINT };

const claims = (jwt: string | null) => JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('usesPar: the par option against the metadata', () => {
  const cases: Array<[string, 'auto' | boolean, Partial<o.AuthorizationServer>, boolean | string]> = [
    ["'auto', no endpoint: the request goes in the URL", 'auto', {}, false],
    ["'auto', an endpoint: pushed", 'auto', { pushed_authorization_request_endpoint: PAR_ENDPOINT }, true],
    ["'auto', required: pushed", 'auto', { pushed_authorization_request_endpoint: PAR_ENDPOINT, require_pushed_authorization_requests: true }, true],
    ["'auto', required but no endpoint: cannot comply", 'auto', { require_pushed_authorization_requests: true }, 'par_unsupported'],
    ['true, an endpoint: pushed', true, { pushed_authorization_request_endpoint: PAR_ENDPOINT }, true],
    ['true, no endpoint: par_unsupported', true, {}, 'par_unsupported'],
    ['false, an endpoint: the URL', false, { pushed_authorization_request_endpoint: PAR_ENDPOINT }, false],
    ['false, required: par_required, not the AS error page', false, { pushed_authorization_request_endpoint: PAR_ENDPOINT, require_pushed_authorization_requests: true }, 'par_required'],
    ['false, require flag not true (a string): the URL', false, { pushed_authorization_request_endpoint: PAR_ENDPOINT, require_pushed_authorization_requests: 'true' as never }, false],
  ];
  it.each(cases)('%s', (_name, option, metadata, expected) => {
    const as = { ...base, ...metadata } as o.AuthorizationServer;
    if (typeof expected === 'boolean') expect(usesPar(option, as)).toBe(expected);
    else expect(() => usesPar(option, as)).toThrow(expect.objectContaining({ name: 'OAuthError', code: expected }));
  });
});

type Handler = (r: Recorded) => Response;

/** A client against a scripted AS; `par` answers the pushed requests in turn (default: a fresh request_uri). */
function setup(opts: { meta?: object; par?: Handler[]; options?: Partial<OAuthClientOptions>; hangPar?: boolean } = {}) {
  const parQueue = [...(opts.par ?? [])];
  let pushed = 0;
  const issuer = `${ISSUER}/${Math.random().toString(36).slice(2)}`; // a fresh discovery cache entry per test
  const meta: Record<string, unknown> = { ...withPar, ...opts.meta, issuer };
  const fake = fakeEffects({
    [`${issuer}/.well-known/openid-configuration`]: () => json(meta),
    [PAR_ENDPOINT]: (r) => parQueue.shift()?.(r) ?? json({ request_uri: `urn:ietf:params:oauth:request_uri:r${++pushed}`, expires_in: 60 }, 201),
    [TOKEN_ENDPOINT]: () => json({ access_token: 'at', token_type: meta.dpop_signing_alg_values_supported ? 'DPoP' : 'Bearer', expires_in: 60, refresh_token: 'rt' }),
  });
  const effects: Effects = opts.hangPar
    ? {
        ...fake.effects,
        // A PAR endpoint that never answers: only the SDK's own timeout ends the wait.
        fetch: (input, init) =>
          String(input).startsWith(PAR_ENDPOINT)
            ? new Promise((_resolve, reject) => {
                fake.requests.push({ url: String(input), method: init?.method ?? 'GET', body: null, headers: new Headers(init?.headers) });
                init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
              })
            : fake.effects.fetch(input, init),
      }
    : fake.effects;
  const client = createClientWith(
    resolveConfig({ issuer, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'openid api', resources: ['https://api.example/'], ...opts.options }),
    effects,
  );
  const parRequests = () => fake.requests.filter((r) => r.url === PAR_ENDPOINT);
  const pending = async () => (await fake.store.entries()).filter(([key]) => key.startsWith('pending:'));
  return { fake, client, parRequests, pending, meta };
}

describe('login with PAR', () => {
  it('pushes every parameter; the browser goes to the AS with client_id and request_uri only', async () => {
    const { fake, client, parRequests, pending } = setup({ options: { authorizationParams: { ui_locales: 'de' } } });
    await client.init();
    await client.login({ loginHint: 'alice', params: { acr_values: 'urn:mfa' } });
    const [push] = parRequests();
    expect(push?.method).toBe('POST');
    expect(Object.fromEntries(push!.body!)).toMatchObject({
      client_id: 'spa',
      redirect_uri: 'https://app.example/cb',
      response_type: 'code',
      scope: 'openid api',
      code_challenge_method: 'S256',
      login_hint: 'alice',
      ui_locales: 'de',
      acr_values: 'urn:mfa',
    });
    for (const name of ['code_challenge', 'state', 'nonce']) expect(push!.body!.get(name)).toBeTruthy();
    const authorize = new URL(fake.navigations.at(-1)!);
    expect(authorize.origin + authorize.pathname).toBe(`${ISSUER}/authorize`);
    expect([...authorize.searchParams]).toEqual([
      ['client_id', 'spa'],
      ['request_uri', 'urn:ietf:params:oauth:request_uri:r1'],
    ]);
    // The login is stored under the pushed state; its callback takes it and sends the pushed challenge's verifier.
    expect((await pending()).map(([key]) => key)).toEqual([`pending:${push!.body!.get('state')}`]);
    fake.goto(`https://app.example/cb?code=c&state=${push!.body!.get('state')}`);
    await client.handleRedirect().catch(() => undefined); // the fake AS signs no ID token: the exchange is what counts
    expect(await pending()).toEqual([]);
    const exchange = fake.requests.filter((r) => r.url === TOKEN_ENDPOINT);
    expect(exchange).toHaveLength(1);
    expect(await o.calculatePKCECodeChallenge(exchange[0]!.body!.get('code_verifier')!)).toBe(push!.body!.get('code_challenge'));
  });

  it("par: false sends the request in the URL even when the AS offers PAR", async () => {
    const { fake, client, parRequests } = setup({ options: { par: false } });
    await client.init();
    await client.login();
    expect(parRequests()).toEqual([]);
    const authorize = new URL(fake.navigations.at(-1)!);
    expect(authorize.searchParams.get('code_challenge')).toBeTruthy();
    expect(authorize.searchParams.has('request_uri')).toBe(false);
  });

  it.each([
    ['par: true, the AS has no endpoint', { par: true }, {}, 'par_unsupported'],
    ['par: false, the AS requires PAR', { par: false }, { require_pushed_authorization_requests: true }, 'par_required'],
  ] as const)('%s: login() rejects before anything is sent or stored', async (_name, options, meta, code) => {
    const noEndpoint = code === 'par_unsupported' ? { pushed_authorization_request_endpoint: undefined } : {};
    const { fake, client, parRequests, pending } = setup({ options, meta: { ...meta, ...noEndpoint } });
    await client.init();
    await expect(client.login()).rejects.toMatchObject({ name: 'OAuthError', code });
    expect(parRequests()).toEqual([]);
    expect(fake.navigations).toEqual([]);
    expect(await pending()).toEqual([]);
    expect(client.state).toMatchObject({ status: 'error', error: { code } });
  });

  it.each([
    ['an AS error', { par: [() => json({ error: 'invalid_request', error_description: 'bad' }, 400)] }, 'oauth_error'],
    ['a 5xx', { par: [() => new Response('down', { status: 503 })] }, 'server_error'],
    ['a body over maxResponseBytes', { par: [() => json({ request_uri: 'urn:x', expires_in: 60, pad: 'x'.repeat(2000) }, 201)], options: { maxResponseBytes: 1000 } }, 'response_too_large'],
    ['a 201 that is not JSON', { par: [() => new Response('request_uri=urn:x', { status: 201, headers: { 'content-type': 'text/plain' } })] }, 'invalid_response'],
    ['a 201 without request_uri', { par: [() => json({ expires_in: 60 }, 201)] }, 'invalid_response'],
    ['an answer that never comes', { hangPar: true, options: { timeout: 50 } }, 'timeout'],
  ] as const)('%s at the PAR endpoint is a typed error; nothing stored, no navigation', async (_name, opts, code) => {
    const { fake, client, parRequests, pending } = setup(opts as Parameters<typeof setup>[0]);
    await client.init();
    await expect(client.login()).rejects.toMatchObject({ name: 'OAuthError', code });
    expect(parRequests()).toHaveLength(1);
    expect(fake.navigations).toEqual([]);
    expect(await pending()).toEqual([]);
  });
});

describe('the DPoP-bound code (RFC 9449 §10)', () => {
  const dpopMeta = { dpop_signing_alg_values_supported: ['ES256'] };

  it("with PAR: a proof of the login's key on the pushed request; that key is the session's", async () => {
    const { fake, client, parRequests } = setup({ meta: dpopMeta });
    await client.init();
    await client.login();
    const [push] = parRequests();
    const proof = push!.headers.get('dpop');
    expect(claims(proof)).toMatchObject({ htm: 'POST', htu: PAR_ENDPOINT });
    const jkt = push!.body!.get('dpop_jkt');
    expect(jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The proof's key is the one dpop_jkt names, and the one stored with the pending login.
    const header = JSON.parse(Buffer.from(proof!.split('.')[0]!, 'base64url').toString()) as { jwk: unknown };
    const [[, stored]] = (await fake.store.entries()).filter(([key]) => key.startsWith('pending:')) as [[string, { keyPair: CryptoKeyPair }]];
    expect(await calculateJwkThumbprint(header.jwk as never)).toBe(jkt);
    expect(await o.DPoP({ client_id: 'spa' } as o.Client, stored.keyPair).calculateThumbprint()).toBe(jkt);
    expect([...new URL(fake.navigations.at(-1)!).searchParams.keys()]).toEqual(['client_id', 'request_uri']);
  });

  it('without PAR: dpop_jkt in the URL', async () => {
    const { fake, client, parRequests } = setup({ meta: dpopMeta, options: { par: false } });
    await client.init();
    await client.login();
    expect(parRequests()).toEqual([]);
    expect(new URL(fake.navigations.at(-1)!).searchParams.get('dpop_jkt')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('use_dpop_nonce at the PAR endpoint is retried exactly once, with the nonce', async () => {
    const nonceChallenge = () => json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'n-1' });
    const { fake, client, parRequests } = setup({ meta: dpopMeta, par: [nonceChallenge] });
    await client.init();
    await client.login();
    const pushes = parRequests();
    expect(pushes).toHaveLength(2);
    expect(claims(pushes[0]!.headers.get('dpop')).nonce).toBeUndefined();
    expect(claims(pushes[1]!.headers.get('dpop')).nonce).toBe('n-1');
    expect(claims(pushes[0]!.headers.get('dpop')).jti).not.toBe(claims(pushes[1]!.headers.get('dpop')).jti);
    expect(new URL(fake.navigations.at(-1)!).searchParams.get('request_uri')).toBe('urn:ietf:params:oauth:request_uri:r1');

    // A second challenge is not retried again.
    const twice = setup({ meta: dpopMeta, par: [nonceChallenge, () => json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'n-2' })] });
    await twice.client.init();
    await expect(twice.client.login()).rejects.toBeInstanceOf(OAuthError);
    expect(twice.parRequests()).toHaveLength(2);
  });
});

describe('the par option', () => {
  it('is checked at creation', () => {
    const options = { issuer: ISSUER, clientId: 'spa', redirectUri: 'https://app.example/cb' };
    expect(resolveConfig(options).par).toBe('auto');
    expect(resolveConfig({ ...options, par: true }).par).toBe(true);
    expect(() => resolveConfig({ ...options, par: 'yes' as never })).toThrow(TypeError);
  });
});
