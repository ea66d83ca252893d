import { OAuthError } from './errors.js';

/** "Not now" rather than "never" (RFC 9110 §15.5.9, RFC 6585 §4): a later try may work. */
const NOT_NOW = new Set([408, 429]);
/**
 * Refusals of one request's extras, not of the grant: the same refresh token still works without them
 * (RFC 6749 §6 `scope`, RFC 8707 `resource`), or with the nonce the server just sent (RFC 9449 §8).
 */
const REQUEST_ONLY = new Set(['invalid_scope', 'invalid_target', 'use_dpop_nonce']);

/**
 * Reads a token endpoint's refusal of a grant (a refresh token, or an authorization code). A `4xx` answer
 * means the grant will not work again, whatever the body says: servers answer a dead refresh token with
 * `invalid_grant`, but also with `invalid_request` (LemonLDAP::NG) or an empty `400` (Glewlwyd). Such an
 * answer becomes `invalid_grant`, the AS's own `error` and `status` kept; `invalid_client` keeps its code
 * (a configuration error, and the end of the grant all the same). `5xx`, timeouts and network errors
 * carry no status in the 4xx range and pass through unchanged: they stay transient.
 */
export function grantRefusal(error: OAuthError): OAuthError {
  const { status } = error;
  if (status === undefined || status < 400 || status > 499 || NOT_NOW.has(status)) return error;
  if (error.error !== undefined && REQUEST_ONLY.has(error.error)) return error;
  if (error.code === 'invalid_grant' || error.code === 'invalid_client') return error;
  return new OAuthError('invalid_grant', `Grant refused (${status})`, { ...error, cause: error.cause });
}
