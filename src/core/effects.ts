import type { ClientConfig } from './config.js';
import type { OAuthError } from './errors.js';
import type { FetchLike } from './http.js';
import { refreshHoldMs } from './session/refresh-grant.js';
import { openStore, preopen, type KeyValueStore, type OpenedStore } from './storage.js';
import { browserTabs, type Tabs } from './tabs/channel.js';

/** Everything the client does to the outside world; tests replace them. */
export interface Effects {
  fetch: FetchLike;
  /**
   * Starts opening storage when the client is created, so that IndexedDB's first open in a page (~10 ms)
   * overlaps the app's own start-up instead of delaying `init()`. Reads nothing. Does nothing where there
   * is no IndexedDB (a server render): creating the client there touches nothing.
   */
  preopenStore(config: ClientConfig): void;
  now(): number;
  /** Opens IndexedDB (memory when unavailable); the read that proves it works is of `read`, whose values it returns. */
  openStore(config: ClientConfig, onFallback: (error: OAuthError) => void, read?: readonly string[]): Promise<OpenedStore>;
  tabs(config: ClientConfig, store: () => Promise<KeyValueStore>): Tabs;
  location(): URL;
  /** Rewrites the address bar without navigating (removes the callback parameters). */
  replaceLocation(url: URL): void;
  /** Sends the user to the AS (login, logout): `location.assign`, or the app's `navigate` option. */
  navigate(url: URL): void | Promise<void>;
  /** `window.open` of an empty same-origin page: synchronous, so it counts as the click's (popup blockers). */
  openPopup(features: string): Window | null;
  /** Closes this window: the popup's callback page, once the page that opened it was told. */
  closeWindow(): void;
  setTimer(task: () => void, ms: number): () => void;
  /** Calls `task` when the tab may have slept: visible again, restored from bfcache, resumed, online. */
  onWake(task: () => void): () => void;
  sleep(ms: number): Promise<void>;
  random(): number;
  warn(message: string, error?: OAuthError): void;
}

/** The browser's effects; `navigate` is the app's own for a native shell. Nothing here runs at import time (SSR-safe). */
export function browserEffects(navigate: Effects['navigate'] = (url) => location.assign(url.href)): Effects {
  const warned = new Set<string>();
  return {
    fetch: (input, init) => fetch(input, init),
    preopenStore: (config) => preopen(config.name),
    now: () => Date.now(),
    openStore: (config, onFallback, read) => openStore(config.name, onFallback, read),
    tabs: (config, store) => browserTabs(config.name, store, refreshHoldMs(config.timeout)),
    location: () => new URL(location.href),
    replaceLocation: (url) => history.replaceState(history.state, '', url.href),
    navigate,
    openPopup: (features) => open('about:blank', '_blank', features),
    closeWindow: () => close(),
    setTimer: (task, ms) => {
      // Browsers run a delay above 2^31 - 1 ms (24.8 days) at once: a token that lives longer (the AS
      // decides) would spin the renewal timer. The timer re-checks when it fires, so waking early is fine.
      const id = setTimeout(task, Math.min(ms, 2 ** 31 - 1));
      return () => clearTimeout(id);
    },
    onWake: (task) => {
      if (typeof document === 'undefined') return () => undefined;
      const onVisible = () => {
        if (document.visibilityState === 'visible') task();
      };
      // Only a page restored from the bfcache: every load's first `pageshow` would read storage again while
      // init() reads it (a second transaction, CryptoKey deserialization and decode during the first call).
      const onShow = (event: PageTransitionEvent) => {
        if (event.persisted) task();
      };
      document.addEventListener('visibilitychange', onVisible);
      document.addEventListener('resume', task);
      window.addEventListener('pageshow', onShow);
      window.addEventListener('online', task);
      return () => {
        document.removeEventListener('visibilitychange', onVisible);
        document.removeEventListener('resume', task);
        window.removeEventListener('pageshow', onShow);
        window.removeEventListener('online', task);
      };
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random(),
    warn: (message, error) => {
      // Once per kind of trouble: a broken IndexedDB should not flood the console. Never a secret: codes only.
      if (warned.has(message)) return;
      warned.add(message);
      console.warn(`[browser-oauth] ${message}${error ? ` (${error.code})` : ''}`);
    },
  };
}
