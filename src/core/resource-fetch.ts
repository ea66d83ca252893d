import * as o from 'oauth4webapi';
import type { Context } from './context.js';
import { retryOnNonce } from './dpop.js';
import { OAuthError, toOAuthError } from './errors.js';
import type { BoundToken, Renewal } from './session/renewal.js';
import { matchResource } from './url.js';

/**
 * `auth.fetch`: the token of the configured resource the URL is under, and no token anywhere else
 * (SECURITY.md 18–21). A resource that rejects the token gets one refreshed token and one retry.
 */
export async function resourceFetch(ctx: Context, renewal: Renewal, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  ctx.alive();
  const target = new URL(input instanceof Request ? input.url : String(input), ctx.effects.location());
  const prefix = matchResource(target, ctx.config.resources);
  // Anything that is not a configured resource goes out untouched: no token, no header.
  if (!prefix) return ctx.effects.fetch(input, init);
  // Under a prefix for the URL parser, elsewhere for a server that decodes `%2f` or drops `;…`: refuse
  // loudly rather than send it bare, which would hide the app's bug (SECURITY.md 18).
  if (prefix === 'ambiguous') {
    throw new OAuthError('unsafe_resource_path', 'Path leaves its resource once decoded');
  }
  // SECURITY.md 21: with indicators, this prefix's own token and no other.
  const resource = prefix.resource === ctx.mainResource ? undefined : prefix.resource;
  const request = new Request(input, init);
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
  const passthrough: RequestInit = {
    credentials: request.credentials,
    cache: request.cache,
    mode: request.mode,
    referrerPolicy: request.referrerPolicy,
    integrity: request.integrity,
    keepalive: request.keepalive,
  };
  const options: o.ProtectedResourceRequestOptions = {
    // oauth4webapi sends `redirect: 'manual'`: a redirect is never followed with the token (SECURITY.md 19).
    [o.customFetch]: ((url: string, init: RequestInit) => ctx.resourceFetch(url, { ...passthrough, ...init })) as never,
    signal: request.signal,
    ...(target.protocol === 'http:' && { [o.allowInsecureRequests]: true }),
  };
  const send = async ({ token, keyPair }: BoundToken): Promise<Response> => {
    // A bound token goes with its own key's proof or not at all: never as Bearer (RFC 9449 §7).
    const dpop = keyPair && { DPoP: ctx.nonces.handle(ctx.oauthClient(), keyPair) };
    try {
      // `addProof` signs afresh on each call, so the nonce retry carries a new proof (`ath` included).
      const response = await retryOnNonce(
        () => o.protectedResourceRequest(token, request.method, target, new Headers(request.headers), body, { ...options, ...dpop }),
        ctx.hiddenNonce('A resource'),
      );
      if (response.type === 'opaqueredirect') throw new OAuthError('resource_redirect', 'The resource redirected; not followed');
      if (response.status === 401) {
        // A 401 with no readable challenge: the resource's CORS hides WWW-Authenticate (and DPoP-Nonce).
        ctx.effects.warn('A resource answered 401 without a readable WWW-Authenticate header: add "Access-Control-Expose-Headers: WWW-Authenticate, DPoP-Nonce" to its CORS responses');
      }
      return response;
    } catch (err) {
      if (err instanceof o.WWWAuthenticateChallengeError) {
        // `invalid_token`: refreshed and retried below. RFC 9470 step-up: rejected with what to log in with.
        const ours = err.status === 401 && err.cause.some((c) => c.parameters.error === 'invalid_token' || c.parameters.error === 'insufficient_user_authentication');
        if (!ours) return err.response;
      }
      if (request.signal.aborted) throw err;
      throw toOAuthError(err, 'network');
    }
  };
  return withFreshToken(renewal, resource, send);
}

/** `send` with `resource`'s token; SECURITY.md 20: a `401 invalid_token` gets one refresh and one retry, then the error. */
export async function withFreshToken<T>(renewal: Renewal, resource: string | undefined, send: (bound: BoundToken) => Promise<T>): Promise<T> {
  const bound = await renewal.accessToken(false, undefined, resource);
  try {
    return await send(bound);
  } catch (err) {
    if (!(err instanceof OAuthError) || err.code !== 'invalid_token') throw err;
    return send(await renewal.accessToken(false, bound.token, resource));
  }
}
