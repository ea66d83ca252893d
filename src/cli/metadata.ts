/**
 * What the metadata says about the features the SDK relies on: endpoints, PKCE, DPoP, RFC 9207 `iss`,
 * PAR, the code and refresh grants. Pure: it reads the document discovery returned.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import { DPOP_ALGORITHMS, usesDPoP } from '../core/dpop.js';
import { isAllowedProtocol } from '../core/url.js';
import { fixFor, type FixContext, type Idp } from './idp.js';
import { fail, pass, warn, type Row } from './report.js';

const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined);

/** True when the SDK will send DPoP proofs to this server (its own rule: on when advertised). */
export const sdkUsesDPoP = (metadata: Record<string, unknown>): boolean => {
  try {
    return usesDPoP(undefined, { ...metadata, dpop_signing_alg_values_supported: strings(metadata.dpop_signing_alg_values_supported) } as AuthorizationServer);
  } catch {
    return false;
  }
};

interface EndpointSpec {
  readonly field: string;
  readonly id: string;
  /** A missing endpoint fails (the SDK cannot work), or warns with this consequence. */
  readonly missing: 'fail' | ((idp: Idp, c: FixContext) => string);
  readonly use: string;
}

const ENDPOINTS: readonly EndpointSpec[] = [
  { field: 'authorization_endpoint', id: 'endpoints.authorization', missing: 'fail', use: 'login()' },
  { field: 'token_endpoint', id: 'endpoints.token', missing: 'fail', use: 'the code exchange and every refresh' },
  { field: 'revocation_endpoint', id: 'endpoints.revocation', missing: (idp, c) => fixFor('revocation', idp, c), use: 'logout() revokes the refresh token' },
  {
    field: 'end_session_endpoint',
    id: 'endpoints.end-session',
    missing: () => 'logout({ endSession: true }) can only sign out locally: enable OpenID Connect RP-Initiated Logout and list end_session_endpoint',
    use: 'logout({ endSession: true })',
  },
  { field: 'userinfo_endpoint', id: 'endpoints.userinfo', missing: () => 'auth.userinfo() cannot work: enable the OpenID Connect userinfo endpoint', use: 'auth.userinfo()' },
  { field: 'jwks_uri', id: 'endpoints.jwks', missing: () => 'publish the signing keys (jwks_uri) so ID tokens can be verified', use: 'ID token signing keys' },
];

function endpointRow(spec: EndpointSpec, metadata: Record<string, unknown>, idp: Idp, context: FixContext): Row {
  const value = metadata[spec.field];
  if (typeof value !== 'string' || value === '') {
    const saw = `no ${spec.field} in the metadata`;
    return spec.missing === 'fail' ? fail(spec.id, saw, `the authorization server must list ${spec.field} (used by ${spec.use})`) : warn(spec.id, saw, spec.missing(idp, context));
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(spec.id, `${spec.field} "${value}" is not an absolute URL`, `fix ${spec.field} in the server's metadata`);
  }
  if (!isAllowedProtocol(url, true)) return fail(spec.id, `${value} is not https`, 'browser-oauth refuses plain http outside loopback (insecure_url): serve the endpoint over https');
  return pass(spec.id, value);
}

export function checkMetadata(metadata: Record<string, unknown>, idp: Idp, context: FixContext): Row[] {
  const rows = ENDPOINTS.map((spec) => endpointRow(spec, metadata, idp, context));

  const responseTypes = strings(metadata.response_types_supported);
  if (responseTypes && !responseTypes.includes('code')) {
    rows.push(fail('response-type', `response_types_supported is ${JSON.stringify(responseTypes)}`, 'enable the authorization code flow (response_type=code), the only one browser-oauth uses'));
  }

  const challenge = strings(metadata.code_challenge_methods_supported);
  rows.push(
    challenge?.includes('S256')
      ? pass('pkce', 'S256 in code_challenge_methods_supported')
      : fail('pkce', challenge ? `code_challenge_methods_supported is ${JSON.stringify(challenge)}, without S256` : 'no code_challenge_methods_supported: the server does not say it does PKCE', fixFor('pkce', idp, context)),
  );

  const dpopAlgs = strings(metadata.dpop_signing_alg_values_supported);
  if (!dpopAlgs || dpopAlgs.length === 0) {
    rows.push(warn('dpop', 'no dpop_signing_alg_values_supported: tokens will be Bearer tokens', fixFor('dpop', idp, context)));
  } else {
    const alg = DPOP_ALGORITHMS.find((candidate) => dpopAlgs.includes(candidate));
    rows.push(
      alg
        ? pass('dpop', `DPoP offered (${dpopAlgs.join(', ')}); browser-oauth will sign proofs with ${alg}`)
        : fail('dpop', `DPoP offered only with ${dpopAlgs.join(', ')}`, `allow one of ${DPOP_ALGORITHMS.join(', ')} for DPoP proofs, or set dpop: false`),
    );
  }

  rows.push(
    metadata.authorization_response_iss_parameter_supported === true
      ? pass('iss-parameter', 'authorization_response_iss_parameter_supported: true (RFC 9207 mix-up defence)')
      : warn('iss-parameter', 'authorization_response_iss_parameter_supported is not true', 'nothing breaks; to defend against mix-up attacks, have the server send iss in authorization responses (RFC 9207)'),
  );

  const par = metadata.pushed_authorization_request_endpoint;
  const parRequired = metadata.require_pushed_authorization_requests === true;
  // The SDK's rule (src/core/flows/par.ts `usesPar`), for its default `par: 'auto'`.
  if (typeof par === 'string' && par !== '') {
    rows.push(pass('par', `pushed authorization requests at ${par}${parRequired ? ' (required: par: false fails with par_required)' : ''}: login() pushes its request there (par: 'auto'), so that endpoint must allow the app's origin by CORS, as the token endpoint does`));
  } else if (parRequired) {
    rows.push(fail('par', 'require_pushed_authorization_requests is true but no pushed_authorization_request_endpoint is listed: login() fails with par_unsupported', 'list pushed_authorization_request_endpoint in the metadata'));
  } else rows.push(pass('par', 'no pushed authorization requests: login() puts the request in the URL (par: true would fail with par_unsupported)'));

  const grants = strings(metadata.grant_types_supported);
  if (grants && !grants.includes('authorization_code')) rows.push(fail('grants', `grant_types_supported is ${JSON.stringify(grants)}`, fixFor('code-grant', idp, context)));
  else if (grants && !grants.includes('refresh_token')) rows.push(warn('grants', `grant_types_supported lacks refresh_token`, fixFor('refresh', idp, context)));
  else rows.push(pass('grants', grants ? `grant_types_supported: ${grants.join(', ')}` : 'grant_types_supported not listed (authorization_code assumed, RFC 8414 §2)'));
  return rows;
}
