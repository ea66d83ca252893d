/**
 * RP-initiated logout's `state` (OpenID Connect RP-Initiated Logout 1.0 §2, §3): sent with the end-session
 * request, given back on the `post_logout_redirect_uri`. Some servers (Glewlwyd) redirect back only when it is
 * there. The pending record is kept in IndexedDB across the trip, and used once.
 */
import { isAtRedirectUri } from './url.js';

/** Storage key of the end-session request in flight (one at a time: a new logout replaces it). */
export const LOGOUT_KEY = 'logout';
/** A return later than this is not ours any more (the AS's logout page was left open for an hour). */
const MAX_AGE_MS = 60 * 60 * 1000;

export interface PendingLogout {
  readonly v: 1;
  readonly state: string;
  /** The `post_logout_redirect_uri` sent; the state is looked for at this URL's scheme, host and path only. */
  readonly returnTo: string;
  readonly createdAt: number;
}

const isPendingLogout = (v: unknown): v is PendingLogout => {
  const p = v as Partial<PendingLogout> | null;
  return typeof p === 'object' && p !== null && p.v === 1 && typeof p.state === 'string' && typeof p.returnTo === 'string' && typeof p.createdAt === 'number';
};

/**
 * What a page load at `here` is, given the stored end-session request: `'returned'` (the AS came back with
 * the state sent: strip it), `'mismatch'` (a state at that address that is not the one sent: leave the URL
 * alone and warn), or `undefined` (not a return from end-session: nothing to do).
 */
export function logoutReturn(here: URL, stored: unknown, now: number): 'returned' | 'mismatch' | undefined {
  if (!isPendingLogout(stored) || now - stored.createdAt > MAX_AGE_MS) return undefined;
  const back = new URL(stored.returnTo);
  if (!isAtRedirectUri(here, back)) return undefined;
  const states = here.searchParams.getAll('state');
  if (states.length === 0) return undefined;
  return states.length === 1 && states[0] === stored.state ? 'returned' : 'mismatch';
}

/** `url` without the `state` parameter (RFC 9700 §4.2.4's reasoning: nothing of the protocol in the address bar). */
export function withoutState(url: URL): URL {
  const next = new URL(url.href);
  next.searchParams.delete('state');
  return next;
}
