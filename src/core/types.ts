import type { OAuthError } from './errors.js';

/**
 * Options of {@link createOAuthClient}: one authorization server, one registered public client. Bad values
 * throw a `TypeError` at once (a programmer mistake, not a runtime condition).
 *
 * @example
 * ```ts
 * const options: OAuthClientOptions = {
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/callback`,
 *   scope: 'openid profile offline_access',
 *   resources: ['https://api.example.com/'],
 *   postLogoutRedirectUri: `${location.origin}/`,
 * };
 * export const auth = createOAuthClient(options);
 * ```
 */
export interface OAuthClientOptions {
  /**
   * Issuer identifier of the authorization server; its metadata is discovered (OIDC, then RFC 8414) and its
   * `issuer` must be the same URL (compared after URL normalisation, so a trailing slash matters when the
   * issuer has a path: `https://sso.example.com/realms/x` is not `https://sso.example.com/realms/x/`).
   */
  issuer: string;
  /** The client's identifier, registered at the AS as a public client (no secret). */
  clientId: string;
  /**
   * Absolute URL the AS redirects back to: https (or loopback http with `allowInsecureLoopback`),
   * no fragment. Callbacks are processed only at exactly this scheme, host and path. An app in a native
   * shell may use a claimed https URL or a private-use scheme in reverse-domain form with one slash,
   * `com.example.app:/callback` (RFC 8252 §7.1), and hand the URL its deep-link handler receives to
   * {@link OAuthClient.handleRedirect}; see {@link OAuthClientOptions.navigate}.
   */
  redirectUri: string;
  /** Space-separated scopes. Default `'openid'`. Add `offline_access` for refresh tokens at most servers. */
  scope?: string;
  /**
   * The ONLY URL prefixes that ever receive an access token from {@link OAuthClient.fetch}:
   * same scheme, host and port, and a path under the prefix's path.
   *
   * Plain strings share the session's one token. To give each API its own token (RFC 8707 resource
   * indicators, so that a token for API A is never sent to, nor accepted by, API B), name every entry's
   * indicator with {@link ResourceOption}; see there.
   */
  resources?: readonly string[] | readonly ResourceOption[];
  /**
   * Where the AS sends the browser after RP-initiated logout; must be registered at the AS. The same rules
   * as `redirectUri` (a private-use scheme included).
   */
  postLogoutRedirectUri?: string;
  /**
   * Opens the AS's login and end-session pages instead of `location.assign`: for an app in a native shell
   * (Capacitor, Electron, Tauri), where the login belongs in the system browser, not in the app's WebView.
   * Nothing else changes (PKCE, state, DPoP, storage, renewal). A rejection rejects `login()`/`logout()`.
   * docs/recipes.md has the Capacitor recipe.
   *
   * @example
   * ```ts
   * declare const Browser: { open(options: { url: string }): Promise<void> }; // import { Browser } from '@capacitor/browser'
   *
   * const auth = createOAuthClient({
   *   issuer: 'https://id.example.com',
   *   clientId: 'mobile-app',
   *   redirectUri: 'com.example.app:/callback',
   *   navigate: (url) => Browser.open({ url: url.href }),
   * });
   * ```
   */
  navigate?: (url: URL) => void | Promise<void>;
  /**
   * Extra parameters of every authorization request, whichever call starts it (`login()` from anywhere,
   * the React hook's `login` included): e.g. Auth0's `audience`, `ui_locales`, an `acr_values` policy.
   * A login's own {@link LoginOptions.params} are added and win for a name both set. Values are strings.
   * Parameters the SDK sets itself (`client_id`, `redirect_uri`, `response_type`, `response_mode`, `scope`,
   * `state`, `nonce`, `code_challenge*`, `prompt`, `login_hint`, `request*`, and `resource` when
   * `resources` name indicators) are a `TypeError` at creation: use the options for them.
   *
   * @example
   * ```ts
   * const auth = createOAuthClient({
   *   issuer: 'https://my-tenant.eu.auth0.com/',
   *   clientId: 'my-spa',
   *   redirectUri: `${location.origin}/callback`,
   *   scope: 'openid profile offline_access',
   *   resources: ['https://api.example.com/'],
   *   authorizationParams: { audience: 'https://api.example.com/' }, // on every login
   * });
   * ```
   */
  authorizationParams?: Readonly<Record<string, string>>;
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
   * otherwise); `false` turns it off. With DPoP on, your API must accept `Authorization: DPoP` and verify
   * the `DPoP` proof header.
   */
  dpop?: boolean;
  /**
   * Pushed authorization requests (RFC 9126): `login()` POSTs the authorization request to the AS, and the
   * browser's address bar and history see only `client_id` and a short-lived `request_uri` (no PKCE challenge,
   * state, nonce, scope, resources or `params`). With DPoP, the pushed request carries a proof of the login's
   * key, which binds the authorization code to it (RFC 9449 §10). Default `'auto'`: push when the AS lists a
   * `pushed_authorization_request_endpoint` (it must then allow this origin by CORS, like its token
   * endpoint); `true` requires it (`login()` rejects with `par_unsupported` when the AS has none); `false`
   * never pushes, and `login()` rejects with `par_required` when the AS says it requires PAR.
   *
   * @example
   * ```ts
   * const auth = createOAuthClient({
   *   issuer: 'https://id.example.com',
   *   clientId: 'spa',
   *   redirectUri: `${location.origin}/callback`,
   *   par: true, // never put the request in the URL; fail if the AS cannot take it
   * });
   * ```
   */
  par?: 'auto' | boolean;
  /** Allow `http://` for localhost, 127.0.0.1 and [::1] only. Every other http URL is an `insecure_url` error. */
  allowInsecureLoopback?: boolean;
  /** Milliseconds before a request to the AS is abandoned with a `timeout` error. Default 10 000. */
  timeout?: number;
  /** Largest response body accepted from the AS, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Seconds the local clock is behind (+) or ahead (−) of the AS, for ID-token time checks. Default 0. */
  clockSkew?: number;
  /**
   * The only JWS algorithm accepted for ID tokens. Default: every algorithm the AS lists in
   * `id_token_signing_alg_values_supported` except `none` (unsigned) and `HS*` (keyed with a client secret
   * a public client does not have), so Keycloak's or Auth0's long lists just work; `RS256` when the AS
   * lists none. Set it to pin one algorithm yourself.
   */
  idTokenSigningAlg?: string;
}

/**
 * A `resources` entry with its own access token (RFC 8707 resource indicators; SECURITY.md 21).
 *
 * The login asks for every listed `resource`; the code exchange and the session's refreshes name the
 * first one (its token is also what {@link OAuthClient.getAccessToken} returns), and the token of each
 * other entry is obtained with the refresh token the first time a request goes to it, then renewed on
 * demand. Each token goes only to URLs under its own `url` (the longest matching prefix wins). This needs
 * a refresh token (`offline_access` at most servers) and an AS that supports RFC 8707, such as
 * oidc-provider with `resourceIndicators`; entries are all strings or all objects.
 *
 * @example
 * ```ts
 * const auth = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'spa',
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid offline_access orders:read billing:read',
 *   resources: [
 *     { url: 'https://orders.example.com/', resource: 'https://orders.example.com/' },
 *     { url: 'https://billing.example.com/v2/', resource: 'urn:example:billing', scope: 'billing:read' },
 *   ],
 * });
 * const invoices = await auth.fetch('https://billing.example.com/v2/invoices'); // the billing token only
 * ```
 */
export interface ResourceOption {
  /** The URL prefix that receives this resource's token, with the same rules as a string entry. */
  readonly url: string;
  /** The resource indicator the AS knows the API by: an absolute URI without a fragment. */
  readonly resource: string;
  /** Scope for this resource's token requests (a subset of the granted scope); default: the AS decides. */
  readonly scope?: string;
}

/**
 * Validated ID-token claims of the signed-in user (`sub` is present whenever `openid` was in scope).
 * Which other claims are there depends on the scopes and the AS.
 *
 * @example
 * ```ts
 * const user: User | undefined = auth.state.user; // set while signed in (and refreshing)
 * const label = user?.name ?? user?.email ?? user?.sub ?? 'anonymous';
 * const picture = typeof user?.picture === 'string' ? user.picture : undefined; // any other claim: check its type
 * ```
 */
export interface User {
  /** Subject: the user's stable identifier at this AS. */
  readonly sub?: string;
  /** Display name (`profile` scope), when the AS puts it in the ID token. */
  readonly name?: string;
  /** Email address (`email` scope), when the AS puts it in the ID token. */
  readonly email?: string;
  /** Any other claim of the ID token, unvalidated beyond the JWT checks: check its type before use. */
  readonly [claim: string]: unknown;
}

/**
 * Every status the client can be in; see the state diagram in the README.
 *
 * @example
 * ```ts
 * const label: Record<AuthStatus, string> = {
 *   loading: 'Checking your session…',
 *   signedOut: 'Signed out',
 *   authorizing: 'Redirecting to sign in…',
 *   exchanging: 'Completing sign-in…',
 *   signedIn: 'Signed in',
 *   refreshing: 'Signed in',
 *   error: 'Sign-in failed',
 * };
 * auth.subscribe((state) => showMessage(label[state.status]));
 * ```
 */
export type AuthStatus = AuthState['status'];

/**
 * The client's observable state: a union keyed on `status`, each member carrying only its own data.
 * It never holds a token.
 *
 * Every member has the same four fields, typed `undefined` where they cannot be set, so that they can be
 * read without narrowing first: `auth.state.error` is an `OAuthError | undefined` and `auth.state.user`
 * a `User | undefined` in any state. Checking `status` narrows them (`user` is set in `signedIn` and
 * `refreshing`, `error` in `error`).
 *
 * @example
 * ```ts
 * // No narrowing needed to read the optional fields:
 * const name = auth.state.user?.name;
 * const failure = auth.state.error?.code;
 * // Checking `status` narrows them:
 * auth.subscribe((state) => {
 *   switch (state.status) {
 *     case 'signedIn':
 *     case 'refreshing':
 *       showMessage(`Hello ${state.user.name ?? state.user.sub}; token valid until ${new Date(state.expiresAt).toLocaleTimeString()}`);
 *       break;
 *     case 'error':
 *       showMessage(`Sign-in failed: ${state.error.code}`);
 *       break;
 *     case 'signedOut':
 *       if (state.error) showMessage(`Your session ended (${state.error.code})`);
 *       break;
 *   }
 * });
 * ```
 */
export type AuthState =
  /** `init()` has not read the stored session yet. */
  | {
      /** Discriminant. */
      readonly status: 'loading';
      /** No session, no user. */
      readonly user?: undefined;
      /** No session, no expiry. */
      readonly expiresAt?: undefined;
      /** No session, no token. */
      readonly tokenType?: undefined;
      /** Never set while loading. */
      readonly error?: undefined;
    }
  /** No session. `error` says why the session ended, when it ended by a failure (e.g. `invalid_grant`). */
  | {
      /** Discriminant. */
      readonly status: 'signedOut';
      /** No session, no user. */
      readonly user?: undefined;
      /** No session, no expiry. */
      readonly expiresAt?: undefined;
      /** No session, no token. */
      readonly tokenType?: undefined;
      /** Why the session ended, when a failure ended it; absent after `logout()`. */
      readonly error?: OAuthError;
    }
  /** `login()` is preparing the request and navigating to the AS. */
  | {
      /** Discriminant. */
      readonly status: 'authorizing';
      /** No session, no user. */
      readonly user?: undefined;
      /** No session, no expiry. */
      readonly expiresAt?: undefined;
      /** No session, no token. */
      readonly tokenType?: undefined;
      /** Never set while authorizing: a failed `login()` leaves this state with its error. */
      readonly error?: undefined;
    }
  /** The callback is being validated and its code exchanged. */
  | {
      /** Discriminant. */
      readonly status: 'exchanging';
      /** No session, no user. */
      readonly user?: undefined;
      /** No session, no expiry. */
      readonly expiresAt?: undefined;
      /** No session, no token. */
      readonly tokenType?: undefined;
      /** Never set while exchanging: a failed callback leaves this state with its error. */
      readonly error?: undefined;
    }
  /** A session: `error` is the last failure that kept it (e.g. a transient `network` error during renewal). */
  | {
      /** Discriminant. */
      readonly status: 'signedIn';
      /** The validated ID-token claims. */
      readonly user: User;
      /** Epoch milliseconds when the access token expires. */
      readonly expiresAt: number;
      /** `dpop` when the tokens are bound to this browser's non-extractable key (RFC 9449), else `bearer`. */
      readonly tokenType: 'bearer' | 'dpop';
      /** The last failure that kept the session (it is retried), if any. */
      readonly error?: OAuthError;
    }
  /** A session whose tokens are being renewed: still signed in, keep showing it. */
  | {
      /** Discriminant. */
      readonly status: 'refreshing';
      /** The validated ID-token claims. */
      readonly user: User;
      /** Epoch milliseconds when the current access token expires. */
      readonly expiresAt: number;
      /** `dpop` when the tokens are bound to this browser's non-extractable key (RFC 9449), else `bearer`. */
      readonly tokenType: 'bearer' | 'dpop';
      /** Never set while refreshing: the refresh ends in `signedIn` (with or without one) or `signedOut`. */
      readonly error?: undefined;
    }
  /** The last operation failed and there is no session (e.g. a rejected callback, an unreachable AS). */
  | {
      /** Discriminant. */
      readonly status: 'error';
      /** No session, no user. */
      readonly user?: undefined;
      /** No session, no expiry. */
      readonly expiresAt?: undefined;
      /** No session, no token. */
      readonly tokenType?: undefined;
      /** What failed. */
      readonly error: OAuthError;
    };

/**
 * Options of {@link OAuthClient.login}.
 *
 * @example
 * ```ts
 * const options: LoginOptions = {
 *   returnTo: '/inbox?folder=2',
 *   prompt: 'login',
 *   loginHint: 'alice@example.com',
 *   params: { ui_locales: 'de' }, // this login only; `authorizationParams` are for every login
 * };
 * await auth.login(options);
 * ```
 */
export interface LoginOptions {
  /**
   * Same-origin path (with query and fragment) to return to after the callback; anything else ends at `/`.
   * Default: the current path, query and fragment.
   */
  returnTo?: string;
  /** OIDC `prompt`: `login` forces re-authentication, `none` fails with `login_required` instead of showing a page. */
  prompt?: 'none' | 'login' | 'consent' | 'select_account' | 'create';
  /** OIDC `login_hint`: pre-fills the AS's sign-in form (e.g. an email address). */
  loginHint?: string;
  /** Overrides the configured scope for this login. */
  scope?: string;
  /**
   * Extra authorization request parameters of this login, added to the client-wide
   * {@link OAuthClientOptions.authorizationParams} (this login's value wins for a name both set).
   * Protocol ones the SDK sets (`client_id`, `redirect_uri`, `response_type`, `scope`, `state`, `nonce`,
   * `code_challenge*`, `prompt`, `login_hint`, `request*`, `response_mode`) make `login()` reject with a
   * `TypeError`.
   */
  params?: Readonly<Record<string, string>>;
  /**
   * Step-up (RFC 9470, OIDC Core §3.1.2.1 `acr_values`): the authentication context classes asked for,
   * space-separated, in order of preference; e.g. the {@link OAuthError.acrValues} of an
   * `insufficient_user_authentication` error. The callback then refuses an ID token whose `acr` is not one
   * of them with `insufficient_user_authentication` (nothing stored), unless {@link LoginOptions.acceptOtherAcr}.
   */
  acrValues?: string;
  /**
   * Step-up: the largest age (seconds) of the user's authentication accepted (OIDC `max_age`); the AS asks the
   * user to sign in again when it is older, and the callback refuses an ID token whose `auth_time` is older.
   */
  maxAge?: number;
  /** Keep the session whatever `acr` the ID token carries (`acr_values` is only a wish); read `state.user.acr`. */
  acceptOtherAcr?: boolean;
}

/**
 * Options of {@link OAuthClient.userinfo}.
 *
 * @example
 * ```ts
 * const options: UserinfoOptions = { updateUser: true };
 * const claims = await auth.userinfo(options); // state.user now has them too, in every tab
 * ```
 */
export interface UserinfoOptions {
  /**
   * Merge the claims into the stored session's `user` (the ID token's claims win for `iss`, `aud`, `sub` and
   * the other claims of the authentication), so that `state.user` shows them in every tab. Default `false`.
   */
  updateUser?: boolean;
}

/**
 * Options of {@link OAuthClient.loginPopup}: those of {@link LoginOptions} (`returnTo` is stored but unused:
 * the popup closes itself), plus the popup window's own.
 *
 * @example
 * ```ts
 * document.querySelector('#sign-in')?.addEventListener('click', () => void auth.loginPopup({ popupFeatures: 'popup,width=480,height=640', popupTimeout: 120_000 }));
 * ```
 */
export interface PopupLoginOptions extends LoginOptions {
  /** `window.open`'s third argument. Default: `'popup,width=500,height=650'`. */
  popupFeatures?: string;
  /**
   * Milliseconds after which `loginPopup()` gives up with `popup_timeout` when no answer came back. Default
   * 300000 (5 min). It is the only bound when the AS's `Cross-Origin-Opener-Policy` hides the popup from this page.
   */
  popupTimeout?: number;
}

/**
 * Options of {@link OAuthClient.logout}.
 *
 * @example
 * ```ts
 * // Sign out here and at the AS, then come back to the home page.
 * await auth.logout({ endSession: true, returnTo: '/' });
 * ```
 */
export interface LogoutOptions {
  /**
   * Same-origin path to come back to after RP-initiated logout, sent as `post_logout_redirect_uri`
   * (origin + path) instead of `postLogoutRedirectUri`. The AS refuses a value not registered for the client.
   */
  returnTo?: string;
  /** Revoke the refresh token at the AS (RFC 7009) when it has a revocation endpoint. Default `true`; failures never block the local wipe. */
  revoke?: boolean;
  /** Navigate to the AS's end-session endpoint (RP-initiated logout) when it has one. Default `false`. */
  endSession?: boolean;
}

/**
 * The result of {@link OAuthClient.handleRedirect} (and of {@link OAuthClient.init} on the callback).
 *
 * @example
 * ```ts
 * const result: RedirectResult = await auth.handleRedirect();
 * location.replace(result.returnTo);
 * ```
 */
export interface RedirectResult {
  /** The validated same-origin path stored at `login()`; navigate there. */
  returnTo: string;
  /**
   * `true` when this page is the popup of {@link OAuthClient.loginPopup}: the SDK has told the page that
   * opened it (through storage and the tabs channel) and closed this window. Do not navigate.
   */
  popup?: true;
}

/**
 * The client returned by {@link createOAuthClient}: create one per (issuer, client) and share it.
 *
 * @example
 * ```ts
 * const auth: OAuthClient = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/callback`,
 *   resources: ['https://api.example.com/'],
 * });
 * auth.subscribe(render);
 * const done = await auth.init();          // restores the session; completes the login on the callback
 * if (done) history.replaceState(null, '', done.returnTo);
 * document.querySelector('#sign-in')?.addEventListener('click', () => void auth.login());
 * ```
 */
export interface OAuthClient {
  /** Current state; replaced (never mutated) on every transition. */
  readonly state: AuthState;
  /**
   * Calls `listener(state)` on every transition, in this tab, including those caused by other tabs.
   * Returns the unsubscribe function. The listener is not called with the current state: read `auth.state`.
   *
   * @example
   * ```ts
   * render(auth.state);
   * const unsubscribe = auth.subscribe(render);
   * // later: unsubscribe();
   * ```
   */
  subscribe(listener: (state: AuthState) => void): () => void;
  /**
   * Restores the session from storage and, if the current URL is the callback, completes the redirect and
   * resolves to its {@link RedirectResult}. Call it once at start-up (more calls share the first). Never
   * rejects for a bad callback: the error is in `state` and it resolves to `undefined`.
   *
   * @example
   * ```ts
   * const done = await auth.init();
   * if (done) history.replaceState(null, '', done.returnTo); // back where login() was called
   * ```
   */
  init(): Promise<RedirectResult | undefined>;
  /**
   * A: stores a single-use pending login and sends the browser to the AS. Resolves only if navigation is
   * prevented; rejects with an {@link OAuthError} (e.g. `discovery_failed`, `storage_unavailable`).
   *
   * @example
   * ```ts
   * await auth.login({ returnTo: location.pathname });
   * ```
   */
  login(options?: LoginOptions): Promise<void>;
  /**
   * {@link OAuthClient.login} in a popup window, without leaving the page. Call it from the click handler
   * itself: the window opens synchronously (popup blockers allow only that), before any `await`. The popup
   * comes back to `redirectUri`, whose page runs `init()` (or `handleRedirect()`) as for a redirect login: the
   * SDK completes the login there, stores the session and closes the popup. This page learns of it through
   * storage and the tabs channel, never `window.opener` or `postMessage`, so it works when the AS sends
   * `Cross-Origin-Opener-Policy: same-origin`. Resolves once this tab is `signedIn` and the popup is closed.
   * A second call while a popup is open focuses it and returns the same promise.
   *
   * Rejects with an {@link OAuthError}: `popup_blocked` (at once), `popup_closed` (the user closed it),
   * `popup_timeout` (no answer within `popupTimeout`), or the redirect flow's codes (`access_denied`, …).
   *
   * @example
   * ```ts
   * document.querySelector('#sign-in')?.addEventListener('click', () => {
   *   auth.loginPopup().catch((err) => {
   *     if (err instanceof OAuthError && err.code === 'popup_blocked') return auth.login(); // fall back to a redirect
   *     showMessage(`Sign-in failed: ${err.code}`);
   *   });
   * });
   * ```
   */
  loginPopup(options?: PopupLoginOptions): Promise<void>;
  /**
   * B→C→D: validates the callback URL (default: the current one) against the stored login, exchanges the
   * code and stores the session; when the URL is the current one, `code` and `state` leave the address bar
   * first. Nothing is stored on failure. Only needed when `init()` does not run on the callback page.
   *
   * @example
   * ```ts
   * // callback.ts: the page at `redirectUri`
   * try {
   *   const { returnTo } = await auth.handleRedirect();
   *   location.replace(returnTo);
   * } catch (err) {
   *   if (err instanceof OAuthError) showMessage(`Sign-in failed: ${err.code}`);
   *   else throw err;
   * }
   * ```
   */
  handleRedirect(url?: string | URL): Promise<RedirectResult>;
  /**
   * A valid access token: the cached one, or one refresh shared by every caller in every tab. Rejects with
   * `login_required` when signed out. Prefer {@link OAuthClient.fetch}: with DPoP, a token is useless without
   * the proof `fetch` adds.
   *
   * @example
   * ```ts
   * const token = await auth.getAccessToken(); // e.g. for a WebSocket handshake
   * const fresh = await auth.getAccessToken({ forceRefresh: true });
   * ```
   */
  getAccessToken(options?: {
    /** Refresh even if the cached token is not due yet. */
    forceRefresh?: boolean;
    /**
     * With per-resource tokens ({@link ResourceOption}): the `resource` indicator whose token you want.
     * Default: the first entry's. An indicator that is not configured is a `TypeError`.
     */
    resource?: string;
  }): Promise<string>;
  /**
   * E→F: `fetch` that attaches the token (and a DPoP proof) only to configured `resources`; any other URL
   * goes out untouched. One refresh-and-retry on `401 invalid_token`; other statuses are returned as they are.
   * Rejects with `login_required` for a resource URL when signed out.
   *
   * @example
   * ```ts
   * const res = await auth.fetch('https://api.example.com/me', { headers: { accept: 'application/json' } });
   * if (res.ok) showMessage(JSON.stringify(await res.json()));
   * ```
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /**
   * The user's claims from the AS's userinfo endpoint (OIDC Core §5.3), asked with the session's token and
   * its DPoP proof; its `sub` must be the ID token's (`userinfo_mismatch` otherwise, nothing stored). A signed
   * (`application/jwt`) answer is accepted after oauth4webapi's checks of its `iss`, `aud` and `alg`. One
   * refresh-and-retry on `401 invalid_token`. With per-resource tokens ({@link ResourceOption}) the session's
   * token is for an API, which an AS such as oidc-provider refuses at userinfo: a token for userinfo is got
   * with a refresh naming no `resource` (kept and renewed like a resource's token). Rejects with
   * `login_required` when signed out.
   *
   * @example
   * ```ts
   * const claims = await auth.userinfo({ updateUser: true });
   * showMessage(`Signed in as ${String(claims.email ?? claims.sub)}`);
   * ```
   */
  userinfo(options?: UserinfoOptions): Promise<User>;
  /**
   * Wipes the session in every tab, revokes the refresh token (best effort) and, with `endSession`,
   * navigates to the AS's end-session endpoint.
   *
   * @example
   * ```ts
   * await auth.logout();                     // local sign-out (and revocation) only
   * await auth.logout({ endSession: true }); // also end the session at the AS
   * ```
   */
  logout(options?: LogoutOptions): Promise<void>;
  /**
   * Stops timers, listeners and channels. The client is unusable afterwards (`destroyed`).
   *
   * @example
   * ```ts
   * // Tests or hot module replacement: release the previous client.
   * auth.destroy();
   * ```
   */
  destroy(): void;
}
