import * as o from 'oauth4webapi';
import type { Context } from '../context.js';
import { toOAuthError } from '../errors.js';
import type { StoredSession } from './record.js';

/** Revokes the session's refresh token, best effort: a wipe already happened and stands. */
export async function revoke(ctx: Context, current: StoredSession | null): Promise<void> {
  if (!current?.refreshToken || !current.as.revocation_endpoint) return;
  try {
    const response = await o.revocationRequest(current.as, ctx.oauthClient(), o.None(), current.refreshToken, ctx.asRequest(current.as.revocation_endpoint));
    await o.processRevocationResponse(response);
  } catch (err) {
    const error = toOAuthError(err);
    if (error.status !== undefined && error.status >= 400 && error.status < 500) {
      // Glewlwyd, for one, answers 401 to every public client: nothing the app can change.
      ctx.effects.warn(`The authorization server refused to revoke the refresh token (${error.status}): a limit of the server; the session was wiped all the same`, error);
    } else {
      ctx.effects.warn('Revoking the refresh token failed', error);
    }
  }
}
