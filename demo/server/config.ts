// Ports, URLs and lifetimes shared by the demo authorization server, resource server,
// "other origin" server, the SPA (through VITE_* env vars) and the e2e setup.
// Everything binds to 127.0.0.1: loopback only, never a public interface.

import { parseMisconfigurations, type Misconfiguration } from './misconfigure.ts';

export const HOST = '127.0.0.1';

/** The OpenID scopes the demo AS knows; `offline_access` gets a refresh token. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
/** The scope the protected API (`apiUrl`) requires, and the reports API's (`reportsUrl`). */
export const API_SCOPE = 'api:read';
export const REPORTS_SCOPE = 'reports:read';

/**
 * Step-up (RFC 9470, issue 16): the authentication context classes the demo AS issues (`acr`): a password alone,
 * or a password and the demo one-time code. The API's `/api/step-up` wants {@link ACR_MFA} within
 * {@link STEP_UP_MAX_AGE} seconds of the sign-in.
 */
export const ACR_PASSWORD = 'urn:browser-oauth:pwd';
export const ACR_MFA = 'urn:browser-oauth:mfa';
/** The demo's "second factor": printed on the login page, like the demo password. */
export const DEMO_ONE_TIME_CODE = '000000';
export const STEP_UP_MAX_AGE = 600;

export interface DemoConfig {
  asPort: number;
  apiPort: number;
  otherPort: number;
  spaPort: number;
  /** Issuer identifier, no trailing slash. */
  issuer: string;
  /** Base URL of the protected API; also its RFC 8707 resource identifier and the JWT `aud`. */
  apiUrl: string;
  /**
   * A second protected API on the same server, its own RFC 8707 resource (JWT `aud`, scope `reports:read`):
   * a token for the demo API is refused here and the other way round.
   */
  reportsUrl: string;
  /** A second origin that must never receive a token. */
  otherUrl: string;
  spaOrigin: string;
  clientId: string;
  /** Access token lifetime in seconds. */
  accessTokenTtl: number;
  /** Absolute refresh token lifetime in seconds (rotation does not extend it). */
  refreshTokenTtl: number;
  /** Exposes /__test/* endpoints (stats, request logs, reset). */
  testControl: boolean;
  /** Advertise and accept DPoP (RFC 9449) at the AS. On unless DPOP=0; the API always verifies DPoP proofs. */
  dpop: boolean;
  /**
   * How far (seconds) a DPoP proof's `iat` may lie in the past / in the future at the API.
   * ±60 s normally. With TEST_CONTROL=1 the future side is 300 s: e2e tests move the page's clock
   * 70–120 s ahead of real time (Playwright `clock.setFixedTime`) to expire tokens, and the SDK's
   * proofs then carry an `iat` that far in the future. (oidc-provider itself accepts ±300 s.)
   * Env DPOP_IAT_PAST / DPOP_IAT_FUTURE override.
   */
  dpopIatWindow: { past: number; future: number };
  /** One log line per request. */
  log: boolean;
  /**
   * More redirect URIs for the demo client: your own app's (`--redirect-uri`, loopback only, see
   * {@link loopbackRedirectUri}), and with TEST_CONTROL the env EXTRA_REDIRECT_URIS (comma-separated absolute
   * URLs, e.g. the peer-SDK pages of `bench/tabs.ts`). Their origins also get CORS at the AS token endpoints
   * and at the API, like the SPA origin, and are post-logout redirect URIs. Empty otherwise.
   */
  extraRedirectUris: string[];
  /** The origins of {@link extraRedirectUris}. */
  extraOrigins: string[];
  /** TEST_CONTROL only (env MISCONFIGURE, comma-separated): deliberate setup mistakes, see ./misconfigure.ts. */
  misconfigure: Misconfiguration[];
}

/**
 * A second client of the demo AS, as an app in a native shell registers it (issue 15): its redirect URI is a
 * private-use scheme (RFC 8252 §7.1), so the AS's answer reaches no web page; the e2e test hands it to
 * `handleRedirect` itself. demo/src/test-options.ts (`native: true`) and e2e/native.spec.ts use the same values.
 */
export const NATIVE_CLIENT = { clientId: 'browser-oauth-native', redirectUri: 'com.example.browseroauth:/callback' } as const;

/** Every redirect URI of the demo client: the SPA's four pages, then {@link DemoConfig.extraRedirectUris}. */
/**
 * The second client of the same AS, for demo/two-clients.html (several clients on one page, issue 17):
 * registered like the first, with its own tokens, grants and sessions.
 */
export const secondClientIdOf = (cfg: DemoConfig): string => `${cfg.clientId}-second`;

export function redirectUrisOf(cfg: DemoConfig): string[] {
  return [...['/callback.html', '/react.html', '/vue.html', '/script-tag.html', '/two-clients.html'].map((p) => `${cfg.spaOrigin}${p}`), ...cfg.extraRedirectUris];
}

/** Where RP-initiated logout may return: the SPA's pages, and each extra redirect URI and its origin's root. */
export function postLogoutRedirectUrisOf(cfg: DemoConfig): string[] {
  const spa = ['/', '/index.html', '/react.html', '/vue.html', '/script-tag.html', '/two-clients.html'].map((p) => `${cfg.spaOrigin}${p}`);
  return [...new Set([...spa, ...cfg.extraRedirectUris, ...cfg.extraOrigins.map((o) => `${o}/`)])];
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function extraRedirectUris(testControl: boolean): string[] {
  const raw = process.env.EXTRA_REDIRECT_URIS?.trim();
  if (!raw) return [];
  if (!testControl) throw new Error('EXTRA_REDIRECT_URIS needs TEST_CONTROL=1');
  return raw.split(',').map((entry) => {
    const url = new URL(entry.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`EXTRA_REDIRECT_URIS: not http(s): ${entry}`);
    return url.href;
  });
}

function misconfigurations(testControl: boolean): Misconfiguration[] {
  const raw = process.env.MISCONFIGURE?.trim();
  if (!raw) return [];
  if (!testControl) throw new Error('MISCONFIGURE needs TEST_CONTROL=1');
  return parseMisconfigurations(raw);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Validates a redirect URI given with `--redirect-uri` (an app of your own against the demo AS) and returns it
 * normalized. Loopback only: the demo AS has a well-known user and password, so it must never send a code to
 * another machine. http or https, absolute, no fragment (RFC 6749 §3.1.2).
 */
export function loopbackRedirectUri(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`--redirect-uri: not an absolute URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--redirect-uri: not http(s): ${raw}`);
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error(`--redirect-uri: only loopback hosts (127.0.0.1, localhost, [::1]), got ${url.hostname}: ${raw}`);
  }
  if (url.hash || raw.includes('#')) throw new Error(`--redirect-uri: a redirect URI has no fragment: ${raw}`);
  if (url.username || url.password) throw new Error(`--redirect-uri: no user info in a redirect URI: ${raw}`);
  return url.href;
}

/** `redirectUris`: the `--redirect-uri` values, validated with {@link loopbackRedirectUri}. */
export function demoConfig({ redirectUris = [] }: { redirectUris?: readonly string[] } = {}): DemoConfig {
  const asPort = intFromEnv('AS_PORT', 4000);
  const apiPort = intFromEnv('API_PORT', 4001);
  const otherPort = intFromEnv('OTHER_PORT', 4002);
  const spaPort = intFromEnv('SPA_PORT', 5173);
  const testControl = process.env.TEST_CONTROL === '1';
  const extra = [...new Set([...redirectUris.map(loopbackRedirectUri), ...extraRedirectUris(testControl)])];
  return {
    asPort,
    apiPort,
    otherPort,
    spaPort,
    issuer: `http://${HOST}:${asPort}`,
    apiUrl: `http://${HOST}:${apiPort}/api/`,
    reportsUrl: `http://${HOST}:${apiPort}/reports/`,
    otherUrl: `http://${HOST}:${otherPort}/`,
    spaOrigin: `http://${HOST}:${spaPort}`,
    clientId: 'browser-oauth-demo',
    accessTokenTtl: intFromEnv('ACCESS_TOKEN_TTL', 60),
    refreshTokenTtl: intFromEnv('REFRESH_TOKEN_TTL', 24 * 60 * 60),
    testControl,
    dpop: process.env.DPOP !== '0',
    dpopIatWindow: {
      past: intFromEnv('DPOP_IAT_PAST', 60),
      future: intFromEnv('DPOP_IAT_FUTURE', testControl ? 300 : 60),
    },
    // Tests want quiet servers by default; DEMO_LOG=1/0 overrides.
    log: process.env.DEMO_LOG ? process.env.DEMO_LOG === '1' : !testControl,
    extraRedirectUris: extra,
    extraOrigins: [...new Set(extra.map((uri) => new URL(uri).origin))],
    misconfigure: misconfigurations(testControl),
  };
}
