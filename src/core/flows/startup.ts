import { isOtherClientsCallback } from '../callback-owner.js';
import type { Context } from '../context.js';
import { view } from '../session/cell.js';
import type { Loader } from '../session/load.js';
import type { Renewal } from '../session/renewal.js';
import type { RedirectResult } from '../types.js';
import { isAtRedirectUri } from '../url.js';
import { endSessionReturned } from './logout.js';

/**
 * `init()`: on the redirect URI, the callback; anywhere else, the stored session (and a renewal if it is
 * due). From then on the tab re-reads storage whenever it may have slept.
 */
export async function start(
  ctx: Context,
  loader: Loader,
  renewal: Renewal,
  handleRedirect: (url: URL) => Promise<RedirectResult>,
): Promise<RedirectResult | undefined> {
  const here = ctx.effects.location();
  // Another client of this page started that login: its callback is that client's to take, and to strip.
  const callbackElsewhere = isOtherClientsCallback(ctx.config, here);
  const callback = isAtRedirectUri(here, ctx.config.redirectUri) && (here.searchParams.has('code') || here.searchParams.has('error')) && !callbackElsewhere;
  // Opening IndexedDB is the longest step before a reload's first token: start it first. The channel
  // below listens before the session can even be read (the read waits for the open), so no news is missed.
  const loading = callback ? undefined : loader.ensureLoaded();
  ctx.channel();
  ctx.cleanups.push(
    ctx.effects.onWake(() => {
      // Back from the AS page (bfcache) without finishing the login: show the session again.
      if (ctx.state.status === 'authorizing') ctx.dispatch({ type: 'LOGIN_ABANDONED', session: view(ctx.session) });
      void loader.reload().then(() => renewal.renewIfDue());
    }),
  );
  if (callback) {
    // Errors are in `state`; init() itself never rejects for a bad callback.
    return handleRedirect(here).catch(() => undefined);
  }
  await loading;
  if (here.searchParams.has('state') && !callbackElsewhere) await endSessionReturned(ctx, here);
  renewal.renewIfDue();
  return undefined;
}
