import * as o from 'oauth4webapi';
import { OAuthError, toOAuthError } from './errors.js';
import { isMetadata } from './session/record.js';

/**
 * Authorization server metadata: OpenID Connect discovery first, RFC 8414 when the server has no
 * OIDC document. oauth4webapi checks that the document's `issuer` equals the configured one.
 * Results are cached per issuer for the page's lifetime; failures are not cached.
 */
const cache = new Map<string, Promise<o.AuthorizationServer>>();

export type DiscoverOptions = Pick<o.DiscoveryRequestOptions, typeof o.customFetch | typeof o.allowInsecureRequests>;

export function discover(issuer: URL, options: DiscoverOptions): Promise<o.AuthorizationServer> {
  const cached = cache.get(issuer.href);
  if (cached) return cached;
  const pending = fetchMetadata(issuer, options);
  cache.set(issuer.href, pending);
  pending.catch(() => cache.delete(issuer.href));
  return pending;
}

async function fetchMetadata(issuer: URL, options: DiscoverOptions): Promise<o.AuthorizationServer> {
  try {
    let response = await o.discoveryRequest(issuer, { ...options, algorithm: 'oidc' });
    if (response.status === 404) {
      await response.body?.cancel();
      response = await o.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' });
    }
    const as = await o.processDiscoveryResponse(issuer, response);
    if (!usable(as, issuer)) {
      throw new OAuthError('discovery_failed', 'Unusable AS metadata');
    }
    return as;
  } catch (err) {
    const error = toOAuthError(err, 'discovery_failed');
    if (error.code === 'issuer_mismatch') throw error;
    if (error.code === 'invalid_response' || error.code === 'oauth_error') {
      throw new OAuthError('discovery_failed', 'No AS metadata', { cause: error.cause, status: error.status });
    }
    throw error;
  }
}

// `null` is read as absent: some servers write every optional field, and the SDK tests these for truthiness.
const isStringList = (v: unknown): boolean => v == null || (Array.isArray(v) && v.every((item) => typeof item === 'string'));
const isOptionalUrl = (v: unknown): boolean => v == null || (typeof v === 'string' && v !== '');

/**
 * oauth4webapi checks only `issuer`. The document is stored with every login and session, so it must pass
 * the check it meets when read back (`isMetadata`), and the fields the SDK reads must have their RFC 8414
 * types: a string where a list belongs would make `includes` match substrings.
 */
function usable(as: o.AuthorizationServer, issuer: URL): boolean {
  return (
    isMetadata(as, issuer.href) &&
    isOptionalUrl(as.revocation_endpoint) &&
    isOptionalUrl(as.end_session_endpoint) &&
    isStringList(as.id_token_signing_alg_values_supported) &&
    isStringList(as.dpop_signing_alg_values_supported)
  );
}
