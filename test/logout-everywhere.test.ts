import { describe, expect, it } from 'vitest';
import { createClientWith, resolveConfig } from '../src/core/client.js';
import type { TabMessage, Tabs } from '../src/core/tabs.js';
import type { OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, ISSUER, json, metadata, type Recorded } from './fakes.js';

/**
 * A logout is the user's, for the whole app (SECURITY.md 25; issue 14, defect 2). With `storage: 'memory'`
 * every tab keeps its own session, so "re-read storage" tells the other tabs nothing: they must drop their
 * own session and revoke their own refresh token. Two clients stand for two tabs; their channel is a bus.
 */

function bus() {
  const members = new Set<(message: TabMessage) => void>();
  return (): Tabs => {
    let own: ((message: TabMessage) => void) | undefined;
    return {
      withLock: (task) => task(),
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
