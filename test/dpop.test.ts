import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { DPoPNonces } from '../src/core/dpop.js';
import { fakeEffects, json, type Recorded } from './fakes.js';

const ISSUER = 'https://dpop-as.example';
const metadata = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  dpop_signing_alg_values_supported: ['ES256', 'RS256'],
};

const claims = (jwt: string | null) => JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const header = (jwt: string | null) => JSON.parse(Buffer.from(jwt!.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

type Handler = (r: Recorded) => Response;

function setup(opts: { token?: Handler[]; api?: Handler[]; dpop?: boolean; meta?: object } = {}) {
  const tokenQueue = [...(opts.token ?? [])];
  const apiQueue = [...(opts.api ?? [])];
  let issued = 0;
  const issuer = `${ISSUER}/${Math.random().toString(36).slice(2)}`; // a fresh discovery cache entry per test
  const meta = { ...metadata, ...opts.meta, issuer };
  const fake = fakeEffects({
    [`${issuer}/.well-known/openid-configuration`]: () => json(meta),
    [metadata.token_endpoint]: (r) => {
      const next = tokenQueue.shift();
      if (next) return next(r);
      issued++;
      return json({ access_token: `at${issued}`, token_type: 'DPoP', expires_in: 60, refresh_token: `rt${issued}` });
    },
    'https://api.example/': (r) => apiQueue.shift()?.(r) ?? json({ ok: true }),
  });
  const client = createClientWith(
    resolveConfig({ issuer, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'api', resources: ['https://api.example/'], ...(opts.dpop !== undefined && { dpop: opts.dpop }) }),
    fake.effects,
  );
  const signIn = async () => {
    await client.init();
    await client.login();
    const authorize = new URL(fake.navigations.at(-1)!);
    await client.handleRedirect(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}`);
    return authorize;
  };
  return { fake, client, signIn, meta };
}

const tokenCalls = (requests: Recorded[]) => requests.filter((r) => r.url === metadata.token_endpoint);

describe('DPoP', () => {
  it('is on when the AS advertises it: dpop_jkt, a proof on the exchange, a non-extractable key stored', async () => {
    const { fake, signIn, client } = setup();
    const authorize = await signIn();
    expect(authorize.searchParams.get('dpop_jkt')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [exchange] = tokenCalls(fake.requests);
    const proof = exchange!.headers.get('dpop');
    expect(header(proof)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(claims(proof)).toMatchObject({ htm: 'POST', htu: metadata.token_endpoint });
    const stored = (await fake.store.get('session')) as { tokenType: string; keyPair: CryptoKeyPair };
    expect(stored.tokenType).toBe('dpop');
    expect(stored.keyPair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', stored.keyPair.privateKey)).rejects.toThrow();
    expect(client.state.status).toBe('signedIn');
  });

  it('sends Authorization: DPoP with a proof bound to the token (ath) only to resources', async () => {
    const { fake, signIn, client } = setup();
    await signIn();
    await client.fetch('https://api.example/me');
    const call = fake.requests.at(-1)!;
    expect(call.headers.get('authorization')).toBe('DPoP at1');
    const proof = claims(call.headers.get('dpop'));
    const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('at1'))).toString('base64url');
    expect(proof).toMatchObject({ htm: 'GET', htu: 'https://api.example/me', ath });
  });

  it('discards a Bearer token answered to a DPoP proof (dpop_downgrade), storing nothing', async () => {
    const { fake, signIn } = setup({ token: [() => json({ access_token: 'x', token_type: 'Bearer', expires_in: 60 })] });
    await expect(signIn()).rejects.toMatchObject({ code: 'dpop_downgrade' });
    expect(await fake.store.get('session')).toBeUndefined();
  });

  it('retries exactly once with the nonce the AS asks for, and uses it next time', async () => {
    const nonceError = () => json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'n-1' });
    const { fake, signIn, client } = setup({ token: [nonceError] });
    await signIn();
    const [first, retry] = tokenCalls(fake.requests);
    expect(claims(first!.headers.get('dpop')).nonce).toBeUndefined();
    expect(claims(retry!.headers.get('dpop')).nonce).toBe('n-1');
    expect(tokenCalls(fake.requests)).toHaveLength(2);
    await client.getAccessToken({ forceRefresh: true });
    expect(claims(tokenCalls(fake.requests)[2]!.headers.get('dpop')).nonce).toBe('n-1');
  });

  it('does not retry a second use_dpop_nonce: the error surfaces', async () => {
    const nonceError = () => json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': `n-${Math.random()}` });
    const { fake, signIn } = setup({ token: [nonceError, nonceError] });
    await expect(signIn()).rejects.toMatchObject({ code: 'oauth_error', error: 'use_dpop_nonce' });
    expect(tokenCalls(fake.requests)).toHaveLength(2);
  });

  it('retries a resource call once on a DPoP nonce challenge', async () => {
    const challenge = () =>
      new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'rs-1' } });
    const { fake, signIn, client } = setup({ api: [challenge] });
    await signIn();
    const response = await client.fetch('https://api.example/me');
    expect(response.status).toBe(200);
    const calls = fake.requests.filter((r) => r.url.startsWith('https://api.example/'));
    expect(calls).toHaveLength(2);
    expect(claims(calls[1]!.headers.get('dpop')).nonce).toBe('rs-1');
  });

  it('uses Bearer when the AS has no DPoP, and refuses dpop: true there', async () => {
    const plain = setup({ meta: { dpop_signing_alg_values_supported: undefined }, token: [() => json({ access_token: 'b', token_type: 'Bearer', expires_in: 60 })] });
    await plain.signIn();
    expect(tokenCalls(plain.fake.requests)[0]!.headers.get('dpop')).toBeNull();
    const forced = setup({ meta: { dpop_signing_alg_values_supported: undefined }, dpop: true });
    await forced.client.init();
    await expect(forced.client.login()).rejects.toMatchObject({ code: 'dpop_unsupported' });
  });

  it('dpop: false sends no proof even when the AS offers DPoP', async () => {
    const { fake, signIn } = setup({ dpop: false, token: [() => json({ access_token: 'b', token_type: 'Bearer', expires_in: 60 })] });
    const authorize = await signIn();
    expect(authorize.searchParams.has('dpop_jkt')).toBe(false);
    expect(tokenCalls(fake.requests)[0]!.headers.get('dpop')).toBeNull();
  });

  it('a new login makes a new key', async () => {
    const { signIn, client, fake } = setup();
    const first = (await signIn()).searchParams.get('dpop_jkt');
    await client.logout();
    const second = (await signIn()).searchParams.get('dpop_jkt');
    expect(second).not.toBe(first);
    expect(fake.navigations).toHaveLength(2);
  });
});

describe('DPoPNonces', () => {
  it('keeps, stores and announces only well-formed nonces up to 1 KB (RFC 9449 §8.1)', () => {
    const announced: string[] = [];
    const nonces = new DPoPNonces((_origin, nonce) => announced.push(nonce));
    const answer = (nonce: string) => new Response(null, { headers: { 'DPoP-Nonce': nonce } });
    nonces.learn('https://as.example/token', answer('n-1'));
    nonces.learn('https://as.example/token', answer('n-1')); // no news: not announced again
    nonces.learn('https://as.example/token', answer('x'.repeat(1025)));
    nonces.learn('https://as.example/token', answer('has"quote'));
    nonces.learn('https://as.example/token', answer('has space'));
    nonces.set('https://api.example', 'y'.repeat(1024), true);
    expect(announced).toEqual(['n-1', 'y'.repeat(1024)]);
    expect(nonces.entries()).toEqual({ 'https://as.example': 'n-1', 'https://api.example': 'y'.repeat(1024) });
  });
});

describe('a DPoP-bound token is sent with its proof or not at all (issue 14, defect 5)', () => {
  it('a logout racing auth.fetch never makes the token go out as Bearer', async () => {
    // The token and its key come from one session record; the old code looked the key up again at send
    // time, found the session gone and sent the bound token as Bearer without a proof.
    let sent = 0;
    for (let ticks = -12; ticks < 12; ticks++) {
      const { fake, signIn, client } = setup();
      await signIn();
      const tick = async (n: number) => {
        for (let i = 0; i < n; i++) await Promise.resolve();
      };
      // Both orders, each with 0–11 microtasks between the two starts.
      const first = ticks < 0 ? client.logout({ revoke: false }) : client.fetch('https://api.example/me').catch((err: unknown) => err);
      await tick(Math.abs(ticks));
      const second = ticks < 0 ? client.fetch('https://api.example/me').catch((err: unknown) => err) : client.logout({ revoke: false });
      await Promise.all([first, second]);
      for (const request of fake.requests.filter((r) => r.url.startsWith('https://api.example/'))) {
        sent++;
        expect(request.headers.get('authorization'), `after ${ticks} ticks`).toMatch(/^DPoP /);
        expect(request.headers.get('dpop'), `after ${ticks} ticks`).not.toBeNull();
      }
      client.destroy();
    }
    // Not vacuous: some of the races did send the call (the old code failed at `-1`: logout first, fetch a tick later).
    expect(sent).toBeGreaterThan(0);
  });
});
