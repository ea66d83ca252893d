import * as o from 'oauth4webapi';
import { registerClient } from './callback-owner.js';
import type { ClientConfig } from './config.js';
import { resolveConfig } from './config.js';
import { createContext, type PopupLogin } from './context.js';
import { retryOnNonce } from './dpop.js';
import { browserEffects, type Effects } from './effects.js';
import { OAuthError, toOAuthError } from './errors.js';
import { createCallbacks } from './flows/callback.js';
import { login } from './flows/login.js';
import { logout } from './flows/logout.js';
import { start } from './flows/startup.js';
import { resourceFetch, withFreshToken } from './resource-fetch.js';
import { newest, view } from './session/cell.js';
import { createLoader } from './session/load.js';
import { readSession } from './session/record.js';
import { createRenewal } from './session/renewal.js';
import type { OAuthClient, OAuthClientOptions, RedirectResult } from './types.js';

/**
 * The client is an assembly: one shared context (context.ts) and the rooms that act on it — the session
 * (session/: loading, renewal, the refresh grant), the flows (flows/: login, callback, logout, startup)
 * and the resource fetch. docs/architecture.md walks a login through them.
 */

/** Builds the client around injected effects; {@link createOAuthClient} supplies the browser's. */
export function createClientWith(config: ClientConfig, effects: Effects): OAuthClient {
  const ctx = createContext(config, effects, (tabs) => {
    ctx.cleanups.push(
      tabs.listen((message) =>
        message.type === 'dpop-nonce'
          ? ctx.nonces.set(message.origin, message.nonce)
          : void (message.type === 'logged-out' ? loader.loggedOutElsewhere() : loader.reload()),
      ),
    );
    tabs.onLeader(() => renewal.schedule());
  });
  const renewal = createRenewal(ctx, () => loader.ensureLoaded());
  const loader = createLoader(ctx, renewal);
  const handleRedirect = createCallbacks(ctx, loader, renewal);
  let initialized: Promise<RedirectResult | undefined> | undefined;
  // Other clients of this page leave this one's callbacks alone while it lives (callback-owner.ts).
  ctx.cleanups.push(registerClient(config));
  // Only the open: the session itself is read by init(), once this tab listens to the others' news.
  if (config.storage === 'indexeddb') effects.preopenStore(config);

  return {
    get state() {
      return ctx.state;
    },
    subscribe(listener) {
      ctx.listeners.add(listener);
      return () => void ctx.listeners.delete(listener);
    },
    init() {
      try {
        ctx.alive();
      } catch (err) {
        return Promise.reject(err);
      }
      return (initialized ??= start(ctx, loader, renewal, handleRedirect));
    },
    login: (options = {}) => login(ctx, loader, options),
    loginPopup(options = {}) {
      const running = ctx.popup;
      // One popup login at a time: one this page still sees is brought forward; a closed-looking one is replaced.
      if (running && !running.win.closed) return running.win.focus(), running.done!;
      // Synchronously, before any await: a popup blocker allows only a window opened within the click.
      const win = effects.openPopup(options.popupFeatures ?? 'popup,width=500,height=650');
      if (!win) return Promise.reject(new OAuthError('popup_blocked', 'The browser blocked the popup'));
      const popup: PopupLogin = (ctx.popup = { win });
      // Lazy: its module imports nothing the first load imports, so it stays out of it (docs/architecture.md).
      return (popup.done = import('./flows/popup.js').then((m) => m.popupLogin(ctx, loader, popup, running, options, login, view, OAuthError)));
    },
    handleRedirect,
    async getAccessToken(options = {}) {
      const { resource } = options;
      if (resource !== undefined && !config.resources.some((r) => r.resource === resource)) {
        throw new TypeError('browser-oauth: getAccessToken: "resource" is not a configured resource indicator');
      }
      return (await renewal.accessToken(options.forceRefresh === true, undefined, resource === ctx.mainResource ? undefined : resource)).token;
    },
    fetch: (input, init) => resourceFetch(ctx, renewal, input, init),
    // Lazy, and handed what it needs of the first load: a signed-in page load does not carry it (architecture.md).
    userinfo: (options = {}) =>
      import('./flows/userinfo.js').then((m) =>
        m.userinfo(ctx, renewal, options, {
          userInfoRequest: o.userInfoRequest,
          processUserInfoResponse: o.processUserInfoResponse,
          retryOnNonce,
          OAuthError,
          toOAuthError,
          withFreshToken,
          newest,
          view,
          readSession,
        }),
      ),
    logout: (options = {}) => logout(ctx, loader, renewal, options),
    destroy() {
      if (ctx.destroyed) return;
      ctx.destroyed = true;
      renewal.cancel();
      for (const cleanup of ctx.cleanups.splice(0)) cleanup();
      ctx.listeners.clear();
    },
  };
}

/**
 * Creates the OAuth client for one authorization server and one registered public client.
 * Throws `TypeError` for invalid options. In a browser it starts opening IndexedDB at once (the first open
 * of a page takes ~10 ms: it overlaps the app's start-up); on a server it touches nothing.
 *
 * @example
 * ```ts
 * import { createOAuthClient } from 'browser-oauth';
 *
 * const auth = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'spa',
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid profile offline_access',
 *   resources: ['https://api.example.com/'],
 * });
 * await auth.init();
 * if (auth.state.status === 'signedOut') await auth.login();
 * const res = await auth.fetch('https://api.example.com/me');
 * ```
 */
export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  return createClientWith(resolveConfig(options), browserEffects(options.navigate));
}
