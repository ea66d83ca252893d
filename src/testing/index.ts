/**
 * browser-oauth/testing: an {@link OAuthClient} that the test drives, for an app's own component and unit
 * tests. No authorization server, no network of its own, no IndexedDB, no timers: the test decides who is
 * signed in, when a refresh starts and ends, and what fails. Every state change goes through the real
 * client's state machine, so a test reaches exactly the states the real client reaches; `auth.fetch` finds
 * the resource a URL is under with the real client's matching, so a test catches a request that would send
 * the token to the wrong place.
 *
 * @example
 * ```ts
 * import { createTestClient } from 'browser-oauth/testing';
 *
 * const auth = createTestClient({ user: { sub: 'alice', name: 'Alice' }, resources: ['https://api.example.com/'] });
 * auth.state.status;                                   // 'signedIn'
 * await auth.fetch('https://api.example.com/me');     // sent with `Authorization: Bearer test-access-token`
 * await auth.fetch('https://cdn.example.com/logo.svg'); // sent untouched
 * auth.fail('network');                                // signedIn, with `state.error.code === 'network'`
 * auth.signOut();                                      // signedOut
 * ```
 *
 * @module browser-oauth/testing
 */
import { OAuthError, type OAuthErrorCode } from '../core/errors.js';
import { initialState, transition, type AuthEvent, type SessionView } from '../core/machine.js';
import type { AuthState, LoginOptions, LogoutOptions, OAuthClient, RedirectResult, ResourceOption, User } from '../core/types.js';
import { matchResource, parseResources, safeReturnTo, type ResourcePrefix } from '../core/url.js';

/**
 * Options of {@link createTestClient}; all optional.
 *
 * @example
 * ```ts
 * const options: TestClientOptions = {
 *   user: { sub: 'alice', name: 'Alice', email: 'alice@example.com' },
 *   resources: ['https://api.example.com/'],
 *   fetch: async () => new Response('{"orders":[]}'),
 * };
 * const auth = createTestClient(options);
 * ```
 */
export interface TestClientOptions {
  /** Start signed in as this user (the ID-token claims); default: signed out. */
  user?: User;
  /**
   * Stay `loading` until the test calls {@link TestClient.finishLoading} (to test a loading screen);
   * `init()` settles then. Default: the client has already "read storage" when created.
   */
  loading?: boolean;
  /** The URL prefixes the test token goes to, as in `createOAuthClient` (`https`, or `http` on loopback). */
  resources?: readonly string[] | readonly ResourceOption[];
  /** What `auth.fetch` calls, with the token attached for resources and untouched otherwise. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** The access token: default `'test-access-token'`; each refresh appends a generation (`test-access-token.1`, …). */
  token?: string;
  /** `'dpop'` sends `Authorization: DPoP <token>` and a `DPoP: test-dpop-proof` header; default `'bearer'`. */
  tokenType?: 'bearer' | 'dpop';
  /** Lifetime of each access token in seconds (default 3600); `expiresAt` in state follows it. */
  expiresIn?: number;
  /** The clock, in epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** Base of relative URLs given to `auth.fetch` and `handleRedirect`; default `location.href`, else `http://localhost/`. */
  baseUrl?: string;
}

/**
 * One `getAccessToken()` call as the app made it.
 *
 * @example
 * ```ts
 * const test = createTestClient({ user: { sub: 'alice' } });
 * await test.getAccessToken({ forceRefresh: true });
 * const [call]: AccessTokenCall[] = test.calls.getAccessToken; // { forceRefresh: true }
 * ```
 */
export interface AccessTokenCall {
  /** As passed by the app. */
  readonly forceRefresh?: boolean;
  /** As passed by the app. */
  readonly resource?: string;
}

/**
 * What the app asked the client for, in call order: assert on these instead of spying.
 *
 * @example
 * ```ts
 * const test = createTestClient();
 * await test.login({ returnTo: '/orders' });
 * const calls: TestClientCalls = test.calls; // calls.login: [{ returnTo: '/orders' }]
 * ```
 */
export interface TestClientCalls {
  /** The options of every `login()` call (`{}` when called without). */
  readonly login: LoginOptions[];
  /** The options of every `logout()` call (`{}` when called without). */
  readonly logout: LogoutOptions[];
  /** Every `getAccessToken()` call (`{}` when called without options). */
  readonly getAccessToken: AccessTokenCall[];
  /** The URL of every `handleRedirect()` call (the base URL when called without). */
  readonly handleRedirect: string[];
}

/**
 * How {@link TestClient.finishRefresh} ends a refresh.
 *
 * @example
 * ```ts
 * const test = createTestClient({ user: { sub: 'alice', name: 'Alice' } });
 * const renamed: RefreshOutcome = { user: { sub: 'alice', name: 'Alice Smith' } }; // the refreshed ID token's claims
 * test.finishRefresh(renamed);
 * ```
 */
export interface RefreshOutcome {
  /** The refreshed ID token's claims; default: the same user. */
  user?: User;
}

/**
 * The {@link OAuthClient} of {@link createTestClient} with the controls of a test. Its `handleRedirect()` completes a
 * login as the `user` option's user (default `{ sub: 'test-user' }`) and resolves to the `returnTo` of the last
 * `login()` (reduced to a same-origin path, as the real client does). A control that the real
 * client could not follow from the current state (e.g. `finishRefresh()` with no refresh running) throws
 * an `Error` saying so, rather than reaching a state the app would never see.
 *
 * @example
 * ```ts
 * const auth = createTestClient({ user: { sub: 'alice' } });
 * auth.startRefresh();  // status 'refreshing', the user still shown
 * auth.finishRefresh(); // status 'signedIn', a new token and expiry
 * auth.expire();        // the token is past its expiry: the next getAccessToken() refreshes
 * auth.fail('invalid_grant'); // the session ends: 'signedOut' with that error
 * ```
 */
export interface TestClient extends OAuthClient {
  /** What the app asked for so far. */
  readonly calls: TestClientCalls;
  /** The access token `getAccessToken()` and `fetch` hand out now (the main resource's), or `undefined` when signed out. */
  readonly accessToken: string | undefined;
  /** A completed sign-in as `user` (default: the `user` option, else `{ sub: 'test-user' }`): `exchanging`, then `signedIn`. */
  signIn(user?: User): void;
  /** The session ends (in every tab, for the real client): `signedOut`, with `error` when given. */
  signOut(error?: OAuthError | OAuthErrorCode): void;
  /** A refresh starts and stays in flight (`refreshing`) until {@link TestClient.finishRefresh} or {@link TestClient.fail}; needs `signedIn`. */
  startRefresh(): void;
  /** The refresh in flight (or a new one) succeeds: a new token and expiry, `signedIn`; waiting `getAccessToken()` calls resolve. */
  finishRefresh(outcome?: RefreshOutcome): void;
  /**
   * The operation in flight fails with an {@link OAuthError} of that `code`, as the real client's would:
   * a login or callback ends in `error` (or keeps the session it had); a refresh keeps the session with the
   * error for a transient code (`network`, `timeout`, `server_error`, …) and ends it (`signedOut` with the
   * error) for `invalid_grant`, `invalid_client`, `id_token_mismatch`, `login_required` and `storage_corrupt`; with nothing in flight and no session,
   * it is a rejected callback (`error`). Waiting `getAccessToken()` calls reject with it.
   */
  fail(error: OAuthError | OAuthErrorCode): void;
  /** The access token is now past its expiry (as after a sleeping laptop): the next `getAccessToken()` or `fetch` refreshes. */
  expire(): void;
  /** Ends `loading` (with the `loading` option): the stored session is "read" and `init()` settles. */
  finishLoading(): void;
}

/** The codes with which a refresh ends the session: the real client's list (session/renewal.ts). */
const ENDS_SESSION = new Set<OAuthErrorCode>(['invalid_grant', 'invalid_client', 'id_token_mismatch', 'login_required', 'storage_corrupt']);

const asError = (error: OAuthError | OAuthErrorCode): OAuthError =>
  error instanceof OAuthError ? error : new OAuthError(error, `Test failure: ${error}`);

interface Waiter {
  resolve(token: string): void;
  reject(error: OAuthError): void;
  resource: string | undefined;
}

/**
 * Creates a {@link TestClient}: an `OAuthClient` for tests, driven by the test, with no authorization server.
 * Use it wherever the app takes its client (`<OAuthProvider client={auth}>`, a Vue plugin, a module mock).
 *
 * @example
 * ```tsx
 * import { render, screen } from '@testing-library/react';
 * import { OAuthProvider } from 'browser-oauth/react';
 * import { createTestClient } from 'browser-oauth/testing';
 *
 * const auth = createTestClient({ user: { sub: 'alice', name: 'Alice' } });
 * render(<OAuthProvider client={auth}><App /></OAuthProvider>);
 * await screen.findByText('Hello Alice');
 * ```
 */
export function createTestClient(options: TestClientOptions = {}): TestClient {
  const now = options.now ?? Date.now;
  const baseToken = options.token ?? 'test-access-token';
  const tokenType = options.tokenType ?? 'bearer';
  const lifetime = (options.expiresIn ?? 3600) * 1000;
  // The real client's validation: a resource list it would refuse is refused here too.
  const resources: readonly ResourcePrefix[] = parseResources(options.resources, true);
  const mainResource = resources[0]?.resource;
  const defaultUser: User = options.user ?? { sub: 'test-user' };
  const base = (): string => options.baseUrl ?? (typeof location === 'undefined' ? 'http://localhost/' : location.href);

  let state: AuthState = initialState;
  /** What the real client would have in storage: the machine's events carry it, as there. */
  let session: SessionView | null = options.user ? { user: options.user, expiresAt: now() + lifetime, tokenType } : null;
  let generation = 0;
  let destroyed = false;
  let returnTo = '/';
  const listeners = new Set<(state: AuthState) => void>();
  let waiters: Waiter[] = [];
  let loaded: () => void = () => undefined;
  const initialized = new Promise<void>((resolve) => (loaded = resolve));
  const calls: TestClientCalls = { login: [], logout: [], getAccessToken: [], handleRedirect: [] };

  const dispatch = (event: AuthEvent): boolean => {
    const next = transition(state, event);
    if (next === state) return false;
    state = next;
    for (const listener of [...listeners]) listener(state);
    return true;
  };
  const must = (changed: boolean, control: string): void => {
    if (!changed) throw new Error(`browser-oauth/testing: ${control} cannot happen in status "${state.status}"`);
  };
  const alive = (): void => {
    if (destroyed) throw new OAuthError('destroyed', 'This client was destroyed');
  };
  const tokenFor = (resource: string | undefined): string => {
    const main = generation === 0 ? baseToken : `${baseToken}.${generation}`;
    return resource === undefined || resource === mainResource ? main : `${main}@${resource}`;
  };
  const settle = (outcome: OAuthError | undefined): void => {
    const pending = waiters;
    waiters = [];
    for (const w of pending) {
      if (outcome) w.reject(outcome);
      else if (session) w.resolve(tokenFor(w.resource));
      else w.reject(new OAuthError('login_required', 'Not signed in'));
    }
  };
  const refreshed = (user?: User): void => {
    generation += 1;
    session = { user: user ?? session!.user, expiresAt: now() + lifetime, tokenType };
    dispatch({ type: 'REFRESH_SUCCEEDED', session });
    settle(undefined);
  };
  const load = (): void => {
    dispatch({ type: 'SESSION_LOADED', session });
    loaded();
  };

  /** The token the real client's `accessToken()` would give: cached, or after one shared refresh. */
  const token = (forceRefresh: boolean, resource: string | undefined): Promise<string> => {
    alive();
    if (!session) return Promise.reject(new OAuthError('login_required', 'Not signed in'));
    const waiting = new Promise<string>((resolve, reject) => waiters.push({ resolve, reject, resource }));
    if (state.status === 'refreshing') return waiting; // the test's refresh is in flight: share it
    if (forceRefresh || session.expiresAt <= now()) {
      dispatch({ type: 'REFRESH_STARTED' });
      refreshed();
    } else settle(undefined);
    return waiting;
  };

  if (!options.loading) load();

  const client: TestClient = {
    get state() {
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async init() {
      alive();
      await initialized;
      return undefined;
    },
    async login(loginOptions = {}) {
      alive();
      calls.login.push(loginOptions);
      returnTo = safeReturnTo(loginOptions.returnTo ?? '/', new URL(base()).origin);
      // The real client navigates away here; the test decides how it ends (signIn, fail).
      dispatch({ type: 'LOGIN_STARTED' });
    },
    loginPopup(popupOptions = {}) {
      void client.login(popupOptions);
      // As the real one: it settles when the login ends, here when the test says how (signIn, fail).
      return new Promise<void>((resolve, reject) => {
        const stop = client.subscribe((next) => {
          if (next.status === 'authorizing') return;
          stop();
          if (next.status === 'signedIn' && next.error === undefined) resolve();
          else reject(next.error ?? new OAuthError('popup_closed', 'The popup login ended without a session'));
        });
      });
    },
    async handleRedirect(url): Promise<RedirectResult> {
      alive();
      calls.handleRedirect.push(new URL(url ?? base(), base()).href);
      client.signIn();
      return { returnTo };
    },
    async getAccessToken(tokenOptions = {}) {
      calls.getAccessToken.push(tokenOptions);
      const { resource } = tokenOptions;
      if (resource !== undefined && !resources.some((r) => r.resource === resource)) {
        throw new TypeError('browser-oauth: getAccessToken: "resource" is not a configured resource indicator');
      }
      return token(tokenOptions.forceRefresh === true, resource);
    },
    async userinfo() {
      // The test's user stands for the userinfo answer: the real client checks its `sub` against it anyway.
      alive();
      if (!session) throw new OAuthError('login_required', 'Not signed in');
      return session.user;
    },
    async fetch(input, init) {
      alive();
      const send = options.fetch ?? globalThis.fetch;
      const target = new URL(input instanceof Request ? input.url : String(input), base());
      const prefix = matchResource(target, resources);
      // Not a resource: the request goes out exactly as the app made it, like the real client's.
      if (!prefix) return send(input, init);
      if (prefix === 'ambiguous') throw new OAuthError('unsafe_resource_path', 'Path leaves its resource once decoded');
      const request = new Request(input instanceof Request ? input : target, init);
      const headers = new Headers(request.headers);
      const value = await token(false, prefix.resource);
      headers.set('authorization', `${tokenType === 'dpop' ? 'DPoP' : 'Bearer'} ${value}`);
      if (tokenType === 'dpop') headers.set('dpop', 'test-dpop-proof');
      return send(new Request(request, { headers }));
    },
    async logout(logoutOptions = {}) {
      alive();
      calls.logout.push(logoutOptions);
      client.signOut();
    },
    destroy() {
      destroyed = true;
      listeners.clear();
    },
    get calls() {
      return calls;
    },
    get accessToken() {
      return session ? tokenFor(undefined) : undefined;
    },
    signIn(user = defaultUser) {
      session = { user, expiresAt: now() + lifetime, tokenType };
      generation = 0;
      dispatch({ type: 'CALLBACK_STARTED' });
      dispatch({ type: 'CALLBACK_SUCCEEDED', session });
      loaded();
    },
    signOut(error) {
      session = null;
      dispatch(error === undefined ? { type: 'SIGNED_OUT' } : { type: 'SIGNED_OUT', error: asError(error) });
      settle(undefined);
      loaded();
    },
    startRefresh() {
      must(dispatch({ type: 'REFRESH_STARTED' }), 'startRefresh()');
    },
    finishRefresh(outcome = {}) {
      if (state.status === 'signedIn') dispatch({ type: 'REFRESH_STARTED' });
      if (state.status !== 'refreshing') must(false, 'finishRefresh()');
      refreshed(outcome.user);
    },
    fail(failure) {
      const error = asError(failure);
      switch (state.status) {
        case 'authorizing':
          dispatch({ type: 'LOGIN_FAILED', error, session });
          break;
        case 'exchanging':
          dispatch({ type: 'CALLBACK_FAILED', error, session });
          break;
        case 'signedIn':
        case 'refreshing':
          if (ENDS_SESSION.has(error.code)) session = null;
          dispatch({ type: 'REFRESH_FAILED', error, session });
          break;
        default:
          dispatch({ type: 'CALLBACK_STARTED' });
          dispatch({ type: 'CALLBACK_FAILED', error, session });
      }
      settle(error);
      loaded();
    },
    expire() {
      must(session !== null, 'expire()');
      session = { ...session!, expiresAt: now() };
      // What a wake-up's re-read of storage shows: the same session, its token now due.
      dispatch({ type: 'SESSION_LOADED', session });
    },
    finishLoading() {
      must(state.status === 'loading', 'finishLoading()');
      load();
    },
  };
  return client;
}
