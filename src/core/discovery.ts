import * as o from 'oauth4webapi';
import { OAuthError, toOAuthError } from './errors.js';

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
    return await o.processDiscoveryResponse(issuer, response);
  } catch (err) {
    const error = toOAuthError(err, 'discovery_failed');
    if (error.code === 'issuer_mismatch') throw error;
    if (error.code === 'invalid_response' || error.code === 'oauth_error') {
      throw new OAuthError('discovery_failed', 'The authorization server metadata could not be loaded', { cause: error.cause, status: error.status });
    }
    throw error;
  }
}
