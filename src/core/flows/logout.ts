import * as o from 'oauth4webapi';
import type { Context } from '../context.js';
import { OAuthError, toOAuthError } from '../errors.js';
import { LOGOUT_KEY, logoutReturn, withoutState, type PendingLogout } from '../logout-return.js';
import { newest } from '../session/cell.js';
import type { Loader } from '../session/load.js';
import { decodeSession, SESSION_KEY } from '../session/record.js';
import type { Renewal } from '../session/renewal.js';
import { revoke } from '../session/revoke.js';
import type { LogoutOptions } from '../types.js';
import { isAllowedProtocol, safeReturnTo } from '../url.js';

/**
 * Logout: every tab's copy and the stored record are wiped first (SECURITY.md 25), then the refresh token
 * is revoked, then (optionally) the browser goes to the AS's end-session endpoint.
 */
export async function logout(ctx: Context, loader: Loader, renewal: Renewal, options: LogoutOptions): Promise<void> {
  const { config, effects } = ctx;
  ctx.alive();
  const { revoke: revokeToken = true, endSession = false } = options;
  await loader.ensureLoaded().catch(() => undefined);
  const kv = await ctx.store();
  let current = ctx.session;
  try {
    current = newest(ctx, decodeSession(await kv.get(SESSION_KEY), config.issuer.href, config.clientId)) ?? current;
  } catch {
    // Unreadable storage is wiped below all the same.
  }
  ctx.session = ctx.unstored = null;
  renewal.restart();
  let wipeError: OAuthError | undefined;
  try {
    // Everything: tokens and pending logins (SECURITY.md 25). A refresh finishing later cannot
    // write back, because it only replaces the record it spent.
    await kv.clear();
    if (kv !== (await ctx.durable())) await (await ctx.durable()).clear();
  } catch (err) {
    wipeError = toOAuthError(err, 'storage_unavailable');
  }
  ctx.channel().post({ type: 'logged-out' });
  ctx.dispatch({ type: 'SIGNED_OUT' });
  // Best effort: the local wipe already happened and must not be undone by a failed revocation.
  if (revokeToken) await revoke(ctx, current);
  if (wipeError) throw wipeError;
  const endpoint = current?.as.end_session_endpoint;
  if (!endSession || !endpoint) return;
  const url = new URL(endpoint);
  if (!isAllowedProtocol(url, config.allowInsecureLoopback)) throw new OAuthError('insecure_url', 'The end-session endpoint is not https');
  const here = effects.location();
  // A page without an origin of its own (a native shell's `capacitor://` page: "null") has no path to return to.
  const back =
    options.returnTo !== undefined && here.origin !== 'null' ? new URL(safeReturnTo(options.returnTo, here.origin), here.origin) : config.postLogoutRedirectUri;
  url.searchParams.set('client_id', config.clientId);
  if (current?.idToken) url.searchParams.set('id_token_hint', current.idToken);
  if (back) {
    url.searchParams.set('post_logout_redirect_uri', back.href);
    // RP-Initiated Logout §2: a fresh state, checked and stripped when the AS comes back (init()).
    const state = o.generateRandomState();
    const pending: PendingLogout = { v: 1, state, returnTo: back.href, createdAt: effects.now() };
    await (await ctx.durable()).set(LOGOUT_KEY, pending).catch(() => undefined);
    url.searchParams.set('state', state);
  }
  await effects.navigate(url);
}

/** Back from the AS's end-session endpoint: check the state it gives back, and take it off the address bar. */
export async function endSessionReturned(ctx: Context, here: URL): Promise<void> {
  try {
    const kv = await ctx.durable();
    const outcome = logoutReturn(here, await kv.get(LOGOUT_KEY), ctx.effects.now());
    if (outcome === undefined) return;
    await kv.delete([LOGOUT_KEY]);
    if (outcome === 'returned') ctx.effects.replaceLocation(withoutState(here));
    else ctx.effects.warn('The end-session return carries a state this app did not send; left alone');
  } catch {
    // Unreadable storage: the state is only a convenience here, the sign-out itself is done.
  }
}
