import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import type { AuthState } from '../src/core/types.js';
import { fakeEffects, ISSUER, json, metadata, type Recorded } from './fakes.js';

/**
 * SECURITY.md 24 (issue 14): no state the client publishes — `auth.state`, every subscriber call, every
 * error in them, every warning — carries a token, the code, the verifier, the state or the nonce. Walks a
 * whole life: login, callback, refresh with a new ID token, a failed refresh, a second login, logout.
 */

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An ID token as the token endpoint returns it (oauth4webapi checks its claims, not its signature). */
const idToken = (claims: Record<string, unknown>) => `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;

/** Everything observable about a state, errors' messages and causes included. */
function serialise(state: AuthState): string {
  const error = state.error && { ...state.error, message: state.error.message, cause: String((state.error as Error).cause ?? '') };
  return JSON.stringify({ ...state, error });
}

describe('no secret in state, events or warnings (SECURITY.md 24)', () => {
  it('a full login → refresh → failure → login → logout publishes no token, code, verifier, state or nonce', async () => {
    const issuer = `${ISSUER}/secrets`;
    const now = () => Math.floor(Date.now() / 1000);
    const secrets = new Set<string>();
    let nonce = '';
    let issued = 0;
    let failNext = false;
    const fake = fakeEffects({
      [`${issuer}/.well-known/openid-configuration`]: () => json({ ...metadata, issuer, id_token_signing_alg_values_supported: ['ES256'] }),
      [metadata.token_endpoint]: (r: Recorded) => {
        for (const name of ['code', 'code_verifier', 'refresh_token']) {
          const value = r.body?.get(name);
          if (value) secrets.add(value);
        }
        if (failNext) {
          failNext = false;
          return json({ error: 'invalid_grant', error_description: 'The refresh token was revoked' }, 400);
        }
        issued++;
        const atHash = `ath${issued}AAAAAAAAAAAA`;
        const claims = { iss: issuer, aud: 'spa', sub: 'alice', name: 'Alice', iat: now(), exp: now() + 3600, at_hash: atHash, c_hash: `ch${issued}BBBBBBBBBBBB` };
        const token = {
          access_token: `access-${issued}-secret`,
          token_type: 'Bearer',
          expires_in: 600,
          refresh_token: `refresh-${issued}-secret`,
          // The code exchange's ID token carries the login's nonce; a refresh's may repeat it (OIDC Core §12.2).
          id_token: idToken({ ...claims, nonce }),
        };
        for (const value of [token.access_token, token.refresh_token, token.id_token, atHash, claims.c_hash]) secrets.add(value);
        return json(token);
      },
      [metadata.revocation_endpoint]: () => new Response(null, { status: 200 }),
      [metadata.end_session_endpoint]: () => new Response(null, { status: 200 }),
    });
    const client = createClientWith(
      resolveConfig({ issuer, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'openid profile offline_access' }),
      fake.effects,
    );
    const published: string[] = [];
    client.subscribe((state) => published.push(serialise(state)));
    const signIn = async () => {
      await client.login();
      const authorize = new URL(fake.navigations.at(-1)!);
      nonce = authorize.searchParams.get('nonce')!;
      const state = authorize.searchParams.get('state')!;
      secrets.add(nonce).add(state).add(authorize.searchParams.get('code_challenge')!);
      await client.handleRedirect(`https://app.example/cb?code=code-${state.slice(0, 8)}-secret&state=${state}&iss=${encodeURIComponent(issuer)}`);
    };

    await client.init();
    await signIn();
    expect(client.state.user).toMatchObject({ sub: 'alice', name: 'Alice' });
    await client.getAccessToken({ forceRefresh: true });
    failNext = true;
    await expect(client.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(client.state.status).toBe('signedOut');
    await signIn();
    await client.logout();
    published.push(serialise(client.state));

    // Not vacuous: every step was published, and the secrets were really seen on the wire.
    expect(published.length).toBeGreaterThan(8);
    expect(secrets.size).toBeGreaterThan(12);
    for (const secret of secrets) {
      for (const text of [...published, ...fake.warnings]) expect(text.includes(secret), `a published state carries ${secret}`).toBe(false);
    }
    // The protocol claims are gone from `user`; the identity claims stay.
    for (const text of published.filter((p) => p.includes('"alice"'))) {
      expect(JSON.parse(text).user).not.toHaveProperty('nonce');
      expect(JSON.parse(text).user).not.toHaveProperty('at_hash');
      expect(JSON.parse(text).user).not.toHaveProperty('c_hash');
    }
  });
});
