/**
 * The URLs the user gave, judged by the SDK's own configuration rules (`src/core/url.ts`), so the doctor
 * never disagrees with what `createOAuthClient` would throw.
 */
import { configUrl, isLoopback } from '../core/url.js';
import type { DoctorOptions } from './args.js';
import { fail, pass, warn, type Row } from './report.js';

const LOOPBACK_NOTE = 'http on loopback: needs allowInsecureLoopback: true (development only)';

/** `configUrl`'s TypeError message without its `browser-oauth: "option"` prefix, or `undefined` when valid. */
function urlProblem(value: string, option: string, native?: boolean): string | undefined {
  try {
    configUrl(value, option, true, native);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^browser-oauth: /, '') : String(err);
  }
}

export function checkIssuerInput(issuer: string): Row {
  const problem = urlProblem(issuer, 'issuer');
  if (problem) return fail('inputs.issuer', problem, 'pass the issuer exactly as the authorization server names itself (https, no fragment)');
  const url = new URL(issuer);
  return pass('inputs.issuer', url.protocol === 'http:' ? `${issuer} (${LOOPBACK_NOTE})` : issuer);
}

/** The origin must be a bare origin: it is compared with `Access-Control-Allow-Origin` byte for byte. */
export function checkOriginInput(origin: string): Row {
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    // reported below
  }
  // A native shell's WebView may send a custom-scheme Origin (Capacitor on iOS: `capacitor://localhost`), for
  // which URL's `origin` is "null"; the header is still compared byte for byte, so scheme://host is what counts.
  if (url && url.origin === 'null' && !/^(https?|file|data|blob):$/.test(url.protocol) && url.host !== '' && `${url.protocol}//${url.host}` === origin) {
    return pass('inputs.origin', `${origin} (a native shell's WebView origin)`);
  }
  if (!url || url.origin === 'null' || url.origin !== origin) {
    return fail('inputs.origin', `"${origin}" is not an origin`, `pass the app's origin as the browser sends it: scheme, host and port only, e.g. ${url && url.origin !== 'null' ? url.origin : 'https://app.example.com'}`);
  }
  if (url.protocol === 'http:' && !isLoopback(url)) return warn('inputs.origin', `${origin} is plain http`, 'serve the app over https: browsers refuse Web Crypto (DPoP, PKCE) on insecure origins other than loopback');
  return pass('inputs.origin', origin);
}

/** Redirect URI scheme rules (SECURITY.md 8), and the origin it must share with the app. */
export function checkRedirectUriInput(options: DoctorOptions): Row | undefined {
  if (options.redirectUri === undefined) return undefined;
  const problem = urlProblem(options.redirectUri, 'redirectUri', true);
  if (problem) return fail('redirect-uri', problem, 'use an absolute https redirect URI without a fragment (http only on localhost, 127.0.0.1 or [::1]; a private-use scheme such as com.example.app:/callback for a native shell)');
  const url = new URL(options.redirectUri);
  // A private-use scheme (RFC 8252 §7.1) has no origin: the shell's deep-link handler hands the callback URL to
  // `auth.handleRedirect(url)` in the app, so the IndexedDB that holds the login is the app's all the same.
  if (!/^https?:$/.test(url.protocol)) {
    return pass('redirect-uri', `${options.redirectUri} (private-use scheme: the app's deep-link handler must pass the callback URL to auth.handleRedirect)`);
  }
  if (url.origin !== options.origin) {
    return fail('redirect-uri', `${url.origin} is not the app's origin ${options.origin}`, 'the callback runs in the app: put the redirect URI on the app\'s own origin (the IndexedDB that holds the login is per origin)');
  }
  return pass('redirect-uri', url.protocol === 'http:' ? `${options.redirectUri} (${LOOPBACK_NOTE})` : options.redirectUri);
}

/** Each `--resource` must be a valid `resources` entry, or `auth.fetch` would never attach a token to it. */
export function checkResourceInput(resource: string): Row | undefined {
  const problem = urlProblem(resource, 'resources[]');
  return problem ? fail('inputs.resource', problem, 'list the API as an absolute https URL prefix (http only on loopback)', resource) : undefined;
}
