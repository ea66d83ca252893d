import { describe, expect, it } from 'vitest';
import { parseDoctorArgs } from '../src/cli/args.js';
import { corsProblem, preflightRequest, unexposed } from '../src/cli/cors.js';
import type { ProbeResult } from '../src/cli/http-probe.js';
import { fixFor, identifyIdp } from '../src/cli/idp.js';
import { exitCode, fail, pass, toJson, warn } from '../src/cli/report.js';
import { toText } from '../src/cli/text.js';

const ORIGIN = 'https://app.example.com';
const answer = (headers: Record<string, string>, status = 200): ProbeResult => ({ status, headers: new Headers(headers), text: '' });

describe('doctor: CORS as a browser judges it', () => {
  const post = { method: 'POST', headers: ['dpop'] } as const;
  const ok = answer({ 'access-control-allow-origin': ORIGIN });
  const preflightOk = answer({ 'access-control-allow-origin': ORIGIN, 'access-control-allow-headers': 'DPoP, Content-Type' }, 204);

  it.each<[string, ProbeResult | undefined, ProbeResult, string | undefined]>([
    ['an allowed request', preflightOk, ok, undefined],
    ['a wildcard origin (the SDK sends no credentials)', answer({ 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' }, 204), answer({ 'access-control-allow-origin': '*' }), undefined],
    ['another origin in the answer', preflightOk, answer({ 'access-control-allow-origin': 'https://other.example' }), 'the POST (status 200) came back with Access-Control-Allow-Origin: https://other.example'],
    ['no CORS on the answer', preflightOk, answer({}, 400), 'the POST (status 400) came back with no Access-Control-Allow-Origin'],
    ['a preflight without the origin', answer({}, 204), ok, 'the preflight (OPTIONS) answered with no Access-Control-Allow-Origin'],
    ['a preflight without the dpop header', answer({ 'access-control-allow-origin': ORIGIN, 'access-control-allow-headers': 'content-type' }, 204), ok, 'the preflight (OPTIONS) does not allow the request header dpop'],
    ['a failed preflight', answer({ 'access-control-allow-origin': ORIGIN }, 405), ok, 'the preflight (OPTIONS) answered 405'],
    ['an unreachable endpoint', preflightOk, { error: 'connect ECONNREFUSED' }, 'the POST got no answer: connect ECONNREFUSED'],
  ])('%s', (_name, preflight, actual, expected) => {
    expect(corsProblem(ORIGIN, post, preflight, actual)).toBe(expected);
  });

  it('never lets "*" stand for Authorization', () => {
    const need = { method: 'GET', headers: ['authorization', 'dpop'] } as const;
    const preflight = answer({ 'access-control-allow-origin': ORIGIN, 'access-control-allow-headers': '*' }, 204);
    expect(corsProblem(ORIGIN, need, preflight, answer({ 'access-control-allow-origin': ORIGIN }))).toBe('the preflight (OPTIONS) does not allow the request header authorization');
  });

  it('asks for a preflight only when a header is not safelisted', () => {
    expect(preflightRequest('https://id.example.com/token', ORIGIN, { method: 'POST', headers: [] })).toBeUndefined();
    expect(preflightRequest('https://id.example.com/token', ORIGIN, post)?.headers).toEqual({ origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'dpop' });
  });

  it('reads exposed headers case-insensitively, "*" exposing all', () => {
    expect(unexposed(answer({ 'access-control-expose-headers': 'www-authenticate' }), ['WWW-Authenticate', 'DPoP-Nonce'])).toEqual(['DPoP-Nonce']);
    expect(unexposed(answer({ 'access-control-expose-headers': '*' }), ['DPoP-Nonce'])).toEqual([]);
    expect(unexposed({ error: 'x' }, ['DPoP-Nonce'])).toEqual(['DPoP-Nonce']);
  });
});

describe('doctor: command line', () => {
  it('parses the documented options', () => {
    expect(parseDoctorArgs(['doctor', '--issuer', 'https://id', '--client-id', 'spa', '--origin', ORIGIN, '--resource', 'https://a/', '--resource', 'https://b/', '--json'])).toEqual({
      ok: true,
      options: { issuer: 'https://id', clientId: 'spa', origin: ORIGIN, resources: ['https://a/', 'https://b/'], json: true, timeoutMs: 10_000 },
    });
  });

  it.each([
    [['--issuer', 'x', '--client-id', 'y', '--origin', 'z'], 'expected the command "doctor", got none'],
    [['doctor', '--issuer', 'x'], 'missing --client-id, --origin'],
    [['doctor', '--issuer', 'x', '--client-id', 'y', '--origin', 'z', '--timeout', '0'], '--timeout must be a number of seconds from 1 to 120'],
  ])('refuses %j', (argv, message) => {
    expect(parseDoctorArgs(argv)).toEqual({ ok: false, message });
  });

  it('refuses an unknown option', () => {
    expect(parseDoctorArgs(['doctor', '--isuer', 'x'])).toMatchObject({ ok: false, message: expect.stringContaining("'--isuer'") });
  });
});

describe('doctor: identity providers', () => {
  it.each([
    ['https://sso.example.com/realms/acme', 'keycloak'],
    ['https://tenant.eu.auth0.com/', 'auth0'],
    ['https://login.microsoftonline.com/0000/v2.0', 'entra'],
    ['https://acme.okta.com/oauth2/default', 'okta'],
    ['https://accounts.google.com', 'google'],
    ['https://id.example.com', 'generic'],
    ['https://auth0.com.evil.example', 'generic'],
  ])('%s is %s', (issuer, idp) => {
    expect(identifyIdp(new URL(issuer))).toBe(idp);
  });

  it('falls back to the generic fix where a provider has no setting of its own', () => {
    const context = { origin: ORIGIN, clientId: 'spa' };
    expect(fixFor('cors', 'okta', context)).toBe(`Security → API → Trusted Origins: add ${ORIGIN} with CORS checked`);
    expect(fixFor('expose-nonce', 'auth0', { ...context, subject: 'T' })).toBe(fixFor('expose-nonce', 'generic', { ...context, subject: 'T' }));
  });
});

describe('doctor: report', () => {
  const report = { issuer: 'https://id.example.com', origin: ORIGIN, idp: 'generic', rows: [pass('discovery', 'ok'), warn('dpop', 'none', 'enable it'), fail('cors.token', 'blocked', 'allow it', 'https://id.example.com/token')] };

  it('exits 1 only when a row fails', () => {
    expect(exitCode(report.rows)).toBe(1);
    expect(exitCode(report.rows.slice(0, 2))).toBe(0);
  });

  it('prints one line per row, the fix under it, and the counts', () => {
    expect(toText(report)).toBe(
      [
        `browser-oauth doctor: https://id.example.com for ${ORIGIN}`,
        '',
        'PASS  discovery   ok',
        'WARN  dpop        none',
        '                  fix: enable it',
        'FAIL  cors.token  blocked [https://id.example.com/token]',
        '                  fix: allow it',
        '',
        '1 passed, 1 warnings, 1 failed',
      ].join('\n'),
    );
  });

  it('gives CI the rows and a summary as JSON', () => {
    expect(JSON.parse(toJson(report))).toEqual({ ...report, summary: { pass: 1, warn: 1, fail: 1 } });
  });
});
