/**
 * Extra parameters of the authorization request: the client-wide `authorizationParams` and a login's own
 * `params`. Every way of sending the user to the AS (a redirect today, a popup tomorrow) builds its request
 * from {@link extraAuthorizationParams}, so none can forget the client-wide ones (Auth0's `audience`).
 */

/** Parameters the SDK sets itself; an extra parameter must never override them (PKCE, state, nonce…). */
const RESERVED = new Set([
  'client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce',
  'code_challenge', 'code_challenge_method', 'prompt', 'login_hint', 'request', 'request_uri',
]);

/**
 * Checks one set of extra parameters: an object of strings, none of them reserved. `resource` is reserved
 * too when the client names resource indicators (the SDK sends those itself, SECURITY.md 21).
 * A mistake is a `TypeError`: it is the app's code, not a runtime condition.
 */
export function checkExtraParams(params: unknown, option: string, resourceIndicators: boolean): Readonly<Record<string, string>> {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new TypeError(`browser-oauth: "${option}" must be an object of string values`);
  }
  for (const [name, value] of Object.entries(params)) {
    if (RESERVED.has(name) || (name === 'resource' && resourceIndicators)) throw new TypeError(`browser-oauth: ${option} cannot set "${name}"`);
    if (typeof value !== 'string') throw new TypeError(`browser-oauth: ${option}: "${name}" must be a string`);
  }
  return { ...(params as Record<string, string>) };
}

/**
 * The extra parameters of one authorization request: the client-wide ones, then the login's own, which
 * win for a name both set. `clientWide` was checked when the client was created.
 */
export function extraAuthorizationParams(
  clientWide: Readonly<Record<string, string>>,
  perLogin: unknown,
  resourceIndicators: boolean,
): Readonly<Record<string, string>> {
  return { ...clientWide, ...checkExtraParams(perLogin, 'login params', resourceIndicators) };
}
