/**
 * URL rules: which URLs may be talked to at all, which may receive a token, and where the
 * browser may be sent back to. Pure functions; the callers decide whether a failure is a
 * `TypeError` (configuration) or an `OAuthError` (runtime input).
 */
import type { ResourceOption } from './types.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `localhost`, `127.0.0.1` and `[::1]` only: other 127/8 addresses are unusual enough to refuse. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * True when a request to `url` may be made: https, or http to a loopback host when the app opted in
 * (SECURITY.md 27).
 */
export function isAllowedProtocol(url: URL, allowInsecureLoopback: boolean): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && allowInsecureLoopback && isLoopback(url);
}

/**
 * RFC 8252 §7.1: a native app's private-use scheme is a domain it controls, reversed (so it has a dot), and has no
 * naming authority, so one slash follows the colon: `com.example.app:/callback`.
 */
const PRIVATE_USE = /^[^:]+\.[^:]*:\/(?!\/)/;

/**
 * Parses an absolute URL from configuration, or throws a `TypeError` naming the option. A redirect URI
 * (`native`) may also use a private-use scheme for an app in a native shell.
 */
export function configUrl(value: unknown, option: string, allowInsecureLoopback: boolean, native?: boolean): URL {
  if (typeof value !== 'string' || value === '') throw new TypeError(`browser-oauth: "${option}" must be a non-empty string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`browser-oauth: "${option}" must be an absolute URL`);
  }
  if (!isAllowedProtocol(url, allowInsecureLoopback) && !(native && PRIVATE_USE.test(url.href))) {
    throw new TypeError(
      `browser-oauth: "${option}" must use https (http is allowed only for localhost, 127.0.0.1 and [::1] with allowInsecureLoopback)`,
    );
  }
  if (url.hash !== '' || value.includes('#')) throw new TypeError(`browser-oauth: "${option}" must not have a fragment`);
  if (url.username !== '' || url.password !== '') throw new TypeError(`browser-oauth: "${option}" must not contain credentials`);
  return url;
}

/** One entry of `resources`: an exact origin and a path prefix ending at a segment boundary. */
export interface ResourcePrefix {
  readonly origin: string;
  readonly path: string;
  /** RFC 8707 resource indicator: this prefix gets its own token, requested with `resource` (SECURITY.md 21). */
  readonly resource?: string;
  /** Scope of this resource's token requests, when it must differ from the session's. */
  readonly scope?: string;
}

const isAbsoluteUri = (value: string): boolean => {
  try {
    return new URL(value).href !== '';
  } catch {
    return false;
  }
};

/**
 * Validates `resources` (throws `TypeError`) into prefixes for {@link matchResource}. Either every entry
 * names its resource indicator or none does: a token is then for one API only, and a prefix without an
 * indicator would have to receive some other API's token.
 */
export function parseResources(values: readonly (string | ResourceOption)[] | undefined, allowInsecureLoopback: boolean): ResourcePrefix[] {
  if (values === undefined) return [];
  if (!Array.isArray(values)) throw new TypeError('browser-oauth: "resources" must be an array of URL prefixes');
  const prefixes = values.map((value: string | ResourceOption, i): ResourcePrefix => {
    const option = `resources[${i}]`;
    const entry = typeof value === 'object' && value !== null ? value : undefined;
    const url = configUrl(entry ? entry.url : value, entry ? `${option}.url` : option, allowInsecureLoopback);
    if (url.search !== '') throw new TypeError(`browser-oauth: "${option}" must not have a query`);
    const prefix = { origin: url.origin, path: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/` };
    if (!entry) return prefix;
    // RFC 8707 §2: an absolute URI without a fragment.
    if (typeof entry.resource !== 'string' || !isAbsoluteUri(entry.resource) || entry.resource.includes('#')) {
      throw new TypeError(`browser-oauth: "${option}.resource" must be an absolute URI without a fragment`);
    }
    if (entry.scope !== undefined && (typeof entry.scope !== 'string' || entry.scope.trim() === '')) {
      throw new TypeError(`browser-oauth: "${option}.scope" must be a non-empty string`);
    }
    return { ...prefix, resource: entry.resource, ...(entry.scope !== undefined && { scope: entry.scope }) };
  });
  const indicated = prefixes.filter((p) => p.resource !== undefined).length;
  if (indicated !== 0 && indicated !== prefixes.length) {
    throw new TypeError('browser-oauth: "resources" must give every entry a resource indicator, or none');
  }
  if (new Set(prefixes.map((p) => p.resource)).size < indicated) {
    throw new TypeError('browser-oauth: "resources" names the same resource indicator twice');
  }
  return prefixes;
}

/**
 * The path a server that decodes once would route: `%2e`, `%2f`, `%5c` and `%3b` percent-decoded (and `\\` read
 * as `/`), `;` path parameters dropped from every segment (Tomcat, Spring, Jetty), then `.` and `..` segments
 * resolved. The URL parser leaves encoded dots, slashes and `..;` alone, so `/api/..%2fadmin` is "under
 * `/api/`" for it while nginx or Tomcat route it to `/admin` (issue 14, defect 3).
 */
export function routedPath(pathname: string): string {
  const out: string[] = [];
  for (const part of pathname.replace(/%(2e|2f|5c|3b)/gi, decodeURIComponent).replace(/\\/g, '/').split('/')) {
    const segment = part.split(';')[0];
    // Only `startsWith` follows, so `/a/..` may end as `/a` instead of `/a/`: the caller adds the `/`.
    if (segment === '..') out.length > 1 && out.pop();
    else if (segment !== '.') out.push(segment!);
  }
  return out.join('/');
}

/** Longest prefix whose origin is `origin` and that `path` (with a trailing `/`) starts with. */
function longestPrefix(origin: string, path: string, prefixes: readonly ResourcePrefix[]): ResourcePrefix | undefined {
  const dir = path.endsWith('/') ? path : `${path}/`;
  let best: ResourcePrefix | undefined;
  for (const p of prefixes) {
    if (origin === p.origin && dir.startsWith(p.path) && (!best || p.path.length > best.path.length)) best = p;
  }
  return best;
}

/**
 * The prefix `url` is under, `undefined`, or `'ambiguous'`: same scheme, host and port (compared as the
 * serialised origin, so default ports and IDNs are normalised by the URL parser), no userinfo, and a path
 * equal to the prefix or below it at a `/` boundary (`/api` never matches `/api-admin`). The URL parser has
 * already resolved `..` and `%2e%2e` segments; `'ambiguous'` means the path is under a prefix for the parser
 * but a server that decodes `%2f`, `%5c` or drops `;` parameters would route it elsewhere ({@link routedPath}):
 * such a request must get no token. When prefixes nest, the longest wins: `/api/billing/` has its own token
 * even under `/api/`.
 */
export function matchResource(url: URL, prefixes: readonly ResourcePrefix[]): ResourcePrefix | 'ambiguous' | undefined {
  if (url.username !== '' || url.password !== '') return undefined;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const best = longestPrefix(url.origin, url.pathname, prefixes);
  // An encoded slash that makes no dot segment (GitLab's `projects/group%2Fproject`) routes the same: kept.
  if (best && longestPrefix(url.origin, routedPath(url.pathname), prefixes) !== best) return 'ambiguous';
  return best;
}

/** True only when `url` is under one of the prefixes, unambiguously; see {@link matchResource}. */
export const matchesResource = (url: URL, prefixes: readonly ResourcePrefix[]): boolean => typeof matchResource(url, prefixes) === 'object';

/**
 * Reduces `value` to a same-origin path (path, query, fragment), or `/` for anything else:
 * absolute URLs to other origins, protocol-relative `//host`, `/\host` (browsers read `\` as `/`),
 * `javascript:` and friends, and control characters (SECURITY.md 26).
 */
export function safeReturnTo(value: unknown, origin: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can leave a path that starts with `//` ("/.//evil" → "//evil"): protocol-relative.
  return path.startsWith('//') ? '/' : path;
}

/** The authorization-response parameters that must leave the address bar at once (SECURITY.md 5). */
export const CALLBACK_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'] as const;

/** `url` without the authorization-response parameters. */
export function withoutCallbackParams(url: URL): URL {
  const clean = new URL(url.href);
  for (const name of CALLBACK_PARAMS) clean.searchParams.delete(name);
  return clean;
}

/**
 * True when `url` is at exactly the redirect URI's scheme, host, port and path (its query is the response).
 * Not `origin`: it is `"null"` for every non-http scheme, so `com.example.app:/callback` would match another
 * app's scheme, or a WebView page at `capacitor://localhost/callback`.
 */
export function isAtRedirectUri(url: URL, redirectUri: URL): boolean {
  return url.protocol === redirectUri.protocol && url.host === redirectUri.host && url.pathname === redirectUri.pathname;
}
