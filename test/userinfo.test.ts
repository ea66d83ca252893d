import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { fakeEffects, ISSUER, json, metadata, type Recorded } from './fakes.js';

/**
 * auth.userinfo() with a scripted AS (effects injected): what is sent, the `sub` check, a signed answer, and what
 * `updateUser` stores. Signatures are not verified by oauth4webapi for these answers (TLS from the AS itself),
 * so the JWTs below carry a dummy one. The DPoP proof, the indicator case and the retry are proven in Chromium
 * against oidc-provider (e2e/userinfo.spec.ts).
 */

const USERINFO = `${ISSUER}/userinfo`;
const as = { ...metadata, userinfo_endpoint: USERINFO, id_token_signing_alg_values_supported: ['ES256'], userinfo_signing_alg_values_supported: ['ES256'] };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.${'A'.repeat(86)}`;
const now = () => Math.floor(Date.now() / 1000);

async function signedIn(userinfo: (r: Recorded) => Response) {
  let nonce = '';
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(as),
    [as.token_endpoint]: () =>
      json({
        access_token: 'at1',
        token_type: 'Bearer',
        expires_in: 60,
        refresh_token: 'rt1',
        id_token: jwt({ iss: ISSUER, aud: 'spa', sub: 'alice', nonce, iat: now(), exp: now() + 300, name: 'Alice' }),
      }),
    [USERINFO]: userinfo,
  });
  const client = createClientWith(
    resolveConfig({ issuer: ISSUER, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'openid offline_access', resources: ['https://api.example/v1/'], dpop: false }),
    fake.effects,
  );
  await client.init();
  await client.login();
  const authorize = new URL(fake.navigations.at(-1)!);
  nonce = authorize.searchParams.get('nonce')!;
  fake.goto(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(ISSUER)}`);
  await client.handleRedirect();
  const storedClaims = async () => ((await fake.store.get('session')) as { claims?: Record<string, unknown> }).claims;
  return { fake, client, storedClaims };
}

describe('auth.userinfo', () => {
  it('asks with the session token, returns the claims, and stores nothing without updateUser', async () => {
    const { client, fake, storedClaims } = await signedIn(() => json({ sub: 'alice', email: 'alice@example.com' }));
    const before = await storedClaims();
    expect(await client.userinfo()).toEqual({ sub: 'alice', email: 'alice@example.com' });
    const sent = fake.requests.filter((r) => r.url === USERINFO);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer at1');
    expect(await storedClaims()).toEqual(before);
  });

  it('updateUser merges the claims into the stored user and the state; the ID token wins for its own claims', async () => {
    const { client, storedClaims } = await signedIn(() => json({ sub: 'alice', email: 'alice@example.com', name: 'Someone else' }));
    await client.userinfo({ updateUser: true });
    expect(await storedClaims()).toMatchObject({ sub: 'alice', email: 'alice@example.com', name: 'Alice', iss: ISSUER });
    expect(client.state.user).toMatchObject({ email: 'alice@example.com', name: 'Alice' });
  });

  it('another sub is userinfo_mismatch, and nothing is stored', async () => {
    const { client, storedClaims } = await signedIn(() => json({ sub: 'mallory', email: 'mallory@example.com' }));
    const before = await storedClaims();
    await expect(client.userinfo({ updateUser: true })).rejects.toMatchObject({ code: 'userinfo_mismatch' });
    expect(await storedClaims()).toEqual(before);
    expect(client.state.user?.email).toBeUndefined();
  });

  it('a signed answer: its claims after the iss and aud checks; another issuer is invalid_response', async () => {
    let iss = ISSUER;
    const { client } = await signedIn(() => new Response(jwt({ iss, aud: 'spa', sub: 'alice', email: 'alice@example.com' }), { headers: { 'content-type': 'application/jwt' } }));
    expect(await client.userinfo()).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
    iss = 'https://evil.example';
    await expect(client.userinfo()).rejects.toMatchObject({ code: 'invalid_response' });
  });
});
