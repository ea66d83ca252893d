/**
 * browser-oauth/react: the client's state as a React hook. A thin `useSyncExternalStore` layer over
 * the core's public entry; the core never imports React, and importing this touches no browser API.
 *
 * @example
 * ```tsx
 * import { OAuthProvider, useOAuth } from 'browser-oauth/react';
 *
 * function Greeting() {
 *   const { isAuthenticated, user, login } = useOAuth();
 *   return isAuthenticated ? <p>Hello {user.name}</p> : <button onClick={() => void login()}>Sign in</button>;
 * }
 *
 * export const Root = () => (
 *   <OAuthProvider client={auth}>
 *     <Greeting />
 *   </OAuthProvider>
 * );
 * ```
 *
 * @module browser-oauth/react
 */
import { createContext, createElement, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactElement, type ReactNode } from 'react';
import type { AuthState, AuthStatus, OAuthClient, RedirectResult, User } from '../index.js';

/**
 * The client's methods as {@link useOAuth} returns them: bound once per client, so they keep their
 * identity across renders (safe in effect dependencies and as props of memoized children).
 *
 * @example
 * ```tsx
 * function SignInButton() {
 *   const { login }: OAuthActions = useOAuth();
 *   return <button onClick={() => void login({ returnTo: '/inbox' })}>Sign in</button>;
 * }
 * ```
 */
export type OAuthActions = Pick<OAuthClient, 'login' | 'loginPopup' | 'logout' | 'getAccessToken' | 'fetch' | 'userinfo'>;

type Authenticated = 'signedIn' | 'refreshing';

/**
 * What {@link useOAuth} returns: a union keyed on `status`, so checking `status` (or
 * `isAuthenticated`) narrows `state` and `user`. `user` is the validated ID-token claims while there
 * is a session (`signedIn`, and `refreshing`, which keeps the session on screen), else `undefined`.
 *
 * @example
 * ```tsx
 * function Account() {
 *   const auth: UseOAuthResult = useOAuth();
 *   if (auth.isAuthenticated) return <p>Hello {auth.user.name}</p>; // `user` is `User` here
 *   if (auth.status === 'error') return <p>Sign-in failed: {auth.state.error.code}</p>;
 *   return <button onClick={() => void auth.login()}>Sign in</button>;
 * }
 * ```
 */
export type UseOAuthResult = {
  [S in AuthStatus]: OAuthActions & {
    /** The client's {@link AuthState}, narrowed by `status`. */
    readonly state: Extract<
      AuthState,
      {
        /** The status whose member of {@link AuthState} is selected. */
        readonly status: S
      }
    >;
    /** `state.status`. */
    readonly status: S;
    /** The validated ID-token claims while `signedIn` or `refreshing`, else `undefined`. */
    readonly user: S extends Authenticated ? User : undefined;
    /** `true` while `signedIn` or `refreshing`. */
    readonly isAuthenticated: S extends Authenticated ? true : false;
  };
}[AuthStatus];

/**
 * Props of {@link OAuthProvider}.
 *
 * @example
 * ```tsx
 * const props: OAuthProviderProps = { client: auth, throwErrors: true, children: <App /> };
 * // With a router, let it take the user back (a router does not see history.replaceState):
 * declare const router: { navigate(to: string, options: { replace: boolean }): void };
 * const routed: OAuthProviderProps = {
 *   client: auth,
 *   onLoginComplete: ({ returnTo }) => router.navigate(returnTo, { replace: true }),
 *   children: <App />,
 * };
 * ```
 */
export interface OAuthProviderProps {
  /** The app's one client from `createOAuthClient`. The provider starts it and never destroys it. */
  client: OAuthClient;
  /**
   * Suspend `useOAuth()` callers until `client.init()` has settled (the session is read and a
   * callback, if any, completed), instead of rendering the `loading` state. Client rendering only:
   * on a server the hook renders `loading`.
   */
  suspense?: boolean;
  /** Rethrow `state.error` during render when `status` is `'error'`, to the nearest error boundary. */
  throwErrors?: boolean;
  /**
   * What happens once `client.init()` has completed a login on the redirect URI (called once per client,
   * with the `returnTo` given to `login()`, already reduced to a same-origin path). Default: the address
   * bar is replaced with `returnTo` (`history.replaceState`, no reload), so the user is back where
   * `login()` was called. With a router, navigate through it instead (a router does not see
   * `replaceState`); `false` leaves the address bar on the redirect URI (its `code` and `state` are
   * removed either way).
   */
  onLoginComplete?: ((result: RedirectResult) => void) | false;
  /** The part of the app that may call {@link useOAuth}. */
  children?: ReactNode;
}

interface Ctx {
  readonly client: OAuthClient;
  readonly suspense: boolean;
  readonly throwErrors: boolean;
}

const OAuthContext = createContext<Ctx | null>(null);

/** The server snapshot: a server cannot know the session, which lives in the browser. */
const LOADING: AuthState = { status: 'loading' };

/** Out of the promise chain, so that it reaches the console and error reporters. */
function rethrowLater(err: unknown): void {
  setTimeout(() => {
    throw err;
  });
}

type Bound = readonly [subscribe: (onChange: () => void) => () => void, actions: OAuthActions];
const bound = new WeakMap<OAuthClient, Bound>();
/** Stable per client: `useSyncExternalStore` resubscribes whenever `subscribe` changes identity. */
function bind(client: OAuthClient): Bound {
  let b = bound.get(client);
  if (!b) {
    b = [
      (onChange) => client.subscribe(onChange),
      {
        login: (options) => client.login(options),
        loginPopup: (options) => client.loginPopup(options),
        logout: (options) => client.logout(options),
        getAccessToken: (options) => client.getAccessToken(options),
        fetch: (input, init) => client.fetch(input, init),
        userinfo: (options) => client.userinfo(options),
      },
    ];
    bound.set(client, b);
  }
  return b;
}

/** `init()` once per client, however many providers, StrictMode re-runs or suspending renders ask. */
const started = new WeakMap<OAuthClient, Promise<RedirectResult | undefined>>();
const settled = new WeakSet<OAuthClient>();
function start(client: OAuthClient): Promise<RedirectResult | undefined> {
  let p = started.get(client);
  if (!p) {
    // The core shares one exchange per callback URL, so a second init() never spends the code twice;
    // this only spares the extra calls. init() rejects only for a broken client: report it, loudly.
    p = new Promise<RedirectResult | undefined>((resolve) => resolve(client.init()))
      .catch((err: unknown) => void rethrowLater(err))
      .then((result) => {
        settled.add(client);
        return result;
      });
    started.set(client, p);
  }
  return p;
}

/** Clients whose completed login was handed to `onLoginComplete`: once, whatever StrictMode re-runs. */
const returned = new WeakSet<OAuthClient>();
const backToReturnTo = ({ returnTo }: RedirectResult): void => history.replaceState(history.state, '', returnTo);

/**
 * Makes `client` available to {@link useOAuth} below it and starts it (`client.init()`, once): the
 * session is restored from storage and, on the redirect URI, the login is completed and the address bar
 * returns to the `returnTo` of `login()` (see {@link OAuthProviderProps.onLoginComplete}). Safe under
 * `<StrictMode>`: effects that run twice never exchange a code twice.
 *
 * @example
 * ```tsx
 * import { StrictMode } from 'react';
 * import { createRoot } from 'react-dom/client';
 * import { createOAuthClient } from 'browser-oauth';
 * import { OAuthProvider } from 'browser-oauth/react';
 *
 * const auth = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/`, // this page completes the login itself
 *   resources: ['https://api.example.com/'],
 * });
 *
 * createRoot(document.getElementById('root')!).render(
 *   <StrictMode>
 *     <OAuthProvider client={auth}>
 *       <App />
 *     </OAuthProvider>
 *   </StrictMode>,
 * );
 * ```
 */
export function OAuthProvider({ client, suspense = false, throwErrors = false, onLoginComplete, children }: OAuthProviderProps): ReactElement {
  const onComplete = useRef(onLoginComplete);
  // Declared before the effect below, so it runs first: the latest handler is the one called.
  useEffect(() => {
    onComplete.current = onLoginComplete;
  });
  useEffect(() => {
    let mounted = true;
    start(client)
      .then((result) => {
        // StrictMode unmounts and mounts again before init() settles: the mounted provider acts, once.
        if (!result || !mounted || returned.has(client)) return;
        returned.add(client);
        const handler = onComplete.current ?? backToReturnTo;
        if (handler !== false) handler(result);
      })
      .catch(rethrowLater);
    return () => {
      mounted = false;
    };
  }, [client]);
  const value = useMemo<Ctx>(() => ({ client, suspense, throwErrors }), [client, suspense, throwErrors]);
  return createElement(OAuthContext.Provider, { value }, children);
}

/** Before `init()` settles, in a browser: a server cannot know the session and must not wait for it. */
const isPending = (client: OAuthClient, s: AuthState): boolean =>
  (s.status === 'loading' || s.status === 'exchanging') && typeof window !== 'undefined' && !settled.has(client);

const resultFor = (client: OAuthClient, state: AuthState): UseOAuthResult => {
  const { user } = state;
  return { ...bind(client)[1], state, status: state.status, user, isAuthenticated: user !== undefined } as UseOAuthResult;
};

/**
 * The client's state and methods, re-rendering on every transition, including those caused by
 * other tabs. With a `selector`, the component re-renders only when the selected value changes
 * (compared with `Object.is`: select primitives or stable values). Throws when called outside an
 * {@link OAuthProvider}.
 *
 * @example
 * ```tsx
 * import { useOAuth } from 'browser-oauth/react';
 *
 * function Profile() {
 *   const auth = useOAuth();
 *   if (auth.status === 'loading') return <Spinner />;
 *   if (!auth.isAuthenticated) return <button onClick={() => void auth.login()}>Sign in</button>;
 *   return <p>{auth.user.name} <button onClick={() => void auth.logout()}>Sign out</button></p>;
 * }
 *
 * function UserName() {
 *   const name = useOAuth((auth) => auth.user?.name); // re-renders when the name changes only
 *   return <span>{name ?? 'guest'}</span>;
 * }
 * ```
 */
export function useOAuth(): UseOAuthResult;
export function useOAuth<T>(selector: (auth: UseOAuthResult) => T): T;
export function useOAuth<T>(selector?: (auth: UseOAuthResult) => T): T | UseOAuthResult {
  const ctx = useContext(OAuthContext);
  if (!ctx) throw new Error('browser-oauth/react: useOAuth() must be called inside <OAuthProvider client={…}>');
  const { client, suspense, throwErrors } = ctx;
  const memo = useRef<{ c?: OAuthClient; s?: AuthState; f?: unknown; t?: boolean; v?: unknown }>({}).current;
  // Memoized on everything it depends on: React requires an unchanged store to give the same snapshot.
  const read = (state: AuthState): unknown => {
    // A thrown state is its own snapshot, so entering one re-renders even past a selector.
    const thrown = (throwErrors && state.status === 'error') || (suspense && isPending(client, state));
    if (memo.c !== client || memo.s !== state || memo.f !== selector || memo.t !== thrown) {
      Object.assign(memo, { c: client, s: state, f: selector, t: thrown });
      memo.v = thrown ? state : selector ? selector(resultFor(client, state)) : resultFor(client, state);
    }
    return memo.v;
  };
  const value = useSyncExternalStore(bind(client)[0], () => read(client.state), () => read(LOADING));
  const state = memo.s!;
  if (memo.t) throw state.status === 'error' ? state.error : start(client);
  return value as T | UseOAuthResult;
}
