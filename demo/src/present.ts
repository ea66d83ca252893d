// Pure helpers shared by the React and Vue pages (no framework here): what to call the user, what each
// status means, and how to show a failure.
import { OAuthError, type AuthStatus, type User } from 'browser-oauth';

export function displayName(user: User): string {
  for (const key of ['name', 'preferred_username', 'email', 'sub']) {
    const v = user[key];
    if (typeof v === 'string' && v) return v;
  }
  return 'Signed-in user';
}

export function initials(name: string): string {
  const parts = name.replace(/@.*/, '').split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

export const STATUS_LABEL: Record<AuthStatus, string> = {
  loading: 'Checking for a session',
  signedOut: 'Not signed in',
  authorizing: 'Redirecting to the authorization server',
  exchanging: 'Exchanging the authorization code',
  signedIn: 'Signed in',
  refreshing: 'Renewing the access token',
  error: 'Sign-in failed',
};

/** What the page shows for a failure: the stable code and a description (plain text, never HTML). */
export interface Shown {
  readonly code: string;
  readonly description: string;
  readonly status?: number | undefined;
}

export function describe(err: unknown): Shown {
  if (err instanceof OAuthError) return { code: err.code, description: err.errorDescription || err.message, status: err.status };
  if (err instanceof TypeError) return { code: 'network', description: err.message || 'The request failed.' };
  return { code: 'unexpected', description: err instanceof Error ? err.message : String(err) };
}

/** One call of the "Call the API" card: in flight, or its HTTP status (absent when it failed) and body. */
export interface Call {
  readonly pending: boolean;
  readonly status?: number | undefined;
  readonly body?: string;
  readonly ms?: number;
}

/**
 * GET `url` through the client's `fetch` (which attaches the token only where it may go); the body is
 * pretty-printed when it is JSON, and a failure becomes a body of its own, so the card always has something to show.
 */
export async function callApi(fetch: (url: string, init?: RequestInit) => Promise<Response>, url: string): Promise<Call> {
  const started = performance.now();
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    const text = await response.text();
    let body = text;
    try {
      body = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON: shown as it came
    }
    return { pending: false, status: response.status, body, ms: performance.now() - started };
  } catch (err) {
    const shown = describe(err);
    return { pending: false, status: shown.status, body: JSON.stringify({ error: shown.code, error_description: shown.description }, null, 2), ms: performance.now() - started };
  }
}
