import { promisifyRequest, type UseStore } from 'idb-keyval';
import { OAuthError, redact } from './errors.js';

/**
 * The SDK's persistence: a tiny key-value store. IndexedDB (through idb-keyval) is shared by every
 * tab of the origin and can hold non-extractable `CryptoKey`s; the memory store is the fallback
 * when IndexedDB is missing or broken, and lives as long as the tab.
 */
export interface KeyValueStore {
  readonly kind: 'indexeddb' | 'memory';
  get(key: string): Promise<unknown>;
  /** Reads several keys in one transaction: one round trip instead of one per key. */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  set(key: string, value: unknown): Promise<void>;
  /** Reads and deletes `key` in one transaction: two callers can never both get the value. */
  take(key: string): Promise<unknown>;
  /**
   * Writes `value` only if the current value passes `expected`, in one transaction. Returns whether it
   * wrote: a refresh that finishes after a logout must not bring the wiped session back.
   * An `undefined` value deletes the key.
   */
  replaceIf(key: string, expected: (current: unknown) => boolean, value: unknown): Promise<boolean>;
  entries(): Promise<Array<[string, unknown]>>;
  delete(keys: readonly string[]): Promise<void>;
  clear(): Promise<void>;
}

const storageError = (err: unknown): OAuthError =>
  err instanceof OAuthError ? err : new OAuthError('storage_unavailable', 'Storage failed', { cause: redact(err) });

async function guarded<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw storageError(err);
  }
}

function indexedDbStore(use: UseStore): KeyValueStore {
  return {
    kind: 'indexeddb',
    get: (key) => guarded(() => use('readonly', (s) => promisifyRequest(s.get(key)))),
    getMany: (keys) => guarded(() => use('readonly', (s) => Promise.all(keys.map((key) => promisifyRequest(s.get(key)))))),
    set: (key, value) =>
      guarded(() =>
        use('readwrite', (s) => {
          s.put(value, key);
          // Resolve on commit, not on the request: only a committed write counts as stored.
          return promisifyRequest(s.transaction);
        }),
      ),
    take: (key) =>
      guarded(() =>
        use('readwrite', (s) => {
          const read = s.get(key);
          s.delete(key);
          return promisifyRequest(s.transaction).then(() => read.result as unknown);
        }),
      ),
    replaceIf: (key, expected, value) =>
      guarded(() =>
        use('readwrite', (s) => {
          const read = s.get(key);
          let wrote = false;
          let failure: unknown;
          read.onsuccess = () => {
            // A throwing put (DataCloneError, QuotaExceededError) must reject, not escape as a page error.
            try {
              if (!expected(read.result)) return;
              if (value === undefined) s.delete(key);
              else s.put(value, key);
              wrote = true;
            } catch (err) {
              failure = err;
              s.transaction.abort();
            }
          };
          return promisifyRequest(s.transaction).then(
            () => wrote,
            (err: unknown) => Promise.reject(failure ?? err),
          );
        }),
      ),
    entries: () =>
      guarded(() =>
        use('readonly', (s) => {
          const keys = s.getAllKeys();
          const values = s.getAll();
          return promisifyRequest(s.transaction).then(
            () => keys.result.map((k, i) => [String(k), values.result[i]] as [string, unknown]),
          );
        }),
      ),
    delete: (keys) =>
      guarded(() =>
        use('readwrite', (s) => {
          for (const key of keys) s.delete(key);
          return promisifyRequest(s.transaction);
        }),
      ),
    clear: () =>
      guarded(() =>
        use('readwrite', (s) => {
          s.clear();
          return promisifyRequest(s.transaction);
        }),
      ),
  };
}

/** A per-tab store with IndexedDB's copy semantics (values are structured-cloned in and out). */
export function memoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  const copy = <T>(v: T): T => (v === undefined ? v : structuredClone(v));
  return {
    kind: 'memory',
    get: async (key) => copy(map.get(key)),
    getMany: async (keys) => keys.map((key) => copy(map.get(key))),
    set: async (key, value) => void map.set(key, copy(value)),
    take: async (key) => {
      const value = map.get(key);
      map.delete(key);
      return value;
    },
    replaceIf: async (key, expected, value) => {
      if (!expected(map.get(key))) return false;
      if (value === undefined) map.delete(key);
      else map.set(key, copy(value));
      return true;
    },
    entries: async () => [...map.entries()].map(([k, v]) => [k, copy(v)] as [string, unknown]),
    delete: async (keys) => keys.forEach((k) => map.delete(k)),
    clear: async () => map.clear(),
  };
}

/**
 * The (issuer, client) database's store, opened now (idb-keyval's createStore opens at the first
 * transaction: too late to overlap the app's start-up). One database per (issuer, client), object store
 * `kv`; a connection the browser closes (Safari does) is opened again at the next use.
 */
function database(name: string): UseStore {
  let db: Promise<IDBDatabase> | undefined;
  const connect = (): Promise<IDBDatabase> => {
    const request = indexedDB.open(name);
    request.onupgradeneeded = () => request.result.createObjectStore('kv');
    const opening = promisifyRequest(request);
    opening.then(
      (opened) => {
        opened.onclose = () => (db = undefined);
      },
      () => (db = undefined),
    );
    return opening;
  };
  db = connect();
  return (mode, callback) => (db ??= connect()).then((opened) => callback(opened.transaction('kv', mode).objectStore('kv')));
}

/** Databases whose opening started before their first use (see {@link preopen}). */
const preopened = new Map<string, UseStore>();

/**
 * Starts opening `name`'s database, for the next {@link openStore} of it: a page's first IndexedDB open
 * takes ~10 ms, which then overlaps whatever the app does before `init()`. Nothing is read here, so no
 * value can be stale by the time it is used. Does nothing where IndexedDB is missing.
 */
export function preopen(name: string): void {
  if (typeof indexedDB === 'undefined' || preopened.has(name)) return;
  try {
    preopened.set(name, database(name));
  } catch {
    // openStore opens it again and reports the failure.
  }
}

/** How long opening IndexedDB may take before it is declared unusable (a blocked open never settles). */
const OPEN_TIMEOUT_MS = 3000;

/** An opened store, and the values of the keys its opening read (absent: read them from `store`). */
export interface OpenedStore {
  readonly store: KeyValueStore;
  readonly values?: unknown[];
}

/**
 * Opens the store for one (issuer, client) pair. IndexedDB that is missing, refuses to open or hangs
 * falls back to memory; `onFallback` is told once, and nothing throws.
 *
 * The read that proves IndexedDB works is of `read` (the caller's own first read: the session at start),
 * not of a dummy key followed by that read: one transaction fewer before a reload's first token. If IndexedDB
 * opened but those values cannot be read, the dummy read decides as before, and the caller reads them again
 * and gets the error it always got.
 */
export async function openStore(name: string, onFallback: (error: OAuthError) => void, read: readonly string[] = []): Promise<OpenedStore> {
  try {
    if (typeof indexedDB === 'undefined') throw new Error('indexedDB is not defined');
    const use = preopened.get(name) ?? database(name);
    preopened.delete(name);
    let opened = false; // the database opened and a transaction on our object store began
    const store = indexedDbStore((mode, callback) =>
      use(mode, (s) => {
        opened = true;
        return callback(s);
      }),
    );
    const probe = store.getMany(read.length > 0 ? read : ['__probe__']).catch(async (err: unknown) => {
      if (!opened || read.length === 0) throw err;
      await store.get('__probe__');
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('opening IndexedDB timed out')), OPEN_TIMEOUT_MS);
    });
    try {
      const values = await Promise.race([probe, timeout]);
      return { store, ...(values && read.length > 0 && { values }) };
    } finally {
      clearTimeout(timer);
    }
  } catch (err) {
    onFallback(new OAuthError('storage_unavailable', 'IndexedDB is unavailable', { cause: redact(err) }));
    return { store: memoryStore() };
  }
}
