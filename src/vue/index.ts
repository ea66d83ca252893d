/**
 * browser-oauth/vue: the client's state as a Vue 3 composable. A plugin holds one `shallowRef` per app,
 * fed by the core's `subscribe`; the core never imports Vue, and importing this touches no browser API.
 *
 * @example
 * ```ts
 * import { createApp, defineComponent, h } from 'vue';
 * import { createOAuthPlugin, useOAuth } from 'browser-oauth/vue';
 *
 * const Greeting = defineComponent(() => {
 *   const auth = useOAuth();
 *   return () => (auth.isAuthenticated ? h('p', `Hello ${auth.user.name}`) : h('button', { onClick: () => void auth.login() }, 'Sign in'));
 * });
 *
 * createApp(Greeting).use(createOAuthPlugin(auth)).mount('#app');
 * ```
 *
 * @module browser-oauth/vue
 */
import { inject, shallowRef, type App, type InjectionKey, type Plugin } from 'vue';
import type { AuthState, AuthStatus, OAuthClient, RedirectResult, User } from '../index.js';

/**
 * The client's methods as {@link useOAuth} returns them: bound once per app, so they keep their identity
 * (safe to pass down as props or to compare in watchers).
 *
 * @example
 * ```ts
 * import { useOAuth, type OAuthActions } from 'browser-oauth/vue';
 *
 * // In a component's setup():
 * const { login }: OAuthActions = useOAuth();
 * const signIn = () => void login({ returnTo: '/inbox' });
 * ```
 */
export type OAuthActions = Pick<OAuthClient, 'login' | 'loginPopup' | 'logout' | 'getAccessToken' | 'fetch' | 'userinfo'>;

type Authenticated = 'signedIn' | 'refreshing';

/**
 * What {@link useOAuth} returns: a union keyed on `status`, so checking `status` (or `isAuthenticated`)
 * narrows `state`, `user` and `error`, in `<script>` and in templates checked by vue-tsc. Every field is
 * a reactive getter: read it where it is used (a template, `computed`, `watch`), do not destructure it
 * (the methods may be destructured; `toRef(auth, 'user')` gives a ref of one field).
 *
 * @example
 * ```ts
 * import { computed } from 'vue';
 * import { useOAuth, type UseOAuthResult } from 'browser-oauth/vue';
 *
 * // In a component's setup():
 * const auth: UseOAuthResult = useOAuth();
 * const greeting = computed(() => (auth.isAuthenticated ? `Hello ${auth.user.name}` : 'Hello, guest')); // `user` is `User` there
 * const failure = computed(() => (auth.status === 'error' ? auth.error.code : undefined));
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
    /** `state.error`: why sign-in failed (`error`), why the session ended, or a kept session's failed renewal. */
    readonly error: Extract<
      AuthState,
      {
        /** The status whose member of {@link AuthState} is selected. */
        readonly status: S
      }
    >['error'];
  };
}[AuthStatus];

/**
 * Options of {@link createOAuthPlugin}.
 *
 * @example
 * ```ts
 * import type { OAuthPluginOptions } from 'browser-oauth/vue';
 *
 * // With vue-router, let it take the user back (a router does not see history.replaceState):
 * declare const router: { replace(to: string): unknown };
 * const options: OAuthPluginOptions = { onLoginComplete: ({ returnTo }) => void router.replace(returnTo) };
 * ```
 */
export interface OAuthPluginOptions {
  /**
   * What happens once `client.init()` has completed a login on the redirect URI (called once per client,
   * with the `returnTo` given to `login()`, already reduced to a same-origin path). Default: the address
   * bar is replaced with `returnTo` (`history.replaceState`, no reload). With vue-router, navigate
   * through it instead (it does not see `replaceState`); `false` leaves the address bar on the redirect
   * URI (its `code` and `state` are removed either way).
   */
  onLoginComplete?: ((result: RedirectResult) => void) | false;
}

const KEY: InjectionKey<UseOAuthResult> = Symbol('browser-oauth');

/** The state on a server: a server cannot know the session, which lives in the browser. */
const LOADING: AuthState = { status: 'loading' };

/** Out of the promise chain, so that it reaches the console and error reporters. */
function rethrowLater(err: unknown): void {
  setTimeout(() => {
    throw err;
  });
}

/** `init()` once per client, however many apps use it (a hot-module reload creates a new app). */
const started = new WeakMap<OAuthClient, Promise<RedirectResult | undefined>>();
/** Clients whose completed login was handed to `onLoginComplete`: once, whichever app sees it first. */
const returned = new WeakSet<OAuthClient>();

function start(client: OAuthClient, onLoginComplete: OAuthPluginOptions['onLoginComplete']): void {
  let p = started.get(client);
  if (!p) {
    // init() rejects only for a broken client: report it, loudly.
    p = new Promise<RedirectResult | undefined>((resolve) => resolve(client.init()));
    p.catch(rethrowLater);
    started.set(client, p);
  }
  p.then((result) => {
    if (!result || returned.has(client)) return;
    returned.add(client);
    const handler = onLoginComplete ?? (({ returnTo }) => history.replaceState(history.state, '', returnTo));
    if (handler !== false) handler(result);
  }, () => undefined).catch(rethrowLater);
}

/**
 * The Vue plugin: `app.use(createOAuthPlugin(client))` makes `client` available to {@link useOAuth} in
 * every component of the app and, in a browser, starts it (`client.init()`, once per client): the
 * session is restored from storage and, on the redirect URI, the login is completed and the address bar
 * returns to the `returnTo` of `login()` (see {@link OAuthPluginOptions.onLoginComplete}). The app holds
 * one subscription to the client, released by `app.unmount()`; the plugin never destroys the client.
 * On a server (SSR, Nuxt) it neither subscribes nor starts the client, and the state is `loading`.
 *
 * @example
 * ```ts
 * import { createApp } from 'vue';
 * import { createOAuthClient } from 'browser-oauth';
 * import { createOAuthPlugin } from 'browser-oauth/vue';
 * import App from './App.vue';
 *
 * const auth = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/`, // this page completes the login itself
 *   resources: ['https://api.example.com/'],
 * });
 *
 * const app = createApp(App).use(createOAuthPlugin(auth));
 * app.mount('#app');
 * // With Vite's hot-module reload of this module: the next app subscribes anew, this one lets go.
 * import.meta.hot?.accept();
 * import.meta.hot?.dispose(() => app.unmount());
 * ```
 */
export function createOAuthPlugin(client: OAuthClient, options: OAuthPluginOptions = {}): Plugin {
  return {
    install(app: App) {
      const current = shallowRef<AuthState>(LOADING);
      if (typeof window !== 'undefined') {
        current.value = client.state;
        const unsubscribe = client.subscribe((state) => {
          current.value = state;
        });
        // Wrapped rather than app.onUnmount(), which only Vue 3.5 has: the same code for every Vue 3.3+.
        const unmount = app.unmount;
        app.unmount = function (this: App) {
          unsubscribe();
          unmount.call(this);
        };
        start(client, options.onLoginComplete);
      }
      const actions: OAuthActions = {
        login: (o) => client.login(o),
        loginPopup: (o) => client.loginPopup(o),
        logout: (o) => client.logout(o),
        getAccessToken: (o) => client.getAccessToken(o),
        fetch: (input, init) => client.fetch(input, init),
        userinfo: (o) => client.userinfo(o),
      };
      // Getters over the ref: whatever reads a field (render, computed, watch) tracks the state.
      // Frozen, so Vue never wraps it in a proxy of its own.
      const result = Object.freeze({
        ...actions,
        get state() {
          return current.value;
        },
        get status() {
          return current.value.status;
        },
        get user() {
          return current.value.user;
        },
        get isAuthenticated() {
          return current.value.user !== undefined;
        },
        get error() {
          return current.value.error;
        },
      });
      app.provide(KEY, result as UseOAuthResult);
    },
  };
}

/**
 * The client's state and methods in a component's `setup()` (or `app.runWithContext`). The fields are
 * reactive: a template or `computed` that reads them updates on every transition, including those caused
 * by other tabs. Throws when the app does not use {@link createOAuthPlugin}.
 *
 * @example
 * ```ts
 * import { defineComponent, h } from 'vue';
 * import { useOAuth } from 'browser-oauth/vue';
 *
 * export const Profile = defineComponent(() => {
 *   const auth = useOAuth();
 *   return () => {
 *     if (auth.status === 'loading') return h('p', 'Loading…');
 *     if (!auth.isAuthenticated) return h('button', { onClick: () => void auth.login() }, 'Sign in');
 *     return h('p', [auth.user.name, h('button', { onClick: () => void auth.logout() }, 'Sign out')]);
 *   };
 * });
 * ```
 */
export function useOAuth(): UseOAuthResult {
  // The `null` default keeps Vue from warning about a missing provide: the error below says it better.
  const auth = inject(KEY, null);
  if (!auth) throw new Error('browser-oauth/vue: useOAuth() must be called in a component of an app that uses createOAuthPlugin(client)');
  return auth;
}
