import * as o from 'oauth4webapi';
import { checkExtraParams, extraAuthorizationParams } from './authorization-params.js';
import { discover } from './discovery.js';
import { asRequestKind, doctorHint, type FailedRequest } from './doctor-hint.js';
import { DPoPNonces, generateDPoPKey, retryOnNonce, usesDPoP } from './dpop.js';
import { OAuthError, redact, toOAuthError } from './errors.js';
import { grantRefusal } from './grant-failure.js';
import { boundedFetch, type FetchLike } from './http.js';
import { withIdTokenAlgorithms } from './id-token-alg.js';
import { LOGOUT_KEY, logoutReturn, withoutState, type PendingLogout } from './logout-return.js';
import { initialState, transition, type AuthEvent, type SessionView } from './machine.js';
import {
  decodePending,
  decodeSession,
  lifetimeMs,
  NONCES_KEY,
  PENDING_PREFIX,
  readSession,
  identityClaims,
  sameAuthentication,
  SESSION_KEY,
  type PendingAuthorization,
  type ResourceToken,
  type StoredSession,
} from './session.js';
import { memoryStore, openStore, type KeyValueStore, type OpenedStore } from './storage.js';
import { browserTabs, type Tabs } from './tabs.js';
import type { AuthState, LoginOptions, LogoutOptions, OAuthClient, OAuthClientOptions, RedirectResult, User } from './types.js';
import {
  configUrl,
  isAllowedProtocol,
  isAtRedirectUri,
  isLoopback,
  matchResource,
  parseResources,
  safeReturnTo,
  withoutCallbackParams,
  type ResourcePrefix,
} from './url.js';

/** Validated, normalised options. */
export interface ClientConfig {
  readonly issuer: URL;
  readonly clientId: string;
  readonly redirectUri: URL;
  readonly scope: string;
  readonly resources: readonly ResourcePrefix[];
  readonly postLogoutRedirectUri?: URL;
  readonly storage: 'indexeddb' | 'memory';
  readonly allowInsecureLoopback: boolean;
  readonly timeout: number;
  readonly maxResponseBytes: number;
  readonly clockSkew: number;
  readonly idTokenSigningAlg?: string;
  readonly dpop?: boolean;
  /** Extra parameters of every authorization request (checked: none of the SDK's own). */
  readonly authorizationParams: Readonly<Record<string, string>>;
  /** Name of the IndexedDB database, the Web Lock and the BroadcastChannel of this (issuer, client). */
  readonly name: string;
}

/** Everything the client does to the outside world; tests replace them. */
export interface Effects {
  fetch: FetchLike;
  now(): number;
  /** Opens IndexedDB (memory when unavailable); the read that proves it works is of `read`, whose values it returns. */
  openStore(config: ClientConfig, onFallback: (error: OAuthError) => void, read?: readonly string[]): Promise<OpenedStore>;
  tabs(config: ClientConfig, store: () => Promise<KeyValueStore>): Tabs;
  location(): URL;
  /** Rewrites the address bar without navigating (removes the callback parameters). */
  replaceLocation(url: URL): void;
  navigate(url: URL): void;
  setTimer(task: () => void, ms: number): () => void;
  /** Calls `task` when the tab may have slept: visible again, restored from bfcache, resumed, online. */
  onWake(task: () => void): () => void;
  sleep(ms: number): Promise<void>;
  random(): number;
  warn(message: string, error?: OAuthError): void;
}

/** Pending logins older than this are abandoned (the AS's own interaction expires sooner). */
const PENDING_MAX_AGE_MS = 60 * 60 * 1000;
/** Tries of a refresh that failed transiently (network, 5xx, timeout), with these pauses between them. */
const REFRESH_RETRY_DELAYS_MS = [250, 1000];
/**
 * The longest one bounded refresh holds the cross-tab lock: every try may take two requests (a DPoP nonce
 * retry) of `timeout` each, plus the pauses with their jitter, plus a margin for storage.
 */
export const refreshHoldMs = (timeout: number): number =>
  (REFRESH_RETRY_DELAYS_MS.length + 1) * 2 * timeout + 1.5 * REFRESH_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) + 5_000;
/** Leeway before expiry: a fifth of the token's lifetime, at most a minute (never a refresh loop). */
const MAX_LEEWAY_MS = 60_000;
/** The renewal timer never fires sooner than this after it is set. */
const MIN_TIMER_MS = 2000;

const TRANSIENT = new Set(['network', 'timeout', 'server_error']);
/**
 * `storage_corrupt`: the stored record was not ours and is deleted; this tab's copy must not outlive it.
 * `invalid_client`: a 4xx from the token endpoint, so the refresh token will not work again (grant-failure.ts).
 */
const ENDS_SESSION = new Set(['invalid_grant', 'invalid_client', 'id_token_mismatch', 'login_required', 'storage_corrupt']);

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`browser-oauth: "${option}" must be a positive number`);
  return value;
}

/** Validates the options; every mistake is a `TypeError` at creation, not a surprise at login. */
export function resolveConfig(options: OAuthClientOptions): ClientConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('browser-oauth: options are required');
  const loopback = options.allowInsecureLoopback === true;
  const issuer = configUrl(options.issuer, 'issuer', loopback);
  if (issuer.search !== '') throw new TypeError('browser-oauth: "issuer" must not have a query');
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('browser-oauth: "clientId" must be a non-empty string');
  const scope = options.scope ?? 'openid';
  if (typeof scope !== 'string' || scope.trim() === '') throw new TypeError('browser-oauth: "scope" must be a non-empty string');
  if (options.storage !== undefined && options.storage !== 'indexeddb' && options.storage !== 'memory') {
    throw new TypeError('browser-oauth: "storage" must be "indexeddb" or "memory"');
  }
  const resources = parseResources(options.resources, loopback);
  const config: ClientConfig = {
    // The issuer is compared byte for byte with the metadata's, so keep it exactly as given.
    issuer: new URL(options.issuer),
    clientId: options.clientId,
    redirectUri: configUrl(options.redirectUri, 'redirectUri', loopback),
    scope,
    resources,
    authorizationParams: checkExtraParams(options.authorizationParams, 'authorizationParams', resources[0]?.resource !== undefined),
    storage: options.storage ?? 'indexeddb',
    allowInsecureLoopback: loopback,
    timeout: positive(options.timeout, 10_000, 'timeout'),
    maxResponseBytes: positive(options.maxResponseBytes, 1024 * 1024, 'maxResponseBytes'),
    clockSkew: options.clockSkew ?? 0,
    name: `browser-oauth:${options.issuer}:${options.clientId}`,
  };
  return {
    ...config,
    ...(options.postLogoutRedirectUri !== undefined && { postLogoutRedirectUri: configUrl(options.postLogoutRedirectUri, 'postLogoutRedirectUri', loopback) }),
    ...(options.idTokenSigningAlg !== undefined && { idTokenSigningAlg: options.idTokenSigningAlg }),
    ...(options.dpop !== undefined && { dpop: options.dpop === true }),
  };
}

const hasOpenId = (scope: string): boolean => scope.split(' ').includes('openid');
const view = (session: StoredSession | null): SessionView | null =>
  // Sessions stored before protocol claims were dropped still carry them: filter on the way out too.
  session && { user: identityClaims(session.claims ?? {}), expiresAt: session.expiresAt, tokenType: session.tokenType };

/** The callback's checks are oauth4webapi's; this only names which one failed. */
function callbackError(err: unknown): OAuthError {
  if (err instanceof o.OperationProcessingError) {
    if (err.message.includes('"iss"')) return new OAuthError('issuer_mismatch', 'The callback is not from the configured issuer', { cause: redact(err) });
    if (err.message.includes('"state"')) return new OAuthError('state_mismatch', 'The callback state does not match this login', { cause: redact(err) });
    return new OAuthError('invalid_callback', 'The callback is not a valid authorization response', { cause: redact(err) });
  }
  if (err instanceof o.UnsupportedOperationError) {
    return new OAuthError('invalid_callback', 'Only the authorization code flow is accepted', { cause: redact(err) });
  }
  return toOAuthError(err);
}

/** Builds the client around injected effects; {@link createOAuthClient} supplies the browser's. */
export function createClientWith(config: ClientConfig, effects: Effects): OAuthClient {
  let state: AuthState = initialState;
  const listeners = new Set<(state: AuthState) => void>();
  /** This tab's copy of the stored session: the hot path (every `fetch`) never touches IndexedDB. */
  let session: StoredSession | null = null;
  /**
   * A session storage refused after the AS had rotated its refresh token (issue 14, defect 1): newer than
   * any stored record, so none may replace it here, until a later write stores it (or the session ends).
   */
  let unstored: StoredSession | null = null;
  let storePromise: Promise<KeyValueStore> | undefined;
  let tabs: Tabs | undefined;
  let loaded: Promise<void> | undefined;
  let initialized: Promise<RedirectResult | undefined> | undefined;
  /** The refresh in flight in this tab, per resource indicator ('' for the session's own token). */
  const renewals = new Map<string, Promise<StoredSession>>();
  let cancelTimer: (() => void) | undefined;
  let failedRenewals = 0;
  const callbacks = new Map<string, Promise<RedirectResult>>();
  /** With resource indicators, the first entry's token is the session's own (see ResourceOption). */
  const mainResource = config.resources[0]?.resource;
  const cleanups: Array<() => void> = [];
  let destroyed = false;

  const nonces = new DPoPNonces((origin, nonce) => {
    channel().post({ type: 'dpop-nonce', origin, nonce });
    void durable()
      .then((kv) => kv.set(NONCES_KEY, nonces.entries()))
      .catch(() => undefined);
  });
  /** Every response may carry a DPoP nonce for its origin's next proof. */
  const learning =
    (fetchImpl: FetchLike): FetchLike =>
    async (input, init) => {
      const response = await fetchImpl(input, init);
      nonces.learn(String(input instanceof Request ? input.url : input), response);
      return response;
    };
  const hinted = new Set<FailedRequest>();
  /** In development, a network failure gets a warning that names the doctor's rows for it (once per kind). */
  const diagnosing =
    (fetchImpl: FetchLike, kind: (url: string, init?: RequestInit) => FailedRequest): FetchLike =>
    async (input, init) => {
      try {
        return await fetchImpl(input, init);
      } catch (err) {
        const which = kind(String(input instanceof Request ? input.url : input), init);
        const hint = err instanceof TypeError && !hinted.has(which) ? doctorHint(which, config, effects.location()) : undefined;
        if (hint) {
          hinted.add(which);
          effects.warn(hint);
        }
        throw err;
      }
    };
  const asFetch = learning(
    boundedFetch(
      diagnosing(effects.fetch, (url, init) => asRequestKind(url, init?.body)),
      { timeout: config.timeout, maxBytes: config.maxResponseBytes },
    ),
  );
  const resourceFetch = learning(diagnosing(effects.fetch, () => 'resource'));

  function dispatch(event: AuthEvent): void {
    const next = transition(state, event);
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) {
      try {
        listener(state);
      } catch (err) {
        // A broken subscriber must not stop the others or the SDK; surface it like an uncaught error.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  function alive(): void {
    if (destroyed) throw new OAuthError('destroyed', 'This client was destroyed');
  }

  /** Opens IndexedDB; the transaction that proves it works reads `read` (see readStored). */
  function open(read?: readonly string[]): Promise<OpenedStore> {
    const opened = effects.openStore(config, (error) => effects.warn('IndexedDB is unavailable; the session lives in this tab only', error), read);
    storePromise = opened.then((o) => o.store);
    return opened;
  }
  /** IndexedDB, or memory when it is unavailable: pending logins always live here. */
  const durable = (): Promise<KeyValueStore> => storePromise ?? open().then((o) => o.store);
  let memorySessions: Promise<KeyValueStore> | undefined;
  /** Where the session lives: `storage: 'memory'` keeps tokens out of IndexedDB altogether. */
  const store = (): Promise<KeyValueStore> =>
    config.storage === 'memory' ? (memorySessions ??= Promise.resolve(memoryStore())) : durable();

  function channel(): Tabs {
    if (!tabs) {
      tabs = effects.tabs(config, durable);
      cleanups.push(
        tabs.listen((message) =>
          message.type === 'dpop-nonce' ? nonces.set(message.origin, message.nonce) : void (message.type === 'logged-out' ? loggedOutElsewhere() : reload()),
        ),
      );
      tabs.onLeader(() => scheduleRenewal());
    }
    return tabs;
  }

  /** oauth4webapi's options for a request to `endpoint` of the AS. */
  function asRequest(endpoint: string | undefined): o.HttpRequestOptions<'POST', URLSearchParams> & o.HttpRequestOptions<'GET'> {
    const options: o.HttpRequestOptions<'POST', URLSearchParams> = { [o.customFetch]: asFetch as never };
    // SECURITY.md 27: plain http only to a loopback host, and only when the app opted in.
    if (endpoint !== undefined && config.allowInsecureLoopback) {
      const url = new URL(endpoint);
      if (url.protocol === 'http:' && isLoopback(url)) options[o.allowInsecureRequests] = true;
    }
    return options as never;
  }

  function oauthClient(): o.Client {
    // Without `idTokenSigningAlg`, the ID token's `alg` is checked against the AS's list, `none` and `HS*`
    // removed (withIdTokenAlgorithms: the metadata passed to every response processing).
    const alg = config.idTokenSigningAlg;
    return { client_id: config.clientId, ...(alg !== undefined && { id_token_signed_response_alg: alg }), [o.clockSkew]: config.clockSkew };
  }

  /** Warns when a server asks for a DPoP nonce the browser cannot read (it is then retried without one). */
  const hiddenNonce = (who: string) => () =>
    effects.warn(`${who} asked for a DPoP nonce that CORS hides: it must send "Access-Control-Expose-Headers: DPoP-Nonce"`);
  const asNonceHidden = hiddenNonce('The authorization server');

  const metadata = (): Promise<o.AuthorizationServer> => discover(config.issuer, asRequest(config.issuer.href));

  function leeway(t: ResourceToken): number {
    return Math.min(MAX_LEEWAY_MS, (t.expiresAt - t.issuedAt) / 5);
  }
  const isDue = (t: ResourceToken): boolean => effects.now() >= t.expiresAt - leeway(t);

  /**
   * The stored session and DPoP nonces, read in one IndexedDB transaction; at start, when IndexedDB is not
   * open yet, in the very transaction that proves it works. The first token after a reload waits on each
   * round trip: three sequential transactions (probe, session, nonces) became one.
   */
  async function readStored(): Promise<unknown[]> {
    const keys = [SESSION_KEY, NONCES_KEY];
    if (config.storage === 'indexeddb' && !storePromise) {
      const { values } = await open(keys);
      if (values) return values;
    }
    return (await store()).getMany(keys);
  }

  /**
   * Another tab logged out. A shared store was wiped there: re-read it. A store of this tab's own
   * (`storage: 'memory'`, or memory after IndexedDB failed) still holds this tab's session: drop it and
   * revoke its refresh token, as the logging-out tab did with its own (issue 14, defect 2; SECURITY.md 25).
   */
  async function loggedOutElsewhere(): Promise<void> {
    const kv = await store();
    if (kv.kind !== 'memory') {
      // A session only this tab holds was not the logging-out tab's to revoke.
      const held = unstored;
      unstored = null;
      await reload();
      return revoke(held);
    }
    const current = session;
    session = null;
    scheduleRenewal();
    await kv.clear().catch(() => undefined);
    dispatch({ type: 'SIGNED_OUT' });
    await revoke(current);
  }

  /** Revokes the session's refresh token, best effort: a wipe already happened and stands. */
  async function revoke(current: StoredSession | null): Promise<void> {
    if (!current?.refreshToken || !current.as.revocation_endpoint) return;
    try {
      const response = await o.revocationRequest(current.as, oauthClient(), o.None(), current.refreshToken, asRequest(current.as.revocation_endpoint));
      await o.processRevocationResponse(response);
    } catch (err) {
      const error = toOAuthError(err);
      if (error.status !== undefined && error.status >= 400 && error.status < 500) {
        // Glewlwyd, for one, answers 401 to every public client: nothing the app can change.
        effects.warn(`The authorization server refused to revoke the refresh token (${error.status}): a limit of the server; the session was wiped all the same`, error);
      } else {
        effects.warn('Revoking the refresh token failed', error);
      }
    }
  }

  /** The session to use: `stored`, unless this tab holds a newer one that storage refused. */
  function newest(stored: StoredSession | undefined | null): StoredSession | null {
    // A record written after it (another tab's new login) wins; one written before holds a spent token.
    if (unstored && stored && stored.issuedAt > unstored.issuedAt) unstored = null;
    return unstored ?? stored ?? null;
  }

  /** Reads the stored session into this tab (start, wake-up, or news from another tab). */
  async function reload(): Promise<void> {
    if (destroyed) return;
    try {
      const [stored, storedNonces] = await readStored();
      session = newest(decodeSession(stored, config.issuer.href, config.clientId));
      if (session?.keyPair) {
        // With `storage: 'memory'` the nonces still live in IndexedDB (they are public), read only for a DPoP session.
        const saved = config.storage === 'memory' ? await (await durable()).get(NONCES_KEY) : storedNonces;
        if (typeof saved === 'object' && saved !== null) {
          for (const [origin, nonce] of Object.entries(saved)) if (typeof nonce === 'string') nonces.set(origin, nonce);
        }
      }
    } catch (err) {
      const error = toOAuthError(err, 'storage_unavailable');
      if (error.code === 'storage_corrupt') {
        // Foreign or damaged data is not a session; remove it so it cannot be half-used later.
        session = unstored;
        await storePromise?.then((s) => s.delete([SESSION_KEY])).catch(() => undefined);
      }
      if (!session) {
        scheduleRenewal();
        dispatch({ type: 'SIGNED_OUT', error });
        return;
      }
      effects.warn('Reading the session failed; keeping this tab\u2019s copy', error);
    }
    scheduleRenewal();
    dispatch({ type: 'SESSION_LOADED', session: view(session) });
  }

  const ensureLoaded = (): Promise<void> => (loaded ??= reload());

  /** Proactive renewal, by the leader tab only; the others renew on demand and when they wake. */
  function scheduleRenewal(): void {
    cancelTimer?.();
    cancelTimer = undefined;
    if (destroyed || !session?.refreshToken || !channel().isLeader()) return;
    const backoff = failedRenewals === 0 ? 0 : Math.min(60_000, 5000 * 2 ** (failedRenewals - 1));
    const delay = Math.max(MIN_TIMER_MS, session.expiresAt - leeway(session) - effects.now(), backoff);
    cancelTimer = effects.setTimer(() => {
      cancelTimer = undefined;
      if (session && isDue(session)) renew(null).catch(() => undefined);
      else scheduleRenewal();
    }, delay);
  }

  /** Turns a token response into the session to store; `previous` is the session being refreshed. */
  function sessionFrom(
    as: o.AuthorizationServer,
    result: o.TokenEndpointResponse,
    receivedAt: number,
    scope: string,
    keyPair: CryptoKeyPair | undefined,
    previous?: StoredSession,
  ): StoredSession {
    // RFC 9449 §5: a proof was sent, so anything but a DPoP-bound token is a downgrade: discard it.
    if (keyPair && result.token_type !== 'dpop') throw new OAuthError('dpop_downgrade', 'A DPoP proof was sent but the token is not DPoP-bound');
    if (!keyPair && result.token_type !== 'bearer') {
      throw new OAuthError('invalid_response', 'The token response has an unexpected token_type');
    }
    const claims = o.getValidatedIdTokenClaims(result) as User | undefined;
    // OIDC Core §3.1.3.7(5): oauth4webapi checks `azp` only when `aud` has several values.
    if (claims?.azp !== undefined && claims.azp !== config.clientId) {
      throw new OAuthError('invalid_id_token', 'The ID token was issued to another authorized party');
    }
    if (claims && previous?.claims && !sameAuthentication(previous.claims, claims)) {
      throw new OAuthError('id_token_mismatch', 'The refreshed ID token is for another user or authentication');
    }
    const lifetime = lifetimeMs(result.expires_in);
    const refreshToken = result.refresh_token ?? previous?.refreshToken;
    const idToken = result.id_token ?? previous?.idToken;
    const user = claims ? identityClaims(claims) : previous?.claims;
    return {
      v: 1,
      issuer: config.issuer.href,
      clientId: config.clientId,
      accessToken: result.access_token,
      tokenType: keyPair ? 'dpop' : 'bearer',
      ...(keyPair && { keyPair }),
      issuedAt: receivedAt,
      expiresAt: receivedAt + lifetime,
      ...(refreshToken !== undefined && { refreshToken }),
      ...(idToken !== undefined && { idToken }),
      ...(user !== undefined && { claims: user }),
      scope: result.scope ?? previous?.scope ?? scope,
      as,
      ...(previous?.resourceTokens && { resourceTokens: previous.resourceTokens }),
    };
  }

  /**
   * The token of `resource` in `s`: the session's own for the first `resources` entry (or when there are
   * no indicators, `resource` undefined), else the one stored for that indicator, if any yet.
   */
  const tokenOf = (s: StoredSession, resource: string | undefined): ResourceToken | undefined =>
    resource === undefined ? s : s.resourceTokens?.[resource];

  /** RFC 8707 parameters of a token request for `resource` (the first entry's when undefined). */
  function resourceParams(resource: string | undefined, refresh: boolean): Record<string, string> {
    const entry = config.resources.find((r) => r.resource === (resource ?? mainResource));
    if (entry?.resource === undefined) return {};
    // `scope` on a refresh only (RFC 6749 §6); a code exchange has none.
    return { resource: entry.resource, ...(refresh && entry.scope !== undefined && { scope: entry.scope }) };
  }

  /**
   * One refresh-token grant, retried on transient faults; runs inside the cross-tab lock. For another
   * resource's token (`resource` set), the response's access token is stored under that indicator and
   * everything else of the session (its own token included) is kept; the refresh token rotates all the same.
   */
  async function refreshGrant(
    kv: KeyValueStore,
    current: StoredSession & { refreshToken: string },
    resource: string | undefined,
    confirm: () => Promise<void>,
  ): Promise<StoredSession> {
    const { as } = current;
    const client = oauthClient();
    for (let attempt = 0; ; attempt++) {
      try {
        const { keyPair } = current;
        // A fresh proof on every try; a `use_dpop_nonce` answer is retried once with the new nonce.
        const result = await retryOnNonce(async () => {
          const options = {
            ...asRequest(as.token_endpoint),
            additionalParameters: resourceParams(resource, true),
            ...(keyPair && { DPoP: nonces.handle(client, keyPair) }),
          };
          // Still this tab's turn? A lease may have lapsed while this tab was frozen (issue 14, defect 7).
          await confirm();
          const response = await o.refreshTokenGrantRequest(as, client, o.None(), current.refreshToken, options);
          return o.processRefreshTokenResponse(withIdTokenAlgorithms(as), client, response);
        }, asNonceHidden);
        const fresh = sessionFrom(as, result, effects.now(), current.scope ?? config.scope, keyPair, current);
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
        // Rotation (SECURITY.md 14): the new record replaces the old in one write, and only if the
        // session was not wiped (logout) or replaced (a new login) meanwhile.
        const spent = current.refreshToken;
        const holdsSpent = (stored: unknown) => (stored as StoredSession | undefined)?.refreshToken === spent;
        const wrote = await kv
          // The stored record is this grant's, or gone because this tab's last write failed (see below).
          .replaceIf(SESSION_KEY, (stored) => holdsSpent(stored) || (stored === undefined && current === unstored), next)
          .then((ok) => {
            if (ok) unstored = null;
            return ok;
          })
          .catch(async (err: unknown) => {
            // The AS has already rotated: losing `next` would lose the session, so this tab keeps it. The
            // stored record holds a spent token that no tab may present again (reuse detection would end the
            // grant everywhere): remove it; other tabs then read no session (issue 14, defect 1).
            unstored = next;
            const removed = await kv.replaceIf(SESSION_KEY, holdsSpent, undefined).catch(() => false);
            effects.warn(
              removed
                ? 'The refreshed session could not be stored; it lives in this tab only, other tabs sign out'
                : 'The refreshed session could not be stored, nor the stale one removed; it lives in this tab only',
              toOAuthError(err, 'storage_unavailable'),
            );
            return true;
          });
        if (!wrote) {
          // A logout (or a new login) in another tab won the race: it revoked what it had, not the refresh
          // token this grant just received. Revoke that too, or it stays live where the AS does not revoke
          // the whole family (issue 14, defect 6).
          if (next.refreshToken !== spent) await revoke(next);
          throw new OAuthError('login_required', 'The session ended while it was being refreshed');
        }
        return next;
      } catch (err) {
        const error = grantRefusal(toOAuthError(err));
        const delay = REFRESH_RETRY_DELAYS_MS[attempt];
        if (!TRANSIENT.has(error.code) || delay === undefined) throw error;
        await effects.sleep(delay * (1 + effects.random() / 2));
      }
    }
  }

  /**
   * A fresh session, shared by every caller in this tab and, through the lock, in every tab.
   * `rejected` is a token a resource refused: replace it even if it does not look expired. `resource`
   * names another `resources` entry whose token is wanted (undefined: the session's own).
   */
  function renew(rejected: string | null, resource?: string): Promise<StoredSession> {
    const slot = resource ?? '';
    const inFlight = renewals.get(slot);
    if (inFlight) return inFlight;
    dispatch({ type: 'REFRESH_STARTED' });
    const run = (async () => {
      try {
        const next = await channel().withLock(async (confirm) => {
          const kv = await store();
          // Another tab may have refreshed (or logged out) while this one waited for the lock.
          const current = newest(await readSession(kv, config.issuer.href, config.clientId, () => channel().post({ type: 'session-changed' })));
          if (!current) throw new OAuthError('login_required', 'Not signed in');
          const token = tokenOf(current, resource);
          if (token && !isDue(token) && token.accessToken !== rejected) return current;
          if (current.refreshToken === undefined) {
            // Without a refresh token the session's own token simply ends; another resource's token
            // cannot be had at all, but the session stays.
            if (resource === undefined) throw new OAuthError('login_required', 'The access token expired and there is no refresh token');
            throw new OAuthError('refresh_token_required', 'A token for this resource needs a refresh token (ask for offline_access)');
          }
          try {
            const refreshed = await refreshGrant(kv, current as StoredSession & { refreshToken: string }, resource, confirm);
            channel().post({ type: 'session-changed' });
            return refreshed;
          } catch (err) {
            const error = toOAuthError(err);
            if (ENDS_SESSION.has(error.code)) {
              // SECURITY.md 16: the grant is gone; wipe it for every tab, never retry.
              await kv.replaceIf(SESSION_KEY, (stored) => (stored as StoredSession | undefined)?.refreshToken === current.refreshToken, undefined).catch(() => undefined);
              channel().post({ type: 'session-changed' });
            }
            throw error;
          }
        });
        session = next;
        failedRenewals = 0;
        scheduleRenewal();
        dispatch({ type: 'REFRESH_SUCCEEDED', session: view(next)! });
        return next;
      } catch (err) {
        const error = toOAuthError(err);
        if (ENDS_SESSION.has(error.code)) {
          session = unstored = null;
          failedRenewals = 0;
        } else if (resource === undefined) {
          failedRenewals++;
        }
        scheduleRenewal();
        dispatch({ type: 'REFRESH_FAILED', error, session: view(session) });
        throw error;
      } finally {
        renewals.delete(slot);
      }
    })();
    renewals.set(slot, run);
    return run;
  }

  /** An access token with the DPoP key it is bound to (none: Bearer). */
  interface BoundToken {
    readonly token: string;
    readonly keyPair: CryptoKeyPair | undefined;
  }

  /**
   * A usable token of `resource` and the key it is bound to, both from one session record: the key is
   * never looked up again later, when another tab's news or a logout may have replaced the session
   * (issue 14, defect 5: the token would go out as Bearer without its proof).
   */
  async function accessToken(forceRefresh: boolean, rejected?: string, resource?: string): Promise<BoundToken> {
    alive();
    await ensureLoaded();
    const current = session;
    if (!current) throw new OAuthError('login_required', 'Not signed in');
    const cached = tokenOf(current, resource);
    if (cached && !forceRefresh && rejected === undefined && !isDue(cached)) return { token: cached.accessToken, keyPair: current.keyPair };
    const target = rejected ?? (forceRefresh && cached ? cached.accessToken : null);
    let next = await renew(target, resource);
    // Joined a renewal that was started for another reason and kept the token we must replace.
    if (target !== null && tokenOf(next, resource)?.accessToken === target) next = await renew(target, resource);
    const token = tokenOf(next, resource);
    if (!token) throw new OAuthError('login_required', 'Not signed in');
    return { token: token.accessToken, keyPair: next.keyPair };
  }

  async function completeRedirect(url: URL): Promise<RedirectResult> {
    const here = effects.location();
    if (url.href === here.href) effects.replaceLocation(withoutCallbackParams(here));
    dispatch({ type: 'CALLBACK_STARTED' });
    try {
      if (!isAtRedirectUri(url, config.redirectUri)) {
        throw new OAuthError('invalid_callback', 'This URL is not the configured redirect URI');
      }
      const states = url.searchParams.getAll('state');
      if (states.length !== 1 || states[0] === '') {
        throw new OAuthError('state_mismatch', states.length > 1 ? 'The callback has more than one state' : 'The callback has no state');
      }
      // Consumed before anything else happens: a reloaded or replayed callback finds nothing (SECURITY.md 4).
      const raw = await (await durable()).take(PENDING_PREFIX + states[0]);
      if (raw === undefined) {
        throw new OAuthError('state_mismatch', 'No login in progress matches this callback (forged, replayed, or started elsewhere)');
      }
      const pending: PendingAuthorization = decodePending(raw, config.issuer.href, config.clientId);
      if (pending.redirectUri !== config.redirectUri.href) {
        throw new OAuthError('invalid_callback', 'The login was started with another redirect URI');
      }
      const { as } = pending;
      const client = oauthClient();
      let params: URLSearchParams;
      try {
        // The stored state and the stored metadata (for `iss`): never values from the URL (SECURITY.md 2, 6).
        params = o.validateAuthResponse(as, client, url.searchParams, pending.state);
      } catch (err) {
        throw callbackError(err);
      }
      // oauth4webapi refuses `id_token`/`token` (implicit, hybrid); anything else without a code is not ours either.
      if (!params.get('code')) throw new OAuthError('invalid_callback', 'The callback has no authorization code');
      const { keyPair } = pending;
      const result = await retryOnNonce(async () => {
        const options = {
          ...asRequest(as.token_endpoint),
          additionalParameters: resourceParams(undefined, false),
          ...(keyPair && { DPoP: nonces.handle(client, keyPair) }),
        };
        const response = await o.authorizationCodeGrantRequest(as, client, o.None(), params, pending.redirectUri, pending.codeVerifier, options);
        return o.processAuthorizationCodeResponse(withIdTokenAlgorithms(as), client, response, {
          expectedNonce: pending.nonce ?? o.expectNoNonce,
          requireIdToken: hasOpenId(pending.scope),
        });
      }, asNonceHidden).catch((err: unknown) => {
        // A 4xx: the code is spent or refused for good; say so with one code whatever the body.
        throw grantRefusal(toOAuthError(err));
      });
      const next = sessionFrom(as, result, effects.now(), pending.scope, keyPair);
      await (await store()).set(SESSION_KEY, next);
      session = next;
      unstored = null;
      loaded ??= Promise.resolve();
      failedRenewals = 0;
      channel().post({ type: 'session-changed' });
      scheduleRenewal();
      dispatch({ type: 'CALLBACK_SUCCEEDED', session: view(next)! });
      return { returnTo: pending.returnTo };
    } catch (err) {
      const error = toOAuthError(err);
      // Whatever session was stored before is untouched; show it again.
      await ensureLoaded().catch(() => undefined);
      dispatch({ type: 'CALLBACK_FAILED', error, session: view(session) });
      throw error;
    }
  }

  /** Back from the AS's end-session endpoint: check the state it gives back, and take it off the address bar. */
  async function endSessionReturned(here: URL): Promise<void> {
    try {
      const kv = await durable();
      const outcome = logoutReturn(here, await kv.get(LOGOUT_KEY), effects.now());
      if (outcome === undefined) return;
      await kv.delete([LOGOUT_KEY]);
      if (outcome === 'returned') effects.replaceLocation(withoutState(here));
      else effects.warn('The end-session return carries a state this app did not send; left alone');
    } catch {
      // Unreadable storage: the state is only a convenience here, the sign-out itself is done.
    }
  }

  /** Drops abandoned logins so storage does not fill with verifiers. Best effort. */
  async function prunePending(kv: KeyValueStore): Promise<void> {
    const cutoff = effects.now() - PENDING_MAX_AGE_MS;
    const stale = (await kv.entries())
      .filter(([key, value]) => key.startsWith(PENDING_PREFIX) && !((value as Partial<PendingAuthorization>)?.createdAt! > cutoff))
      .map(([key]) => key);
    if (stale.length > 0) await kv.delete(stale);
  }

  const client: OAuthClient = {
    get state() {
      return state;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    init() {
      try {
        alive();
      } catch (err) {
        return Promise.reject(err);
      }
      return (initialized ??= (async () => {
        const here = effects.location();
        const callback = isAtRedirectUri(here, config.redirectUri) && (here.searchParams.has('code') || here.searchParams.has('error'));
        // Opening IndexedDB is the longest step before a reload's first token: start it first. The channel
        // below listens before the session can even be read (the read waits for the open), so no news is missed.
        const loading = callback ? undefined : ensureLoaded();
        channel();
        cleanups.push(
          effects.onWake(() => {
            // Back from the AS page (bfcache) without finishing the login: show the session again.
            if (state.status === 'authorizing') dispatch({ type: 'LOGIN_ABANDONED', session: view(session) });
            void reload().then(() => {
              if (session && isDue(session)) renew(null).catch(() => undefined);
            });
          }),
        );
        if (callback) {
          // Errors are in `state`; init() itself never rejects for a bad callback.
          return client.handleRedirect(here).catch(() => undefined);
        }
        await loading;
        if (here.searchParams.has('state')) await endSessionReturned(here);
        if (session && isDue(session)) renew(null).catch(() => undefined);
        return undefined;
      })());
    },

    async login(options: LoginOptions = {}) {
      alive();
      const extra = extraAuthorizationParams(config.authorizationParams, options.params, mainResource !== undefined);
      dispatch({ type: 'LOGIN_STARTED' });
      try {
        const as = await metadata();
        if (as.authorization_endpoint === undefined) throw new OAuthError('discovery_failed', 'The authorization server has no authorization endpoint');
        const url = new URL(as.authorization_endpoint);
        if (!isAllowedProtocol(url, config.allowInsecureLoopback)) throw new OAuthError('insecure_url', 'The authorization endpoint is not https');
        const scope = options.scope ?? config.scope;
        // A new key per login (SECURITY.md 23); the code is bound to it with `dpop_jkt` (RFC 9449 §10).
        const keyPair = usesDPoP(config.dpop, as) ? await generateDPoPKey(as) : undefined;
        const codeVerifier = o.generateRandomCodeVerifier();
        const stateValue = o.generateRandomState();
        const nonce = hasOpenId(scope) ? o.generateRandomNonce() : undefined;
        const here = effects.location();
        const pending: PendingAuthorization = {
          v: 1,
          issuer: config.issuer.href,
          clientId: config.clientId,
          redirectUri: config.redirectUri.href,
          state: stateValue,
          codeVerifier,
          ...(nonce !== undefined && { nonce }),
          scope,
          returnTo: safeReturnTo(options.returnTo ?? `${here.pathname}${here.search}${here.hash}`, here.origin),
          createdAt: effects.now(),
          ...(keyPair && { keyPair }),
          as,
        };
        for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
        if (keyPair) url.searchParams.set('dpop_jkt', await o.DPoP(oauthClient(), keyPair).calculateThumbprint());
        url.searchParams.set('client_id', config.clientId);
        url.searchParams.set('redirect_uri', config.redirectUri.href);
        url.searchParams.set('response_type', 'code');
        url.searchParams.set('scope', scope);
        url.searchParams.set('state', stateValue);
        // S256 only; `plain` is never offered (SECURITY.md 1).
        url.searchParams.set('code_challenge', await o.calculatePKCECodeChallenge(codeVerifier));
        url.searchParams.set('code_challenge_method', 'S256');
        if (nonce !== undefined) url.searchParams.set('nonce', nonce);
        if (options.prompt !== undefined) url.searchParams.set('prompt', options.prompt);
        if (options.loginHint !== undefined) url.searchParams.set('login_hint', options.loginHint);
        // RFC 8707 §2.1: the grant covers every API that will want a token of its own.
        for (const { resource } of config.resources) if (resource !== undefined) url.searchParams.append('resource', resource);
        const kv = await durable();
        if (kv.kind === 'memory') {
          // Memory does not survive the trip to the AS: fail here rather than at the callback.
          throw new OAuthError('storage_unavailable', 'IndexedDB is unavailable, and a redirect login needs it to survive the page change');
        }
        await prunePending(kv).catch(() => undefined);
        // Stored before navigating: the callback may land in another tab or after a restart.
        await kv.set(PENDING_PREFIX + stateValue, pending);
        effects.navigate(url);
      } catch (err) {
        const error = toOAuthError(err);
        await ensureLoaded().catch(() => undefined);
        dispatch({ type: 'LOGIN_FAILED', error, session: view(session) });
        throw error;
      }
    },

    handleRedirect(input) {
      let url: URL;
      try {
        alive();
        const here = effects.location();
        url = new URL(input ?? here.href, here.href);
      } catch (err) {
        return Promise.reject(err instanceof TypeError ? new OAuthError('invalid_callback', 'The callback is not a URL') : err);
      }
      // React StrictMode and double init() run this twice: share one exchange per URL (the AS
      // revokes every token of a grant whose code is used twice).
      let pending = callbacks.get(url.href);
      if (!pending) {
        pending = completeRedirect(url);
        callbacks.set(url.href, pending);
      }
      return pending;
    },

    async getAccessToken(options = {}) {
      const { resource } = options;
      if (resource !== undefined && !config.resources.some((r) => r.resource === resource)) {
        throw new TypeError('browser-oauth: getAccessToken: "resource" is not a configured resource indicator');
      }
      return (await accessToken(options.forceRefresh === true, undefined, resource === mainResource ? undefined : resource)).token;
    },

    async fetch(input, init) {
      alive();
      const target = new URL(input instanceof Request ? input.url : String(input), effects.location());
      const prefix = matchResource(target, config.resources);
      // Anything that is not a configured resource goes out untouched: no token, no header.
      if (!prefix) return effects.fetch(input, init);
      // Under a prefix for the URL parser, elsewhere for a server that decodes `%2f` or drops `;…`: refuse
      // loudly rather than send it bare, which would hide the app's bug (SECURITY.md 18).
      if (prefix === 'ambiguous') {
        throw new OAuthError('unsafe_resource_path', 'Path leaves its resource once decoded');
      }
      // SECURITY.md 21: with indicators, this prefix's own token and no other.
      const resource = prefix.resource === mainResource ? undefined : prefix.resource;
      const request = new Request(input, init);
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      const passthrough: RequestInit = {
        credentials: request.credentials,
        cache: request.cache,
        mode: request.mode,
        referrerPolicy: request.referrerPolicy,
        integrity: request.integrity,
        keepalive: request.keepalive,
      };
      const options: o.ProtectedResourceRequestOptions = {
        // oauth4webapi sends `redirect: 'manual'`: a redirect is never followed with the token (SECURITY.md 19).
        [o.customFetch]: ((url: string, init: RequestInit) => resourceFetch(url, { ...passthrough, ...init })) as never,
        signal: request.signal,
        ...(target.protocol === 'http:' && { [o.allowInsecureRequests]: true }),
      };
      const send = async ({ token, keyPair }: BoundToken): Promise<Response> => {
        // A bound token goes with its own key's proof or not at all: never as Bearer (RFC 9449 §7).
        const dpop = keyPair && { DPoP: nonces.handle(oauthClient(), keyPair) };
        try {
          // `addProof` signs afresh on each call, so the nonce retry carries a new proof (`ath` included).
          const response = await retryOnNonce(
            () => o.protectedResourceRequest(token, request.method, target, new Headers(request.headers), body, { ...options, ...dpop }),
            hiddenNonce('A resource'),
          );
          if (response.type === 'opaqueredirect') throw new OAuthError('resource_redirect', 'The resource answered with a redirect; it was not followed');
          if (response.status === 401) {
            // A 401 with no readable challenge: the resource's CORS hides WWW-Authenticate (and DPoP-Nonce).
            effects.warn('A resource answered 401 without a readable WWW-Authenticate header: add "Access-Control-Expose-Headers: WWW-Authenticate, DPoP-Nonce" to its CORS responses');
          }
          return response;
        } catch (err) {
          if (err instanceof o.WWWAuthenticateChallengeError) {
            const invalid = err.status === 401 && err.cause.some((c) => c.parameters.error === 'invalid_token');
            if (!invalid) return err.response;
          }
          if (request.signal.aborted) throw err;
          throw toOAuthError(err, 'network');
        }
      };
      const bound = await accessToken(false, undefined, resource);
      try {
        return await send(bound);
      } catch (err) {
        if (!(err instanceof OAuthError) || err.code !== 'invalid_token') throw err;
        // SECURITY.md 20: one refresh and one retry, then the error.
        return send(await accessToken(false, bound.token, resource));
      }
    },

    async logout(options: LogoutOptions = {}) {
      alive();
      const { revoke: revokeToken = true, endSession = false } = options;
      await ensureLoaded().catch(() => undefined);
      const kv = await store();
      let current = session;
      try {
        current = newest(decodeSession(await kv.get(SESSION_KEY), config.issuer.href, config.clientId)) ?? current;
      } catch {
        // Unreadable storage is wiped below all the same.
      }
      session = unstored = null;
      failedRenewals = 0;
      scheduleRenewal();
      let wipeError: OAuthError | undefined;
      try {
        // Everything: tokens and pending logins (SECURITY.md 25). A refresh finishing later cannot
        // write back, because it only replaces the record it spent.
        await kv.clear();
        if (kv !== (await durable())) await (await durable()).clear();
      } catch (err) {
        wipeError = toOAuthError(err, 'storage_unavailable');
      }
      channel().post({ type: 'logged-out' });
      dispatch({ type: 'SIGNED_OUT' });
      // Best effort: the local wipe already happened and must not be undone by a failed revocation.
      if (revokeToken) await revoke(current);
      if (wipeError) throw wipeError;
      const endpoint = current?.as.end_session_endpoint;
      if (endSession && endpoint) {
        const url = new URL(endpoint);
        if (!isAllowedProtocol(url, config.allowInsecureLoopback)) throw new OAuthError('insecure_url', 'The end-session endpoint is not https');
        const here = effects.location();
        const back = options.returnTo !== undefined ? new URL(safeReturnTo(options.returnTo, here.origin), here.origin) : config.postLogoutRedirectUri;
        url.searchParams.set('client_id', config.clientId);
        if (current?.idToken) url.searchParams.set('id_token_hint', current.idToken);
        if (back) {
          url.searchParams.set('post_logout_redirect_uri', back.href);
          // RP-Initiated Logout §2: a fresh state, checked and stripped when the AS comes back (init()).
          const stateValue = o.generateRandomState();
          const pending: PendingLogout = { v: 1, state: stateValue, returnTo: back.href, createdAt: effects.now() };
          await (await durable()).set(LOGOUT_KEY, pending).catch(() => undefined);
          url.searchParams.set('state', stateValue);
        }
        effects.navigate(url);
      }
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      cancelTimer?.();
      for (const cleanup of cleanups.splice(0)) cleanup();
      tabs?.close();
      listeners.clear();
    },
  };
  return client;
}

/** The browser's effects. Nothing here runs at import time (SSR-safe). */
export function browserEffects(): Effects {
  const warned = new Set<string>();
  return {
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    openStore: (config, onFallback, read) => openStore(config.name, onFallback, read),
    tabs: (config, store) => browserTabs(config.name, store, refreshHoldMs(config.timeout)),
    location: () => new URL(location.href),
    replaceLocation: (url) => history.replaceState(history.state, '', url.href),
    navigate: (url) => location.assign(url.href),
    setTimer: (task, ms) => {
      // Browsers run a delay above 2^31 - 1 ms (24.8 days) at once: a token that lives longer (the AS
      // decides) would spin the renewal timer. The timer re-checks when it fires, so waking early is fine.
      const id = setTimeout(task, Math.min(ms, 2 ** 31 - 1));
      return () => clearTimeout(id);
    },
    onWake: (task) => {
      if (typeof document === 'undefined') return () => undefined;
      const onVisible = () => {
        if (document.visibilityState === 'visible') task();
      };
      // Only a page restored from the bfcache: every load's first `pageshow` would read storage again while
      // init() reads it (a second transaction, CryptoKey deserialization and decode during the first call).
      const onShow = (event: PageTransitionEvent) => {
        if (event.persisted) task();
      };
      document.addEventListener('visibilitychange', onVisible);
      document.addEventListener('resume', task);
      window.addEventListener('pageshow', onShow);
      window.addEventListener('online', task);
      return () => {
        document.removeEventListener('visibilitychange', onVisible);
        document.removeEventListener('resume', task);
        window.removeEventListener('pageshow', onShow);
        window.removeEventListener('online', task);
      };
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random(),
    warn: (message, error) => {
      // Once per kind of trouble: a broken IndexedDB should not flood the console. Never a secret: codes only.
      if (warned.has(message)) return;
      warned.add(message);
      console.warn(`[browser-oauth] ${message}${error ? ` (${error.code})` : ''}`);
    },
  };
}

/**
 * Creates the OAuth client for one authorization server and one registered public client.
 * Throws `TypeError` for invalid options; touches no browser API until a method is called.
 *
 * @example
 * ```ts
 * import { createOAuthClient } from 'browser-oauth';
 *
 * const auth = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'spa',
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid profile offline_access',
 *   resources: ['https://api.example.com/'],
 * });
 * await auth.init();
 * if (auth.state.status === 'signedOut') await auth.login();
 * const res = await auth.fetch('https://api.example.com/me');
 * ```
 */
export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  return createClientWith(resolveConfig(options), browserEffects());
}
