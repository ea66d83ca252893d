/**
 * A fake authorization server and API for the doctor's unit tests: a {@link Probe} that answers like a
 * correctly set-up oidc-provider, with switches for each mistake the doctor must catch. It records every
 * request, so tests can also say what was (not) asked.
 */
import type { Probe, ProbeRequest, ProbeResult } from '../src/cli/http-probe.js';

export const ISSUER = 'https://id.example.com';
export const ORIGIN = 'https://app.example.com';
export const API = 'https://api.example.com/v1/';
export const CLIENT_ID = 'spa';

export interface FakeSetup {
  issuer?: string;
  /** The issuer the metadata names (default: `issuer`). */
  namedIssuer?: string;
  /** Extra or removed (`undefined`) metadata fields. */
  metadata?: Record<string, unknown>;
  oidcDiscovery?: boolean;
  tokenCors?: boolean;
  /** CORS at the PAR endpoint (listed with `metadata: { pushed_authorization_request_endpoint: … }`). */
  parCors?: boolean;
  /** `Access-Control-Expose-Headers` of the token endpoint. */
  tokenExpose?: string;
  /** The token endpoint's answer to the made-up code. */
  tokenError?: { status: number; error: string };
  /** The authorization endpoint's status for the probe request. */
  authorizeStatus?: number;
  apiAllowHeaders?: string;
  apiExpose?: string;
  unreachable?: string[];
  /** The app origin the servers allow for CORS (default {@link ORIGIN}). */
  origin?: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ProbeResult => ({
  status,
  headers: new Headers({ 'content-type': 'application/json', ...headers }),
  text: JSON.stringify(body),
});

export function fakeServers(setup: FakeSetup = {}): Probe & { requests: ProbeRequest[] } {
  const issuer = setup.issuer ?? ISSUER;
  const base = new URL(issuer).origin;
  const appOrigin = setup.origin ?? ORIGIN;
  const metadata: Record<string, unknown> = {
    issuer: setup.namedIssuer ?? issuer,
    authorization_endpoint: `${base}/auth`,
    token_endpoint: `${base}/token`,
    revocation_endpoint: `${base}/token/revocation`,
    end_session_endpoint: `${base}/session/end`,
    userinfo_endpoint: `${base}/me`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
    authorization_response_iss_parameter_supported: true,
  };
  for (const [key, value] of Object.entries(setup.metadata ?? {})) {
    if (value === undefined) delete metadata[key];
    else metadata[key] = value;
  }
  const cors = (request: ProbeRequest, allowed: boolean, expose?: string): Record<string, string> => {
    const origin = request.headers?.origin;
    if (!origin || !allowed || origin !== appOrigin) return {};
    return { 'access-control-allow-origin': origin, ...(expose && { 'access-control-expose-headers': expose }) };
  };
  const preflight = (request: ProbeRequest, allowed: boolean, allowHeaders?: string): ProbeResult => ({
    status: 204,
    headers: new Headers(
      allowed && request.headers?.origin === appOrigin
        ? { 'access-control-allow-origin': appOrigin, 'access-control-allow-headers': allowHeaders ?? request.headers?.['access-control-request-headers'] ?? '' }
        : {},
    ),
    text: '',
  });

  const requests: ProbeRequest[] = [];
  const probe = async (request: ProbeRequest): Promise<ProbeResult> => {
    requests.push(request);
    const url = new URL(request.url);
    if (setup.unreachable?.includes(url.origin + url.pathname)) return { error: 'connect ECONNREFUSED' };
    const at = `${url.origin}${url.pathname}`;
    const isOidc = at === `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const isOauth = url.pathname.startsWith('/.well-known/oauth-authorization-server');
    if (isOidc || isOauth) {
      if (isOidc && setup.oidcDiscovery === false) return json(404, { error: 'not_found' });
      return json(200, metadata, cors(request, true));
    }
    const tokenCors = setup.tokenCors !== false;
    switch (at) {
      case `${base}/token`:
        if (request.method === 'OPTIONS') return preflight(request, true);
        return json(setup.tokenError?.status ?? 400, { error: setup.tokenError?.error ?? 'invalid_grant' }, cors(request, tokenCors, setup.tokenExpose ?? 'WWW-Authenticate, DPoP-Nonce'));
      case `${base}/request`:
        if (request.method === 'OPTIONS') return preflight(request, setup.parCors !== false);
        return json(400, { error: 'invalid_request' }, cors(request, setup.parCors !== false, 'WWW-Authenticate, DPoP-Nonce'));
      case `${base}/token/revocation`:
        return json(200, {}, cors(request, true));
      case `${base}/me`:
        if (request.method === 'OPTIONS') return preflight(request, true);
        return json(401, { error: 'invalid_token' }, cors(request, true));
      case `${base}/jwks`:
        return json(200, { keys: [] }, cors(request, true));
      case `${base}/auth`: {
        const status = setup.authorizeStatus ?? 303;
        return { status, headers: new Headers(status === 303 ? { location: `${base}/interaction/1` } : {}), text: '' };
      }
      case API:
        if (request.method === 'OPTIONS') return preflight(request, true, setup.apiAllowHeaders);
        return json(401, {}, { ...cors(request, true, setup.apiExpose ?? 'WWW-Authenticate, DPoP-Nonce'), 'www-authenticate': 'DPoP' });
    }
    return json(404, {});
  };
  return Object.assign(probe, { requests });
}
