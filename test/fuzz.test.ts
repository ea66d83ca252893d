import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { OAuthError } from '../src/core/errors.js';
import { matchesResource, parseResources, safeReturnTo } from '../src/core/url.js';
import { fakeEffects, ISSUER, json, metadata, tokenRequests } from './fakes.js';

/**
 * Fuzz-style tests of the URL rules and the callback path (issue 5): random and adversarial inputs from a
 * fixed-seed PRNG, bounded iterations, and invariants checked against oracles written independently of
 * the SDK's code. A failure prints the seed and the input; the same seed replays it.
 */

const SEED = 0x5eed_2026;

/** mulberry32: a tiny, good-enough PRNG; the fixed seed makes every run the same. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => random() < p;
  const ALPHABET = [
    ...'abcxyzAZ019-_.~',
    ...'/\\:@?#%&=;+!$\'()*,[] ',
    '\t', '\n', '\r', '\u0000', '\u007f', '\u00ad', '\u200b', '\u3002', '\uff0e', '\uff0f', '\u2215', 'é', '🙂',
    '%2e', '%2E', '%2f', '%2F', '%5c', '%40', '%00', '%0a', '%23', '%3f', '%25', '..', '//', '\\\\',
  ];
  const junk = (max: number) => Array.from({ length: int(max + 1) }, () => pick(ALPHABET)).join('');
  return { random, int, pick, chance, junk };
}

type Gen = ReturnType<typeof generator>;

/** The configured resources, and an oracle for them that does not reuse the SDK's logic. */
const RESOURCES = ['https://api.example/v1/', 'http://127.0.0.1:4001/api/'];
const BASES = ['https://api.example/v1', 'http://127.0.0.1:4001/api'];
/** The serialised URL starts with a base and continues at a boundary: `/`, `?`, `#` or the end. */
const underResource = (url: URL): boolean =>
  BASES.some((base) => url.href.startsWith(base) && ['/', '?', '#', undefined].includes(url.href[base.length]));

/**
 * A second oracle, for servers that decode: the path percent-decoded in full, `\\` as `/`, `;` parameters
 * dropped per segment and dot segments resolved, all by hand, must still be under the same base. Written
 * apart from `routedPath` on purpose (it decodes every escape, not only the separators).
 */
function underResourceDecoded(url: URL): boolean {
  const base = BASES.find((b) => url.href.startsWith(b));
  if (base === undefined) return false;
  const rawPath = url.href.slice(url.origin.length).split(/[?#]/, 1)[0]!;
  const decoded = rawPath.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replaceAll('\\', '/');
  const stack: string[] = [];
  for (const part of decoded.split('/').slice(1)) {
    const segment = part.includes(';') ? part.slice(0, part.indexOf(';')) : part;
    if (segment === '..') stack.pop();
    else if (segment !== '.') stack.push(segment);
  }
  const basePath = new URL(base).pathname.split('/').slice(1);
  return basePath.every((segment, i) => stack[i] === segment);
}

/** An absolute-looking URL assembled from adversarial pieces around the configured resources. */
function adversarialUrl(g: Gen): string {
  if (g.chance(0.08)) return g.junk(40);
  if (g.chance(0.3)) {
    // Near misses of a resource: the right origin with a hostile path, or a hostile origin with the right path.
    const origin = g.pick(['https://api.example', 'http://127.0.0.1:4001', 'https://api.example:443', 'HTTPS://API.EXAMPLE', ...BASES.map((b) => new URL(b).origin)]);
    return `${origin}${g.pick(['/v1/', '/v1', '/api/', '/api', '/v1/me', '/api/me', '/v1x', '/apix', '/v1/../x', '/api/%2e%2e/x', '/V1/'])}${g.junk(8)}${g.pick(['', '?q', '#h'])}`;
  }
  const scheme = g.pick(['https:', 'https:', 'https:', 'http:', 'HTTPS:', 'ftp:', 'javascript:', 'data:', 'blob:https:', 'file:', 'ws:', '']);
  const slashes = g.pick(['//', '//', '//', '/', '\\\\', '/\\', '///', '', '\t//']);
  const userinfo = g.pick(['', '', '', '', 'user@', 'user:pw@', 'api.example@', 'api.example:443@', '@', 'evil.example@', '%40@']);
  const host = g.pick([
    'api.example', 'api.example', 'API.EXAMPLE', 'api.example.', 'api.example.evil', 'api.example.evil.example', 'evil.example',
    'api-example', 'apiXexample', 'api.exam', 'xapi.example', 'api.example%2eevil', 'api.example%40evil', 'api%2eexample',
    'api。example', 'api．example', 'xn--api-example', '127.0.0.1', '127.0.0.1', '127.1', '0x7f.0.0.1', '2130706433', 'localhost',
    '[::1]', '[::ffff:127.0.0.1]', '', g.junk(6),
  ]);
  const port = g.pick(['', '', '', ':443', ':4001', ':4001', ':04001', ':80', ':444', ':4002', ':', ':65536', ':0']);
  const path = g.pick([
    '/v1/', '/v1/', '/v1', '/v1/me', '/v10/me', '/v1x', '/V1/me', '//v1/', '/v1/../admin', '/v1/%2e%2e/admin', '/v1/%2E%2E/%2E%2E/x',
    '/v1%2f..%2fadmin', '/v1;x/me', '/v1/./me', '/./v1/me', '/x/../v1/me', '\\v1\\me', '/v1\\..\\admin', '/api/', '/api', '/api/me',
    '/apix', '/api/../x', '/api%2fme', '/v1/..%2fadmin', '/v1/%2e%2e%2fadmin', '/v1/..%5cadmin', '/v1/..;/admin', '/v1/%2e%2e;x/admin',
    '/v1/x/..%2F..%2Fadmin', '/v1/..%3b/admin', '/api/..%2fx', '/v1/group%2Fproject', '/v1/x/..%2fme', '', '/', g.junk(12),
  ]);
  const query = g.pick(['', '', '?x=1', '?', '?https://api.example/v1/', `?${g.junk(6)}`]);
  const hash = g.pick(['', '', '#v1', '#', `#${g.junk(6)}`]);
  const tail = g.chance(0.2) ? g.junk(5) : '';
  return `${scheme}${slashes}${userinfo}${host}${port}${path}${tail}${query}${hash}`;
}

const ITERATIONS = 2000;

describe('fuzz: matchesResource', () => {
  const prefixes = parseResources(RESOURCES, true);

  it(`${ITERATIONS} adversarial URLs: never a foreign origin, never outside a prefix, never with userinfo`, () => {
    const g = generator(SEED);
    let matched = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = adversarialUrl(g);
      let url: URL;
      try {
        url = new URL(input);
      } catch (err) {
        expect(err, input).toBeInstanceOf(TypeError);
        continue;
      }
      let result: boolean;
      try {
        result = matchesResource(url, prefixes);
      } catch (err) {
        throw new Error(`matchesResource threw for ${JSON.stringify(input)} (seed ${SEED}, #${i}): ${String(err)}`);
      }
      if (!result) continue;
      matched++;
      const context = `${JSON.stringify(input)} → ${url.href} (seed ${SEED}, #${i})`;
      expect(underResource(url), context).toBe(true);
      expect(underResourceDecoded(url), context).toBe(true);
      expect(url.username + url.password, context).toBe('');
      expect(['https://api.example', 'http://127.0.0.1:4001'], context).toContain(url.origin);
    }
    // Not vacuous: the generator does hit the resources.
    expect(matched).toBeGreaterThan(50);
  });

  it(`${ITERATIONS} URLs built under a prefix all match (the converse)`, () => {
    const g = generator(SEED + 1);
    for (let i = 0; i < ITERATIONS; i++) {
      const segment = Array.from({ length: g.int(4) }, () => g.pick(['me', 'users', '42', 'a.b', '~x', 'a%20b', 'é', ''])).join('/');
      const base = g.pick(BASES);
      const url = new URL(`${base}${g.pick(['', '/'])}${segment ? `/${segment}` : ''}${g.pick(['', '?q=1', '#h'])}`);
      if (!underResource(url)) continue; // e.g. `/v1` + `/` + `` normalised differently
      expect(matchesResource(url, prefixes), url.href).toBe(true);
    }
  });
});


function adversarialReturnTo(g: Gen): string {
  const origin = 'https://app.example';
  switch (g.int(5)) {
    case 0:
      return g.junk(20);
    case 1:
      return adversarialUrl(g);
    case 2:
      return `${g.pick(['', origin, 'https://app.example.evil', 'http://app.example', '//app.example', 'https://app.example@evil.example'])}${g.pick(['/', '//', '/\\', '\\', ''])}${g.junk(10)}`;
    case 3:
      return g.pick(['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html,x', 'vbscript:x', '\u0000/x', ' /x', '/x\n', '//evil.example', '/\\evil.example', '/\t/evil.example', '\\/evil.example', '/%09/evil.example', '/%2f%2fevil.example', '/%5cevil.example']);
    default:
      return `/${g.junk(15)}`;
  }
}

describe('fuzz: safeReturnTo', () => {
  const origin = 'https://app.example';

  it(`${ITERATIONS} adversarial values: always a same-origin path, never protocol-relative, stable`, () => {
    const g = generator(SEED + 2);
    let kept = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = adversarialReturnTo(g);
      const context = `${JSON.stringify(input)} (seed ${SEED + 2}, #${i})`;
      const result = safeReturnTo(input, origin);
      expect(typeof result, context).toBe('string');
      expect(result.startsWith('/'), context).toBe(true);
      expect(result.startsWith('//') || result.startsWith('/\\'), `${context} → ${result}`).toBe(false);
      // eslint-disable-next-line no-control-regex
      expect(/[\u0000-\u001f\u007f]/.test(result), context).toBe(false);
      // Where a browser goes with it, from any page of the app: the app's own origin.
      expect(new URL(result, origin).origin, `${context} → ${result}`).toBe(origin);
      expect(new URL(result, `${origin}/deep/page?x=1#y`).origin, `${context} → ${result}`).toBe(origin);
      expect(safeReturnTo(result, origin), `${context} → ${result}`).toBe(result);
      if (result !== '/') kept++;
    }
    expect(kept).toBeGreaterThan(100);
  });

  it('non-string values end at /', () => {
    for (const value of [undefined, null, 42, {}, [], ['/x'], new URL('https://app.example/x'), Symbol('x')]) {
      expect(safeReturnTo(value, origin)).toBe('/');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The callback path: handleRedirect with a scripted AS (test/fakes.ts).

const REDIRECT_URI = 'https://app.example/cb';
const options = { issuer: ISSUER, clientId: 'spa', redirectUri: REDIRECT_URI, scope: 'api offline_access', resources: ['https://api.example/v1/'] };

function newClient() {
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: () => json({ access_token: `at-${Math.random()}`, token_type: 'Bearer', expires_in: 60, refresh_token: 'rt' }),
    'https://api.example/': () => json({ ok: true }),
  });
  return { fake, client: createClientWith(resolveConfig(options), fake.effects) };
}

/** A callback URL mutated from the valid one by 0–3 adversarial edits. */
function adversarialCallback(g: Gen, state: string, code: string): string {
  if (g.chance(0.05)) return adversarialUrl(g);
  let origin = 'https://app.example';
  let path = '/cb';
  let params: Array<[string, string]> = [
    ['code', code],
    ['state', state],
    ['iss', ISSUER],
  ];
  let inFragment = false;
  for (let edits = g.int(4); edits > 0; edits--) {
    const i = g.int(params.length || 1);
    switch (g.int(12)) {
      case 0:
        params.splice(i, 1); // drop one
        break;
      case 1:
        if (params[i]) params.push([params[i]![0], g.chance(0.5) ? params[i]![1] : g.junk(8)]); // duplicate
        break;
      case 2:
        if (params[i]) params[i] = [params[i]![0], g.pick(['', g.junk(10), state.toUpperCase(), `${state} `, `${state}%00`, state.slice(1), 'https://evil.example'])];
        break;
      case 3:
        params.push([g.pick(['error', 'error_description', 'id_token', 'token', 'access_token', 'response', 'session_state', 'error_uri']), g.junk(10)]);
        break;
      case 4:
        origin = g.pick(['https://evil.example', 'http://app.example', 'https://app.example:444', 'https://app.example.evil', 'https://user@app.example', 'https://APP.example']);
        break;
      case 5:
        path = g.pick(['/cb/', '/CB', '/cb;x', '/x/../cb', '/cb%2f', '//cb', '/cb/.', '/', '/cbx', '/%63b']);
        break;
      case 6:
        inFragment = true;
        break;
      case 7:
        params = params.map(([k, v]) => [k, v]).reverse() as Array<[string, string]>;
        break;
      case 8:
        if (params[i]) params[i] = [g.pick(['State', 'STATE', 'state ', 'st%61te', 'code ', 'iss']), params[i]![1]];
        break;
      default:
        break; // fewer edits: the valid callback must be common enough to matter
    }
  }
  const query = params.map(([k, v]) => `${k.includes('%') ? k : encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return inFragment ? `${origin}${path}#${query}` : `${origin}${path}?${query}`;
}

/** The independent oracle: may this URL lead to a token request for the login stored under `state`? */
function mayExchange(input: string, state: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return false;
  }
  const q = url.searchParams;
  const one = (name: string, value?: string) => q.getAll(name).length === 1 && q.get(name) !== '' && (value === undefined || q.get(name) === value);
  return (
    state !== undefined &&
    url.origin === 'https://app.example' &&
    url.pathname === '/cb' &&
    one('state', state) &&
    one('iss', ISSUER) &&
    one('code') &&
    // An empty `error` or `response` says nothing (oauth4webapi ignores it); `id_token`/`token` at all is hybrid.
    !['error', 'response'].some((name) => q.getAll(name).some((v) => v !== '')) &&
    !['id_token', 'token'].some((name) => q.has(name))
  );
}

describe('fuzz: handleRedirect', () => {
  const RUNS = ITERATIONS;

  it(`${RUNS} adversarial callbacks: only OAuthError/TypeError, a token request only for the stored state, nothing half-stored`, async () => {
    const g = generator(SEED + 3);
    let exchanged = 0;
    let refused = 0;
    for (let i = 0; i < RUNS; i++) {
      const { fake, client } = newClient();
      await client.init();
      let state: string | undefined;
      if (g.chance(0.85)) {
        await client.login();
        state = new URL(fake.navigations.at(-1)!).searchParams.get('state')!;
      }
      const code = `code-${g.int(1e9)}-${i}`;
      const input = adversarialCallback(g, state ?? 'no-login-' + g.junk(4), code);
      const fromAddressBar = g.chance(0.5);
      const context = `${JSON.stringify(input)} (seed ${SEED + 3}, #${i}, ${state ? 'login in flight' : 'no login'})`;

      let error: unknown;
      try {
        if (fromAddressBar) {
          try {
            fake.goto(input);
          } catch {
            continue; // not a URL at all: an address bar never holds one
          }
          await client.handleRedirect();
        } else {
          await client.handleRedirect(input);
        }
      } catch (err) {
        error = err;
      }

      // Only typed errors.
      if (error !== undefined) {
        const typed = error instanceof OAuthError || error instanceof TypeError;
        expect(typed, `${context} threw ${String(error)}`).toBe(true);
        // No secret of this login in the error (SECURITY.md 24).
        const e = error as Error & { cause?: Error };
        const text = `${e.message} ${String(e.cause)} ${e.cause?.message ?? ''}`;
        for (const secret of [code, state].filter(Boolean) as string[]) expect(text.includes(secret), `${context}: ${text}`).toBe(false);
      }

      // A token request only when the oracle allows it; and then exactly one, and a success.
      const exchanges = tokenRequests(fake.requests, 'authorization_code');
      const allowed = mayExchange(input, state);
      if (exchanges.length > 0) expect(allowed, `${context}: a token request was sent`).toBe(true);
      if (allowed) {
        expect(exchanges, context).toHaveLength(1);
        expect(exchanges[0]!.body!.get('code'), context).toBe(new URL(input).searchParams.get('code'));
        expect(error, context).toBeUndefined();
        exchanged++;
      } else {
        expect(error, `${context}: accepted`).toBeDefined();
        refused++;
      }

      // The pending login is consumed exactly when the callback names it, at the redirect URI.
      let url: URL | undefined;
      try {
        url = new URL(input);
      } catch {
        url = undefined;
      }
      const namesIt = url !== undefined && state !== undefined && url.origin + url.pathname === REDIRECT_URI && url.searchParams.getAll('state').length === 1 && url.searchParams.get('state') === state;
      const keys = (await fake.store.entries()).map(([k]) => k).sort();
      if (allowed) expect(keys, context).toEqual(['session']);
      else expect(keys, context).toEqual(state !== undefined && !namesIt ? [`pending:${state}`] : []);

      // Code and state never stay in the address bar once the callback was read from it.
      if (fromAddressBar) {
        for (const name of ['code', 'state', 'iss', 'error']) expect(fake.location.searchParams.has(name), context).toBe(false);
      }

      // A second try with the same callback never reaches the token endpoint again.
      try {
        await client.handleRedirect(`${input}${input.includes('?') ? '&' : '?'}again=1`);
      } catch {
        // refused, as it must be
      }
      expect(tokenRequests(fake.requests, 'authorization_code').length, `${context}: replayed`).toBe(exchanges.length);
      client.destroy();
    }
    // Not vacuous: both outcomes happen often.
    expect(exchanged).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(300);
  }, 60_000);
});

describe('fuzz: fetch attaches the token only to configured resources', () => {
  const RUNS = 1000;

  it(`${RUNS} adversarial request URLs (absolute, relative, URL objects)`, async () => {
    const { fake, client } = newClient();
    await client.init();
    await client.login();
    const state = new URL(fake.navigations.at(-1)!).searchParams.get('state')!;
    await client.handleRedirect(`${REDIRECT_URI}?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`);
    const g = generator(SEED + 4);
    const prefixes = parseResources(['https://api.example/v1/'], false);
    let withToken = 0;
    for (let i = 0; i < RUNS; i++) {
      const raw = g.chance(0.3) ? g.pick(['', '/', './', '../', '//', '///']) + adversarialUrl(g).replace(/^[a-z]+:/i, '') : adversarialUrl(g);
      const input: string | URL = g.chance(0.2) ? (() => {
        try {
          return new URL(raw, 'https://app.example/page/');
        } catch {
          return raw;
        }
      })() : raw;
      const before = fake.requests.length;
      try {
        await client.fetch(input);
      } catch (err) {
        expect(err instanceof OAuthError || err instanceof TypeError, `${JSON.stringify(String(input))} threw ${String(err)}`).toBe(true);
      }
      for (const sent of fake.requests.slice(before)) {
        const credential = sent.headers.get('authorization') ?? sent.headers.get('dpop');
        if (credential === null) continue;
        withToken++;
        const target = new URL(sent.url);
        const context = `${JSON.stringify(String(input))} sent a token to ${sent.url} (seed ${SEED + 4}, #${i})`;
        expect(target.href.startsWith('https://api.example/v1') && ['/', '?', '#', undefined].includes(target.href['https://api.example/v1'.length]), context).toBe(true);
        expect(matchesResource(target, prefixes), context).toBe(true);
        expect(underResourceDecoded(target), context).toBe(true);
      }
    }
    expect(withToken).toBeGreaterThan(20);
    client.destroy();
  }, 60_000);
});
