import { describe, expect, it } from 'vitest';
import { configUrl, matchResource, matchesResource, parseResources, routedPath, safeReturnTo, withoutCallbackParams } from '../src/core/url.js';

describe('matchesResource', () => {
  const prefixes = parseResources(['https://api.example.com/v1/', 'http://127.0.0.1:4001/api'], true);
  const cases: Array<[string, boolean]> = [
    ['https://api.example.com/v1/', true],
    ['https://api.example.com/v1/users?x=1', true],
    ['https://api.example.com:443/v1/me', true], // default port is the same origin
    ['https://API.EXAMPLE.COM/v1/me', true], // hosts are case-insensitive
    ['https://api.example.com/v1', true], // the prefix itself, without its slash
    ['http://127.0.0.1:4001/api/me', true],
    ['http://127.0.0.1:4001/api', true],
    // look-alikes and everything else
    ['https://api.example.com/v2/me', false],
    ['https://api.example.com/v10/me', false],
    ['https://api.example.com/', false],
    ['https://api.example.com/v1/../admin', false], // resolved by the parser to /admin
    ['https://api.example.com/v1/%2e%2e/admin', false],
    ['https://api.example.com/v1/.%2e/admin', false], // the parser resolves mixed dot segments too
    ['https://api.example.com.evil.example/v1/me', false],
    ['https://api.example.com@evil.example/v1/me', false],
    ['https://user:pass@api.example.com/v1/me', false],
    ['https://evil.example/https://api.example.com/v1/', false],
    ['https://api.example.com:8443/v1/me', false],
    ['http://api.example.com/v1/me', false],
    ['wss://api.example.com/v1/me', false],
    ['https://\u0430pi.example.com/v1/me', false], // Cyrillic а: a homograph, punycoded by the parser
    ['http://127.0.0.1:4002/api/me', false],
    ['http://localhost:4001/api/me', false], // same machine, another origin
    ['https://127.0.0.1:4001/api/me', false],
    ['http://127.0.0.1:4001/apix', false],
    ['http://127.0.0.1:4001/API/me', false], // paths are case-sensitive
  ];
  it.each(cases)('%s → %s', (url, want) => {
    expect(matchesResource(new URL(url), prefixes)).toBe(want);
  });

  // Issue 14, defect 3: what nginx, Tomcat or Spring would route elsewhere after decoding once.
  it.each([
    'https://api.example.com/v1/..%2fadmin',
    'https://api.example.com/v1/..%2Fadmin',
    'https://api.example.com/v1/%2e%2e%2fadmin',
    'https://api.example.com/v1/..%5cadmin',
    'https://api.example.com/v1/..;/admin',
    'https://api.example.com/v1/..;jsessionid=x/admin',
    'https://api.example.com/v1/%2e%2e;/admin',
    'https://api.example.com/v1/..%3b/admin',
    'https://api.example.com/v1/x/..%2f..%2fadmin',
    'http://127.0.0.1:4001/api/..%2f',
  ])('%s leaves its prefix once decoded: ambiguous, no token', (url) => {
    expect(matchResource(new URL(url), prefixes)).toBe('ambiguous');
    expect(matchesResource(new URL(url), prefixes)).toBe(false);
  });

  it.each([
    'https://api.example.com/v1/projects/group%2Fproject', // GitLab: an encoded slash that climbs nowhere
    'https://api.example.com/v1/files/a%5Cb',
    'https://api.example.com/v1/x/..%2fme', // stays under the prefix once decoded
    'https://api.example.com/v1/a;v=1/b',
    'https://api.example.com/v1/%2e%2e.txt',
  ])('%s stays under its prefix once decoded: matched', (url) => {
    expect(matchResource(new URL(url), prefixes)).toMatchObject({ path: '/v1/' });
  });

  it('an encoded dot segment that only leaves a nested prefix is ambiguous too', () => {
    const nested = parseResources(
      [
        { url: 'https://api.example.com/v1/', resource: 'urn:v1' },
        { url: 'https://api.example.com/v1/billing/', resource: 'urn:billing' },
      ],
      false,
    );
    // Parser: under /v1/billing/ (billing's token); routed: /v1/admin (v1's API): neither token fits.
    expect(matchResource(new URL('https://api.example.com/v1/billing/..%2fadmin'), nested)).toBe('ambiguous');
  });

  it('routedPath decodes once, drops ; parameters and resolves dot segments', () => {
    expect(routedPath('/a/b/..%2Fc')).toBe('/a/c');
    expect(routedPath('/a/%2e%2e/%2e%2e/%2e%2e/x')).toBe('/x');
    expect(routedPath('/a/..')).toBe('');
    expect(routedPath('/a/.')).toBe('/a');
    expect(routedPath('/a;x=1/b;y')).toBe('/a/b');
    expect(routedPath('/a/%252e%252e/b')).toBe('/a/%252e%252e/b'); // decoded once only
  });

  it('matches nothing without resources', () => {
    expect(matchesResource(new URL('https://api.example.com/v1/'), parseResources(undefined, false))).toBe(false);
  });

  it('resolves protocol-relative and backslash URLs before matching', () => {
    const base = 'https://app.example.com/page';
    expect(matchesResource(new URL('//evil.example/v1/', base), prefixes)).toBe(false);
    expect(matchesResource(new URL('/\\evil.example/v1/', base), prefixes)).toBe(false);
  });
});

describe('parseResources / configUrl', () => {
  it.each([
    ['http://api.example.com/', false],
    ['http://api.example.com/', true], // http only for loopback, even when allowed
    ['http://127.0.0.1:4001/', false], // loopback http only when allowed
    ['https://api.example.com/#frag', false],
    ['https://user@api.example.com/', false],
    ['https://api.example.com/?q=1', false],
    ['/relative', false],
    ['', false],
  ])('rejects %s (allowInsecureLoopback=%s) with a TypeError', (value, loopback) => {
    expect(() => parseResources([value], loopback)).toThrow(TypeError);
  });

  it.each(['http://localhost:3000/', 'http://127.0.0.1/', 'http://[::1]:8080/'])('accepts loopback %s when allowed', (value) => {
    expect(() => configUrl(value, 'issuer', true)).not.toThrow();
  });

  it('rejects a non-string', () => {
    expect(() => configUrl(42, 'issuer', false)).toThrow(/issuer/);
  });
});

describe('safeReturnTo', () => {
  const origin = 'https://app.example.com';
  const cases: Array<[unknown, string]> = [
    ['/', '/'],
    ['/dashboard', '/dashboard'],
    ['/a/b?x=1#section', '/a/b?x=1#section'],
    ['/a/../b', '/b'],
    ['https://evil.example/', '/'],
    ['https://app.example.com/dashboard', '/'], // absolute URLs are refused, even same-origin ones
    ['//evil.example', '/'],
    ['//evil.example/path', '/'],
    ['/\\evil.example', '/'],
    ['/\\/evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['JaVaScRiPt:alert(1)', '/'],
    ['data:text/html,<script>', '/'],
    ['/\tjavascript:alert(1)', '/'],
    ['/\n/evil.example', '/'],
    ['dashboard', '/'],
    ['', '/'],
    [undefined, '/'],
    [null, '/'],
    [42, '/'],
    [{ toString: () => '/x' }, '/'],
  ];
  it.each(cases)('%j → %s', (value, want) => {
    expect(safeReturnTo(value, origin)).toBe(want);
  });
});

describe('withoutCallbackParams', () => {
  it('removes the authorization response and keeps the app’s own parameters', () => {
    const url = new URL('https://app.example.com/callback?code=c&state=s&iss=https%3A%2F%2Fid&tab=2&session_state=x#h');
    expect(withoutCallbackParams(url).href).toBe('https://app.example.com/callback?tab=2#h');
  });
});
