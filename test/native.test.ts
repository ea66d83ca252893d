// Apps in native shells (issue 15): a private-use redirect URI (RFC 8252 §7.1) and a `navigate` option that opens
// the AS somewhere else than this page.
import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { browserEffects } from '../src/core/effects.js';
import { logoutReturn } from '../src/core/logout-return.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { isAtRedirectUri } from '../src/core/url.js';
import { fakeEffects, ISSUER, json, metadata, tokenRequests } from './fakes.js';

const NATIVE = 'com.example.app:/callback';
const options: OAuthClientOptions = { issuer: ISSUER, clientId: 'app', redirectUri: NATIVE, scope: 'api offline_access' };

describe('private-use redirect URIs', () => {
  it.each([
    NATIVE,
    'com.example.app:/',
    'com.example.app:/oauth2redirect/example-provider',
    'com.example.app:/callback?tenant=1',
    'https://app.example.com/callback', // a claimed https URL is an https URL
  ])('accepts %s as redirectUri and postLogoutRedirectUri', (uri) => {
    expect(resolveConfig({ ...options, redirectUri: uri, postLogoutRedirectUri: uri }).redirectUri.href).toBe(uri);
    expect(resolveConfig({ ...options, postLogoutRedirectUri: uri }).postLogoutRedirectUri!.href).toBe(uri);
  });

  it.each([
    ['myapp:/callback', 'not reverse-domain: no dot'],
    ['com.example.app://callback', 'an authority: RFC 8252 §7.1 allows one slash only'],
    ['com.example.app:///callback', 'an empty authority'],
    ['com.example.app:callback', 'no slash at all'],
    ['com.example.app:/callback#x', 'a fragment'],
    ['javascript:/alert(1)', 'a script'],
    ['http://app.example.com/callback', 'http off loopback'],
    ['http://127.0.0.1/callback', 'loopback http without allowInsecureLoopback'],
  ])('refuses %s (%s) with a TypeError at creation', (uri) => {
    expect(() => resolveConfig({ ...options, redirectUri: uri })).toThrow(TypeError);
    expect(() => resolveConfig({ ...options, redirectUri: 'https://app.example/cb', postLogoutRedirectUri: uri })).toThrow(TypeError);
  });

  it('keeps private-use schemes out of every other URL option', () => {
    expect(() => resolveConfig({ ...options, issuer: 'com.example.as:/' })).toThrow(TypeError);
    expect(() => resolveConfig({ ...options, resources: ['com.example.api:/v1/'] })).toThrow(TypeError);
  });

  it.each([
    ['com.example.app:/callback?code=c', true],
    ['COM.EXAMPLE.APP:/callback?code=c', true], // schemes are case-insensitive
    ['com.evil.app:/callback?code=c', false], // both origins are "null": the scheme must be compared
    ['capacitor://localhost/callback?code=c', false], // a Capacitor WebView page on iOS
    ['com.example.app:/other?code=c', false],
    ['https://app.example/callback?code=c', false],
  ])('isAtRedirectUri(%s) → %s', (url, want) => {
    expect(isAtRedirectUri(new URL(url), new URL(NATIVE))).toBe(want);
  });

  it('does not take a WebView page at the same path for the end-session return', () => {
    const stored = { v: 1, state: 's', returnTo: 'com.example.app:/', createdAt: 0 };
    expect(logoutReturn(new URL('capacitor://localhost/?state=s'), stored, 1)).toBeUndefined();
    expect(logoutReturn(new URL('com.example.app:/?state=s'), stored, 1)).toBe('returned');
  });
});

function setup(navigate?: (url: URL) => void | Promise<void>, extra: Partial<OAuthClientOptions> = {}) {
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: () => json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt' }),
    [metadata.revocation_endpoint]: () => new Response(null, { status: 200 }),
  });
  // A WebView's page is http(s), never the custom scheme.
  fake.goto('https://localhost/');
  const effects = navigate ? { ...fake.effects, navigate } : fake.effects;
  return { fake, client: createClientWith(resolveConfig({ ...options, ...extra }), effects) };
}

describe('navigate option', () => {
  it('is a TypeError when not a function', () => {
    expect(() => resolveConfig({ ...options, navigate: 'https://x' as never })).toThrow(/"navigate" must be a function/);
  });

  it('is the browser effects\' navigate when given', () => {
    const navigate = (_url: URL) => undefined;
    expect(browserEffects(navigate).navigate).toBe(navigate);
  });

  it('signs in through a custom-scheme callback handed to handleRedirect, without touching the page URL', async () => {
    const { fake, client } = setup();
    expect(await client.init()).toBeUndefined(); // the page is not the redirect URI
    await client.login();
    const authorize = new URL(fake.navigations[0]!);
    expect(authorize.searchParams.get('redirect_uri')).toBe(NATIVE);
    const callback = `${NATIVE}?code=c&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(ISSUER)}`;
    await expect(client.handleRedirect(callback)).resolves.toEqual({ returnTo: '/' });
    expect(client.state.status).toBe('signedIn');
    expect(tokenRequests(fake.requests, 'authorization_code')[0]!.body!.get('redirect_uri')).toBe(NATIVE);
    expect(fake.location.href).toBe('https://localhost/'); // not the page's own URL: left alone
  });

  it('does not mistake a WebView page with a code for the native callback', async () => {
    const { fake, client } = setup();
    fake.goto('https://localhost/callback?code=c&state=s');
    await client.init();
    expect(tokenRequests(fake.requests, 'authorization_code')).toHaveLength(0);
    expect(client.state.status).toBe('signedOut');
  });

  it('refuses a callback at another app\'s scheme', async () => {
    const { client } = setup();
    await client.init();
    await expect(client.handleRedirect('com.evil.app:/callback?code=c&state=s')).rejects.toMatchObject({ code: 'invalid_callback' });
  });

  it('a rejected navigate rejects login() and leaves the state signed out', async () => {
    const { client } = setup(() => Promise.reject(new Error('no browser')));
    await client.init();
    await expect(client.login()).rejects.toMatchObject({ name: 'OAuthError' });
    expect(client.state.status).toBe('error');
  });

  it('is awaited for logout\'s end-session page too', async () => {
    const opened: string[] = [];
    const { fake, client } = setup(async (url) => void opened.push(url.href));
    await client.init();
    await client.login();
    const state = new URL(opened[0]!).searchParams.get('state');
    await client.handleRedirect(`${NATIVE}?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`);
    await client.logout({ endSession: true });
    expect(new URL(opened[1]!).href.startsWith(metadata.end_session_endpoint)).toBe(true);
    expect(fake.navigations).toEqual([]); // location.assign's stand-in never ran
  });

  it('logout({ returnTo }) on a page whose origin is "null" (capacitor://) goes back to postLogoutRedirectUri, no TypeError', async () => {
    const opened: string[] = [];
    const { fake, client } = setup(async (url) => void opened.push(url.href), { postLogoutRedirectUri: 'com.example.app:/signed-out' });
    fake.goto('capacitor://localhost/');
    await client.init();
    await client.login();
    const state = new URL(opened[0]!).searchParams.get('state');
    await client.handleRedirect(`${NATIVE}?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`);
    await expect(client.logout({ endSession: true, returnTo: '/bye' })).resolves.toBeUndefined();
    expect(new URL(opened[1]!).searchParams.get('post_logout_redirect_uri')).toBe('com.example.app:/signed-out');
  });
});
