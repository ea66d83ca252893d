import * as o from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { challengeError } from '../src/core/errors.js';
import { fakeEffects, ISSUER, json, metadata, tokenRequests } from './fakes.js';

/** RFC 9470 step-up: the challenge's parameters become the error's details; the login asks for them. */

/** oauth4webapi's parse of a resource's `WWW-Authenticate` header (as auth.fetch gets it). */
async function challenges(header: string): Promise<o.WWWAuthenticateChallenge[]> {
  const fetch = async () => new Response(null, { status: 401, headers: { 'www-authenticate': header } });
  const err = await o.protectedResourceRequest('t', 'GET', new URL('https://api.example/'), new Headers(), null, { [o.customFetch]: fetch }).catch((e: unknown) => e);
  if (!(err instanceof o.WWWAuthenticateChallengeError)) throw new Error('no challenge');
  return err.cause;
}

describe('challengeError (RFC 9470 §3)', () => {
  it.each([
    ['Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:mfa urn:hw", max_age=300', 'urn:mfa urn:hw', 300],
    ['DPoP algs="ES256", error="insufficient_user_authentication", acr_values="urn:mfa"', 'urn:mfa', undefined],
    ['Bearer error="insufficient_user_authentication", max_age=0', undefined, 0],
    // A max_age that is not whole seconds is left out rather than passed on to a login.
    ['Bearer error="insufficient_user_authentication", max_age="soon"', undefined, undefined],
    ['Bearer error="insufficient_user_authentication", max_age="-5"', undefined, undefined],
  ])('%s', async (header, acrValues, maxAge) => {
    const error = challengeError(await challenges(header), 401);
    expect(error.code).toBe('insufficient_user_authentication');
    expect(error.acrValues).toBe(acrValues);
    expect(error.maxAge).toBe(maxAge);
    expect(error.status).toBe(401);
  });

  it('takes the challenge that names an error, and carries no step-up details for other errors', async () => {
    const error = challengeError(await challenges('Bearer realm="api", DPoP error="invalid_token", acr_values="urn:mfa"'), 401);
    expect(error.code).toBe('invalid_token');
    expect(error.acrValues).toBeUndefined();
  });
});

const options = {
  issuer: ISSUER,
  clientId: 'spa',
  redirectUri: 'https://app.example/cb',
  scope: 'api offline_access',
  resources: ['https://api.example/v1/'],
};

async function signedIn(api: () => Response) {
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: () => json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt' }),
    'https://api.example/': api,
  });
  const client = createClientWith(resolveConfig(options), fake.effects);
  await client.init();
  await client.login();
  const authorize = new URL(fake.navigations.at(-1)!);
  fake.goto(`https://app.example/cb?code=c&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(ISSUER)}`);
  await client.handleRedirect();
  return { fake, client, authorize };
}

describe('step-up through the client', () => {
  it('login sends acr_values and max_age', async () => {
    const fake = fakeEffects({ [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata) });
    const client = createClientWith(resolveConfig(options), fake.effects);
    await client.init();
    await client.login({ acrValues: 'urn:mfa urn:hw', maxAge: 120 });
    const authorize = new URL(fake.navigations.at(-1)!);
    expect(authorize.searchParams.get('acr_values')).toBe('urn:mfa urn:hw');
    expect(authorize.searchParams.get('max_age')).toBe('120');
  });

  it('login refuses a max_age that is not whole seconds', async () => {
    const fake = fakeEffects({});
    const client = createClientWith(resolveConfig(options), fake.effects);
    await client.init();
    await expect(client.login({ maxAge: 1.5 })).rejects.toThrow(TypeError);
    expect(fake.navigations).toHaveLength(0);
  });

  it('auth.fetch rejects a 401 insufficient_user_authentication with its details, and does not refresh', async () => {
    const { client, fake } = await signedIn(
      () => new Response('{}', { status: 401, headers: { 'www-authenticate': 'Bearer error="insufficient_user_authentication", acr_values="urn:mfa", max_age=60' } }),
    );
    const error = await client.fetch('https://api.example/v1/admin').catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'OAuthError', code: 'insufficient_user_authentication', acrValues: 'urn:mfa', maxAge: 60, status: 401 });
    expect(tokenRequests(fake.requests, 'refresh_token')).toHaveLength(0);
    expect(fake.requests.filter((r) => r.url.startsWith('https://api.example/'))).toHaveLength(1);
    expect(client.state.status).toBe('signedIn');
  });
});
