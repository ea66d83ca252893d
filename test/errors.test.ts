import { readFileSync } from 'node:fs';
import * as o from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { OAuthError, toOAuthError, type OAuthErrorCode } from '../src/core/errors.js';

const SECRETS = ['eyJ.secret-access-token', 'secret-refresh-token', 'secret-code', 'secret-state'];
const everything = (err: OAuthError) =>
  JSON.stringify({ ...err, message: err.message, stack: err.stack, cause: String(err.cause), causeKeys: Object.entries(err.cause ?? {}) });

async function bodyError(status: number, body: Record<string, unknown>) {
  const response = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const as = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' };
  return o.processRefreshTokenResponse(as, { client_id: 'spa' }, response).catch((e: unknown) => e);
}

describe('toOAuthError', () => {
  it.each([
    [400, 'invalid_grant', 'invalid_grant'],
    [401, 'invalid_client', 'invalid_client'],
    [400, 'unauthorized_client', 'invalid_client'],
    [400, 'invalid_scope', 'invalid_scope'],
    [400, 'unsupported_grant_type', 'oauth_error'],
  ])('maps %i %s to %s, keeping the AS error as data', async (status, error, code) => {
    const err = toOAuthError(await bodyError(status, { error, error_description: 'd', refresh_token: SECRETS[1] }));
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ code, error, errorDescription: 'd', status, name: 'OAuthError' });
    for (const secret of SECRETS) expect(everything(err)).not.toContain(secret);
  });

  it.each([503, 500])('maps %i to server_error whatever its body (oauth4webapi parses 4xx bodies only)', async (status) => {
    const err = toOAuthError(await bodyError(status, { error: 'temporarily_unavailable', access_token: SECRETS[0] }));
    expect(err).toMatchObject({ code: 'server_error', status });
    for (const secret of SECRETS) expect(everything(err)).not.toContain(secret);
  });

  it('removes the callback parameters oauth4webapi puts in cause', () => {
    const params = new URLSearchParams({ error: 'access_denied', state: SECRETS[3]!, code: SECRETS[2]! });
    const err = toOAuthError(new o.AuthorizationResponseError('denied', { cause: params }));
    expect(err.code).toBe('access_denied');
    for (const secret of SECRETS) expect(everything(err)).not.toContain(secret);
  });

  it('maps an unknown authorization error to authorization_error, bounding untrusted text', () => {
    const params = new URLSearchParams({ error: 'x'.repeat(5000), error_description: 'y'.repeat(5000) });
    const err = toOAuthError(new o.AuthorizationResponseError('denied', { cause: params }));
    expect(err.code).toBe('authorization_error');
    expect(err.error!.length).toBeLessThanOrEqual(300);
    expect(err.errorDescription!.length).toBeLessThanOrEqual(300);
  });

  it('maps a 5xx without an OAuth body to server_error and a non-JSON 200 to invalid_response', async () => {
    const as = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' };
    const fiveHundred = await o.processRefreshTokenResponse(as, { client_id: 'spa' }, new Response('oops', { status: 502 })).catch((e: unknown) => e);
    expect(toOAuthError(fiveHundred)).toMatchObject({ code: 'server_error', status: 502 });
    const html = await o
      .processRefreshTokenResponse(as, { client_id: 'spa' }, new Response('<html>', { status: 200, headers: { 'content-type': 'text/html' } }))
      .catch((e: unknown) => e);
    expect(toOAuthError(html).code).toBe('invalid_response');
  });

  it('maps fetch failures, timeouts and http refusals', () => {
    expect(toOAuthError(new TypeError('Failed to fetch')).code).toBe('network');
    expect(toOAuthError(new DOMException('t', 'TimeoutError')).code).toBe('timeout');
    // What oauth4webapi throws before sending anything to a plain-http endpoint.
    const forbidden = (() => {
      try {
        o.checkProtocol(new URL('http://evil.example/token'), true);
      } catch (err) {
        return err;
      }
    })();
    expect(toOAuthError(forbidden).code).toBe('insecure_url');
  });

  it("keeps the AS's untrusted text out of the message: it is in error and errorDescription only", async () => {
    const fromToken = toOAuthError(await bodyError(400, { error: 'HOSTILE_error', error_description: 'HOSTILE description' }));
    const params = new URLSearchParams({ error: 'HOSTILE_error', error_description: 'HOSTILE description' });
    const fromCallback = toOAuthError(new o.AuthorizationResponseError('denied', { cause: params }));
    for (const err of [fromToken, fromCallback]) {
      expect(err.message).not.toMatch(/HOSTILE/);
      expect(err).toMatchObject({ error: 'HOSTILE_error', errorDescription: 'HOSTILE description' });
    }
  });

  it('returns an OAuthError unchanged', () => {
    const err = new OAuthError('timeout', 't');
    expect(toOAuthError(err)).toBe(err);
  });
});

describe('docs/errors.md', () => {
  // `satisfies` makes tsc refuse a code of the union missing here, and a name that is not a code.
  const CODES = Object.keys({
    state_mismatch: 1,
    issuer_mismatch: 1,
    nonce_mismatch: 1,
    invalid_callback: 1,
    access_denied: 1,
    login_required: 1,
    refresh_token_required: 1,
    interaction_required: 1,
    consent_required: 1,
    authorization_error: 1,
    invalid_grant: 1,
    invalid_client: 1,
    invalid_scope: 1,
    invalid_target: 1,
    oauth_error: 1,
    invalid_id_token: 1,
    id_token_mismatch: 1,
    network: 1,
    timeout: 1,
    server_error: 1,
    invalid_response: 1,
    response_too_large: 1,
    invalid_token: 1,
    insufficient_user_authentication: 1,
    userinfo_mismatch: 1,
    resource_redirect: 1,
    unsafe_resource_path: 1,
    storage_unavailable: 1,
    storage_corrupt: 1,
    insecure_url: 1,
    discovery_failed: 1,
    dpop_unsupported: 1,
    dpop_downgrade: 1,
    par_unsupported: 1,
    par_required: 1,
    destroyed: 1,
    popup_blocked: 1,
    popup_closed: 1,
    popup_timeout: 1,
  } satisfies Record<OAuthErrorCode, 1>);
  const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

  it('has one section per code, and no section for a code that does not exist', () => {
    const sections = [...read('docs/errors.md').matchAll(/^### `(\w+)`$/gm)].map((m) => m[1]);
    expect([...sections].sort()).toEqual([...CODES].sort());
  });

  it("the README's error table links every code to its section", () => {
    const linked = [...read('README.md').matchAll(/^\| \[`(\w+)`\]\(docs\/errors\.md#(\w+)\)/gm)].map((m) => [m[1], m[2]]);
    expect(linked.sort()).toEqual(CODES.map((code) => [code, code]).sort());
  });
});
