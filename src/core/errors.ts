import * as o from 'oauth4webapi';

/**
 * Every stable `code` an {@link OAuthError} can carry. `switch (err.code)` narrows on it. What each one means,
 * whether the session survives it, and what an app should do: `docs/errors.md`, one section per code.
 *
 * Callback: `state_mismatch`, `issuer_mismatch`, `nonce_mismatch`, `invalid_callback`, `access_denied`,
 * `login_required`, `interaction_required`, `consent_required`, `authorization_error`.
 * Token endpoint: `invalid_grant`, `invalid_client`, `invalid_scope`, `invalid_target`, `oauth_error`,
 * `invalid_id_token`, `id_token_mismatch`.
 * Transport: `network`, `timeout`, `server_error`, `invalid_response`, `response_too_large`.
 * Resources: `invalid_token`, `insufficient_user_authentication` (also at the callback: RFC 9470 step-up),
 * `resource_redirect`, `unsafe_resource_path`. Userinfo: `userinfo_mismatch`.
 * Local: `login_required` (no session), `refresh_token_required`, `storage_unavailable`, `storage_corrupt`,
 * `insecure_url`, `discovery_failed`, `destroyed`. DPoP: `dpop_unsupported`, `dpop_downgrade`.
 * Popup: `popup_blocked`, `popup_closed`, `popup_timeout`.
 * Pushed authorization requests: `par_unsupported`, `par_required`.
 *
 * @example
 * ```ts
 * function explain(code: OAuthErrorCode): string {
 *   switch (code) {
 *     case 'access_denied':
 *       return 'Sign-in was cancelled.';
 *     case 'network':
 *     case 'timeout':
 *     case 'server_error':
 *       return 'The sign-in service is unreachable; we will keep trying.';
 *     case 'invalid_grant':
 *     case 'login_required':
 *       return 'Your session has ended. Please sign in again.';
 *     default:
 *       return `Sign-in failed (${code}).`;
 *   }
 * }
 * ```
 */
export type OAuthErrorCode =
  | 'state_mismatch'
  | 'issuer_mismatch'
  | 'nonce_mismatch'
  | 'invalid_callback'
  | 'access_denied'
  | 'login_required'
  | 'refresh_token_required'
  | 'interaction_required'
  | 'consent_required'
  | 'authorization_error'
  | 'invalid_grant'
  | 'invalid_client'
  | 'invalid_scope'
  | 'invalid_target'
  | 'oauth_error'
  | 'invalid_id_token'
  | 'id_token_mismatch'
  | 'network'
  | 'timeout'
  | 'server_error'
  | 'invalid_response'
  | 'response_too_large'
  | 'invalid_token'
  | 'insufficient_user_authentication'
  | 'userinfo_mismatch'
  | 'resource_redirect'
  | 'unsafe_resource_path'
  | 'storage_unavailable'
  | 'storage_corrupt'
  | 'insecure_url'
  | 'discovery_failed'
  | 'dpop_unsupported'
  | 'dpop_downgrade'
  | 'destroyed'
  | 'popup_blocked'
  | 'popup_closed'
  | 'popup_timeout'
  | 'par_unsupported'
  | 'par_required';

/**
 * Details an {@link OAuthError} may carry besides its code: the fourth argument of its constructor, mirrored
 * by its `error`, `errorDescription`, `status` and `cause` properties.
 *
 * @example
 * ```ts
 * // A test double for code that handles sign-in failures.
 * const details: OAuthErrorDetails = { error: 'access_denied', errorDescription: 'The user cancelled', status: 400 };
 * const err = new OAuthError('access_denied', 'The authorization server refused the request', details);
 * ```
 */
export interface OAuthErrorDetails {
  /** The AS's or resource's `error` value, verbatim (untrusted text). */
  error?: string;
  /** The AS's `error_description` (untrusted text: render it as text, never as HTML). */
  errorDescription?: string;
  /** HTTP status of the response that failed, when there was one. */
  status?: number;
  /** The underlying error, with every secret removed. */
  cause?: unknown;
  /** `insufficient_user_authentication`: the `acr_values` asked for (space-separated), to pass to `login()`. */
  acrValues?: string;
  /** `insufficient_user_authentication`: the `max_age` asked for (seconds), to pass to `login()`. */
  maxAge?: number;
}

/**
 * The only error type the SDK rejects with (bad configuration throws `TypeError` instead).
 * It never contains a token, code, state, nonce or PKCE verifier — not in its message, not in `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await auth.handleRedirect();
 * } catch (err) {
 *   if (err instanceof OAuthError && err.code === 'access_denied') showMessage('Sign-in was cancelled');
 *   else throw err;
 * }
 * ```
 */
export class OAuthError extends Error {
  /** Always `'OAuthError'`. */
  override readonly name = 'OAuthError';
  /** The stable reason: switch on this, not on `message`. */
  readonly code: OAuthErrorCode;
  /** The AS's or resource's `error` value, verbatim and bounded (untrusted text), when there was one. */
  readonly error?: string;
  /** The AS's `error_description`, bounded (untrusted text: render it as text, never as HTML). */
  readonly errorDescription?: string;
  /** HTTP status of the response that failed, when there was one. */
  readonly status?: number;
  /**
   * `insufficient_user_authentication` (RFC 9470): the authentication context classes the resource or the
   * login asked for, space-separated (untrusted text), when it named any. Pass it to `login({ acrValues })`.
   */
  readonly acrValues?: string;
  /** `insufficient_user_authentication` (RFC 9470): the largest authentication age (seconds) accepted, when named. */
  readonly maxAge?: number;

  /**
   * The SDK creates these; apps need the constructor only for tests and fakes.
   *
   * @param code - the stable reason
   * @param message - a human description (never a secret)
   * @param details - what the AS said, and the underlying error with every secret removed
   */
  constructor(code: OAuthErrorCode, message: string, details: OAuthErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.error !== undefined) this.error = details.error;
    if (details.errorDescription !== undefined) this.errorDescription = details.errorDescription;
    if (details.status !== undefined) this.status = details.status;
    if (details.acrValues !== undefined) this.acrValues = details.acrValues;
    if (details.maxAge !== undefined) this.maxAge = details.maxAge;
  }
}

// The AS controls these strings; keep them bounded so a hostile server cannot flood logs or UIs.
const untrusted = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.slice(0, 300) : undefined;

/**
 * oauth4webapi puts the token response body or the callback parameters (code, state) in `cause`.
 * Keep only the name and message (static strings in oauth4webapi) and drop everything else.
 */
export function redact(err: unknown): Error | undefined {
  if (!(err instanceof Error)) return undefined;
  const safe = new Error(err.message.slice(0, 300));
  safe.name = err.name;
  return safe;
}

const AUTHORIZATION_ERRORS = new Set<OAuthErrorCode>([
  'access_denied',
  'login_required',
  'interaction_required',
  'consent_required',
]);

/** Maps an `error` value from the AS to a stable code. */
function codeForAsError(error: string, status: number | undefined): OAuthErrorCode {
  switch (error) {
    case 'invalid_grant':
    case 'invalid_client':
    case 'invalid_scope':
    case 'invalid_target':
      return error;
    case 'unauthorized_client':
      return 'invalid_client';
    case 'server_error':
    case 'temporarily_unavailable':
      return 'server_error';
    default:
      return status !== undefined && status >= 500 ? 'server_error' : 'oauth_error';
  }
}

/**
 * Messages of oauth4webapi 3.8 that alone say which check failed: it throws them with its generic
 * `INVALID_RESPONSE` code and a `cause` that does not name the parameter or claim. Everything else is mapped
 * by `code` and `cause`. test/upstream-messages.test.ts makes oauth4webapi throw each of these, so that a
 * reworded message fails CI instead of silently turning `nonce_mismatch` into `invalid_response`.
 */
export const UPSTREAM_MESSAGES = {
  // validateAuthResponse (RFC 9207 `iss`, RFC 6749 `state`): the cause is the parameters for both.
  'response parameter "iss" (issuer) missing': 'issuer_mismatch',
  'unexpected "iss" (issuer) response parameter value': 'issuer_mismatch',
  '"iss" parameter must be provided only once': 'issuer_mismatch',
  'response parameter "state" missing': 'state_mismatch',
  'unexpected "state" response parameter value': 'state_mismatch',
  '"state" parameter must be provided only once': 'state_mismatch',
  // A missing claim's cause is the claims alone: only the message tells `nonce` from `sub`.
  'JWT "nonce" (nonce) claim missing': 'nonce_mismatch',
} as const satisfies Record<string, OAuthErrorCode>;

/**
 * The code {@link UPSTREAM_MESSAGES} gives an oauth4webapi error, if its message is one of them. (Callers only
 * compare the result with codes, so a message like "toString" finding Object.prototype's is harmless.)
 */
function byMessage(err: o.OperationProcessingError): OAuthErrorCode | undefined {
  return err.code === o.INVALID_RESPONSE ? (UPSTREAM_MESSAGES as Record<string, OAuthErrorCode>)[err.message] : undefined;
}

/**
 * Names which of oauth4webapi's callback checks (`validateAuthResponse`) failed. The checks are
 * oauth4webapi's; any other refusal is not a code-flow callback this client can take.
 */
export function callbackError(err: unknown): OAuthError {
  if (err instanceof o.OperationProcessingError) {
    const details = { cause: redact(err) };
    switch (byMessage(err)) {
      case 'issuer_mismatch':
        return new OAuthError('issuer_mismatch', 'The callback is not from the configured issuer', details);
      case 'state_mismatch':
        return new OAuthError('state_mismatch', 'The callback state does not match this login', details);
      default:
        return new OAuthError('invalid_callback', 'The callback is not a valid authorization response', details);
    }
  }
  if (err instanceof o.UnsupportedOperationError) {
    return new OAuthError('invalid_callback', 'Only the authorization code flow is accepted', { cause: redact(err) });
  }
  return toOAuthError(err);
}

/**
 * Turns whatever a step threw into an {@link OAuthError}. `fallback` is the code for protocol
 * violations that are not more specifically recognised.
 */
export function toOAuthError(err: unknown, fallback: OAuthErrorCode = 'invalid_response'): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof o.ResponseBodyError) {
    return new OAuthError(codeForAsError(err.error, err.status), 'The authorization server refused the request', {
      error: untrusted(err.error),
      errorDescription: untrusted(err.error_description),
      status: err.status,
      cause: redact(err),
    });
  }
  if (err instanceof o.AuthorizationResponseError) {
    const error = untrusted(err.error) ?? 'authorization_error';
    const code = AUTHORIZATION_ERRORS.has(error as OAuthErrorCode) ? (error as OAuthErrorCode) : 'authorization_error';
    return new OAuthError(code, 'The authorization server refused the request', {
      error,
      errorDescription: untrusted(err.error_description),
      cause: redact(err),
    });
  }
  if (err instanceof o.WWWAuthenticateChallengeError) return challengeError(err.cause, err.status, redact(err));
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new OAuthError('timeout', 'The request timed out', { cause: redact(err) });
  }
  if (err instanceof o.OperationProcessingError) {
    return fromProcessingError(err, fallback);
  }
  if (err instanceof TypeError && (err as { code?: unknown }).code === undefined) {
    // fetch() rejects with a bare TypeError when the network fails or CORS blocks the response.
    return new OAuthError('network', 'The request failed at the network (or CORS)', { cause: redact(err) });
  }
  return new OAuthError(fallback, 'Unexpected failure', { cause: redact(err) });
}

/**
 * A resource's challenge (RFC 6750 §3, RFC 9449 §7.1) as an error: the first challenge that names an `error`.
 * RFC 9470 §3: `insufficient_user_authentication` carries the `acr_values` and `max_age` to log in with.
 */
export function challengeError(challenges: readonly o.WWWAuthenticateChallenge[], status: number, cause?: Error): OAuthError {
  const params = (challenges.find((c) => c.parameters.error) ?? challenges[0])?.parameters ?? {};
  const error = untrusted(params.error);
  const stepUp = error === 'insufficient_user_authentication';
  const maxAge = Number(params.max_age);
  return new OAuthError(stepUp || error === 'invalid_token' ? error : codeForAsError(error ?? '', status), 'The server answered with an authentication challenge', {
    error,
    errorDescription: untrusted(params.error_description),
    status,
    cause,
    ...(stepUp && { acrValues: untrusted(params.acr_values), ...(params.max_age && Number.isSafeInteger(maxAge) && maxAge >= 0 && { maxAge }) }),
  });
}

/** What oauth4webapi's `cause` names, when it is an object: the claim or attribute compared, the claims checked. */
interface CauseFields {
  claim?: unknown;
  claims?: unknown;
  attribute?: unknown;
  header?: unknown;
}

function fromProcessingError(err: o.OperationProcessingError, fallback: OAuthErrorCode): OAuthError {
  const cause: unknown = err.cause;
  const details: OAuthErrorDetails = { cause: redact(err) };
  if (cause instanceof Response) details.status = cause.status;
  const fields: CauseFields = typeof cause === 'object' && cause !== null && !(cause instanceof Response) ? cause : {};
  switch (err.code) {
    case o.RESPONSE_IS_NOT_CONFORM:
      if (cause instanceof Response && cause.status >= 500) {
        return new OAuthError('server_error', 'The authorization server failed', details);
      }
      return new OAuthError('invalid_response', err.message, details);
    case o.JWT_CLAIM_COMPARISON:
    case o.JWT_TIMESTAMP_CHECK:
      if (fields.claim === 'nonce') return new OAuthError('nonce_mismatch', 'The ID token nonce does not match this login', details);
      return new OAuthError('invalid_id_token', err.message, details);
    case o.JSON_ATTRIBUTE_COMPARISON:
      // Discovery's check that the metadata is the configured issuer's (RFC 8414 §3.3).
      // Userinfo's check that `sub` is the ID token's (OIDC Core §5.3.2).
      return new OAuthError(fields.attribute === 'issuer' ? 'issuer_mismatch' : fields.attribute === 'sub' ? 'userinfo_mismatch' : 'invalid_response', err.message, details);
    case o.HTTP_REQUEST_FORBIDDEN:
    case o.REQUEST_PROTOCOL_FORBIDDEN:
      return new OAuthError('insecure_url', 'Refused to send a request over plain http', details);
    case o.INVALID_RESPONSE:
      if (byMessage(err) === 'nonce_mismatch') return new OAuthError('nonce_mismatch', 'The ID token has no nonce', details);
      // The ID token's checks report a claim missing or of the wrong type with the claims as cause, an
      // unexpected `alg` with the header: the only JWTs this client validates are ID tokens.
      if (fields.claims !== undefined || fields.header !== undefined) return new OAuthError('invalid_id_token', err.message, details);
      return new OAuthError(fallback, err.message, details);
    default:
      return new OAuthError(fallback, err.message, details);
  }
}
