import * as o from 'oauth4webapi';
import type { ClientConfig } from '../config.js';
import { OAuthError } from '../errors.js';
import type { User } from '../types.js';
import { identityClaims, lifetimeMs, sameAuthentication, type StoredSession } from './record.js';

/**
 * Turns a token response (a code exchange's or a refresh's) into the session to store. `previous` is the
 * session being refreshed: what the response leaves out (refresh token, ID token, scope) is kept from it.
 */
export function sessionFrom(
  config: ClientConfig,
  as: o.AuthorizationServer,
  result: o.TokenEndpointResponse,
  receivedAt: number,
  scope: string,
  keyPair: CryptoKeyPair | undefined,
  previous?: StoredSession,
): StoredSession {
  // RFC 9449 §5: a proof was sent, so anything but a DPoP-bound token is a downgrade: discard it.
  if (keyPair && result.token_type !== 'dpop') throw new OAuthError('dpop_downgrade', 'The token is not DPoP-bound');
  if (!keyPair && result.token_type !== 'bearer') {
    throw new OAuthError('invalid_response', 'Unexpected token_type');
  }
  const claims = o.getValidatedIdTokenClaims(result) as User | undefined;
  // OIDC Core §3.1.3.7(5): oauth4webapi checks `azp` only when `aud` has several values.
  if (claims?.azp !== undefined && claims.azp !== config.clientId) {
    throw new OAuthError('invalid_id_token', 'The ID token is for another client');
  }
  if (claims && previous?.claims && !sameAuthentication(previous.claims, claims)) {
    throw new OAuthError('id_token_mismatch', 'The refreshed ID token is for another user');
  }
  const lifetime = lifetimeMs(result.expires_in);
  const refreshToken = result.refresh_token ?? previous?.refreshToken;
  const idToken = result.id_token ?? previous?.idToken;
  const user = claims ? identityClaims(claims) : previous?.claims;
  return {
    v: 1,
    issuer: config.issuer.href,
    clientId: config.clientId,
    accessToken: result.access_token,
    tokenType: keyPair ? 'dpop' : 'bearer',
    ...(keyPair && { keyPair }),
    issuedAt: receivedAt,
    expiresAt: receivedAt + lifetime,
    ...(refreshToken !== undefined && { refreshToken }),
    ...(idToken !== undefined && { idToken }),
    ...(user !== undefined && { claims: user }),
    scope: result.scope ?? previous?.scope ?? scope,
    as,
    ...(previous?.resourceTokens && { resourceTokens: previous.resourceTokens }),
  };
}

/**
 * RFC 8707 parameters of a token request for `resource` (the first entry's when undefined). A `resource` that is
 * no entry's indicator (flows/userinfo.ts's slot) gets none: the AS then issues a token for itself.
 */
export function resourceParams(config: ClientConfig, resource: string | undefined, refresh: boolean): Record<string, string> {
  const entry = config.resources.find((r) => r.resource === (resource ?? config.resources[0]?.resource));
  if (entry?.resource === undefined) return {};
  // `scope` on a refresh only (RFC 6749 §6); a code exchange has none.
  return { resource: entry.resource, ...(refresh && entry.scope !== undefined && { scope: entry.scope }) };
}
