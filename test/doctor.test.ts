import { describe, expect, it } from 'vitest';
import type { DoctorOptions } from '../src/cli/args.js';
import { runDoctor } from '../src/cli/doctor.js';
import { exitCode, type Row } from '../src/cli/report.js';
import { API, CLIENT_ID, fakeServers, ISSUER, ORIGIN, type FakeSetup } from './doctor-fake.js';

/**
 * The doctor against a fake authorization server and API (test/doctor-fake.ts): a correct setup passes
 * every row, and each mistake fails exactly its row, with the fix. The real demo AS: e2e/doctor-cli.spec.ts.
 */
const options = (overrides: Partial<DoctorOptions> = {}): DoctorOptions => ({
  issuer: ISSUER,
  clientId: CLIENT_ID,
  origin: ORIGIN,
  redirectUri: `${ORIGIN}/callback`,
  resources: [API],
  json: false,
  timeoutMs: 1000,
  ...overrides,
});

async function doctor(setup: FakeSetup = {}, overrides: Partial<DoctorOptions> = {}) {
  const probe = fakeServers(setup);
  const report = await runDoctor(options(overrides), probe);
  const notPassing = report.rows.filter((row) => row.verdict !== 'pass');
  return { report, notPassing, requests: probe.requests, row: (id: string): Row | undefined => report.rows.find((r) => r.id === id) };
}

describe('doctor', () => {
  it('passes every row of a correct setup, and exits 0', async () => {
    const { report, notPassing } = await doctor();
    expect(notPassing).toEqual([]);
    expect(report.rows.map((row) => row.id)).toEqual([
      'inputs.issuer',
      'inputs.origin',
      'redirect-uri',
      'discovery',
      'discovery.issuer',
      'cors.discovery',
      'endpoints.authorization',
      'endpoints.token',
      'endpoints.revocation',
      'endpoints.end-session',
      'endpoints.userinfo',
      'endpoints.jwks',
      'pkce',
      'dpop',
      'iss-parameter',
      'par',
      'grants',
      'registration.client',
      'registration.redirect-uri',
      'cors.token',
      'expose.token',
      'cors.revocation',
      'cors.userinfo',
      'cors.jwks',
      'cors.resource',
      'expose.resource',
    ]);
    expect(exitCode(report.rows)).toBe(0);
  });

  it.each<[string, FakeSetup, Partial<DoctorOptions>, string, RegExp, RegExp]>([
    ['CORS off at the PAR endpoint (login() pushes there by default)', { metadata: { pushed_authorization_request_endpoint: 'https://id.example.com/request' }, parCors: false }, {}, 'cors.par', /preflight \(OPTIONS\) answered with no Access-Control-Allow-Origin/, /allow the origin https:\/\/app\.example\.com for CORS at https:\/\/id\.example\.com\/request/],
    ['CORS off at the token endpoint', { tokenCors: false }, {}, 'cors.token', /POST \(status 400\) came back with no Access-Control-Allow-Origin/, /allow the origin https:\/\/app\.example\.com for CORS at https:\/\/id\.example\.com\/token/],
    ['DPoP-Nonce not exposed', { tokenExpose: 'WWW-Authenticate' }, {}, 'expose.token', /does not expose DPoP-Nonce/, /Access-Control-Expose-Headers/],
    ['an issuer that differs from the metadata', { namedIssuer: 'https://id.example.com/tenant' }, {}, 'discovery.issuer', /names issuer https:\/\/id\.example\.com\/tenant, not https:\/\/id\.example\.com/, /issuer: 'https:\/\/id\.example\.com\/tenant' exactly/],
    ['PKCE off', { metadata: { code_challenge_methods_supported: undefined } }, {}, 'pkce', /does not say it does PKCE/, /S256/],
    ['PKCE without S256', { metadata: { code_challenge_methods_supported: ['plain'] } }, {}, 'pkce', /\["plain"\], without S256/, /S256/],
    ['a confidential client', { tokenError: { status: 401, error: 'invalid_client' } }, {}, 'registration.client', /401 invalid_client/, /public client/],
    ['no code grant for the client', { tokenError: { status: 400, error: 'unauthorized_client' } }, {}, 'registration.client', /unauthorized_client/, /authorization_code/],
    ['an unregistered redirect URI', { authorizeStatus: 400 }, {}, 'registration.redirect-uri', /refused the request \(400\)/, /register the exact redirect URI https:\/\/app\.example\.com\/callback for spa/],
    ['an API without Authorization in its preflight', { apiAllowHeaders: '*' }, {}, 'cors.resource', /does not allow the request header authorization/, /Access-Control-Allow-Headers: authorization, dpop/],
    ['an API that hides WWW-Authenticate', { apiExpose: 'DPoP-Nonce' }, {}, 'expose.resource', /does not expose WWW-Authenticate/, /Expose-Headers: WWW-Authenticate, DPoP-Nonce/],
    ['a redirect URI on another origin', {}, { redirectUri: 'https://other.example.com/callback' }, 'redirect-uri', /not the app's origin/, /app's own origin/],
    ['a plain-http redirect URI', {}, { redirectUri: 'http://app.example.com/callback' }, 'redirect-uri', /must use https/, /https/],
    ['a custom scheme that is not a reversed domain', {}, { redirectUri: 'myapp:/callback' }, 'redirect-uri', /must use https/, /private-use scheme such as com\.example\.app:\/callback/],
    ['DPoP only with algorithms the SDK lacks', { metadata: { dpop_signing_alg_values_supported: ['HS256'] } }, {}, 'dpop', /only with HS256/, /ES256/],
    ['no token endpoint', { metadata: { token_endpoint: undefined } }, {}, 'endpoints.token', /no token_endpoint/, /must list token_endpoint/],
    ['an http endpoint outside loopback', { metadata: { revocation_endpoint: 'http://id.example.com/revoke' } }, {}, 'endpoints.revocation', /not https/, /insecure_url/],
  ])('catches %s, failing only its row, with the fix', async (_name, setup, overrides, id, saw, fix) => {
    const { report, notPassing } = await doctor(setup, overrides);
    const failing = notPassing.filter((row) => row.verdict === 'fail');
    expect(failing.map((row) => row.id)).toEqual([id]);
    expect(failing[0]!.saw).toMatch(saw);
    expect(failing[0]!.fix).toMatch(fix);
    expect(exitCode(report.rows)).toBe(1);
  });

  it('accepts a native shell\'s private-use redirect URI (RFC 8252 §7.1) without asking for the app\'s origin', async () => {
    const redirectUri = 'com.example.app:/callback';
    const { row, notPassing } = await doctor({ origin: 'capacitor://localhost' }, { redirectUri, origin: 'capacitor://localhost' });
    expect(row('redirect-uri')?.verdict).toBe('pass');
    expect(row('redirect-uri')?.saw).toMatch(/private-use scheme: .*auth\.handleRedirect/);
    expect(notPassing).toEqual([]);
    expect(row('inputs.origin')?.saw).toBe("capacitor://localhost (a native shell's WebView origin)");
  });

  it('checks the PAR endpoint\'s CORS when the AS lists one (login() pushes there by default)', async () => {
    const { row, notPassing } = await doctor({ metadata: { pushed_authorization_request_endpoint: 'https://id.example.com/request' } });
    expect(notPassing).toEqual([]);
    expect(row('cors.par')?.verdict).toBe('pass');
    expect(row('expose.par')?.verdict).toBe('pass');
    expect(row('par')?.saw).toMatch(/login\(\) pushes its request there/);
  });

  it('names the identity provider\'s own setting in the fix', async () => {
    const keycloak = 'https://sso.example.com/realms/acme';
    const { report, row } = await doctor({ issuer: keycloak, tokenCors: false, authorizeStatus: 400 }, { issuer: keycloak });
    expect(report.idp).toBe('keycloak');
    expect(row('cors.token')?.fix).toBe('Clients → spa → Web origins: add https://app.example.com');
    expect(row('registration.redirect-uri')?.fix).toBe('Clients → spa → Valid redirect URIs: https://app.example.com/callback (exact, no wildcard)');
  });

  it('falls back to RFC 8414 metadata when OpenID Connect discovery is a 404, like the SDK', async () => {
    const { row, notPassing } = await doctor({ oidcDiscovery: false });
    expect(notPassing).toEqual([]);
    expect(row('discovery')?.saw).toBe('metadata at https://id.example.com/.well-known/oauth-authorization-server');
  });

  it('treats a trailing-slash difference the way oauth4webapi does: equal for an origin-only issuer', async () => {
    const { row } = await doctor({ namedIssuer: 'https://id.example.com/' });
    expect(row('discovery.issuer')?.verdict).toBe('pass');
    const realm = 'https://sso.example.com/realms/acme';
    const { row: rowWithPath } = await doctor({ issuer: realm, namedIssuer: `${realm}/` }, { issuer: realm });
    expect(rowWithPath('discovery.issuer')?.verdict).toBe('fail');
  });

  it('without DPoP, warns and asks no preflight of the token endpoint (a form POST is a simple request)', async () => {
    const { notPassing, requests, row } = await doctor({ metadata: { dpop_signing_alg_values_supported: undefined } });
    expect(notPassing.map((r) => [r.id, r.verdict])).toEqual([['dpop', 'warn']]);
    expect(requests.filter((r) => r.method === 'OPTIONS' && r.url.endsWith('/token'))).toEqual([]);
    expect(row('expose.token')).toBeUndefined();
    expect(row('expose.resource')?.saw).toBe('exposes WWW-Authenticate');
  });

  it('warns, without failing, where only optional features are missing', async () => {
    const { report, notPassing } = await doctor({
      metadata: { revocation_endpoint: undefined, end_session_endpoint: undefined, authorization_response_iss_parameter_supported: undefined, grant_types_supported: ['authorization_code'] },
    });
    expect(notPassing.map((r) => [r.id, r.verdict])).toEqual([
      ['endpoints.revocation', 'warn'],
      ['endpoints.end-session', 'warn'],
      ['iss-parameter', 'warn'],
      ['grants', 'warn'],
    ]);
    expect(exitCode(report.rows)).toBe(0);
  });

  it('stops after discovery when the issuer does not answer', async () => {
    const { report, requests } = await doctor({ unreachable: [`${ISSUER}/.well-known/openid-configuration`] });
    expect(report.rows.slice(3)).toEqual([expect.objectContaining({ id: 'discovery', verdict: 'fail', saw: expect.stringContaining('ECONNREFUSED') })]);
    expect(requests).toHaveLength(1);
  });

  it('asks nothing when the origin is not an origin', async () => {
    const { report, requests } = await doctor({}, { origin: 'https://app.example.com/app' });
    expect(report.rows.find((r) => r.id === 'inputs.origin')).toMatchObject({ verdict: 'fail', fix: expect.stringContaining('https://app.example.com') });
    expect(requests).toEqual([]);
  });

  it('sends the app\'s Origin, and in the token preflight exactly the headers the SDK sends', async () => {
    const { requests } = await doctor();
    const preflight = requests.find((r) => r.method === 'OPTIONS' && r.url === `${ISSUER}/token`);
    expect(preflight?.headers).toEqual({ origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'dpop' });
    const apiPreflight = requests.find((r) => r.method === 'OPTIONS' && r.url === API);
    expect(apiPreflight?.headers?.['access-control-request-headers']).toBe('authorization,dpop');
    // The registration question goes without Origin: a server may refuse a foreign origin before it looks at the client.
    const exchanges = requests.filter((r) => r.method === 'POST' && r.url === `${ISSUER}/token`);
    expect(exchanges.map((r) => r.headers?.origin)).toEqual([undefined, ORIGIN]);
    expect(new URLSearchParams(exchanges[0]!.body).get('grant_type')).toBe('authorization_code');
  });
});
