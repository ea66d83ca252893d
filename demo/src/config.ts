// Settings of the demo, from the VITE_* variables the launcher (demo/server) sets.

const env = import.meta.env;

/** A URL prefix used for path concatenation (`apiUrl + 'me'`) must end with a slash. */
const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

export const issuer: string = env.VITE_ISSUER || 'http://127.0.0.1:4000';
export const clientId: string = env.VITE_CLIENT_ID || 'browser-oauth-demo';
/** The configured resource prefix: only URLs under it receive the access token. */
export const apiUrl: string = withSlash(env.VITE_API_URL || 'http://127.0.0.1:4001/api/');
/**
 * A second protected API with tokens of its own (RFC 8707), set by the launcher for the embedded AS.
 * Unset (your own AS, which may not support resource indicators): one API, one token, no `resource`.
 */
export const reportsUrl: string | undefined = env.VITE_REPORTS_URL ? withSlash(env.VITE_REPORTS_URL) : undefined;
/**
 * With the reports API, each API gets its own token: requested with `resource=<indicator>`, sent only
 * under its own prefix. The demo AS knows the APIs by their base URLs, so prefix and indicator are the same.
 */
export const resources: string[] | Array<{ url: string; resource: string }> = reportsUrl
  ? [
      { url: apiUrl, resource: apiUrl },
      { url: reportsUrl, resource: reportsUrl },
    ]
  : [apiUrl];
/** An origin that is not a resource: requests to it must never carry a token. */
export const otherUrl: string = withSlash(env.VITE_OTHER_URL || 'http://127.0.0.1:4002/');
export const spaOrigin: string = (env.VITE_SPA_ORIGIN || 'http://127.0.0.1:5173').replace(/\/+$/, '');

/** `VITE_SCOPE` for another AS, whose scopes have other names (e.g. Glewlwyd's, scripts/glewlwyd.ts). */
export const scope: string = env.VITE_SCOPE || 'openid profile email offline_access api:read reports:read';
export const redirectUri = `${spaOrigin}/callback.html`;
export const postLogoutRedirectUri = `${spaOrigin}/`;
