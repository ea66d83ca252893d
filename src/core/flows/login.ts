import * as o from 'oauth4webapi';
import { taggedState } from '../callback-owner.js';
import { extraAuthorizationParams } from '../authorization-params.js';
import { hasOpenId } from '../config.js';
import type { Context } from '../context.js';
import { discover } from '../discovery.js';
import { generateDPoPKey, usesDPoP } from '../dpop.js';
import { OAuthError, toOAuthError } from '../errors.js';
import { pushAuthorizationRequest, usesPar } from './par.js';
import { view } from '../session/cell.js';
import type { Loader } from '../session/load.js';
import { PENDING_PREFIX, type PendingAuthorization } from '../session/record.js';
import type { KeyValueStore } from '../storage.js';
import type { LoginOptions } from '../types.js';
import { isAllowedProtocol, safeReturnTo } from '../url.js';

/** Pending logins older than this are abandoned (the AS's own interaction expires sooner). */
const PENDING_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * A redirect login (RFC 6749 §4.1 with PKCE): the authorization request's secrets are stored under its
 * `state`, then the browser goes to the AS (or `open` sends a popup there, told the `state`: with PAR the URL no longer
 * carries it). Its answer comes back to flows/callback.ts.
 */
export async function login(ctx: Context, loader: Loader, options: LoginOptions, open?: (url: URL, state: string) => void): Promise<void> {
  const { config, effects } = ctx;
  ctx.alive();
  const extra = extraAuthorizationParams(config.authorizationParams, options.params, ctx.mainResource !== undefined);
  // Step-up (RFC 9470): checked at the callback against the ID token's `acr` and `auth_time`.
  const { acrValues, maxAge } = options;
  if (!(maxAge === undefined || (Number.isSafeInteger(maxAge) && maxAge >= 0)) || !(acrValues === undefined || typeof acrValues === 'string')) {
    throw new TypeError('browser-oauth: login: "maxAge" must be whole seconds, "acrValues" a string');
  }
  ctx.dispatch({ type: 'LOGIN_STARTED' });
  try {
    const as = await discover(config.issuer, ctx.asRequest(config.issuer.href));
    if (as.authorization_endpoint === undefined) throw new OAuthError('discovery_failed', 'No authorization endpoint');
    let url = new URL(as.authorization_endpoint);
    if (!isAllowedProtocol(url, config.allowInsecureLoopback)) throw new OAuthError('insecure_url', 'The authorization endpoint is not https');
    const scope = options.scope ?? config.scope;
    // A new key per login (SECURITY.md 23); the code is bound to it with `dpop_jkt` (RFC 9449 §10).
    const keyPair = usesDPoP(config.dpop, as) ? await generateDPoPKey(as) : undefined;
    const codeVerifier = o.generateRandomCodeVerifier();
    // Tagged with this client, so that another client on the page leaves its callback alone (callback-owner.ts).
    const state = taggedState(config, o.generateRandomState());
    const nonce = hasOpenId(scope) ? o.generateRandomNonce() : undefined;
    const here = effects.location();
    const pending: PendingAuthorization = {
      v: 1,
      issuer: config.issuer.href,
      clientId: config.clientId,
      redirectUri: config.redirectUri.href,
      state,
      codeVerifier,
      ...(nonce !== undefined && { nonce }),
      scope,
      returnTo: safeReturnTo(options.returnTo ?? `${here.pathname}${here.search}${here.hash}`, here.origin),
      createdAt: effects.now(),
      ...(keyPair && { keyPair }),
      as,
      ...(acrValues && !options.acceptOtherAcr && { acr: acrValues }),
      ...(maxAge !== undefined && { maxAge }),
      // The callback page then tells this tab through storage and closes itself (flows/popup.ts).
      ...(open && { popup: true }),
    };
    const params = url.searchParams;
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    if (keyPair) params.set('dpop_jkt', await o.DPoP(ctx.oauthClient(), keyPair).calculateThumbprint());
    params.set('client_id', config.clientId);
    params.set('redirect_uri', config.redirectUri.href);
    params.set('response_type', 'code');
    params.set('scope', scope);
    params.set('state', state);
    // S256 only; `plain` is never offered (SECURITY.md 1).
    params.set('code_challenge', await o.calculatePKCECodeChallenge(codeVerifier));
    params.set('code_challenge_method', 'S256');
    if (nonce !== undefined) params.set('nonce', nonce);
    if (options.prompt !== undefined) params.set('prompt', options.prompt);
    if (options.loginHint !== undefined) params.set('login_hint', options.loginHint);
    if (acrValues) params.set('acr_values', acrValues);
    if (maxAge !== undefined) params.set('max_age', String(maxAge));
    // RFC 8707 §2.1: the grant covers every API that will want a token of its own.
    for (const { resource } of config.resources) if (resource !== undefined) params.append('resource', resource);
    const kv = await ctx.durable();
    if (kv.kind === 'memory') {
      // Memory does not survive the trip to the AS: fail here rather than at the callback.
      throw new OAuthError('storage_unavailable', 'A redirect login needs IndexedDB');
    }
    await prunePending(kv, effects.now()).catch(() => undefined);
    // RFC 9126 (flows/par.ts): the request goes in a POST, the browser only carries its `request_uri`.
    if (usesPar(config.par, as)) url = await pushAuthorizationRequest(ctx, as, url, keyPair);
    // Stored before navigating: the callback may land in another tab or after a restart.
    await kv.set(PENDING_PREFIX + state, pending);
    await (open ? open(url, state) : effects.navigate(url));
  } catch (err) {
    const error = toOAuthError(err);
    await loader.ensureLoaded().catch(() => undefined);
    ctx.dispatch({ type: 'LOGIN_FAILED', error, session: view(ctx.session) });
    throw error;
  }
}

/** Drops abandoned logins so storage does not fill with verifiers. Best effort. */
async function prunePending(kv: KeyValueStore, now: number): Promise<void> {
  const cutoff = now - PENDING_MAX_AGE_MS;
  const stale = (await kv.entries())
    .filter(([key, value]) => key.startsWith(PENDING_PREFIX) && !((value as Partial<PendingAuthorization>)?.createdAt! > cutoff))
    .map(([key]) => key);
  if (stale.length > 0) await kv.delete(stale);
}
