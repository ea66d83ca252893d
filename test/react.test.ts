// browser-oauth/react on a server (Node, no DOM): what a server render may and may not do.
// The client-side behaviour (StrictMode, other tabs, error boundary) is tested in Chromium by
// e2e/react.spec.ts against the real React 19 demo page, and in a DOM with browser-oauth/testing by
// test/react-testing.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { createElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import type { AuthState, OAuthClient } from '../src/index.js';
import { OAuthProvider, useOAuth, type UseOAuthResult } from '../src/react/index.js';

const alice = { sub: 'alice', name: 'Alice' };

/** A client whose state is already signed in: a server render must not see it. */
function fakeClient(state: AuthState = { status: 'signedIn', user: alice, expiresAt: Date.now() + 60_000, tokenType: 'dpop' }) {
  const client: OAuthClient = {
    state,
    subscribe: vi.fn(() => () => undefined),
    init: vi.fn(async () => undefined),
    login: vi.fn(async () => undefined),
    loginPopup: vi.fn(async () => undefined),
    handleRedirect: vi.fn(async () => ({ returnTo: '/' })),
    getAccessToken: vi.fn(async () => 'token'),
    fetch: vi.fn(async () => new Response('{}')),
    userinfo: vi.fn(async () => alice),
    logout: vi.fn(async () => undefined),
    destroy: vi.fn(),
  };
  return client;
}

/** Renders `read()`'s result on the server and hands back what the hook returned. */
function renderOnServer<T>(client: OAuthClient, read: () => T, props: { suspense?: boolean; throwErrors?: boolean } = {}): { html: string; seen: T[] } {
  const seen: T[] = [];
  function Probe(): ReactNode {
    const value = read();
    seen.push(value);
    return typeof value === 'object' && value !== null ? `status=${(value as unknown as UseOAuthResult).status}` : String(value);
  }
  const html = renderToStaticMarkup(createElement(OAuthProvider, { client, ...props }, createElement(Probe)));
  return { html, seen };
}

describe('browser-oauth/react on a server', () => {
  it('imports without a window', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof OAuthProvider).toBe('function');
  });

  it('renders the loading state, whatever the client holds, and never starts the client', () => {
    const client = fakeClient();
    const { html, seen } = renderOnServer(client, () => useOAuth());
    expect(html).toBe('status=loading');
    const [auth] = seen;
    expect(auth).toMatchObject({ status: 'loading', state: { status: 'loading' }, user: undefined, isAuthenticated: false });
    expect(client.init).not.toHaveBeenCalled(); // effects do not run on a server
  });

  it('applies the selector to the loading state', () => {
    const { html } = renderOnServer(fakeClient(), () => useOAuth((auth) => auth.isAuthenticated));
    expect(html).toBe('false');
  });

  it('suspense renders loading instead of waiting for a session a server cannot read', () => {
    const client = fakeClient();
    const { html } = renderOnServer(client, () => useOAuth((auth) => auth.status), { suspense: true });
    expect(html).toBe('loading');
    expect(client.init).not.toHaveBeenCalled();
  });

  it('gives stable methods that call the client', async () => {
    const client = fakeClient();
    const first = renderOnServer(client, () => useOAuth()).seen[0]!;
    const second = renderOnServer(client, () => useOAuth()).seen[0]!;
    for (const name of ['login', 'loginPopup', 'logout', 'getAccessToken', 'fetch', 'userinfo'] as const) expect(first[name]).toBe(second[name]);
    await first.login({ returnTo: '/x' });
    expect(client.login).toHaveBeenCalledWith({ returnTo: '/x' });
    await first.logout({ endSession: true });
    expect(client.logout).toHaveBeenCalledWith({ endSession: true });
    await expect(first.getAccessToken()).resolves.toBe('token');
    await first.fetch('https://api.example/me', { method: 'POST' });
    expect(client.fetch).toHaveBeenCalledWith('https://api.example/me', { method: 'POST' });
    await expect(first.userinfo({ updateUser: true })).resolves.toBe(alice);
    expect(client.userinfo).toHaveBeenCalledWith({ updateUser: true });
  });

  it('useOAuth outside a provider throws an error that says what to do', () => {
    function Lost(): ReactNode {
      useOAuth();
      return null;
    }
    expect(() => renderToStaticMarkup(createElement(Lost))).toThrow(/inside <OAuthProvider client=/);
  });
});

describe('the boundary between the core and browser-oauth/react', () => {
  /** Module specifiers of a folder's import and export statements (not those in TSDoc examples). */
  const importsOf = (dir: string): Array<[file: string, specifier: string]> =>
    readdirSync(new URL(`../src/${dir}`, import.meta.url), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.tsx?$/.test(file))
      .flatMap((file) =>
        [...readFileSync(new URL(`../src/${dir}${file}`, import.meta.url), 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map(
          (m): [string, string] => [`${dir}${file}`, m[1]!],
        ),
      );

  it('the core never imports React', () => {
    const core = [...importsOf('core/'), ...importsOf('').filter(([file]) => file === 'index.ts')];
    expect(core.length).toBeGreaterThan(0);
    expect(core.filter(([, specifier]) => /react/.test(specifier))).toEqual([]);
  });

  it('the adapter imports only react and the core\'s public entry', () => {
    const specifiers = new Set(importsOf('react/').map(([, specifier]) => specifier));
    expect([...specifiers].sort()).toEqual(['../index.js', 'react']);
  });
});
