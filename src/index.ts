/**
 * browser-oauth: the OAuth 2.0 / OpenID Connect client of a single-page app.
 * Explicit named exports only; internals (machine, storage, tabs) are not part of the API.
 *
 * @example
 * ```ts
 * import { createOAuthClient } from 'browser-oauth';
 *
 * export const auth = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/callback`,
 *   scope: 'openid profile offline_access',
 *   resources: ['https://api.example.com/'],
 * });
 * await auth.init();
 * if (auth.state.status === 'signedOut') await auth.login();
 * const me = await (await auth.fetch('https://api.example.com/me')).json();
 * ```
 *
 * @module browser-oauth
 */
export { createOAuthClient } from './core/client.js';
export { OAuthError } from './core/errors.js';
export type { OAuthErrorCode, OAuthErrorDetails } from './core/errors.js';
export type {
  AuthState,
  AuthStatus,
  LoginOptions,
  LogoutOptions,
  OAuthClient,
  OAuthClientOptions,
  PopupLoginOptions,
  RedirectResult,
  ResourceOption,
  User,
  UserinfoOptions,
} from './core/types.js';
