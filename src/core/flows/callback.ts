import * as o from 'oauth4webapi';
import { isOtherClientsCallback } from '../callback-owner.js';
import { hasOpenId } from '../config.js';
import type { Context } from '../context.js';
import { retryOnNonce } from '../dpop.js';
import { callbackError, OAuthError, toOAuthError } from '../errors.js';
import { grantRefusal } from '../grant-failure.js';
import { withIdTokenAlgorithms } from '../id-token-alg.js';
import { view } from '../session/cell.js';
import type { Loader } from '../session/load.js';
import { decodePending, PENDING_PREFIX, POPUP_PREFIX, SESSION_KEY, type PendingAuthorization, type PopupResult, type StoredSession } from '../session/record.js';
import type { Renewal } from '../session/renewal.js';
import { resourceParams, sessionFrom } from '../session/token-response.js';
import type { RedirectResult } from '../types.js';
import { isAtRedirectUri, withoutCallbackParams } from '../url.js';

/** The redirect back from the AS, once per URL: React StrictMode and a double init() call it twice. */
export function createCallbacks(ctx: Context, loader: Loader, renewal: Renewal): (input?: string | URL) => Promise<RedirectResult> {
  const callbacks = new Map<string, Promise<RedirectResult>>();
  return (input) => {
    let url: URL;
    try {
      ctx.alive();
      const here = ctx.effects.location();
      url = new URL(input ?? here.href, here.href);
    } catch (err) {
      return Promise.reject(err instanceof TypeError ? new OAuthError('invalid_callback', 'The callback is not a URL') : err);
    }
    // Not ours to consume: the address bar, the state and the other client's pending login stay as they are.
    if (isOtherClientsCallback(ctx.config, url)) {
      return Promise.reject(new OAuthError('state_mismatch', 'This callback answers a login of another client on this page'));
    }
    // One exchange per URL: the AS revokes every token of a grant whose code is used twice.
    let pending = callbacks.get(url.href);
    if (!pending) {
      pending = complete(ctx, loader, renewal, url);
      callbacks.set(url.href, pending);
    }
    return pending;
  };
}

/** The response checked against the stored login, the code exchanged, the session stored. */
async function complete(ctx: Context, loader: Loader, renewal: Renewal, url: URL): Promise<RedirectResult> {
  const here = ctx.effects.location();
  if (url.href === here.href) ctx.effects.replaceLocation(withoutCallbackParams(here));
  ctx.dispatch({ type: 'CALLBACK_STARTED' });
  let pending: PendingAuthorization | undefined;
  try {
    pending = await takePending(ctx, url);
    const next = await exchange(ctx, pending, url);
    await (await ctx.store()).set(SESSION_KEY, next);
    ctx.session = next;
    ctx.unstored = null;
    loader.markLoaded();
    // Before the news below: it is what makes the opener look (flows/popup.ts).
    if (pending.popup) await tellOpener(ctx, pending, []);
    ctx.channel().post({ type: 'session-changed' });
    renewal.restart();
    ctx.dispatch({ type: 'CALLBACK_SUCCEEDED', session: view(next)! });
    if (!pending.popup) return { returnTo: pending.returnTo };
    ctx.effects.closeWindow();
    return { returnTo: pending.returnTo, popup: true };
  } catch (err) {
    const error = toOAuthError(err);
    // Whatever session was stored before is untouched; show it again.
    await loader.ensureLoaded().catch(() => undefined);
    ctx.dispatch({ type: 'CALLBACK_FAILED', error, session: view(ctx.session) });
    if (pending?.popup) {
      // The opener rejects loginPopup() with the same code; the AS's words stay untrusted text there too.
      await tellOpener(ctx, pending, [error.code, error.error, error.errorDescription]);
      ctx.channel().post({ type: 'session-changed' });
      ctx.effects.closeWindow();
    }
    throw error;
  }
}

/**
 * A popup's outcome for the page that opened it, through storage: never `window.opener` nor `postMessage`,
 * which an AS's `Cross-Origin-Opener-Policy` severs. Best effort: the opener's `popupTimeout` still bounds it.
 */
const tellOpener = (ctx: Context, pending: PendingAuthorization, result: PopupResult): Promise<unknown> =>
  ctx.durable().then((kv) => kv.set(POPUP_PREFIX + pending.state, result)).catch(() => undefined);

/** The login this callback answers, taken out of storage (so it can be used once only) and checked. */
async function takePending(ctx: Context, url: URL): Promise<PendingAuthorization> {
  const { config } = ctx;
  if (!isAtRedirectUri(url, config.redirectUri)) {
    throw new OAuthError('invalid_callback', 'Not the redirect URI');
  }
  const states = url.searchParams.getAll('state');
  if (states.length !== 1 || states[0] === '') {
    throw new OAuthError('state_mismatch', 'The callback has no single state');
  }
  // Consumed before anything else happens: a reloaded or replayed callback finds nothing (SECURITY.md 4).
  const raw = await (await ctx.durable()).take(PENDING_PREFIX + states[0]);
  if (raw === undefined) {
    throw new OAuthError('state_mismatch', 'No login in progress matches this callback');
  }
  const pending = decodePending(raw, config.issuer.href, config.clientId);
  if (pending.redirectUri !== config.redirectUri.href) {
    throw new OAuthError('invalid_callback', 'The login was started with another redirect URI');
  }
  return pending;
}

/** oauth4webapi checks the authorization response and the token response; the code is exchanged once. */
async function exchange(ctx: Context, pending: PendingAuthorization, url: URL): Promise<StoredSession> {
  const { as, keyPair } = pending;
  const client = ctx.oauthClient();
  let params: URLSearchParams;
  try {
    // The stored state and the stored metadata (for `iss`): never values from the URL (SECURITY.md 2, 6).
    params = o.validateAuthResponse(as, client, url.searchParams, pending.state);
  } catch (err) {
    throw callbackError(err);
  }
  // oauth4webapi refuses `id_token`/`token` (implicit, hybrid); anything else without a code is not ours either.
  if (!params.get('code')) throw new OAuthError('invalid_callback', 'The callback has no code');
  const result = await retryOnNonce(async () => {
    const options = {
      ...ctx.asRequest(as.token_endpoint),
      additionalParameters: resourceParams(ctx.config, undefined, false),
      ...(keyPair && { DPoP: ctx.nonces.handle(client, keyPair) }),
    };
    const response = await o.authorizationCodeGrantRequest(as, client, o.None(), params, pending.redirectUri, pending.codeVerifier, options);
    return o.processAuthorizationCodeResponse(withIdTokenAlgorithms(as), client, response, {
      expectedNonce: pending.nonce ?? o.expectNoNonce,
      requireIdToken: hasOpenId(pending.scope),
      // Step-up: oauth4webapi checks `auth_time` against the `max_age` sent.
      ...(pending.maxAge !== undefined && { maxAge: pending.maxAge }),
    });
  }, ctx.hiddenNonce('The authorization server')).catch((err: unknown) => {
    // A 4xx: the code is spent or refused for good; say so with one code whatever the body.
    throw grantRefusal(toOAuthError(err));
  });
  // RFC 9470 / OIDC Core §3.1.2.1: `acr_values` is a wish the AS may ignore; a step-up needs one of them.
  const acr = o.getValidatedIdTokenClaims(result)?.acr;
  if (pending.acr && !pending.acr.split(' ').includes(acr as string)) {
    throw new OAuthError('insufficient_user_authentication', 'The sign-in is weaker than asked', { acrValues: pending.acr, ...(pending.maxAge !== undefined && { maxAge: pending.maxAge }) });
  }
  return sessionFrom(ctx.config, as, result, ctx.effects.now(), pending.scope, keyPair);
}
