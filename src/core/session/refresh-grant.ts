import * as o from 'oauth4webapi';
import type { Context } from '../context.js';
import { retryOnNonce } from '../dpop.js';
import { OAuthError, toOAuthError } from '../errors.js';
import { grantRefusal } from '../grant-failure.js';
import { withIdTokenAlgorithms } from '../id-token-alg.js';
import type { KeyValueStore } from '../storage.js';
import { SESSION_KEY, type StoredSession } from './record.js';
import { revoke } from './revoke.js';
import { resourceParams, sessionFrom } from './token-response.js';

/** Tries of a refresh that failed transiently (network, 5xx, timeout), with these pauses between them. */
const REFRESH_RETRY_DELAYS_MS = [250, 1000];
/**
 * The longest one bounded refresh holds the cross-tab lock: every try may take two requests (a DPoP nonce
 * retry) of `timeout` each, plus the pauses with their jitter, plus a margin for storage.
 */
export const refreshHoldMs = (timeout: number): number =>
  (REFRESH_RETRY_DELAYS_MS.length + 1) * 2 * timeout + 1.5 * REFRESH_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) + 5_000;

const TRANSIENT = new Set(['network', 'timeout', 'server_error']);

/**
 * One refresh-token grant, retried on transient faults; runs inside the cross-tab lock. For another
 * resource's token (`resource` set), the response's access token is stored under that indicator and
 * everything else of the session (its own token included) is kept; the refresh token rotates all the same.
 * `confirm` resolves while the lock is still this tab's (see Tabs.withLock).
 */
export async function refreshGrant(
  ctx: Context,
  kv: KeyValueStore,
  current: StoredSession & { refreshToken: string },
  resource: string | undefined,
  confirm: () => Promise<void>,
): Promise<StoredSession> {
  const { as, keyPair } = current;
  const client = ctx.oauthClient();
  for (let attempt = 0; ; attempt++) {
    try {
      // A fresh proof on every try; a `use_dpop_nonce` answer is retried once with the new nonce.
      const result = await retryOnNonce(async () => {
        const options = {
          ...ctx.asRequest(as.token_endpoint),
          additionalParameters: resourceParams(ctx.config, resource, true),
          ...(keyPair && { DPoP: ctx.nonces.handle(client, keyPair) }),
        };
        // Still this tab's turn? A lease may have lapsed while this tab was frozen (issue 14, defect 7).
        await confirm();
        const response = await o.refreshTokenGrantRequest(as, client, o.None(), current.refreshToken, options);
        return o.processRefreshTokenResponse(withIdTokenAlgorithms(as), client, response);
      }, ctx.hiddenNonce('The authorization server'));
      const fresh = sessionFrom(ctx.config, as, result, ctx.effects.now(), current.scope ?? ctx.config.scope, keyPair, current);
      const next: StoredSession =
        resource === undefined
          ? fresh
          : {
              ...fresh,
              accessToken: current.accessToken,
              issuedAt: current.issuedAt,
              expiresAt: current.expiresAt,
              ...(current.scope !== undefined && { scope: current.scope }),
              resourceTokens: { ...current.resourceTokens, [resource]: { accessToken: fresh.accessToken, issuedAt: fresh.issuedAt, expiresAt: fresh.expiresAt } },
            };
      if (!(await storeRotated(ctx, kv, current, next))) {
        // A logout (or a new login) in another tab won the race: it revoked what it had, not the refresh
        // token this grant just received. Revoke that too, or it stays live where the AS does not revoke
        // the whole family (issue 14, defect 6).
        if (next.refreshToken !== current.refreshToken) await revoke(ctx, next);
        throw new OAuthError('login_required', 'The session ended during the refresh');
      }
      return next;
    } catch (err) {
      const error = grantRefusal(toOAuthError(err));
      const delay = REFRESH_RETRY_DELAYS_MS[attempt];
      if (!TRANSIENT.has(error.code) || delay === undefined) throw error;
      await ctx.effects.sleep(delay * (1 + ctx.effects.random() / 2));
    }
  }
}

/**
 * Rotation (SECURITY.md 14): the new record replaces the old in one write, and only if the session was not
 * wiped (logout) or replaced (a new login) meanwhile. False when it was; true when `next` is stored, or kept
 * in this tab because storage refused it.
 */
async function storeRotated(ctx: Context, kv: KeyValueStore, current: StoredSession, next: StoredSession): Promise<boolean> {
  const spent = current.refreshToken;
  const holdsSpent = (stored: unknown) => (stored as StoredSession | undefined)?.refreshToken === spent;
  try {
    // The stored record is this grant's, or gone because this tab's last write failed (see below).
    const ok = await kv.replaceIf(SESSION_KEY, (stored) => holdsSpent(stored) || (stored === undefined && current === ctx.unstored), next);
    if (ok) ctx.unstored = null;
    return ok;
  } catch (err) {
    // The AS has already rotated: losing `next` would lose the session, so this tab keeps it. The stored
    // record holds a spent token that no tab may present again (reuse detection would end the grant
    // everywhere): remove it; other tabs then read no session (issue 14, defect 1).
    ctx.unstored = next;
    const removed = await kv.replaceIf(SESSION_KEY, holdsSpent, undefined).catch(() => false);
    ctx.effects.warn(
      removed
        ? 'The refreshed session could not be stored; it lives in this tab only, other tabs sign out'
        : 'The refreshed session could not be stored, nor the stale one removed; it lives in this tab only',
      toOAuthError(err, 'storage_unavailable'),
    );
    return true;
  }
}
