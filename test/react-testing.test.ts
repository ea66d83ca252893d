// @vitest-environment happy-dom
// Component tests of an app's screens with browser-oauth/testing, the way docs/testing.md tells apps to write
// them: <OAuthProvider> with a test client, Testing Library, a DOM (happy-dom). They also test the React
// adapter in a DOM: every state change of the client re-renders what `useOAuth()` shows.
// (test/react.test.ts covers server rendering, which has no window.)
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement as h, useEffect, useState, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OAuthProvider, useOAuth } from '../src/react/index.js';
import { createTestClient, type TestClient } from '../src/testing/index.js';

afterEach(cleanup);

const API = 'https://api.example.com/';

/** A small app screen: what a user of the SDK would write. */
function Account(): ReactNode {
  const auth = useOAuth();
  if (auth.status === 'loading') return h('p', null, 'Checking your session…');
  if (auth.status === 'error') return h('p', { role: 'alert' }, `Sign-in failed: ${auth.state.error.code}`);
  if (!auth.isAuthenticated) {
    return h(
      'div',
      null,
      auth.state.error ? h('p', { role: 'alert' }, `Your session ended (${auth.state.error.code})`) : null,
      h('button', { onClick: () => void auth.login({ returnTo: '/orders' }) }, 'Sign in'),
    );
  }
  return h(
    'div',
    null,
    h('p', null, `Hello ${auth.user.name ?? auth.user.sub}`),
    auth.status === 'refreshing' ? h('p', null, 'Renewing…') : null,
    h('button', { onClick: () => void auth.logout({ endSession: true }) }, 'Sign out'),
  );
}

/** A screen that calls the app's API through `auth.fetch`, and loads a public file. */
function Orders(): ReactNode {
  const { fetch } = useOAuth();
  const [text, setText] = useState('…');
  useEffect(() => {
    void (async () => {
      const orders = (await (await fetch(`${API}orders`)).json()) as { count: number };
      await fetch('https://cdn.example.com/banner.json');
      setText(`${orders.count} orders`);
    })();
  }, [fetch]);
  return h('p', null, text);
}

const withProvider = (client: TestClient, ...children: ReactNode[]) => h(OAuthProvider, { client }, ...children);

describe('an app\'s screens with <OAuthProvider client={createTestClient(…)}>', () => {
  it('signed in as a given user: shows the user; Sign out calls logout() with the app\'s options', async () => {
    const auth = createTestClient({ user: { sub: 'alice', name: 'Alice' } });
    render(withProvider(auth, h(Account)));
    expect(screen.getByText('Hello Alice')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(auth.calls.logout).toEqual([{ endSession: true }]);
  });

  it('signed out: Sign in calls login() with returnTo; the test completes the login and the screen follows', async () => {
    const auth = createTestClient();
    render(withProvider(auth, h(Account)));
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await vi.waitFor(() => expect(auth.calls.login).toEqual([{ returnTo: '/orders' }]));
    expect(auth.state.status).toBe('authorizing');
    act(() => auth.signIn({ sub: 'bob', name: 'Bob' }));
    expect(screen.getByText('Hello Bob')).toBeTruthy();
  });

  it('mid-refresh keeps the user on screen; a refresh that ends the session shows why', () => {
    const auth = createTestClient({ user: { sub: 'alice', name: 'Alice' } });
    render(withProvider(auth, h(Account)));
    act(() => auth.startRefresh());
    expect(screen.getByText('Hello Alice')).toBeTruthy();
    expect(screen.getByText('Renewing…')).toBeTruthy();
    act(() => auth.fail('invalid_grant'));
    expect(screen.getByRole('alert').textContent).toBe('Your session ended (invalid_grant)');
  });

  it('a failed sign-in shows the error code', () => {
    const auth = createTestClient();
    render(withProvider(auth, h(Account)));
    act(() => auth.fail('access_denied'));
    expect(screen.getByRole('alert').textContent).toBe('Sign-in failed: access_denied');
  });

  it('the loading screen shows until the session is read', async () => {
    const auth = createTestClient({ user: { sub: 'alice', name: 'Alice' }, loading: true });
    render(withProvider(auth, h(Account)));
    expect(screen.getByText('Checking your session…')).toBeTruthy();
    act(() => auth.finishLoading());
    expect(await screen.findByText('Hello Alice')).toBeTruthy();
  });

  it('auth.fetch from a component: the test token goes to the API only', async () => {
    const sent: Request[] = [];
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      sent.push(request);
      return Response.json(request.url.startsWith(API) ? { count: 3 } : {});
    });
    const auth = createTestClient({ user: { sub: 'alice' }, resources: [API], fetch });
    render(withProvider(auth, h(Orders)));
    expect(await screen.findByText('3 orders')).toBeTruthy();
    expect(sent.map((r) => [r.url, r.headers.get('authorization')])).toEqual([
      [`${API}orders`, 'Bearer test-access-token'],
      ['https://cdn.example.com/banner.json', null],
    ]);
  });

  it('two clients on one page: one provider each, and signing out of one leaves the other', async () => {
    const work = createTestClient({ user: { sub: 'alice', name: 'Alice (work)' } });
    const home = createTestClient({ user: { sub: 'alice', name: 'Alice (home)' } });
    render(h('div', null, h('section', { 'aria-label': 'work' }, withProvider(work, h(Account))), h('section', { 'aria-label': 'home' }, withProvider(home, h(Account)))));
    const [workOut] = screen.getAllByRole('button', { name: 'Sign out' });
    fireEvent.click(workOut!);
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByText('Hello Alice (home)')).toBeTruthy();
    expect(screen.queryByText('Hello Alice (work)')).toBeNull();
    expect([work.calls.logout.length, home.calls.logout.length]).toEqual([1, 0]);
  });
});
