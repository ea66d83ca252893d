import * as o from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { callbackError, OAuthError, toOAuthError, UPSTREAM_MESSAGES, type OAuthErrorCode } from '../src/core/errors.js';
import { withIdTokenAlgorithms } from '../src/core/id-token-alg.js';

/**
 * What src/core/errors.ts depends on in oauth4webapi's errors, pinned by making the real oauth4webapi fail
 * (issue 13). Most failures are mapped by `code` and `cause`; a few only by their message
 * (UPSTREAM_MESSAGES). If an update of oauth4webapi rewords one of those messages or changes a `cause`, a test
 * here fails, instead of `nonce_mismatch` silently becoming `invalid_response`.
 */

const ISSUER = 'https://as.example';
const as: o.AuthorizationServer = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  authorization_response_iss_parameter_supported: true,
  id_token_signing_alg_values_supported: ['ES256', 'none'],
};
const client: o.Client = { client_id: 'spa' };
const STATE = 'the-state';
const NONCE = 'the-nonce';

/** A step of oauth4webapi expected to throw: what it threw. */
async function thrown(step: () => unknown): Promise<unknown> {
  try {
    await step();
  } catch (err) {
    return err;
  }
  throw new Error('oauth4webapi accepted what it should refuse');
}

/** The callback check, as src/core/flows/callback.ts calls it: the stored state, the stored metadata. */
const callback = (query: string) => () => o.validateAuthResponse(as, client, new URLSearchParams(query), STATE);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const keys = crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);

/** An ID token signed with a key of this test (oauth4webapi checks the claims and `alg` of a token endpoint's ID token). */
async function idToken(claims: Record<string, unknown>, alg = 'ES256'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const all = Object.fromEntries(
    Object.entries({ iss: ISSUER, aud: 'spa', sub: 'alice', nonce: NONCE, iat: now, exp: now + 300, ...claims }).filter(([, v]) => v !== null),
  );
  const input = `${b64({ alg, typ: 'JWT' })}.${b64(all)}`;
  if (alg === 'none') return `${input}.`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, (await keys).privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/** The code exchange's answer processed as src/core/flows/callback.ts processes it. */
const exchange = (claims: Record<string, unknown>, alg?: string) => async () => {
  const body = { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: await idToken(claims, alg) };
  const response = new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  return o.processAuthorizationCodeResponse(withIdTokenAlgorithms(as), client, response, { expectedNonce: NONCE, requireIdToken: true });
};

interface Pin {
  /** Makes oauth4webapi throw the message. */
  step: () => unknown;
  /** The SDK's mapping that reads it. */
  map: (err: unknown) => OAuthError;
}

// `satisfies` makes tsc (npm run typecheck) refuse a message of UPSTREAM_MESSAGES without its pin here.
const PINS = {
  'response parameter "iss" (issuer) missing': { step: callback(`code=c&state=${STATE}`), map: callbackError },
  'unexpected "iss" (issuer) response parameter value': { step: callback(`code=c&state=${STATE}&iss=https://evil.example`), map: callbackError },
  '"iss" parameter must be provided only once': { step: callback(`code=c&state=${STATE}&iss=${ISSUER}&iss=${ISSUER}`), map: callbackError },
  'response parameter "state" missing': { step: callback(`code=c&iss=${ISSUER}`), map: callbackError },
  'unexpected "state" response parameter value': { step: callback(`code=c&state=forged&iss=${ISSUER}`), map: callbackError },
  '"state" parameter must be provided only once': { step: callback(`code=c&state=${STATE}&state=${STATE}&iss=${ISSUER}`), map: callbackError },
  'JWT "nonce" (nonce) claim missing': { step: exchange({ nonce: null }), map: (err) => toOAuthError(err) },
} satisfies Record<keyof typeof UPSTREAM_MESSAGES, Pin>;

describe('oauth4webapi messages the SDK reads (UPSTREAM_MESSAGES)', () => {
  it('every message read has a pin', () => {
    expect(Object.keys(PINS).sort()).toEqual(Object.keys(UPSTREAM_MESSAGES).sort());
  });

  it.each(Object.entries(PINS))('oauth4webapi still says %j, with its generic code', async (message, pin) => {
    const err = await thrown(pin.step);
    expect(err).toBeInstanceOf(o.OperationProcessingError);
    expect({ message: (err as Error).message, code: (err as o.OperationProcessingError).code }).toEqual({ message, code: o.INVALID_RESPONSE });
    const mapped = pin.map(err);
    expect(mapped).toBeInstanceOf(OAuthError);
    expect(mapped.code).toBe(UPSTREAM_MESSAGES[message as keyof typeof UPSTREAM_MESSAGES]);
  });
});

describe('oauth4webapi failures mapped by code and cause', () => {
  const cases: Array<[string, () => unknown, (err: unknown) => OAuthError, OAuthErrorCode]> = [
    // JWT_CLAIM_COMPARISON, cause.claim
    ['an ID token with another nonce', exchange({ nonce: 'forged' }), toOAuthError, 'nonce_mismatch'],
    ['an ID token for another audience', exchange({ aud: 'another-client' }), toOAuthError, 'invalid_id_token'],
    // JWT_TIMESTAMP_CHECK
    ['an expired ID token', exchange({ exp: 1000, iat: 500 }), toOAuthError, 'invalid_id_token'],
    // INVALID_RESPONSE, cause.claims (a claim missing or of the wrong type)
    ['an ID token without sub', exchange({ sub: null }), toOAuthError, 'invalid_id_token'],
    ['an ID token whose exp is not a number', exchange({ exp: 'later' }), toOAuthError, 'invalid_id_token'],
    // INVALID_RESPONSE, cause.header (the `alg` check)
    ['an unsigned (alg: none) ID token', exchange({}, 'none'), toOAuthError, 'invalid_id_token'],
    ['an ID token signed with an algorithm the AS does not list', exchange({}, 'PS256'), toOAuthError, 'invalid_id_token'],
    // INVALID_RESPONSE without those: not an ID-token check
    ['a JARM response to the plain callback check', callback(`response=x.y.z&state=${STATE}&iss=${ISSUER}`), callbackError, 'invalid_callback'],
    // UnsupportedOperationError
    ['an implicit-flow callback', callback(`id_token=x.y.z&state=${STATE}&iss=${ISSUER}`), callbackError, 'invalid_callback'],
    // AuthorizationResponseError, after the state and iss checks
    ['an authorization error', callback(`error=access_denied&state=${STATE}&iss=${ISSUER}`), callbackError, 'access_denied'],
    // JSON_ATTRIBUTE_COMPARISON, cause.attribute
    [
      'metadata of another issuer',
      () => o.processDiscoveryResponse(new URL(ISSUER), new Response(JSON.stringify({ ...as, issuer: 'https://evil.example' }), { headers: { 'content-type': 'application/json' } })),
      (err) => toOAuthError(err, 'discovery_failed'),
      'issuer_mismatch',
    ],
    // RESPONSE_IS_NOT_CONFORM, cause is the Response
    ['a 502 from the token endpoint', () => o.processRefreshTokenResponse(as, client, new Response('oops', { status: 502 })), toOAuthError, 'server_error'],
  ];

  it.each(cases)('%s', async (_name, step, map, code) => {
    const mapped = map(await thrown(step));
    expect(mapped).toBeInstanceOf(OAuthError);
    expect(mapped.code).toBe(code);
  });

  it('maps the callback checks that pass to no error', () => {
    expect(callback(`code=c&state=${STATE}&iss=${ISSUER}`)().get('code')).toBe('c');
  });
});
