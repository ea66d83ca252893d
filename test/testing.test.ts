// browser-oauth/testing: the test client an app drives in its own tests. Its states come from the real
// machine and its fetch from the real resource matching, so these tests pin what it promises the app.
import { describe, expect, it, vi } from 'vitest';
import { OAuthError } from '../src/index.js';
import type { AuthState, OAuthClient } from '../src/index.js';
import { createTestClient } from '../src/testing/index.js';

const alice = { sub: 'alice', name: 'Alice' };
const API = 'https://api.example.com/';

/** A fetch that records what reached it and answers 200. */
function recordingFetch() {
  const seen: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(input instanceof Request && init === undefined ? input : new Request(input, init));
    return new Response('ok');
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, seen, raw: fetch };
}

describe('createTestClient: states', () => {
  it('is an OAuthClient (type-checks where the real one does) that starts signed out, or signed in as the given user', async () => {
    const out: OAuthClient = createTestClient();
    expect(out.state).toEqual({ status: 'signedOut' });
    await expect(out.init()).resolves.toBeUndefined();
    const t0 = 1_000_000;
    const auth = createTestClient({ user: alice, now: () => t0, expiresIn: 60 });
    expect(auth.state).toEqual({ status: 'signedIn', user: alice, expiresAt: t0 + 60_000, tokenType: 'bearer' });
  });

  it('with `loading`, stays loading and init() waits until finishLoading()', async () => {
    const auth = createTestClient({ user: alice, loading: true });
    expect(auth.state.status).toBe('loading');
    let settled = false;
    const init = auth.init().then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    auth.finishLoading();
    await init;
    expect(auth.state.status).toBe('signedIn');
    expect(() => auth.finishLoading()).toThrow(/finishLoading\(\) cannot happen in status "signedIn"/);
  });

  it('notifies subscribers of every transition, the way the real machine makes them', () => {
    const auth = createTestClient();
    const seen: AuthState['status'][] = [];
    const unsubscribe = auth.subscribe((s) => seen.push(s.status));
    auth.signIn(alice);
    auth.startRefresh();
    auth.finishRefresh();
    auth.signOut();
    unsubscribe();
    auth.signIn(alice);
    expect(seen).toEqual(['exchanging', 'signedIn', 'refreshing', 'signedIn', 'signedOut']);
  });

  it('login() records its options and goes authorizing; signIn() completes it, fail() ends it in error', async () => {
    const auth = createTestClient();
    await auth.login({ returnTo: '/orders', prompt: 'login' });
    expect(auth.state.status).toBe('authorizing');
    expect(auth.calls.login).toEqual([{ returnTo: '/orders', prompt: 'login' }]);
    auth.fail('access_denied');
    expect(auth.state.status).toBe('error');
    expect(auth.state.error).toBeInstanceOf(OAuthError);
    expect(auth.state.error?.code).toBe('access_denied');
    await auth.login();
    expect(auth.calls.login).toEqual([{ returnTo: '/orders', prompt: 'login' }, {}]);
    auth.signIn({ sub: 'bob' });
    expect(auth.state).toMatchObject({ status: 'signedIn', user: { sub: 'bob' } });
  });

  it('handleRedirect() completes the login as the default user and returns the same-origin returnTo of login()', async () => {
    const auth = createTestClient({ baseUrl: 'https://app.example/' });
    await auth.login({ returnTo: 'https://evil.example/' });
    await expect(auth.handleRedirect('/callback?code=x&state=y')).resolves.toEqual({ returnTo: '/' });
    await auth.login({ returnTo: '/inbox?folder=2' });
    await expect(auth.handleRedirect()).resolves.toEqual({ returnTo: '/inbox?folder=2' });
    expect(auth.state).toMatchObject({ status: 'signedIn', user: { sub: 'test-user' } });
    expect(auth.calls.handleRedirect).toEqual(['https://app.example/callback?code=x&state=y', 'https://app.example/']);
  });

  it('fail() during a refresh keeps the session for a transient code and ends it for invalid_grant', () => {
    const auth = createTestClient({ user: alice });
    auth.startRefresh();
    auth.fail('network');
    expect(auth.state).toMatchObject({ status: 'signedIn', user: alice, error: { code: 'network' } });
    auth.fail('invalid_grant');
    expect(auth.state).toMatchObject({ status: 'signedOut', error: { code: 'invalid_grant' } });
    expect(auth.accessToken).toBeUndefined();
  });

  it('fail() with nothing in flight and no session is a rejected callback', () => {
    const auth = createTestClient();
    auth.fail(new OAuthError('state_mismatch', 'forged'));
    expect(auth.state).toMatchObject({ status: 'error', error: { code: 'state_mismatch', message: 'forged' } });
  });

  it('refuses controls the real client could not follow, instead of inventing a state', () => {
    const auth = createTestClient();
    expect(() => auth.startRefresh()).toThrow(/startRefresh\(\) cannot happen in status "signedOut"/);
    expect(() => auth.finishRefresh()).toThrow(/finishRefresh\(\)/);
    expect(() => auth.expire()).toThrow(/expire\(\)/);
    expect(auth.state).toEqual({ status: 'signedOut' });
  });

  it('logout() records its options and signs out', async () => {
    const auth = createTestClient({ user: alice });
    await auth.logout({ endSession: true });
    expect(auth.calls.logout).toEqual([{ endSession: true }]);
    expect(auth.state).toEqual({ status: 'signedOut' });
  });

  it('signOut(code) is a session that ended with that error', () => {
    const auth = createTestClient({ user: alice });
    auth.signOut('invalid_grant');
    expect(auth.state).toMatchObject({ status: 'signedOut', error: { code: 'invalid_grant' } });
  });

  it('destroy() makes every call reject with destroyed', async () => {
    const auth = createTestClient({ user: alice });
    auth.destroy();
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'destroyed' });
    await expect(auth.fetch(`${API}me`)).rejects.toMatchObject({ code: 'destroyed' });
    await expect(auth.login()).rejects.toMatchObject({ code: 'destroyed' });
  });
});

describe('createTestClient: tokens', () => {
  it('getAccessToken() records its calls, hands out the test token, and login_required when signed out', async () => {
    const auth = createTestClient({ user: alice });
    await expect(auth.getAccessToken()).resolves.toBe('test-access-token');
    expect(auth.calls.getAccessToken).toEqual([{}]);
    auth.signOut();
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'login_required' });
  });

  it('forceRefresh and an expired token refresh through the machine, with a new token', async () => {
    let now = 0;
    const auth = createTestClient({ user: alice, now: () => now, expiresIn: 10 });
    const seen: string[] = [];
    auth.subscribe((s) => seen.push(s.status));
    await expect(auth.getAccessToken({ forceRefresh: true })).resolves.toBe('test-access-token.1');
    now = 5_000;
    auth.expire();
    expect(auth.state.expiresAt).toBe(5_000);
    await expect(auth.getAccessToken()).resolves.toBe('test-access-token.2');
    expect(auth.state.expiresAt).toBe(15_000);
    expect(seen).toEqual(['refreshing', 'signedIn', 'signedIn', 'refreshing', 'signedIn']);
  });

  it('a refresh the test holds open makes every caller wait for it, then share its result', async () => {
    const auth = createTestClient({ user: alice });
    auth.startRefresh();
    const first = auth.getAccessToken();
    const second = auth.getAccessToken({ forceRefresh: true });
    let done = false;
    void first.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    auth.finishRefresh({ user: { ...alice, name: 'Alice B.' } });
    await expect(Promise.all([first, second])).resolves.toEqual(['test-access-token.1', 'test-access-token.1']);
    expect(auth.state.user?.name).toBe('Alice B.');
  });

  it('a held refresh that fails rejects its waiters with the error', async () => {
    const auth = createTestClient({ user: alice });
    auth.startRefresh();
    const waiting = auth.getAccessToken();
    auth.fail('timeout');
    await expect(waiting).rejects.toMatchObject({ code: 'timeout' });
  });

  it('per-resource tokens: each indicator gets its own recognisable token; an unknown one is a TypeError', async () => {
    const auth = createTestClient({
      user: alice,
      resources: [
        { url: 'https://orders.example/', resource: 'urn:orders' },
        { url: 'https://billing.example/', resource: 'urn:billing' },
      ],
    });
    await expect(auth.getAccessToken()).resolves.toBe('test-access-token');
    await expect(auth.getAccessToken({ resource: 'urn:billing' })).resolves.toBe('test-access-token@urn:billing');
    await expect(auth.getAccessToken({ resource: 'urn:other' })).rejects.toBeInstanceOf(TypeError);
  });
});

describe('createTestClient: fetch', () => {
  it('attaches the test token to configured resources only, and leaves every other request untouched', async () => {
    const { fetch, seen, raw } = recordingFetch();
    const auth = createTestClient({ user: alice, resources: [API], fetch });
    await auth.fetch(`${API}orders?page=2`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    const sent = seen[0]!;
    expect(sent.url).toBe(`${API}orders?page=2`);
    expect(sent.method).toBe('POST');
    expect(sent.headers.get('authorization')).toBe('Bearer test-access-token');
    expect(sent.headers.get('content-type')).toBe('application/json');
    await expect(sent.text()).resolves.toBe('{"a":1}');
    for (const elsewhere of ['https://api.example.com.evil.example/orders', 'http://api.example.com/orders', 'https://api.example.com:8443/orders', 'https://cdn.example.com/x']) {
      const init = { headers: { accept: 'text/plain' } };
      await auth.fetch(elsewhere, init);
      // The app's own arguments, as they were: no token, no copy.
      expect(raw).toHaveBeenLastCalledWith(elsewhere, init);
    }
    expect(seen.slice(1).every((r) => !r.headers.has('authorization'))).toBe(true);
  });

  it('refuses an ambiguous path with the real client\'s unsafe_resource_path, sending nothing', async () => {
    const { fetch, raw } = recordingFetch();
    const auth = createTestClient({ user: alice, resources: [`${API}v1/`], fetch });
    await expect(auth.fetch(`${API}v1/..%2fadmin`)).rejects.toMatchObject({ name: 'OAuthError', code: 'unsafe_resource_path' });
    expect(raw).not.toHaveBeenCalled();
  });

  it('a resource request while signed out rejects with login_required and sends nothing', async () => {
    const { fetch, raw } = recordingFetch();
    const auth = createTestClient({ resources: [API], fetch });
    await expect(auth.fetch(`${API}me`)).rejects.toMatchObject({ code: 'login_required' });
    expect(raw).not.toHaveBeenCalled();
  });

  it('relative URLs resolve against baseUrl; DPoP sends the DPoP scheme and a proof header', async () => {
    const { fetch, seen } = recordingFetch();
    const auth = createTestClient({ user: alice, resources: ['https://app.example/api/'], baseUrl: 'https://app.example/page', tokenType: 'dpop', fetch });
    expect(auth.state.tokenType).toBe('dpop');
    await auth.fetch('/api/me');
    expect(seen[0]!.url).toBe('https://app.example/api/me');
    expect(seen[0]!.headers.get('authorization')).toBe('DPoP test-access-token');
    expect(seen[0]!.headers.get('dpop')).toBe('test-dpop-proof');
  });

  it('calls the global fetch when none is injected', async () => {
    const { fetch, seen } = recordingFetch();
    vi.stubGlobal('fetch', fetch);
    try {
      const auth = createTestClient({ user: alice, resources: [API] });
      await auth.fetch(`${API}me`);
      expect(seen[0]!.headers.get('authorization')).toBe('Bearer test-access-token');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('refuses resources the real client would refuse', () => {
    expect(() => createTestClient({ resources: ['ftp://api.example/'] })).toThrow(TypeError);
  });
});
