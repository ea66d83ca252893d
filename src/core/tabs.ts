/**
 * Coordination between the tabs of one origin: a mutual-exclusion lock so that only one tab at a
 * time may spend the refresh token (with rotation and reuse detection, two tabs presenting the same
 * refresh token revoke the whole grant — RFC 9700 §4.14.2), and a channel that tells the other tabs
 * to re-read storage. Messages never carry tokens: storage is the one source of truth.
 */

export type TabMessage = { readonly type: 'session-changed' };

export interface Tabs {
  /** Runs `task` while holding the client's lock in every tab of the origin. */
  withLock<T>(task: () => Promise<T>): Promise<T>;
  /** Tells every other tab; the sender does not receive its own message. */
  post(message: TabMessage): void;
  /** Returns the function that stops listening. */
  listen(listener: (message: TabMessage) => void): () => void;
  close(): void;
}

/** A lock that only excludes callers in this tab: the fallback where Web Locks are missing. */
function tabLocalLock(): Tabs['withLock'] {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

export function browserTabs(name: string): Tabs {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  // A tab closed mid-refresh releases its Web Lock with it, so the next holder can finish the job.
  const withLock: Tabs['withLock'] = locks
    ? <T>(task: () => Promise<T>) => locks.request(name, () => task()) as Promise<T>
    : tabLocalLock();
  const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(name) : undefined;
  const listeners = new Set<(message: TabMessage) => void>();
  channel?.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as Partial<TabMessage> | null;
    if (data?.type !== 'session-changed') return;
    for (const listener of listeners) listener({ type: 'session-changed' });
  });
  return {
    withLock,
    post: (message) => channel?.postMessage(message),
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      listeners.clear();
      channel?.close();
    },
  };
}
