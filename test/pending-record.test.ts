/**
 * The stored pending login is read back under the same rule as the session (SECURITY.md: storage is input):
 * every field the callback acts on has exactly the shape login() writes, else `storage_corrupt`.
 */
import { describe, expect, it } from 'vitest';
import { decodePending } from '../src/core/session/record.js';

const ISSUER = 'https://id.example.com/';
const pending = {
  v: 1,
  issuer: ISSUER,
  clientId: 'spa',
  redirectUri: 'https://app.example.com/callback',
  state: 'tag.state',
  codeVerifier: 'verifier',
  nonce: 'nonce',
  scope: 'openid',
  returnTo: '/',
  createdAt: 1,
  as: { issuer: ISSUER, authorization_endpoint: `${ISSUER}auth`, token_endpoint: `${ISSUER}token` },
};

describe('decodePending', () => {
  it.each<[string, unknown, boolean]>([
    ['popup', undefined, true],
    ['popup', true, true],
    ['popup', 1, false],
    ['popup', 'yes', false],
    ['popup', false, false],
    ['acr', 'urn:mfa', true],
    ['acr', 7, false],
    ['maxAge', 600, true],
    ['maxAge', -1, false],
    ['maxAge', '600', false],
  ])('%s = %j: %s', (field, value, accepted) => {
    const decode = () => decodePending({ ...pending, [field]: value }, ISSUER, 'spa');
    if (accepted) expect(decode()).toMatchObject({ state: 'tag.state' });
    else expect(decode).toThrow(expect.objectContaining({ code: 'storage_corrupt' }));
  });
});
