import type { KeyValueStore } from '../storage.js';
import { leadership } from './leader.js';
import { held, leaseLock, lockTimeout, lockWaitMs } from './lease.js';


/**
 * Coordination between the tabs of one origin: a mutual-exclusion lock so that only one tab at a
 * time may spend the refresh token (with rotation and reuse detection, two tabs presenting the same
 * refresh token revoke the whole grant — RFC 9700 §4.14.2), a leader that renews proactively, and a
 * channel that tells the other tabs to re-read storage. Messages never carry tokens: storage is the
 * one source of truth.
 */

export type TabMessage =
  | { readonly type: 'session-changed' }
  /** The user logged out in one tab: a logout is for the whole app, even where each tab keeps its own session. */
  | { readonly type: 'logged-out' }
  | { readonly type: 'lock-released' }
  /** A DPoP server nonce (public, not a secret) learned by one tab, for every tab's next proof. */
  | { readonly type: 'dpop-nonce'; readonly origin: string; readonly nonce: string };

export interface Tabs {
  /**
   * Runs `task` while holding the client's lock in every tab of the origin. `confirm` resolves when the lock
   * is still this tab's (and keeps it so for a while): call it right before presenting a refresh token.
   */
  withLock<T>(task: (confirm: () => Promise<void>) => Promise<T>): Promise<T>;
  /** Whether this tab is the one that renews proactively. */
  isLeader(): boolean;
  /** Calls `listener` when this tab becomes the leader. */
  onLeader(listener: () => void): void;
  /** Tells every other tab; the sender does not receive its own message. */
  post(message: TabMessage): void;
  /** Returns the function that stops listening to `session-changed`, `logged-out` and `dpop-nonce` messages. */
  listen(listener: (message: TabMessage) => void): () => void;
  close(): void;
}

/**
 * The browser's coordination. With Web Locks: a per-client lock for refreshes, released by the
 * browser even when its tab is closed mid-refresh, and a leader lock held while the tab's page is shown.
 * Without: the lease of lease.ts, and every tab renews (the lease still lets only one refresh at a time).
 */
export function browserTabs(name: string, store: () => Promise<KeyValueStore>, holdMs: number): Tabs {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(name) : undefined;
  const listeners = new Set<(message: TabMessage) => void>();
  const releaseWaiters = new Set<() => void>();
  channel?.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = event.data as TabMessage | null;
    if (message?.type === 'lock-released') for (const wake of [...releaseWaiters]) wake();
    else if (message?.type === 'session-changed' || message?.type === 'logged-out' || (message?.type === 'dpop-nonce' && typeof message.origin === 'string' && typeof message.nonce === 'string')) {
      for (const listener of [...listeners]) listener(message);
    }
  });
  // Without Web Locks there is no leader lock: every tab renews (the lease still serialises the refreshes).
  const leader = locks ? leadership(locks, `${name}:leader`) : { isLeader: () => true, onLeader: () => undefined, close: () => undefined };

  const withLock: Tabs['withLock'] = locks
    ? <T>(task: (confirm: () => Promise<void>) => Promise<T>) =>
        (locks.request(name, { signal: AbortSignal.timeout(lockWaitMs(holdMs)) }, () => task(held)) as Promise<T>).catch((err: unknown) => {
          // Only the wait is bounded: once granted, the signal no longer applies and errors are the task's.
          throw err instanceof DOMException && err.name === 'TimeoutError' ? lockTimeout() : err;
        })
    : leaseLock({
        holdMs,
        store,
        now: () => Date.now(),
        wait: (ms) =>
          new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              releaseWaiters.delete(done);
              resolve();
            };
            const timer = setTimeout(done, ms);
            releaseWaiters.add(done);
          }),
        onReleased: () => channel?.postMessage({ type: 'lock-released' } satisfies TabMessage),
        owner: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
      });

  return {
    withLock,
    isLeader: leader.isLeader,
    onLeader: leader.onLeader,
    post: (message) => channel?.postMessage(message),
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      leader.close();
      listeners.clear();
      channel?.close();
    },
  };
}
