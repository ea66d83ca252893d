import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import type { TabMessage, Tabs } from '../src/core/tabs/channel.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, ISSUER, json, metadata, type Recorded } from './fakes.js';

/**
 * Several tabs, one session, with the effects injected: two clients stand for two tabs, their channel is a
 * bus and, unless a test says otherwise, they share one store as the tabs of an origin share IndexedDB.
 * Issue 14: logout everywhere (defects 2 and 6) and a rotated refresh token storage refused (defect 1).
 */

function bus() {
  const members = new Set<(message: TabMessage) => void>();
  return (): Tabs => {
    let own: ((message: TabMessage) => void) | undefined;
    return {
      withLock: (task) => task(async () => undefined),
      isLeader: () => true,
      onLeader: () => undefined,
      // Like BroadcastChannel: every other member, asynchronously, never the sender.
      post: (message) => {
        for (const member of members) if (member !== own) queueMicrotask(() => member(message));
      },
      listen: (listener) => {
        own = listener;
        members.add(listener);
        return () => members.delete(listener);
      },
      close: () => own && members.delete(own),
    };
  };
}

function tab(options: Partial<OAuthClientOptions>, tabs: () => Tabs, revoked: string[], gate?: (r: Recorded) => Promise<void>) {
  let issued = 0;
  const name = Math.random().toString(36).slice(2, 6);
  const fake = fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: async (r: Recorded) => {
      await gate?.(r);
      issued++;
      return json({ access_token: `at-${name}-${issued}`, token_type: 'Bearer', expires_in: 600, refresh_token: `rt-${name}-${issued}` });
    },
    [metadata.revocation_endpoint]: (r: Recorded) => {
      revoked.push(r.body!.get('token')!);
      return new Response(null, { status: 200 });
    },
    'https://api.example/': () => json({ ok: true }),
  });
  fake.effects.tabs = tabs;
  const client = createClientWith(
    resolveConfig({ issuer: ISSUER, clientId: 'spa', redirectUri: 'https://app.example/cb', scope: 'api offline_access', resources: ['https://api.example/v1/'], ...options }),
    fake.effects,
  );
  const signIn = async () => {
    await client.init();
    await client.login();
    const state = new URL(fake.navigations.at(-1)!).searchParams.get('state');
    await client.handleRedirect(`https://app.example/cb?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`);
  };
  return { fake, client, signIn, refreshToken: () => `rt-${name}-${issued}` };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('logout in one tab signs out every tab (issue 14, defect 2)', () => {
  it("with storage: 'memory', the other tab drops its own session and revokes its own refresh token", async () => {
    const revoked: string[] = [];
    const channel = bus();
    const a = tab({ storage: 'memory' }, channel, revoked);
    const b = tab({ storage: 'memory' }, channel, revoked);
    await a.signIn();
    await b.signIn();
    expect([a.client.state.status, b.client.state.status]).toEqual(['signedIn', 'signedIn']);

    await a.client.logout();
    await settle();
    expect(b.client.state.status).toBe('signedOut');
    await expect(b.client.getAccessToken()).rejects.toMatchObject({ code: 'login_required' });
    const calls = b.fake.requests.length;
    await expect(b.client.fetch('https://api.example/v1/me')).rejects.toMatchObject({ code: 'login_required' });
    expect(b.fake.requests.slice(calls)).toEqual([]);
    // Each tab revoked the refresh token only it held.
    expect(revoked.sort()).toEqual([a.refreshToken(), b.refreshToken()].sort());
  });

  it('with IndexedDB (one shared store), the other tab re-reads it and revokes nothing more', async () => {
    const revoked: string[] = [];
    const channel = bus();
    const a = tab({}, channel, revoked);
    const b = tab({}, channel, revoked);
    // One store for both, as IndexedDB is for the tabs of one origin.
    b.fake.effects.openStore = a.fake.effects.openStore;
    await a.signIn();
    await b.client.init();
    expect(b.client.state.status).toBe('signedIn');

    await a.client.logout();
    await settle();
    expect(b.client.state.status).toBe('signedOut');
    expect(revoked).toEqual([a.refreshToken()]);
  });

  it('a refresh that finishes after another tab logged out revokes the refresh token it just received (defect 6)', async () => {
    const revoked: string[] = [];
    const channel = bus();
    let release: () => void = () => undefined;
    let holding = false;
    const held = new Promise<void>((resolve) => (release = resolve));
    const a = tab({}, channel, revoked);
    // Tab B's refresh grants wait until the test lets them answer.
    const b = tab({}, channel, revoked, async (r) => {
      if (r.body?.get('grant_type') !== 'refresh_token') return;
      holding = true;
      await held;
    });
    b.fake.effects.openStore = a.fake.effects.openStore;
    await a.signIn();
    await b.client.init();
    const spent = a.refreshToken();

    const refresh = b.client.getAccessToken({ forceRefresh: true }).catch((err: unknown) => err);
    await expect.poll(() => holding).toBe(true);
    await a.client.logout(); // revokes the refresh token it knows: the one B is spending
    release();
    expect(await refresh).toMatchObject({ code: 'login_required' });
    // B's grant rotated it into a new one the logout never knew of: B revoked that one itself.
    expect(revoked).toEqual([spent, b.refreshToken()]);
    expect(b.refreshToken()).not.toBe(spent);
    expect(b.client.state.status).toBe('signedOut');
  });
});

describe('a rotated refresh token that storage refuses (issue 14, defect 1)', () => {
  it('no tab presents the spent token again; this tab keeps the new one across wake-ups; a later write heals', async () => {
    const revoked: string[] = [];
    const channel = bus();
    const a = tab({}, channel, revoked);
    const b = tab({}, channel, revoked);
    b.fake.effects.openStore = a.fake.effects.openStore;
    // Storage that accepts reads and deletions but refuses writes, as a full disk does.
    const store = a.fake.store;
    const { replaceIf, set } = store;
    let refuse = false;
    store.replaceIf = (key, expected, value) => (refuse && value !== undefined ? Promise.reject(new Error('QuotaExceededError')) : replaceIf(key, expected, value));
    store.set = (key, value) => (refuse ? Promise.reject(new Error('QuotaExceededError')) : set(key, value));
    const presented = () =>
      [...a.fake.requests, ...b.fake.requests].filter((r) => r.body?.get('grant_type') === 'refresh_token').map((r) => r.body!.get('refresh_token'));

    await a.signIn();
    await b.client.init();
    const rt1 = a.refreshToken();
    refuse = true;
    await a.client.getAccessToken({ forceRefresh: true }); // rt1 → rt2 at the AS; the write fails
    const rt2 = a.refreshToken();
    expect(a.fake.warnings.some((w) => w.includes('could not be stored'))).toBe(true);
    await settle();
    // The record with the spent rt1 is gone: tab B has nothing to present and is signed out.
    expect(await store.get('session')).toBeUndefined();
    expect(b.client.state.status).toBe('signedOut');
    await expect(b.client.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'login_required' });
    // Tab A wakes up (visibility, bfcache, online): it keeps its newer session instead of the stored one.
    for (const wake of a.fake.wake) wake();
    await settle();
    expect(a.client.state.status).toBe('signedIn');
    await a.client.getAccessToken({ forceRefresh: true }); // presents rt2, still unstored
    const rt3 = a.refreshToken();
    expect(presented()).toEqual([rt1, rt2]);

    // Storage works again: the next refresh stores the session and tab B follows.
    refuse = false;
    await a.client.getAccessToken({ forceRefresh: true });
    await settle();
    expect(presented()).toEqual([rt1, rt2, rt3]);
    expect((await store.get('session')) as { refreshToken: string }).toMatchObject({ refreshToken: a.refreshToken() });
    expect(b.client.state.status).toBe('signedIn');
    expect(new Set(presented()).size).toBe(presented().length); // never one refresh token twice
  });
});
