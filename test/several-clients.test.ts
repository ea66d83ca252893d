// Several clients on one page (issue 17): two clients of one AS with one shared redirect URI. A callback
// belongs to the client that started the login; the other must neither consume nor strip it, whichever
// client's init() runs first. (e2e/several-clients.spec.ts proves the rest in Chromium: storage, locks, tabs.)
import { afterEach, describe, expect, it } from 'vitest';
import { callbackTag } from '../src/core/callback-owner.js';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import type { Effects } from '../src/core/effects.js';
import type { OAuthClient, OAuthClientOptions } from '../src/core/types.js';
import { fakeEffects, ISSUER, json, metadata, tokenRequests } from './fakes.js';

const shared: Omit<OAuthClientOptions, 'clientId'> = { issuer: ISSUER, redirectUri: 'https://app.example/cb', scope: 'api offline_access' };

/** Clients register in the page while alive: each test ends with none, like a closed page. */
const alive: OAuthClient[] = [];
afterEach(() => {
  for (const client of alive.splice(0)) client.destroy();
});
const create = (clientId: string, effects: Effects): OAuthClient => {
  const client = createClientWith(resolveConfig({ ...shared, clientId }), effects);
  alive.push(client);
  return client;
};

/** A scripted AS for one client; each client has its own storage, as in a browser (one database per client). */
function as() {
  let issued = 0;
  return fakeEffects({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata),
    [metadata.token_endpoint]: () => json({ access_token: `at${++issued}`, token_type: 'Bearer', expires_in: 60, refresh_token: `rt${issued}` }),
    [metadata.revocation_endpoint]: () => new Response(null, { status: 200 }),
  });
}

/** Two clients in one page: their own storage and network records, one address bar. */
function page() {
  const a = as();
  const b = as();
  const onePage: Partial<Effects> = { location: a.effects.location, replaceLocation: a.effects.replaceLocation };
  const clientA = create('spa-a', a.effects);
  const clientB = create('spa-b', { ...b.effects, ...onePage });
  return { a, b, clientA, clientB };
}

/** A logs in and the AS sends the browser back to the shared redirect URI. */
async function backFromA(p: ReturnType<typeof page>): Promise<string> {
  await p.clientA.init();
  await p.clientA.login({ returnTo: '/a' });
  const state = new URL(p.a.navigations.at(-1)!).searchParams.get('state')!;
  const url = `https://app.example/cb?code=c0de&state=${state}&iss=${encodeURIComponent(ISSUER)}`;
  p.a.goto(url);
  return url;
}

describe('several clients on one page share a redirect URI', () => {
  it('a login\'s state names its client: the tag of (issuer, client id)', async () => {
    const p = page();
    await backFromA(p);
    const state = p.a.location.searchParams.get('state')!;
    expect(state.startsWith(`${callbackTag(resolveConfig({ ...shared, clientId: 'spa-a' }))}.`)).toBe(true);
    expect(callbackTag(resolveConfig({ ...shared, clientId: 'spa-a' }))).not.toBe(callbackTag(resolveConfig({ ...shared, clientId: 'spa-b' })));
  });

  it('B\'s init() running first leaves A\'s callback in the address bar, and A completes it', async () => {
    const p = page();
    const url = await backFromA(p);
    // B is the first to start on the callback page (e.g. its provider is higher in the tree).
    await expect(p.clientB.init()).resolves.toBeUndefined();
    expect(p.a.location.href).toBe(url); // not stripped: it is A's
    expect(p.clientB.state).toEqual({ status: 'signedOut' }); // not an error: simply not B's callback
    expect(tokenRequests(p.b.requests, 'authorization_code')).toHaveLength(0);

    const clientA2 = create('spa-a', p.a.effects); // the page after the redirect
    await expect(clientA2.init()).resolves.toEqual({ returnTo: '/a' });
    expect(clientA2.state.status).toBe('signedIn');
    expect(p.a.location.searchParams.has('code')).toBe(false); // A stripped it
    expect(tokenRequests(p.a.requests, 'authorization_code')).toHaveLength(1);
  });

  it('B.handleRedirect() on A\'s callback rejects without stripping it or changing B\'s state', async () => {
    const p = page();
    const url = await backFromA(p);
    await p.clientB.init();
    const before = p.clientB.state;
    await expect(p.clientB.handleRedirect()).rejects.toMatchObject({ name: 'OAuthError', code: 'state_mismatch' });
    expect(p.a.location.href).toBe(url);
    expect(p.clientB.state).toBe(before);
    await expect(p.clientA.handleRedirect()).resolves.toEqual({ returnTo: '/a' });
  });

  it('a callback no live client on the page started is still an error for each, stripped and never exchanged', async () => {
    const p = page();
    await backFromA(p);
    p.clientA.destroy(); // A's state tag now belongs to no live client: a replay, as far as B can tell
    await p.clientB.init();
    expect(p.clientB.state).toMatchObject({ status: 'error', error: { code: 'state_mismatch' } });
    expect(p.a.location.searchParams.has('code')).toBe(false);
    expect(tokenRequests(p.b.requests, 'authorization_code')).toHaveLength(0);
  });
});
