/**
 * The leader tab: the one that renews proactively. Its Web Lock is held while the tab's page is shown, and
 * released by the browser when the tab goes away.
 */

/** After a `beforeunload` with no `pagehide` this long, the page stayed (navigation cancelled, a download). */
const STAYED_MS = 5_000;

export interface Leadership {
  isLeader(): boolean;
  /** Calls `listener` when this tab becomes the leader. */
  onLeader(listener: () => void): void;
  close(): void;
}

export function leadership(locks: LockManager, lockName: string): Leadership {
  const leaderListeners = new Set<() => void>();
  let leader = false;
  let leaderRequest: AbortController | undefined;
  let stepDown: (() => void) | undefined;
  let closed = false;

  const seekLeadership = (): void => {
    const request = new AbortController();
    leaderRequest = request;
    locks
      .request(lockName, { signal: request.signal }, () => {
        leader = true;
        for (const listener of leaderListeners) listener();
        // Held until the tab goes away (the browser releases it), its page is hidden, or the client is destroyed.
        return new Promise<void>((resolve) => {
          stepDown = resolve;
        });
      })
      .catch(() => undefined);
  };
  const resign = (): void => {
    leaderRequest?.abort(); // stops waiting, if this tab is not the leader yet
    leaderRequest = undefined;
    leader = false;
    stepDown?.(); // releases the leader lock, if it is
    stepDown = undefined;
  };
  // A held or requested Web Lock keeps the page out of Firefox's back/forward cache (e2e-engines/ showed it):
  // with the leader lock held for the tab's lifetime, Back would reload every page of the app. Firefox
  // decides before `pagehide`, so the page resigns at `beforeunload` (which blocks no cache), and again at
  // `pagehide` for browsers that cache a page with its locks (WebKit): a page in the cache must not stay the
  // leader without running a timer. Restored from the cache, it seeks leadership again. A `beforeunload`
  // that leads nowhere (cancelled, or a download) seeks it again a little later.
  let stayed: ReturnType<typeof setTimeout> | undefined;
  const onBeforeUnload = (): void => {
    resign();
    clearTimeout(stayed);
    stayed = setTimeout(() => {
      if (!leaderRequest && !closed) seekLeadership();
    }, STAYED_MS);
  };
  const onPageHide = (): void => {
    clearTimeout(stayed);
    resign();
  };
  const onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && !leaderRequest && !closed) seekLeadership();
  };
  const pageEvents = typeof window !== 'undefined' && typeof window.addEventListener === 'function';
  seekLeadership();
  if (pageEvents) {
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onPageHide);
    window.addEventListener('pageshow', onPageShow);
  }
  return {
    isLeader: () => leader,
    onLeader: (listener) => void leaderListeners.add(listener),
    close() {
      closed = true;
      clearTimeout(stayed);
      if (pageEvents) {
        window.removeEventListener('beforeunload', onBeforeUnload);
        window.removeEventListener('pagehide', onPageHide);
        window.removeEventListener('pageshow', onPageShow);
      }
      resign();
      leaderListeners.clear();
    },
  };
}
