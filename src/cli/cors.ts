/**
 * CORS as the browser judges it (Fetch standard, "CORS check" and "CORS-preflight fetch"), for a request the
 * SDK makes without credentials. Pure: it reads responses the probe got and says what a browser would refuse.
 */
import { isResponse, type ProbeRequest, type ProbeResult } from './http-probe.js';

/** What the SDK's request to one endpoint looks like to CORS. */
export interface CorsNeed {
  readonly method: 'GET' | 'POST';
  /**
   * Request headers that are not CORS-safelisted, lower case (`dpop`, `authorization`). The form
   * `content-type` of token and revocation requests is safelisted, so it never needs a preflight.
   */
  readonly headers: readonly string[];
}

/** The preflight a browser sends before `need`, or `undefined` when the request is simple and has none. */
export function preflightRequest(url: string, origin: string, need: CorsNeed): ProbeRequest | undefined {
  if (need.headers.length === 0) return undefined;
  return {
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': need.method, 'access-control-request-headers': need.headers.join(',') },
  };
}

const list = (value: string | null): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

/** `*` is honoured without credentials, which the SDK never sends. */
const allowsOrigin = (headers: Headers, origin: string): boolean => {
  const allowed = headers.get('access-control-allow-origin');
  return allowed === '*' || allowed === origin;
};

const originSeen = (headers: Headers): string => {
  const allowed = headers.get('access-control-allow-origin');
  return allowed === null ? 'no Access-Control-Allow-Origin' : `Access-Control-Allow-Origin: ${allowed}`;
};

/**
 * Why a browser would block the request, or `undefined` when it would go through. `preflight` is the answer
 * to {@link preflightRequest} (absent for a simple request); `actual` is the answer to the request itself,
 * sent with `Origin`, whose `Access-Control-Allow-Origin` the browser checks again.
 */
export function corsProblem(origin: string, need: CorsNeed, preflight: ProbeResult | undefined, actual: ProbeResult): string | undefined {
  if (preflight !== undefined) {
    if (!isResponse(preflight)) return `the preflight (OPTIONS) got no answer: ${preflight.error}`;
    if (preflight.status < 200 || preflight.status > 299) return `the preflight (OPTIONS) answered ${preflight.status}`;
    if (!allowsOrigin(preflight.headers, origin)) return `the preflight (OPTIONS) answered with ${originSeen(preflight.headers)}`;
    const allowed = list(preflight.headers.get('access-control-allow-headers'));
    // `*` covers every header but Authorization (Fetch: "CORS non-wildcard request-header name").
    const missing = need.headers.filter((name) => !allowed.includes(name) && !(allowed.includes('*') && name !== 'authorization'));
    if (missing.length > 0) return `the preflight (OPTIONS) does not allow the request header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  }
  if (!isResponse(actual)) return `the ${need.method} got no answer: ${actual.error}`;
  if (!allowsOrigin(actual.headers, origin)) return `the ${need.method} (status ${actual.status}) came back with ${originSeen(actual.headers)}`;
  return undefined;
}

/** The names in `wanted` that the response does not expose to scripts (`*` exposes all without credentials). */
export function unexposed(response: ProbeResult, wanted: readonly string[]): string[] {
  if (!isResponse(response)) return [...wanted];
  const exposed = list(response.headers.get('access-control-expose-headers'));
  if (exposed.includes('*')) return [];
  return wanted.filter((name) => !exposed.includes(name.toLowerCase()));
}
