import type { OAuthError } from './errors.js';

/** Options of {@link createOAuthClient}. Bad values throw a `TypeError` at once (a programmer mistake). */
export interface OAuthClientOptions {
  /** Issuer identifier of the authorization server; its metadata is discovered (OIDC, then RFC 8414). */
  issuer: string;
  /** The client's identifier, registered at the AS as a public client (no secret). */
  clientId: string;
  /**
   * Absolute URL the AS redirects back to: https (or loopback http with `allowInsecureLoopback`),
   * no fragment. Callbacks are processed only at exactly this origin and path.
   */
  redirectUri: string;
  /** Space-separated scopes. Default `'openid'`. Add `offline_access` for refresh tokens at most servers. */
  scope?: string;
  /**
   * The ONLY URL prefixes that ever receive the access token from {@link OAuthClient.fetch}:
   * same scheme, host and port, and a path under the prefix's path.
   */
  resources?: readonly string[];
  /** Where the AS sends the browser after RP-initiated logout; must be registered at the AS. */
  postLogoutRedirectUri?: string;
  /**
   * Where tokens live. `'indexeddb'` (default): shared by the tabs, kept across reloads; when IndexedDB is
   * unavailable the session falls back to memory (one console warning) and `login()` rejects with
   * `storage_unavailable`, since a redirect cannot survive without it. `'memory'`: tokens never reach
   * IndexedDB and are gone on reload; only the short-lived pending login is written there (it must
   * survive the trip to the AS), so handle the callback in the page that keeps the client.
   */
  storage?: 'indexeddb' | 'memory';
  /**
   * Sender-constrained tokens (RFC 9449 DPoP) with a non-extractable key made per login. Default: on
   * when the AS advertises `dpop_signing_alg_values_supported`; `true` requires it (`dpop_unsupported`
   * otherwise); `false` turns it off.
   */
  dpop?: boolean;
  /** Allow `http://` for localhost, 127.0.0.1 and [::1] only. Every other http URL is an `insecure_url` error. */
  allowInsecureLoopback?: boolean;
  /** Milliseconds before a request to the AS is abandoned with a `timeout` error. Default 10 000. */
  timeout?: number;
  /** Largest response body accepted from the AS, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Seconds the local clock is behind (+) or ahead (−) of the AS, for ID-token time checks. Default 0. */
  clockSkew?: number;
  /**
   * The only JWS algorithm accepted for ID tokens. Default: the first of the AS's
   * `id_token_signing_alg_values_supported` that is not `none` (pinning it keeps `alg: none` out).
   */
  idTokenSigningAlg?: string;
}

/** Validated ID-token claims of the signed-in user (`sub` is present whenever `openid` was in scope). */
export interface User {
  readonly sub?: string;
  readonly name?: string;
  readonly email?: string;
  readonly [claim: string]: unknown;
}

/** Every status the client can be in; see the state diagram in the README. */
export type AuthStatus = AuthState['status'];

/**
 * The client's observable state: a union keyed on `status`, each member carrying only its own data.
 * It never holds a token.
 */
export type AuthState =
  | { readonly status: 'loading' }
  /** `error` says why the session ended, when it ended by a failure (e.g. `invalid_grant`). */
  | { readonly status: 'signedOut'; readonly error?: OAuthError }
  | { readonly status: 'authorizing' }
  | { readonly status: 'exchanging' }
  /**
   * `expiresAt`: epoch ms when the access token expires. `tokenType`: `dpop` when the tokens are bound to
   * this browser's non-extractable key (RFC 9449). `error`: the last failure that kept the session.
   */
  | { readonly status: 'signedIn'; readonly user: User; readonly expiresAt: number; readonly tokenType: 'bearer' | 'dpop'; readonly error?: OAuthError }
  | { readonly status: 'refreshing'; readonly user: User; readonly expiresAt: number; readonly tokenType: 'bearer' | 'dpop' }
  /** The last operation failed and there is no session (e.g. a rejected callback, an unreachable AS). */
  | { readonly status: 'error'; readonly error: OAuthError };

/** Options of {@link OAuthClient.login}. */
export interface LoginOptions {
  /** Same-origin path to return to after the callback; anything else ends at `/`. Default: the current path. */
  returnTo?: string;
  prompt?: 'none' | 'login' | 'consent' | 'select_account' | 'create';
  loginHint?: string;
  /** Overrides the configured scope for this login. */
  scope?: string;
  /** Extra authorization request parameters; they cannot override the protocol ones the SDK sets. */
  params?: Readonly<Record<string, string>>;
}

/** Options of {@link OAuthClient.logout}. */
export interface LogoutOptions {
  /** Path to come back to after RP-initiated logout; sent as `state`-free `post_logout_redirect_uri` only if registered. */
  returnTo?: string;
  /** Revoke the refresh token at the AS (RFC 7009). Default `true`; failures never block the local wipe. */
  revoke?: boolean;
  /** Navigate to the AS's end-session endpoint (RP-initiated logout) when it has one. Default `false`. */
  endSession?: boolean;
}

/** The result of {@link OAuthClient.handleRedirect}. */
export interface RedirectResult {
  /** The validated same-origin path stored at `login()`; navigate there. */
  returnTo: string;
}

/** The client returned by {@link createOAuthClient}. */
export interface OAuthClient {
  /** Current state; replaced (never mutated) on every transition. */
  readonly state: AuthState;
  /** Calls `listener(state)` on every transition, in this tab, including those caused by other tabs. Returns the unsubscribe function. */
  subscribe(listener: (state: AuthState) => void): () => void;
  /** Restores the session from storage and, if the current URL is the callback, completes the redirect. */
  init(): Promise<RedirectResult | undefined>;
  /** A: sends the browser to the AS. Resolves only if navigation is prevented. */
  login(options?: LoginOptions): Promise<void>;
  /** B→C→D: validates the callback URL and exchanges the code. Nothing is stored on failure. */
  handleRedirect(url?: string | URL): Promise<RedirectResult>;
  /** A valid access token: the cached one, or one refresh shared by every caller in every tab. */
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** E→F: `fetch` that attaches the token only to configured `resources`. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Revokes (best effort), wipes the session in every tab, optionally ends the AS session. */
  logout(options?: LogoutOptions): Promise<void>;
  /** Stops timers, listeners and channels. The client is unusable afterwards. */
  destroy(): void;
}
