import { OAuthError } from '../errors.js';
import type { KeyValueStore } from '../storage.js';
import type { Tabs } from './channel.js';

/**
 * The refresh lock's fallbacks: a lock local to this tab, and the lease in IndexedDB for browsers
 * without Web Locks. Web Locks themselves are used by channel.ts.
 */

export const lockTimeout = () => new OAuthError('timeout', 'Another tab is still renewing');
/** Web Locks and the tab-local lock cannot be lost while held. */
export const held = async (): Promise<void> => undefined;

/** A lock that only excludes callers in this tab. */
export function tabLocalLock(): Tabs['withLock'] {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(() => task(held), () => task(held));
    tail = run.catch(() => undefined);
    return run;
  };
}

export const LEASE_KEY = 'lease';
/**
 * The longest a tab waits for the lock before giving up with a (transient) `timeout`: longer than any
 * bounded refresh (`holdMs`) and a bound on a holder that can never finish (a tab frozen mid-refresh).
 */
export const lockWaitMs = (holdMs: number): number => Math.max(60_000, holdMs + 10_000);

interface Lease {
  readonly owner: string;
  readonly expires: number;
}

export interface LeaseOptions {
  /**
   * How long a lease lasts from its last renewal: the longest bounded refresh, so that a holder whose
   * heartbeat a background tab's throttled timers delay still owns it until its refresh ends (issue 14,
   * defect 7). A crashed holder blocks the others at most this long.
   */
  holdMs: number;
  store: () => Promise<KeyValueStore>;
  now: () => number;
  /** Resolves after `ms`, or earlier when another tab releases the lease. */
  wait: (ms: number) => Promise<void>;
  onReleased: () => void;
  owner: string;
}

/**
 * Where Web Locks are missing: a lease record in IndexedDB, taken and renewed with compare-and-set
 * transactions, expiring so that a tab that crashed while holding it cannot block the others forever.
 * A lease is not a lock for a holder the browser froze past its expiry: `confirm` renews it just before
 * the refresh token is presented, and fails if another tab took it meanwhile. What remains: a holder
 * frozen between `confirm` and its request reaching the AS for longer than `holdMs`.
 */
export function leaseLock(options: LeaseOptions): Tabs['withLock'] {
  const local = tabLocalLock();
  const isLease = (value: unknown): value is Lease =>
    typeof value === 'object' && value !== null && typeof (value as Lease).owner === 'string' && typeof (value as Lease).expires === 'number';
  const ours = (current: unknown) => isLease(current) && current.owner === options.owner;
  return (task) =>
    local(async () => {
      const kv = await options.store();
      const mine = (): Lease => ({ owner: options.owner, expires: options.now() + options.holdMs });
      const free = (current: unknown) => !isLease(current) || current.expires <= options.now() || current.owner === options.owner;
      const deadline = options.now() + lockWaitMs(options.holdMs);
      let pause = 25;
      while (!(await kv.replaceIf(LEASE_KEY, free, mine()))) {
        if (options.now() > deadline) throw lockTimeout();
        await options.wait(pause + Math.random() * pause);
        pause = Math.min(pause * 2, 500);
      }
      const heartbeat = setInterval(() => {
        void kv.replaceIf(LEASE_KEY, ours, mine()).catch(() => undefined);
      }, 3_000);
      const confirm = async (): Promise<void> => {
        if (!(await kv.replaceIf(LEASE_KEY, ours, mine()))) throw new OAuthError('timeout', 'Another tab took over');
      };
      try {
        return await task(confirm);
      } finally {
        clearInterval(heartbeat);
        await kv.replaceIf(LEASE_KEY, ours, undefined).catch(() => undefined);
        options.onReleased();
      }
    });
}

