import type { ClientConfig } from './config.js';
import { DPoPNonces } from './dpop.js';
import type { Effects } from './effects.js';
import { OAuthError } from './errors.js';
import { initialState, transition, type AuthEvent } from './machine.js';
import { NONCES_KEY, type StoredSession } from './session/record.js';
import { memoryStore, type KeyValueStore, type OpenedStore } from './storage.js';
import type { Tabs } from './tabs/channel.js';
import { createTransport, type Transport } from './transport.js';
import type { AuthState } from './types.js';

/**
 * What every room of the client shares, in one explicit object: the options, the effects, the published
 * state, this tab's session, storage, the other tabs and HTTP. Each flow is a function of it; nothing
 * else is shared between them.
 */
export interface Context extends Transport {
  readonly config: ClientConfig;
  readonly effects: Effects;
  /** The first `resources` entry's indicator: its token is the session's own (see ResourceOption). */
  readonly mainResource: string | undefined;
  /** The published state; it changes only through `dispatch`, by the machine's transition function. */
  readonly state: AuthState;
  dispatch(event: AuthEvent): void;
  readonly listeners: Set<(state: AuthState) => void>;
  /** This tab's copy of the stored session: the hot path (every `fetch`) never touches IndexedDB. */
  session: StoredSession | null;
  /**
   * A session storage refused after the AS had rotated its refresh token (issue 14, defect 1): newer than
   * any stored record, so none may replace it here, until a later write stores it (or the session ends).
   */
  unstored: StoredSession | null;
  destroyed: boolean;
  /** Run by `destroy()`. */
  readonly cleanups: Array<() => void>;
  /** Throws `destroyed` once the client is destroyed. */
  alive(): void;
  /** Opens IndexedDB; the transaction that proves it works reads `read` (see session/load.ts). */
  open(read?: readonly string[]): Promise<OpenedStore>;
  /** Whether IndexedDB was opened (or its opening started). */
  opened(): boolean;
  /** IndexedDB, or memory when it is unavailable: pending logins and DPoP nonces always live here. */
  durable(): Promise<KeyValueStore>;
  /** Where the session lives: `storage: 'memory'` keeps tokens out of IndexedDB altogether. */
  store(): Promise<KeyValueStore>;
  /** The other tabs of this client, created on first use (then `wire` attaches the client's listeners). */
  channel(): Tabs;
  readonly nonces: DPoPNonces;
  /** The popup login in flight: set by client.ts's `loginPopup()`, cleared by flows/popup.ts when it ends. */
  popup?: PopupLogin | undefined;
}

/** One `loginPopup()`: its window, its promise, and (once flows/popup.ts runs) how to replace it. */
export interface PopupLogin {
  readonly win: Window;
  done?: Promise<void>;
  cancel?: () => void;
}

/** Builds the shared context; `wire` subscribes the client to the tabs channel when it is first created. */
export function createContext(config: ClientConfig, effects: Effects, wire: (tabs: Tabs) => void): Context {
  let state: AuthState = initialState;
  let storePromise: Promise<KeyValueStore> | undefined;
  let memorySessions: Promise<KeyValueStore> | undefined;
  let tabs: Tabs | undefined;
  const nonces = new DPoPNonces((origin, nonce) => {
    ctx.channel().post({ type: 'dpop-nonce', origin, nonce });
    void ctx
      .durable()
      .then((kv) => kv.set(NONCES_KEY, nonces.entries()))
      .catch(() => undefined);
  });
  const ctx: Context = {
    ...createTransport(config, effects, nonces),
    config,
    effects,
    mainResource: config.resources[0]?.resource,
    get state() {
      return state;
    },
    dispatch(event) {
      const next = transition(state, event);
      if (next === state) return;
      state = next;
      for (const listener of [...ctx.listeners]) {
        try {
          listener(state);
        } catch (err) {
          // A broken subscriber must not stop the others or the SDK; surface it like an uncaught error.
          setTimeout(() => {
            throw err;
          });
        }
      }
    },
    listeners: new Set(),
    session: null,
    unstored: null,
    destroyed: false,
    cleanups: [],
    alive() {
      if (ctx.destroyed) throw new OAuthError('destroyed', 'This client was destroyed');
    },
    open(read) {
      const opened = effects.openStore(config, (error) => effects.warn('IndexedDB is unavailable; the session lives in this tab only', error), read);
      storePromise = opened.then((o) => o.store);
      return opened;
    },
    opened: () => storePromise !== undefined,
    durable: () => storePromise ?? ctx.open().then((o) => o.store),
    store: () => (config.storage === 'memory' ? (memorySessions ??= Promise.resolve(memoryStore())) : ctx.durable()),
    channel() {
      if (!tabs) {
        const created = (tabs = effects.tabs(config, ctx.durable));
        wire(created);
        ctx.cleanups.push(() => created.close());
      }
      return tabs;
    },
    nonces,
  };
  return ctx;
}
