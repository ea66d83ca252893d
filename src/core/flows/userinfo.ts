import type * as O from 'oauth4webapi';
import type { Context } from '../context.js';
import type { retryOnNonce } from '../dpop.js';
import type { OAuthError, toOAuthError } from '../errors.js';
import type { withFreshToken } from '../resource-fetch.js';
import type { newest, view } from '../session/cell.js';
import type { readSession, StoredSession } from '../session/record.js';
import type { Renewal } from '../session/renewal.js';
import type { User, UserinfoOptions } from '../types.js';

/**
 * What this lazy module needs of the first load, handed in by client.ts: importing any of it would make
 * bundlers put it in a chunk shared with the first load, which every page load then fetches
 * (docs/architecture.md, "Where a new flow goes"). Types only are imported here.
 */
export interface UserinfoDeps {
  readonly userInfoRequest: typeof O.userInfoRequest;
  readonly processUserInfoResponse: typeof O.processUserInfoResponse;
  readonly retryOnNonce: typeof retryOnNonce;
  readonly OAuthError: typeof OAuthError;
  readonly toOAuthError: typeof toOAuthError;
  readonly withFreshToken: typeof withFreshToken;
  readonly newest: typeof newest;
  readonly view: typeof view;
  readonly readSession: typeof readSession;
}

/** session/record.ts SESSION_KEY (a constant is cheaper copied than handed in). */
const SESSION_KEY = 'session';

/**
 * Where the token for userinfo is kept when the client names resource indicators: not an indicator, so its
 * refresh names no `resource` (token-response.ts `resourceParams`) and the AS issues a token for itself.
 */
export const USERINFO_SLOT = 'urn:browser-oauth:userinfo';

/**
 * `auth.userinfo()` (OIDC Core §5.3): oauth4webapi sends the request (with the DPoP proof of a bound token)
 * and checks the answer, its `sub` against the ID token's; a `401 invalid_token` gets one refresh and retry.
 */
export async function userinfo(ctx: Context, renewal: Renewal, options: UserinfoOptions, deps: UserinfoDeps): Promise<User> {
  const { OAuthError, toOAuthError, retryOnNonce } = deps;
  ctx.alive();
  const client = ctx.oauthClient();
  // With indicators the session's own token has an API audience, which the AS may refuse here.
  const claims = await deps.withFreshToken(renewal, ctx.mainResource && USERINFO_SLOT, async ({ token, keyPair }) => {
    const session = ctx.session;
    if (!session) throw new OAuthError('login_required', 'Not signed in');
    const { as } = session;
    const sub = session.claims?.sub;
    if (sub === undefined) throw new OAuthError('userinfo_mismatch', 'No ID token to check userinfo against');
    try {
      return await retryOnNonce(async () => {
        const response = await deps.userInfoRequest(as, client, token, {
          ...ctx.asRequest(as.userinfo_endpoint),
          ...(keyPair && { DPoP: ctx.nonces.handle(client, keyPair) }),
        });
        return deps.processUserInfoResponse(as, client, sub, response);
      }, ctx.hiddenNonce('The userinfo endpoint'));
    } catch (err) {
      const error = toOAuthError(err);
      // A signed answer's `iss`/`aud` checks report like an ID token's: it is the answer that is wrong.
      throw error.code === 'invalid_id_token' ? new OAuthError('invalid_response', 'The signed userinfo answer failed its checks', { cause: error.cause }) : error;
    }
  });
  if (options.updateUser) await storeUser(ctx, claims as User, deps);
  return claims as User;
}

/**
 * The claims merged into the stored session's `user` in one compare-and-set, under the refresh lock (so no
 * rotation can slip in between), then every tab told; the ID token's own claims win.
 */
async function storeUser(ctx: Context, claims: User, { OAuthError, newest, readSession, view }: UserinfoDeps): Promise<void> {
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
