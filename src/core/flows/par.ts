import * as o from 'oauth4webapi';
import type { Context } from '../context.js';
import { retryOnNonce } from '../dpop.js';
import { OAuthError } from '../errors.js';

/**
 * Pushed authorization requests (RFC 9126): the authorization request goes to the AS in a POST, like a token
 * request (bounded, timed out, a DPoP nonce retried once), and the browser's address bar and history see only
 * `client_id` and the `request_uri` that names it: no PKCE challenge, state, nonce, scope or resource.
 */

/**
 * Whether a login pushes its request: the `par` option against the metadata. `'auto'` pushes when the AS
 * has an endpoint; `true` requires one (`par_unsupported`); `false` never pushes, and fails with
 * `par_required` before the browser leaves when the AS says it requires PAR (else the AS would show its
 * own error page, or send an `invalid_request` to the callback).
 */
export function usesPar(option: 'auto' | boolean, as: o.AuthorizationServer): boolean {
  const offered = !!as.pushed_authorization_request_endpoint;
  const required = as.require_pushed_authorization_requests === true;
  if (option === false) {
    if (required) throw new OAuthError('par_required', 'The AS requires PAR');
    return false;
  }
  if (!offered && (option === true || required)) throw new OAuthError('par_unsupported', 'The AS has no PAR endpoint');
  return offered;
}

/**
 * Pushes the parameters of `url` (the authorization request as it would have gone in the URL) and returns
 * the URL the browser goes to instead. With DPoP, the request carries a proof of the login's key, which binds
 * the code to it (RFC 9449 §10.1; `dpop_jkt` is in the parameters too, and the AS checks that both agree).
 */
export async function pushAuthorizationRequest(ctx: Context, as: o.AuthorizationServer, url: URL, keyPair: CryptoKeyPair | undefined): Promise<URL> {
  const client = ctx.oauthClient();
  // A fresh proof on every try; a `use_dpop_nonce` answer is retried once with the new nonce.
  const { request_uri } = await retryOnNonce(async () => {
    const response = await o.pushedAuthorizationRequest(as, client, o.None(), url.searchParams, {
      ...ctx.asRequest(as.pushed_authorization_request_endpoint),
      ...(keyPair && { DPoP: ctx.nonces.handle(client, keyPair) }),
    });
    return o.processPushedAuthorizationResponse(as, client, response);
  }, ctx.hiddenNonce('The authorization server'));
  const pushed = new URL(as.authorization_endpoint!);
  pushed.searchParams.set('client_id', ctx.config.clientId);
  pushed.searchParams.set('request_uri', request_uri);
  return pushed;
}
