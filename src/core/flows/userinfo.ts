import * as o from 'oauth4webapi';
import type { Context } from '../context.js';
import { retryOnNonce } from '../dpop.js';
import { OAuthError, toOAuthError } from '../errors.js';
import { withFreshToken } from '../resource-fetch.js';
import { newest, view } from '../session/cell.js';
import { readSession, SESSION_KEY, type StoredSession } from '../session/record.js';
import type { Renewal } from '../session/renewal.js';
import type { User, UserinfoOptions } from '../types.js';

/**
 * Where the token for userinfo is kept when the client names resource indicators: not an indicator, so its
 * refresh names no `resource` (token-response.ts `resourceParams`) and the AS issues a token for itself.
 */
export const USERINFO_SLOT = 'urn:browser-oauth:userinfo';

/**
 * `auth.userinfo()` (OIDC Core §5.3): oauth4webapi sends the request (with the DPoP proof of a bound token)
 * and checks the answer, its `sub` against the ID token's; a `401 invalid_token` gets one refresh and retry.
 */
export async function userinfo(ctx: Context, renewal: Renewal, options: UserinfoOptions): Promise<User> {
  ctx.alive();
  const client = ctx.oauthClient();
  // With indicators the session's own token has an API audience, which the AS may refuse here.
  const claims = await withFreshToken(renewal, ctx.mainResource && USERINFO_SLOT, async ({ token, keyPair }) => {
    const session = ctx.session;
    if (!session) throw new OAuthError('login_required', 'Not signed in');
    const { as } = session;
    const sub = session.claims?.sub;
    if (sub === undefined) throw new OAuthError('userinfo_mismatch', 'No ID token to check userinfo against');
    try {
      return await retryOnNonce(async () => {
        const response = await o.userInfoRequest(as, client, token, {
          ...ctx.asRequest(as.userinfo_endpoint),
          ...(keyPair && { DPoP: ctx.nonces.handle(client, keyPair) }),
        });
        return o.processUserInfoResponse(as, client, sub, response);
      }, ctx.hiddenNonce('The userinfo endpoint'));
    } catch (err) {
      const error = toOAuthError(err);
      // A signed answer's `iss`/`aud` checks report like an ID token's: it is the answer that is wrong.
      throw error.code === 'invalid_id_token' ? new OAuthError('invalid_response', 'The signed userinfo answer failed its checks', { cause: error.cause }) : error;
    }
  });
  if (options.updateUser) await storeUser(ctx, claims as User);
  return claims as User;
}

/**
 * The claims merged into the stored session's `user` in one compare-and-set, under the refresh lock (so no
 * rotation can slip in between), then every tab told; the ID token's own claims win.
 */
async function storeUser(ctx: Context, claims: User): Promise<void> {
  const { config } = ctx;
  const next = await ctx.channel().withLock(async () => {
    const kv = await ctx.store();
    const current = newest(ctx, await readSession(kv, config.issuer.href, config.clientId, () => ctx.channel().post({ type: 'session-changed' })));
    // Another login (or a logout) replaced the session this answer was for: store nothing.
    if (!current || current.claims?.sub !== claims.sub) throw new OAuthError('userinfo_mismatch', 'The session changed during userinfo');
    const merged: StoredSession = { ...current, claims: { ...claims, ...current.claims } };
    const same = (stored: unknown) => (stored as StoredSession | undefined)?.accessToken === current.accessToken;
    if (current === ctx.unstored) ctx.unstored = merged;
    else if (!(await kv.replaceIf(SESSION_KEY, same, merged))) throw new OAuthError('login_required', 'The session ended during userinfo');
    return merged;
  });
  ctx.session = next;
  ctx.channel().post({ type: 'session-changed' });
  ctx.dispatch({ type: 'SESSION_LOADED', session: view(next) });
}
