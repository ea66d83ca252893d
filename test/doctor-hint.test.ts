import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { asRequestKind, doctorHint } from '../src/core/doctor-hint.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, json, type Recorded } from './fakes.js';

/**
 * Issue 19: in development, a request the browser refuses at the network (CORS, most often) gets a console
 * warning naming the rows of `npx browser-oauth doctor` that check it, and the command for this client.
 */

const ISSUER = 'http://127.0.0.1:4000';
const options: OAuthClientOptions = {
  issuer: ISSUER,
  clientId: 'spa',
  redirectUri: 'http://127.0.0.1:5173/cb',
  scope: 'api offline_access',
  resources: ['http://127.0.0.1:4001/api/'],
  allowInsecureLoopback: true,
  dpop: false,
};
const COMMAND =
  'npx browser-oauth doctor --issuer http://127.0.0.1:4000 --client-id spa --origin http://127.0.0.1:5173 --redirect-uri http://127.0.0.1:5173/cb --resource http://127.0.0.1:4001/api/';

const meta = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
  revocation_endpoint: `${ISSUER}/revoke`,
};

/** A client on the page `page`; `refuse` lists URL prefixes the "browser" refuses (a CORS failure is a TypeError). */
function setup(page: string, refuse: string[]) {
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/`]: () => json(meta),
    [`${ISSUER}/token`]: () => json({ access_token: 'at', token_type: 'Bearer', expires_in: 600, refresh_token: 'rt' }),
    [`${ISSUER}/revoke`]: () => new Response(null, { status: 200 }),
    'http://127.0.0.1:4001/': () => json({ ok: true }),
  });
  const fetch = fake.effects.fetch;
  fake.effects.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (refuse.some((prefix) => url.startsWith(prefix))) {
      fake.requests.push({ url, method: init?.method ?? 'GET', body: null, headers: new Headers() } satisfies Recorded);
      throw new TypeError('Failed to fetch');
    }
    return fetch(input, init);
  };
  fake.goto(page);
  const client = createClientWith(resolveConfig(options), fake.effects);
  const signIn = async () => {
    await client.init();
    await client.login();
    const state = new URL(fake.navigations.at(-1)!).searchParams.get('state');
    return client.handleRedirect(`http://127.0.0.1:5173/cb?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`);
  };
  return { fake, client, signIn };
}

describe('the doctor hint (issue 19)', () => {
  it('discovery refused: names discovery, cors.discovery and the full command', async () => {
    const { fake, client } = setup('http://127.0.0.1:5173/', [`${ISSUER}/.well-known/`]);
    await client.init();
    await expect(client.login()).rejects.toMatchObject({ code: 'network' });
    const hints = fake.warnings.filter((w) => w.includes('browser-oauth doctor'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain('rows discovery, cors.discovery');
    expect(hints[0]).toContain(COMMAND);
  });

  it('the token endpoint refused: cors.token, expose.token, once however often it fails', async () => {
    const { fake, signIn, client } = setup('http://127.0.0.1:5173/', [`${ISSUER}/token`]);
    await expect(signIn()).rejects.toMatchObject({ code: 'network' });
    await client.login().catch(() => undefined);
    const hints = fake.warnings.filter((w) => w.includes('browser-oauth doctor'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain('rows cors.token, expose.token');
  });

  it('a resource refused: cors.resource, expose.resource; the revocation endpoint: cors.revocation', async () => {
    const { fake, signIn, client } = setup('http://127.0.0.1:5173/', ['http://127.0.0.1:4001/', `${ISSUER}/revoke`]);
    await signIn();
    await expect(client.fetch('http://127.0.0.1:4001/api/me')).rejects.toThrow();
    await client.logout();
    const hints = fake.warnings.filter((w) => w.includes('browser-oauth doctor'));
    expect(hints.map((h) => h.match(/rows ([^ ]+(?:, [^ ]+)?) of/)?.[1])).toEqual(['cors.resource, expose.resource', 'cors.revocation']);
  });

  it('says nothing outside development (a page not on a loopback origin)', async () => {
    const { fake, signIn } = setup('https://app.example/', [`${ISSUER}/token`]);
    await expect(signIn()).rejects.toMatchObject({ code: 'network' });
    expect(fake.warnings.filter((w) => w.includes('browser-oauth doctor'))).toEqual([]);
  });

  it('classifies the AS request by its URL and body', () => {
    expect(asRequestKind(`${ISSUER}/.well-known/openid-configuration`, undefined)).toBe('discovery');
    expect(asRequestKind(`${ISSUER}/token`, new URLSearchParams({ grant_type: 'refresh_token' }))).toBe('token');
    expect(asRequestKind(`${ISSUER}/revoke`, new URLSearchParams({ token: 'x' }))).toBe('revocation');
    expect(asRequestKind(`${ISSUER}/request`, new URLSearchParams({ response_type: 'code', client_id: 'spa' }))).toBe('par');
    expect(doctorHint('token', resolveConfig(options), new URL('http://localhost:3000/'))).toContain('--origin http://localhost:3000');
  });
});
