// browser-oauth/vue without a browser: on a server (SSR), and in a mounted app with a fake client, where
// subscriptions are counted. The adapter in Chromium (redirects, other tabs) is tested by e2e/vue.spec.ts
// against the real Vue demo page.
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computed, createApp, createRenderer, createSSRApp, defineComponent, h, nextTick, toRef, type App } from 'vue';
import { renderToString } from 'vue/server-renderer';
import type { AuthState, OAuthClient } from '../src/index.js';
import { createOAuthPlugin, useOAuth } from '../src/vue/index.js';

const alice = { sub: 'alice', name: 'Alice' };
const signedIn: AuthState = { status: 'signedIn', user: alice, expiresAt: Date.now() + 60_000, tokenType: 'dpop' };

/** A client whose listeners are counted and whose state the test moves with `emit`. */
function fakeClient(initial: AuthState = { status: 'loading' }) {
  const listeners = new Set<(state: AuthState) => void>();
  const client = {
    state: initial,
    subscribe: vi.fn((listener: (state: AuthState) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    }),
    init: vi.fn(async () => undefined),
    login: vi.fn(async () => undefined),
    loginPopup: vi.fn(async () => undefined),
    handleRedirect: vi.fn(async () => ({ returnTo: '/' })),
    getAccessToken: vi.fn(async () => 'token'),
    fetch: vi.fn(async () => new Response('{}')),
    userinfo: vi.fn(async () => alice),
    logout: vi.fn(async () => undefined),
    destroy: vi.fn(),
  } satisfies OAuthClient;
  const emit = (state: AuthState): void => {
    client.state = state;
    for (const listener of listeners) listener(state);
  };
  return { client, emit, listeners };
}

/** Shows what useOAuth() returned, as text: `status` and the user's name. */
const Probe = defineComponent(() => {
  const auth = useOAuth();
  return () => h('p', `${auth.status}:${auth.isAuthenticated ? auth.user.name : '-'}`);
});

describe('browser-oauth/vue on a server', () => {
  it('imports without a window', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof createOAuthPlugin).toBe('function');
  });

  it('renders the loading state, whatever the client holds, and neither starts nor subscribes to the client', async () => {
    const { client } = fakeClient(signedIn);
    const html = await renderToString(createSSRApp(Probe).use(createOAuthPlugin(client)));
    expect(html).toBe('<p>loading:-</p>');
    expect(client.init).not.toHaveBeenCalled();
    expect(client.subscribe).not.toHaveBeenCalled();
  });

  it('useOAuth outside an app with the plugin throws an error that says what to do', async () => {
    expect(() => useOAuth()).toThrow(/createOAuthPlugin\(client\)/);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined); // Vue reports the render error too
    await expect(renderToString(createSSRApp(Probe))).rejects.toThrow(/uses createOAuthPlugin\(client\)/);
  });
});

/** A renderer into plain objects: enough to mount an app in Node and read its text. */
interface Node {
  text: string;
  children: Node[];
  parent: Node | null;
}
const node = (text = ''): Node => ({ text, children: [], parent: null });
const { createApp: createTestApp } = createRenderer<Node, Node>({
  createElement: () => node(),
  createText: (text) => node(text),
  createComment: () => node(),
  setText: (n, text) => void (n.text = text),
  setElementText: (n, text) => {
    n.children = [];
    n.text = text;
  },
  insert: (child, parent, anchor) => {
    child.parent = parent;
    const at = anchor ? parent.children.indexOf(anchor) : -1;
    parent.children.splice(at < 0 ? parent.children.length : at, 0, child);
  },
  remove: (child) => {
    child.parent?.children.splice(child.parent.children.indexOf(child), 1);
    child.parent = null;
  },
  parentNode: (n) => n.parent,
  nextSibling: (n) => (n.parent ? (n.parent.children[n.parent.children.indexOf(n) + 1] ?? null) : null),
  patchProp: () => undefined,
});
const textOf = (n: Node): string => n.text + n.children.map(textOf).join('');

describe('browser-oauth/vue in a browser app', () => {
  // The adapter decides "browser or server" by the presence of `window`, as Vue SSR code does.
  const mounted: App[] = [];
  const mount = (client: OAuthClient): { app: App; root: Node } => {
    vi.stubGlobal('window', globalThis);
    const root = node();
    const app = createTestApp(Probe).use(createOAuthPlugin(client));
    app.mount(root);
    mounted.push(app);
    return { app, root };
  };
  afterEach(() => {
    vi.unstubAllGlobals();
    mounted.length = 0;
  });

  it('follows every transition of the client, and starts it once', async () => {
    const { client, emit } = fakeClient();
    const { root } = mount(client);
    expect(textOf(root)).toBe('loading:-');
    expect(client.init).toHaveBeenCalledTimes(1);
    emit(signedIn);
    await nextTick();
    expect(textOf(root)).toBe('signedIn:Alice');
    emit({ status: 'signedOut' });
    await nextTick();
    expect(textOf(root)).toBe('signedOut:-');
  });

  it('holds one subscription per app, released by app.unmount()', () => {
    const { client, listeners } = fakeClient();
    const { app } = mount(client);
    expect(listeners.size).toBe(1);
    app.unmount();
    expect(listeners.size).toBe(0);
  });

  it('leaks no listener across hot-module reloads: the old app unmounts, the new one subscribes, init() stays one', async () => {
    const { client, emit, listeners } = fakeClient();
    // What demo/src/vue/main.ts does on each reload: a new app for the same (kept) client module, the old unmounted.
    let current = mount(client);
    for (let reload = 0; reload < 3; reload++) {
      current.app.unmount();
      current = mount(client);
      expect(listeners.size).toBe(1);
    }
    expect(client.init).toHaveBeenCalledTimes(1);
    emit(signedIn);
    await nextTick();
    expect(textOf(current.root)).toBe('signedIn:Alice'); // the live app follows; the old ones are gone
  });

  it('reads the client state at install: an app created after sign-in starts signed in', () => {
    const { client } = fakeClient(signedIn);
    expect(textOf(mount(client).root)).toBe('signedIn:Alice');
  });

  it('gives reactive getters for computed(), and methods with a stable identity that call the client', async () => {
    const { client, emit } = fakeClient();
    const { app } = mount(client);
    const [first, second] = app.runWithContext(() => [useOAuth(), useOAuth()] as const);
    expect(first).toBe(second);
    const name = computed(() => (first.isAuthenticated ? first.user.name : undefined));
    const code = computed(() => first.error?.code);
    const user = toRef(first, 'user'); // what the README offers instead of destructuring
    expect(name.value).toBeUndefined();
    emit(signedIn);
    expect(name.value).toBe('Alice');
    expect(user.value).toBe(alice);
    expect(first.state).toBe(signedIn);
    expect(code.value).toBeUndefined();

    const { login, logout, getAccessToken, fetch, userinfo } = first;
    await login({ returnTo: '/x' });
    expect(client.login).toHaveBeenCalledWith({ returnTo: '/x' });
    await logout({ endSession: true });
    expect(client.logout).toHaveBeenCalledWith({ endSession: true });
    await expect(getAccessToken()).resolves.toBe('token');
    await fetch('https://api.example/me', { method: 'POST' });
    expect(client.fetch).toHaveBeenCalledWith('https://api.example/me', { method: 'POST' });
    await expect(userinfo({ updateUser: true })).resolves.toBe(alice);
    expect(client.userinfo).toHaveBeenCalledWith({ updateUser: true });
  });

  it('hands a completed login to onLoginComplete once per client, whichever app is mounted', async () => {
    const { client } = fakeClient();
    client.init.mockResolvedValue({ returnTo: '/inbox' } as never);
    const onLoginComplete = vi.fn();
    vi.stubGlobal('window', globalThis);
    for (let i = 0; i < 2; i++) createApp(Probe).use(createOAuthPlugin(client, { onLoginComplete }));
    await vi.waitFor(() => expect(onLoginComplete).toHaveBeenCalledWith({ returnTo: '/inbox' }));
    await Promise.resolve();
    expect(onLoginComplete).toHaveBeenCalledTimes(1);
    expect(client.init).toHaveBeenCalledTimes(1);
  });
});

describe('the boundary between the core and browser-oauth/vue', () => {
  const importsOf = (dir: string): string[] =>
    readdirSync(new URL(`../src/${dir}`, import.meta.url), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.ts$/.test(file))
      .flatMap((file) => [...readFileSync(new URL(`../src/${dir}${file}`, import.meta.url), 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((m) => m[1]!));

  it('the core never imports Vue', () => {
    const core = importsOf('core/');
    expect(core.length).toBeGreaterThan(0);
    expect(core.filter((specifier) => /vue/.test(specifier))).toEqual([]);
  });

  it("the adapter imports only vue and the core's public entry", () => {
    expect([...new Set(importsOf('vue/'))].sort()).toEqual(['../index.js', 'vue']);
  });
});
