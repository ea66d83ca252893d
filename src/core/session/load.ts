import type { Context } from '../context.js';
import { toOAuthError } from '../errors.js';
import { newest, view } from './cell.js';
import { decodeSession, NONCES_KEY, SESSION_KEY } from './record.js';
import type { Renewal } from './renewal.js';
import { revoke } from './revoke.js';

export interface Loader {
  /** Reads the stored session into this tab (start, wake-up, or news from another tab). */
  reload(): Promise<void>;
  /** The first read of this tab, once; later callers wait for it. */
  ensureLoaded(): Promise<void>;
  /** A session was just made in this tab (a login's callback): there is nothing to read first. */
  markLoaded(): void;
  /** Another tab logged out. */
  loggedOutElsewhere(): Promise<void>;
}

/** Loading the stored session into this tab, and dropping it when another tab logs out. */
export function createLoader(ctx: Context, renewal: Renewal): Loader {
  const { config } = ctx;
  let loaded: Promise<void> | undefined;

  /**
   * The stored session and DPoP nonces, read in one IndexedDB transaction; at start, when IndexedDB is not
   * open yet, in the very transaction that proves it works. The first token after a reload waits on each
   * round trip: three sequential transactions (probe, session, nonces) became one.
   */
  async function readStored(): Promise<unknown[]> {
    const keys = [SESSION_KEY, NONCES_KEY];
    if (config.storage === 'indexeddb' && !ctx.opened()) {
      const { values } = await ctx.open(keys);
      if (values) return values;
    }
    return (await ctx.store()).getMany(keys);
  }

  const loader: Loader = {
    async reload() {
      if (ctx.destroyed) return;
      try {
        const [stored, storedNonces] = await readStored();
        ctx.session = newest(ctx, decodeSession(stored, config.issuer.href, config.clientId));
        if (ctx.session?.keyPair) {
          // With `storage: 'memory'` the nonces still live in IndexedDB (they are public), read only for a DPoP session.
          const saved = config.storage === 'memory' ? await (await ctx.durable()).get(NONCES_KEY) : storedNonces;
          if (typeof saved === 'object' && saved !== null) {
            for (const [origin, nonce] of Object.entries(saved)) if (typeof nonce === 'string') ctx.nonces.set(origin, nonce);
          }
        }
      } catch (err) {
        const error = toOAuthError(err, 'storage_unavailable');
        if (error.code === 'storage_corrupt') {
          // Foreign or damaged data is not a session; remove it so it cannot be half-used later.
          ctx.session = ctx.unstored;
          if (ctx.opened()) await ctx.durable().then((s) => s.delete([SESSION_KEY])).catch(() => undefined);
        }
        if (!ctx.session) {
          renewal.schedule();
          ctx.dispatch({ type: 'SIGNED_OUT', error });
          return;
        }
        ctx.effects.warn('Reading the session failed; keeping this tab\u2019s copy', error);
      }
      renewal.schedule();
      ctx.dispatch({ type: 'SESSION_LOADED', session: view(ctx.session) });
    },

    ensureLoaded: () => (loaded ??= loader.reload()),

    markLoaded() {
      loaded ??= Promise.resolve();
    },

    /**
     * A shared store was wiped there: re-read it. A store of this tab's own (`storage: 'memory'`, or memory
     * after IndexedDB failed) still holds this tab's session: drop it and revoke its refresh token, as the
     * logging-out tab did with its own (issue 14, defect 2; SECURITY.md 25).
     */
    async loggedOutElsewhere() {
      const kv = await ctx.store();
      if (kv.kind !== 'memory') {
        // A session only this tab holds was not the logging-out tab's to revoke.
        const held = ctx.unstored;
        ctx.unstored = null;
        await loader.reload();
        return revoke(ctx, held);
      }
      const current = ctx.session;
      ctx.session = null;
      renewal.schedule();
      await kv.clear().catch(() => undefined);
      ctx.dispatch({ type: 'SIGNED_OUT' });
      await revoke(ctx, current);
    },
  };
  return loader;
}
