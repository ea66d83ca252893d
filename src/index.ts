/**
 * browser-oauth: the OAuth 2.0 / OpenID Connect client of a single-page app.
 * Explicit named exports only; internals (machine, storage, tabs) are not part of the API.
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
  RedirectResult,
  User,
} from './core/types.js';
