import type { AuthorizationServer } from 'oauth4webapi';
import { isKeyPair } from '../dpop.js';
import { OAuthError } from '../errors.js';
import type { KeyValueStore } from '../storage.js';
import type { User } from '../types.js';

/**
 * What is persisted, and the checks applied when it is read back: storage is input like any other
 * (another script on the origin, an old SDK version or a broken disk may have written it).
 */

/** Storage keys inside the (issuer, client) database. */
export const SESSION_KEY = 'session';
export const PENDING_PREFIX = 'pending:';
/** DPoP server nonces by origin: public values, kept so that a new tab's first proof carries one. */
export const NONCES_KEY = 'dpop-nonces';

/** The signed-in session: one record, so a refresh replaces it atomically (SECURITY.md 14). */
export interface StoredSession {
  readonly v: 1;
  readonly issuer: string;
  readonly clientId: string;
  readonly accessToken: string;
  /** `dpop` when the tokens are bound to `keyPair` (RFC 9449). */
  readonly tokenType: 'bearer' | 'dpop';
  /** The DPoP key pair (private key non-extractable), present exactly when `tokenType` is `dpop`. */
  readonly keyPair?: CryptoKeyPair;
  /** Epoch ms of local receipt of the token response (SECURITY.md 13: never the AS's clock). */
  readonly issuedAt: number;
  /** Epoch ms: `issuedAt + expires_in`. */
  readonly expiresAt: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Validated claims of the ID token this session started with, or of its latest refresh. */
  readonly claims?: User;
  /** The granted scope as the AS said it (RFC 6749 §5.1); may be empty (e.g. only resource scopes were asked for). */
  readonly scope?: string;
  /** The AS metadata the session was created with: refresh, revocation and logout need no rediscovery. */
  readonly as: AuthorizationServer;
  /**
   * Tokens of the other `resources` entries, by resource indicator (RFC 8707): got with the refresh token
   * when first needed. The first entry's token is `accessToken` itself.
   */
  readonly resourceTokens?: Readonly<Record<string, ResourceToken>>;
}

/** An access token for one resource indicator, bound like the session's (same `tokenType` and key). */
export interface ResourceToken {
  readonly accessToken: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** A login in flight, keyed by its `state`; consumed exactly once by the callback (SECURITY.md 4). */
export interface PendingAuthorization {
  readonly v: 1;
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce?: string;
  readonly scope: string;
  readonly returnTo: string;
  readonly createdAt: number;
  /** The DPoP key pair this login's code is bound to (`dpop_jkt`), when DPoP is used. */
  readonly keyPair?: CryptoKeyPair;
  /** The metadata the request was built from: the callback's `iss` is checked against it (SECURITY.md 6). */
  readonly as: AuthorizationServer;
  /** Step-up: the `acr_values` the ID token's `acr` must be one of (absent: any `acr`). */
  readonly acr?: string;
  /** Step-up: the `max_age` sent; oauth4webapi checks the ID token's `auth_time` against it. */
  readonly maxAge?: number;
  /** Started by `loginPopup()`: the callback page stores a {@link PopupResult} and closes itself. */
  readonly popup?: true;
}

/** Where the popup's callback leaves its outcome for the page that opened it, keyed by the login's `state`. */
export const POPUP_PREFIX = 'popup:';

/**
 * A popup login's outcome: `[]` when the session is stored, else the `OAuthError`'s code, `error` and
 * `errorDescription` (an array: this lives in every page load's bundle, where property names are not minified).
 */
export type PopupResult = readonly [code?: string, error?: string, errorDescription?: string];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isOptionalString = (v: unknown): boolean => v === undefined || isString(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * What the session keeps of the AS metadata, checked the same way when it is discovered (discovery.ts
 * refuses a document that fails this) and when it is read back: a document the SDK accepted must never
 * make its own session unreadable. `issuer` is the configured issuer, URL-normalised the way
 * oauth4webapi compares it at discovery.
 */
export function isMetadata(v: unknown, issuer: string): v is AuthorizationServer {
  if (!isObject(v) || !isString(v.issuer) || !isString(v.token_endpoint) || !isOptionalString(v.authorization_endpoint)) return false;
  try {
    return new URL(v.issuer).href === issuer;
  } catch {
    return false;
  }
}

/** Lifetime assumed when the AS omits `expires_in` (RFC 6749 §5.1 makes it optional). */
const DEFAULT_LIFETIME_S = 3600;
/**
 * Longer lifetimes are stored as this (about 100 years): `expires_in` is any non-negative number the AS
 * likes, and an expiry of `Infinity` (from `1e306`, say) could not be stored as a time and read back.
 */
const MAX_LIFETIME_MS = 100 * 365 * 24 * 3600 * 1000;

/**
 * Milliseconds a token lives from its receipt, from the token response's `expires_in` (seconds, already
 * checked by oauth4webapi to be a finite non-negative number when present).
 */
export function lifetimeMs(expiresIn: number | undefined): number {
  return Math.min(MAX_LIFETIME_MS, Math.max(0, expiresIn ?? DEFAULT_LIFETIME_S) * 1000);
}

const isResourceToken = (v: unknown): boolean =>
  isObject(v) && isString(v.accessToken) && isTime(v.issuedAt) && isTime(v.expiresAt);

const corrupt = (what: string): OAuthError => new OAuthError('storage_corrupt', `Invalid stored ${what}; discarded`);

/** `undefined` when nothing is stored; throws `storage_corrupt` for anything that is not our session. */
export function decodeSession(value: unknown, issuer: string, clientId: string): StoredSession | undefined {
  if (value === undefined) return undefined;
  if (
    !isObject(value) ||
    value.v !== 1 ||
    value.issuer !== issuer ||
    value.clientId !== clientId ||
    !isString(value.accessToken) ||
    !(value.tokenType === 'bearer' ? value.keyPair === undefined : value.tokenType === 'dpop' && isKeyPair(value.keyPair)) ||
    !isTime(value.issuedAt) ||
    !isTime(value.expiresAt) ||
    !isOptionalString(value.refreshToken) ||
    !isOptionalString(value.idToken) ||
    // RFC 6749 §5.1: the granted scope may be empty; any string the AS sent is stored and read back as is.
    !(value.scope === undefined || typeof value.scope === 'string') ||
    !(value.claims === undefined || isObject(value.claims)) ||
    !isMetadata(value.as, issuer) ||
    !(value.resourceTokens === undefined || (isObject(value.resourceTokens) && Object.values(value.resourceTokens).every(isResourceToken)))
  ) {
    throw corrupt('session');
  }
  return value as unknown as StoredSession;
}

/**
 * The stored session of this client, `undefined` when there is none. A record that is not ours is deleted
 * (unless something replaced it meanwhile), `onDiscarded` is told, and `storage_corrupt` is thrown: damaged
 * data must not be half-used later, nor leave another tab believing in a session that is gone.
 */
export async function readSession(kv: KeyValueStore, issuer: string, clientId: string, onDiscarded: () => void): Promise<StoredSession | undefined> {
  const raw = await kv.get(SESSION_KEY);
  try {
    return decodeSession(raw, issuer, clientId);
  } catch (err) {
    const unreadable = (current: unknown): boolean => {
      try {
        decodeSession(current, issuer, clientId);
        return false;
      } catch {
        return true;
      }
    };
    if (await kv.replaceIf(SESSION_KEY, unreadable, undefined).catch(() => false)) onDiscarded();
    throw err;
  }
}

/** Throws `storage_corrupt` for anything that is not a pending authorization of this client. */
export function decodePending(value: unknown, issuer: string, clientId: string): PendingAuthorization {
  if (
    !isObject(value) ||
    value.v !== 1 ||
    value.issuer !== issuer ||
    value.clientId !== clientId ||
    !isString(value.redirectUri) ||
    !isString(value.state) ||
    !isString(value.codeVerifier) ||
    !isOptionalString(value.nonce) ||
    typeof value.scope !== 'string' ||
    typeof value.returnTo !== 'string' ||
    !isTime(value.createdAt) ||
    !(value.keyPair === undefined || isKeyPair(value.keyPair)) ||
    !isMetadata(value.as, issuer) ||
    !isOptionalString(value.acr) ||
    !(value.maxAge === undefined || isTime(value.maxAge)) ||
    // Decides whether the callback page closes itself instead of showing the app: only the SDK's own mark.
    !(value.popup === undefined || value.popup === true)
  ) {
    throw corrupt('pending authorization');
  }
  return value as unknown as PendingAuthorization;
}

/**
 * Claims that only bind the ID token to one protocol run (the login's `nonce`, the access token's and the
 * code's hashes): useless to the app, and SECURITY.md 24 keeps nonces out of state and events.
 */
const PROTOCOL_CLAIMS = new Set(['nonce', 'at_hash', 'c_hash', 's_hash']);

/** The ID token's claims as the app sees them: identity and authentication, no protocol values. */
export const identityClaims = (claims: User): User =>
  Object.fromEntries(Object.entries(claims).filter(([name]) => !PROTOCOL_CLAIMS.has(name))) as User;

/** Claims that a refreshed ID token must repeat unchanged (OpenID Connect Core §12.2). */
const STABLE_CLAIMS = ['iss', 'sub', 'aud', 'azp'] as const;

/**
 * True when `next` describes the same user and authentication as `original` (SECURITY.md 12).
 * `auth_time` is compared when the refreshed token carries it: some servers leave it out on refresh.
 */
export function sameAuthentication(original: User, next: User): boolean {
  const same = (claim: string) => JSON.stringify(original[claim]) === JSON.stringify(next[claim]);
  return STABLE_CLAIMS.every(same) && (next.auth_time === undefined || same('auth_time'));
}
