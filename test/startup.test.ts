import { afterEach, describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { browserEffects } from '../src/core/effects.js';
import { openStore, preopen, type KeyValueStore } from '../src/core/storage.js';
import { fakeEffects, json } from './fakes.js';

/**
 * The path from a reload to the first token: what is read from storage, in how many transactions, and in
 * which order the client sets things up. (How long it takes is bench/protocol.ts's business.)
 */

const ISSUER = 'https://startup-as.example';
const metadata = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  dpop_signing_alg_values_supported: ['ES256'],
};
const options = { issuer: ISSUER, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'api', resources: ['https://api.example/'] };

const claims = (jwt: string | null) => JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

function fake() {
  return fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: () => json({ access_token: 'at1', token_type: 'DPoP', expires_in: 3600, refresh_token: 'rt1' }),
    'https://api.example/': () => json({ ok: true }),
  });
}

/** A first tab signs in with DPoP and learns a nonce of the API; returns the storage it leaves behind. */
async function storedByAnotherTab(): Promise<KeyValueStore> {
  const first = fake();
  const client = createClientWith(resolveConfig(options), first.effects);
  await client.init();
  await client.login();
  const state = new URL(first.navigations.at(-1)!).searchParams.get('state');
  await client.handleRedirect(`https://app.example/cb?code=c&state=${state}`);
  await first.store.set('dpop-nonces', { 'https://api.example': 'n-7' });
  client.destroy();
  return first.store;
}

/** Wraps `store` to record every read. */
function recording(store: KeyValueStore, reads: string[]): KeyValueStore {
  return {
    ...store,
    get: (key) => (reads.push(`get ${key}`), store.get(key)),
    getMany: (keys) => (reads.push(`getMany ${keys.join(',')}`), store.getMany(keys)),
  };
}

describe('reload: the session and its nonces', () => {
  it('are read by the transaction that opens the store, and nothing else is read before the first call', async () => {
    const stored = await storedByAnotherTab();
    const reads: string[] = [];
    const opens: Array<readonly string[] | undefined> = [];
    const reload = fake();
    reload.effects.openStore = async (_config, _onFallback, read) => {
      opens.push(read);
      // What storage.ts does: the read that proves IndexedDB works is of these keys.
      return { store: recording(stored, reads), ...(read && { values: await stored.getMany(read) }) };
    };
    const client = createClientWith(resolveConfig(options), reload.effects);
    await client.init();
    expect(client.state.status).toBe('signedIn');
    expect(opens).toEqual([['session', 'dpop-nonces']]);
    await client.fetch('https://api.example/me');
    expect(reads).toEqual([]);
    const call = reload.requests.at(-1)!;
    expect(call.headers.get('authorization')).toBe('DPoP at1');
    expect(claims(call.headers.get('dpop')).nonce).toBe('n-7'); // the stored nonce was loaded
  });

  it('are read from the store in one transaction when its opening read none (memory fallback)', async () => {
    const stored = await storedByAnotherTab();
    const reads: string[] = [];
    const reload = fake();
    reload.effects.openStore = async () => ({ store: recording(stored, reads) });
    const client = createClientWith(resolveConfig(options), reload.effects);
    await client.init();
    expect(client.state.status).toBe('signedIn');
    expect(reads).toEqual(['getMany session,dpop-nonces']);
  });

  it('start opening storage before the tab channel exists, and the channel listens before the read can complete', async () => {
    const stored = await storedByAnotherTab();
    const events: string[] = [];
    const reload = fake();
    const tabs = reload.effects.tabs;
    reload.effects.openStore = async (_config, _onFallback, read) => {
      events.push('open');
      await Promise.resolve();
      events.push('read');
      return { store: stored, ...(read && { values: await stored.getMany(read) }) };
    };
    reload.effects.tabs = (config, store) => {
      events.push('tabs');
      const made = tabs(config, store);
      return { ...made, listen: (listener) => (events.push('listen'), made.listen(listener)) };
    };
    const client = createClientWith(resolveConfig(options), reload.effects);
    await client.init();
    expect(events).toEqual(['open', 'tabs', 'listen', 'read']);
  });
});

describe('opening storage when the client is created', () => {
  it('starts the open at creation; init() reads the session in the transaction that proves it, once the channel listens', async () => {
    const stored = await storedByAnotherTab();
    const events: string[] = [];
    const reload = fake();
    const tabs = reload.effects.tabs;
    reload.effects.preopenStore = (config) => void events.push(`preopen ${config.name}`);
    reload.effects.openStore = async (_config, _onFallback, read) => {
      events.push(`open+read ${read?.join(',')}`);
      return { store: recording(stored, events), ...(read && { values: await stored.getMany(read) }) };
    };
    reload.effects.tabs = (config, store) => {
      const made = tabs(config, store);
      return { ...made, listen: (listener) => (events.push('listen'), made.listen(listener)) };
    };
    const client = createClientWith(resolveConfig(options), reload.effects);
    expect(events).toEqual([`preopen browser-oauth:${options.issuer}:${options.clientId}`]); // before any method is called
    await client.init();
    expect(client.state.status).toBe('signedIn');
    // One transaction: the open's proving read is the session's (no second read, no value read before listening).
    expect(events.slice(1)).toEqual(['open+read session,dpop-nonces', 'listen']);
  });

  it('does not start opening storage at creation with storage: "memory"', () => {
    const effects = fake().effects;
    const preopened: string[] = [];
    effects.preopenStore = (config) => void preopened.push(config.name);
    createClientWith(resolveConfig({ ...options, storage: 'memory' }), effects);
    expect(preopened).toEqual([]);
  });
});

describe('browserEffects().onWake', () => {
  const saved = { document: globalThis.document, window: globalThis.window };
  afterEach(() => {
    Object.assign(globalThis, saved);
  });

  it('reacts to a page restored from the bfcache, not to the first pageshow of every load', () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const win = new EventTarget();
    Object.assign(globalThis, { document: doc, window: win });
    const woken: string[] = [];
    const stop = browserEffects().onWake(() => woken.push('wake'));
    const pageshow = (persisted: boolean) => Object.assign(new Event('pageshow'), { persisted });
    win.dispatchEvent(pageshow(false));
    expect(woken).toEqual([]);
    win.dispatchEvent(pageshow(true));
    doc.dispatchEvent(new Event('visibilitychange'));
    win.dispatchEvent(new Event('online'));
    expect(woken).toEqual(['wake', 'wake', 'wake']);
    stop();
    win.dispatchEvent(pageshow(true));
    expect(woken).toHaveLength(3);
  });
});

/**
 * Just enough of IndexedDB for idb-keyval's reads: every request settles in a later task; `unreadable` keys fail
 * with a DataError (a value IndexedDB cannot give back), `openFails` fails the open, `noStore` makes
 * `transaction()` throw (a database of that name without our object store).
 */
function fakeIndexedDB(opts: { openFails?: boolean; noStore?: boolean; unreadable?: string[] } = {}) {
  const log: string[] = [];
  const data = new Map<string, unknown>([['session', { v: 1 }]]);
  const request = (produce: () => unknown) => {
    const r: { result?: unknown; error?: unknown; onsuccess?: () => void; onerror?: () => void } = {};
    setTimeout(() => {
      try {
        r.result = produce();
        r.onsuccess?.();
      } catch (err) {
        r.error = err;
        r.onerror?.();
      }
    });
    return r;
  };
  const db = {
    transaction(_name: string, mode: string) {
      log.push(`transaction ${mode}`);
      if (opts.noStore) throw new DOMException('One of the specified object stores was not found.', 'NotFoundError');
      const objectStore = {
        get: (key: string) => {
          log.push(`get ${key}`);
          return request(() => {
            if (opts.unreadable?.includes(key)) throw new DOMException('Failed to read a value.', 'DataError');
            return data.get(key);
          });
        },
      };
      return { objectStore: () => objectStore };
    },
  };
  const indexedDB = {
    open: () => {
      log.push('open');
      return request(() => {
        if (opts.openFails) throw new DOMException('The user denied permission to access the database.', 'SecurityError');
        return db;
      });
    },
  };
  return { indexedDB, log };
}

describe('openStore', () => {
  const saved = globalThis.indexedDB;
  afterEach(() => {
    globalThis.indexedDB = saved;
  });
  const open = async (idb: ReturnType<typeof fakeIndexedDB>, read?: string[]) => {
    globalThis.indexedDB = idb.indexedDB as unknown as IDBFactory;
    const fallbacks: string[] = [];
    const opened = await openStore('x', (error) => fallbacks.push(error.code), read);
    return { ...opened, fallbacks };
  };

  it('reads the keys asked for in the one transaction that proves IndexedDB works', async () => {
    const idb = fakeIndexedDB();
    const { store, values, fallbacks } = await open(idb, ['session', 'dpop-nonces']);
    expect(store.kind).toBe('indexeddb');
    expect(values).toEqual([{ v: 1 }, undefined]);
    expect(fallbacks).toEqual([]);
    expect(idb.log).toEqual(['open', 'transaction readonly', 'get session', 'get dpop-nonces']);
  });

  it('preopen starts the open at once and reads nothing; the next openStore of that name uses it: one open, one transaction', async () => {
    const idb = fakeIndexedDB();
    globalThis.indexedDB = idb.indexedDB as unknown as IDBFactory;
    preopen('x');
    expect(idb.log).toEqual(['open']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(idb.log).toEqual(['open']); // opened, nothing read
    const { values } = await open(idb, ['session']);
    expect(values).toEqual([{ v: 1 }]);
    expect(idb.log).toEqual(['open', 'transaction readonly', 'get session']);
  });

  it('preopen does nothing without IndexedDB (a server)', () => {
    globalThis.indexedDB = undefined as unknown as IDBFactory;
    expect(() => preopen('x')).not.toThrow();
  });

  it('without keys, proves it with a dummy read as before, and returns no values', async () => {
    const idb = fakeIndexedDB();
    const { store, values } = await open(idb);
    expect(store.kind).toBe('indexeddb');
    expect(values).toBeUndefined();
    expect(idb.log).toEqual(['open', 'transaction readonly', 'get __probe__']);
  });

  it('keeps IndexedDB when it opened but a value cannot be read: the caller\'s own read reports it, as before', async () => {
    const idb = fakeIndexedDB({ unreadable: ['session'] });
    const { store, values, fallbacks } = await open(idb, ['session']);
    expect(store.kind).toBe('indexeddb');
    expect(values).toBeUndefined();
    expect(fallbacks).toEqual([]);
    await expect(store.get('session')).rejects.toMatchObject({ code: 'storage_unavailable' });
  });

  it('falls back to memory, once, when the open fails or our object store is missing; no second open', async () => {
    for (const fault of [{ openFails: true }, { noStore: true }]) {
      const idb = fakeIndexedDB(fault);
      const { store, values, fallbacks } = await open(idb, ['session']);
      expect(store.kind).toBe('memory');
      expect(values).toBeUndefined();
      expect(fallbacks).toEqual(['storage_unavailable']);
      expect(idb.log.filter((l) => l === 'open')).toHaveLength(1);
    }
  });

  it('without IndexedDB at all: memory, said once, no values; the caller reads the (empty) store', async () => {
    globalThis.indexedDB = undefined as unknown as IDBFactory;
    const fallbacks: string[] = [];
    const opened = await openStore('x', (error) => fallbacks.push(error.code), ['session']);
    expect(fallbacks).toEqual(['storage_unavailable']);
    expect(opened.store.kind).toBe('memory');
    expect(opened.values).toBeUndefined();
    expect(await opened.store.getMany(['session', 'dpop-nonces'])).toEqual([undefined, undefined]);
  });
});
