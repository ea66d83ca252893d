import type { Context } from '../context.js';
import type { SessionView } from '../machine.js';
import { identityClaims, type ResourceToken, type StoredSession } from './record.js';

/** What the state machine may see of a session: never a token. */
export const view = (session: StoredSession | null): SessionView | null =>
  // Sessions stored before protocol claims were dropped still carry them: filter on the way out too.
  session && { user: identityClaims(session.claims ?? {}), expiresAt: session.expiresAt, tokenType: session.tokenType };

/** The session to use: `stored`, unless this tab holds a newer one that storage refused. */
export function newest(ctx: Context, stored: StoredSession | undefined | null): StoredSession | null {
  // A record written after it (another tab's new login) wins; one written before holds a spent token.
  if (ctx.unstored && stored && stored.issuedAt > ctx.unstored.issuedAt) ctx.unstored = null;
  return ctx.unstored ?? stored ?? null;
}

/** Leeway before expiry: a fifth of the token's lifetime, at most a minute (never a refresh loop). */
const MAX_LEEWAY_MS = 60_000;

export const leeway = (t: ResourceToken): number => Math.min(MAX_LEEWAY_MS, (t.expiresAt - t.issuedAt) / 5);

/** Whether `t` is within its leeway of expiry (or past it) at `now`. */
export const isDue = (t: ResourceToken, now: number): boolean => now >= t.expiresAt - leeway(t);

/**
 * The token of `resource` in `s`: the session's own for the first `resources` entry (or when there are
 * no indicators, `resource` undefined), else the one stored for that indicator, if any yet.
 */
export const tokenOf = (s: StoredSession, resource: string | undefined): ResourceToken | undefined =>
  resource === undefined ? s : s.resourceTokens?.[resource];
