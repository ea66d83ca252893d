import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, ISSUER, json, metadata, tokenRequests, type Recorded } from './fakes.js';

/**
 * Hostile-input cases that need a scripted AS or resource rather than the real ones (issue 5):
 * a resource whose CORS hides `WWW-Authenticate` (SECURITY.md 20) and the clock-skew option for ID-token
 * time checks (SECURITY.md 13).
 */

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An ID token as the token endpoint returns it (oauth4webapi checks its claims, not its signature). */
const idToken = (claims: Record<string, unknown>) => `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;

function setup(options: Partial<OAuthClientOptions>, routes: { token?: (r: Recorded, nonce: string) => Response; api?: () => Response }) {
  // A fresh issuer per client: discovery is cached per issuer for the page's lifetime.
  const issuer = `${ISSUER}/${Math.random().toString(36).slice(2)}`;
  const meta = { ...metadata, issuer, id_token_signing_alg_values_supported: ['ES256'] };
  let nonce = '';
  const fake = fakeEffects({
    [`${issuer}/.well-known/openid-configuration`]: () => json(meta),
    [metadata.token_endpoint]: (r) => (routes.token ?? (() => json({ access_token: 'at', token_type: 'Bearer', expires_in: 60 })))(r, nonce),
    'https://api.example/': routes.api ?? (() => json({ ok: true })),
  });
  const client = createClientWith(
    resolveConfig({ issuer, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'api', resources: ['https://api.example/v1/'], ...options }),
    fake.effects,
  );
  const signIn = async () => {
    await client.init();
    await client.login();
    const authorize = new URL(fake.navigations.at(-1)!);
    nonce = authorize.searchParams.get('nonce') ?? '';
    return client.handleRedirect(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(issuer)}`);
  };
  return { fake, client, signIn, issuer };
}

describe('a resource whose CORS hides WWW-Authenticate (SECURITY.md 20)', () => {
  it('warns once, names the fix, and hands the 401 back without a refresh loop', async () => {
    // What the browser shows the SDK when `Access-Control-Expose-Headers` lacks WWW-Authenticate: a bare 401.
    const { fake, client, signIn } = setup({}, { api: () => new Response('{}', { status: 401 }) });
    await signIn();
    const response = await client.fetch('https://api.example/v1/me');
    expect(response.status).toBe(401);
    expect(fake.warnings.filter((w) => w.includes('WWW-Authenticate'))).toHaveLength(1);
    expect(fake.warnings[0]).toContain('Access-Control-Expose-Headers');
    expect(tokenRequests(fake.requests, 'refresh_token')).toHaveLength(0);
  });
});

describe('clock skew (SECURITY.md 13)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  /** An ID token issued by an AS whose clock runs an hour ahead of this browser's. */
  const ahead = (issuer: string, nonce: string) =>
    json({
      access_token: 'at',
      token_type: 'Bearer',
      expires_in: 60,
      id_token: idToken({ iss: issuer, aud: 'spa', sub: 'alice', nonce, iat: now() + 3600, nbf: now() + 3600, exp: now() + 7200 }),
    });

  it('without the option, an ID token not yet valid here is refused (invalid_id_token), nothing stored', async () => {
    const ctx = setup({ scope: 'openid' }, { token: (_r, nonce) => ahead(ctx.issuer, nonce) });
    await expect(ctx.signIn()).rejects.toMatchObject({ code: 'invalid_id_token' });
    expect(await ctx.fake.store.get('session')).toBeUndefined();
  });

  it('with clockSkew set to the known offset, the same token is accepted', async () => {
    const ctx = setup({ scope: 'openid', clockSkew: 3600 }, { token: (_r, nonce) => ahead(ctx.issuer, nonce) });
    await ctx.signIn();
    expect(ctx.client.state).toMatchObject({ status: 'signedIn', user: { sub: 'alice' } });
  });

  it('expiry is counted from local receipt, not from the AS clock', async () => {
    const ctx = setup({ scope: 'openid', clockSkew: 3600 }, { token: (_r, nonce) => ahead(ctx.issuer, nonce) });
    await ctx.signIn();
    const state = ctx.client.state as { expiresAt: number };
    expect(state.expiresAt).toBe(ctx.fake.now + 60_000);
  });
});
