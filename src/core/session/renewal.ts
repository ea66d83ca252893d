import type { Context } from '../context.js';
import { OAuthError, toOAuthError } from '../errors.js';
import { isDue, leeway, newest, tokenOf, view } from './cell.js';
import { readSession, SESSION_KEY, type StoredSession } from './record.js';
import { refreshGrant } from './refresh-grant.js';

/** The renewal timer never fires sooner than this after it is set. */
const MIN_TIMER_MS = 2000;
/**
 * `storage_corrupt`: the stored record was not ours and is deleted; this tab's copy must not outlive it.
 * `invalid_client`: a 4xx from the token endpoint, so the refresh token will not work again (grant-failure.ts).
 */
const ENDS_SESSION = new Set(['invalid_grant', 'invalid_client', 'id_token_mismatch', 'login_required', 'storage_corrupt']);

/** An access token with the DPoP key it is bound to (none: Bearer). */
export interface BoundToken {
  readonly token: string;
  readonly keyPair: CryptoKeyPair | undefined;
}

export interface Renewal {
  /** (Re)arms the proactive renewal timer, in the leader tab only; the others renew on demand and when they wake. */
  schedule(): void;
  /** Forgets past failures (a new session) and re-arms the timer. */
  restart(): void;
  /**
   * A fresh session, shared by every caller in this tab and, through the lock, in every tab.
   * `rejected` is a token a resource refused: replace it even if it does not look expired. `resource`
   * names another `resources` entry whose token is wanted (undefined: the session's own).
   */
  renew(rejected: string | null, resource?: string): Promise<StoredSession>;
  /**
   * A usable token of `resource` and the key it is bound to, both from one session record: the key is
   * never looked up again later, when another tab's news or a logout may have replaced the session
   * (issue 14, defect 5: the token would go out as Bearer without its proof).
   */
  accessToken(forceRefresh: boolean, rejected?: string, resource?: string): Promise<BoundToken>;
  /** Renews now if the session is due (start, wake-up). */
  renewIfDue(): void;
  cancel(): void;
}

/** Renewal of this tab's session: the timer, the lock, the refresh grant's outcome. */
export function createRenewal(ctx: Context, ensureLoaded: () => Promise<void>): Renewal {
  /** The refresh in flight in this tab, per resource indicator ('' for the session's own token). */
  const renewals = new Map<string, Promise<StoredSession>>();
  let cancelTimer: (() => void) | undefined;
  let failedRenewals = 0;
  const due = (session: StoredSession | null): session is StoredSession => session !== null && isDue(session, ctx.effects.now());

  const room: Renewal = {
    schedule() {
      room.cancel();
      const { session } = ctx;
      if (ctx.destroyed || !session?.refreshToken || !ctx.channel().isLeader()) return;
      const backoff = failedRenewals === 0 ? 0 : Math.min(60_000, 5000 * 2 ** (failedRenewals - 1));
      const delay = Math.max(MIN_TIMER_MS, session.expiresAt - leeway(session) - ctx.effects.now(), backoff);
      cancelTimer = ctx.effects.setTimer(() => {
        cancelTimer = undefined;
        if (due(ctx.session)) room.renew(null).catch(() => undefined);
        else room.schedule();
      }, delay);
    },

    restart() {
      failedRenewals = 0;
      room.schedule();
    },

    cancel() {
      cancelTimer?.();
      cancelTimer = undefined;
    },

    renewIfDue() {
      if (due(ctx.session)) room.renew(null).catch(() => undefined);
    },

    renew(rejected, resource) {
      const slot = resource ?? '';
      const inFlight = renewals.get(slot);
      if (inFlight) return inFlight;
      ctx.dispatch({ type: 'REFRESH_STARTED' });
      const run = (async () => {
        try {
          const next = await ctx.channel().withLock((confirm) => refreshUnderLock(ctx, rejected, resource, confirm));
          ctx.session = next;
          room.restart();
          ctx.dispatch({ type: 'REFRESH_SUCCEEDED', session: view(next)! });
          return next;
        } catch (err) {
          const error = toOAuthError(err);
          if (ENDS_SESSION.has(error.code)) {
            ctx.session = ctx.unstored = null;
            failedRenewals = 0;
          } else if (resource === undefined) {
            failedRenewals++;
          }
          room.schedule();
          ctx.dispatch({ type: 'REFRESH_FAILED', error, session: view(ctx.session) });
          throw error;
        } finally {
          renewals.delete(slot);
        }
      })();
      renewals.set(slot, run);
      return run;
    },

    async accessToken(forceRefresh, rejected, resource) {
      ctx.alive();
      await ensureLoaded();
      const current = ctx.session;
      if (!current) throw new OAuthError('login_required', 'Not signed in');
      const cached = tokenOf(current, resource);
      if (cached && !forceRefresh && rejected === undefined && !isDue(cached, ctx.effects.now())) return { token: cached.accessToken, keyPair: current.keyPair };
      const target = rejected ?? (forceRefresh && cached ? cached.accessToken : null);
      let next = await room.renew(target, resource);
      // Joined a renewal that was started for another reason and kept the token we must replace.
      if (target !== null && tokenOf(next, resource)?.accessToken === target) next = await room.renew(target, resource);
      const token = tokenOf(next, resource);
      if (!token) throw new OAuthError('login_required', 'Not signed in');
      return { token: token.accessToken, keyPair: next.keyPair };
    },
  };
  return room;
}

/** Inside the cross-tab lock: the stored session, refreshed unless another tab already did. */
async function refreshUnderLock(ctx: Context, rejected: string | null, resource: string | undefined, confirm: () => Promise<void>): Promise<StoredSession> {
  const { config } = ctx;
  const kv = await ctx.store();
  // Another tab may have refreshed (or logged out) while this one waited for the lock.
  const current = newest(ctx, await readSession(kv, config.issuer.href, config.clientId, () => ctx.channel().post({ type: 'session-changed' })));
  if (!current) throw new OAuthError('login_required', 'Not signed in');
  const token = tokenOf(current, resource);
  if (token && !isDue(token, ctx.effects.now()) && token.accessToken !== rejected) return current;
  if (current.refreshToken === undefined) {
    // Without a refresh token the session's own token simply ends; another resource's token
    // cannot be had at all, but the session stays.
    if (resource === undefined) throw new OAuthError('login_required', 'The token expired and there is no refresh token');
    throw new OAuthError('refresh_token_required', 'This resource needs a refresh token');
  }
  try {
    const refreshed = await refreshGrant(ctx, kv, current as StoredSession & { refreshToken: string }, resource, confirm);
    ctx.channel().post({ type: 'session-changed' });
    return refreshed;
  } catch (err) {
    const error = toOAuthError(err);
    if (ENDS_SESSION.has(error.code)) {
      // SECURITY.md 16: the grant is gone; wipe it for every tab, never retry.
      await kv.replaceIf(SESSION_KEY, (stored) => (stored as StoredSession | undefined)?.refreshToken === current.refreshToken, undefined).catch(() => undefined);
      ctx.channel().post({ type: 'session-changed' });
    }
    throw error;
  }
}
