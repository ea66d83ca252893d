/**
 * What the authorization server thinks of the client, asked without credentials and without a user:
 * - a token request with a made-up code: a public client gets `invalid_grant` (the code), a confidential or
 *   unknown one `invalid_client`, one without the code grant `unauthorized_client`;
 * - an authorization request: a registered redirect URI leads on (a redirect to the login page, or to the
 *   redirect URI with an error), an unregistered one stops at the server's error page.
 * Neither can succeed, so nothing is granted and nothing stored.
 */
import { isResponse, jsonObject, type Probe, type ProbeResult } from './http-probe.js';
import { fixFor, type FixContext, type Idp } from './idp.js';
import { fail, pass, warn, type Row } from './report.js';

/** 43 characters: the shortest valid PKCE verifier (RFC 7636 §4.1), and never a code anyone was issued. */
const BOGUS = 'browser-oauth-doctor-not-a-real-code-000000';

/**
 * The body of the SDK's code exchange, with a code that cannot exist. Without `--redirect-uri` the origin
 * stands in: servers refuse a request without one (`invalid_request`) before they look the code up.
 */
export function bogusCodeExchange(clientId: string, redirectUri: string | undefined, origin: string): string {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: BOGUS,
    code_verifier: BOGUS,
    client_id: clientId,
    redirect_uri: redirectUri ?? `${origin}/`,
  }).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' } as const;

export function clientRow(answer: ProbeResult, idp: Idp, context: FixContext): Row {
  const id = 'registration.client';
  if (!isResponse(answer)) return fail(id, `the token endpoint did not answer: ${answer.error}`, 'check that the token endpoint is reachable');
  const body = jsonObject(answer);
  const error = typeof body?.error === 'string' ? body.error : undefined;
  const described = `${answer.status} ${error ?? '(no OAuth error)'}${typeof body?.error_description === 'string' ? `: ${body.error_description.slice(0, 160)}` : ''}`;
  switch (error) {
    case 'invalid_grant':
      return pass(id, `a made-up code with client_id alone got ${answer.status} invalid_grant: ${context.clientId} is a public client`);
    case 'invalid_client':
      return fail(id, `a code exchange with client_id alone got ${described}: the client is confidential or unknown`, fixFor('public-client', idp, context));
    case 'unauthorized_client':
      return fail(id, `a code exchange got ${described}`, fixFor('code-grant', idp, context));
    default:
      return warn(id, `could not tell the client's registration: a made-up code got ${described}`, 'nothing to change if sign-in works; otherwise check that the client is public and allowed the authorization_code grant');
  }
}

/** The SDK's authorization request, minus anything real: a fresh-looking state and a fixed challenge. */
export function authorizationProbeUrl(authorizationEndpoint: string, clientId: string, redirectUri: string): string {
  const url = new URL(authorizationEndpoint);
  const params = { client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', state: 'browser-oauth-doctor', code_challenge: BOGUS, code_challenge_method: 'S256' };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

export function redirectUriRow(answer: ProbeResult, idp: Idp, context: FixContext & { redirectUri: string }): Row {
  const id = 'registration.redirect-uri';
  if (!isResponse(answer)) return fail(id, `the authorization endpoint did not answer: ${answer.error}`, 'check that the authorization endpoint is reachable');
  if (answer.status >= 300 && answer.status < 400) {
    const location = answer.headers.get('location') ?? '';
    const toApp = location.startsWith(context.redirectUri);
    return pass(id, `accepted: the authorization endpoint redirected ${toApp ? 'back to the redirect URI' : 'on to sign-in'} (${answer.status})`);
  }
  if (answer.status >= 400 && answer.status < 500) {
    return fail(id, `the authorization endpoint refused the request (${answer.status}): redirect URI or client id not registered`, fixFor('redirect-uri', idp, context));
  }
  return warn(id, `could not tell: the authorization endpoint answered ${answer.status} (a page of its own)`, `make sure ${context.redirectUri} is registered exactly for ${context.clientId}`);
}

/** Both registration questions, asked without `Origin` (an AS may refuse a foreign origin before it looks at the client). */
export async function checkRegistration(probe: Probe, metadata: Record<string, unknown>, idp: Idp, context: FixContext): Promise<Row[]> {
  const rows: Row[] = [];
  const token = metadata.token_endpoint;
  if (typeof token === 'string') {
    const answer = await probe({ method: 'POST', url: token, headers: FORM, body: bogusCodeExchange(context.clientId, context.redirectUri, context.origin) });
    rows.push(clientRow(answer, idp, context));
  }
  const authorization = metadata.authorization_endpoint;
  if (typeof authorization === 'string' && context.redirectUri !== undefined) {
    const answer = await probe({ method: 'GET', url: authorizationProbeUrl(authorization, context.clientId, context.redirectUri) });
    rows.push(redirectUriRow(answer, idp, { ...context, redirectUri: context.redirectUri }));
  }
  return rows;
}
