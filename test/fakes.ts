import type { Effects } from '../src/core/effects.js';
import { memoryStore } from '../src/core/storage.js';
import type { Tabs } from '../src/core/tabs/channel.js';

export const ISSUER = 'https://as.example';
export const metadata = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  revocation_endpoint: `${ISSUER}/revoke`,
  end_session_endpoint: `${ISSUER}/logout`,
  authorization_response_iss_parameter_supported: true,
};

export interface Recorded {
  url: string;
  method: string;
  body: URLSearchParams | null;
  headers: Headers;
}

type Route = (request: Recorded) => Response | Promise<Response>;

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/**
 * Effects for a client under test: a scripted network, a manual clock and timers, memory storage,
 * and a record of everything the client did to the outside world.
 */
export function fakeEffects(routes: Record<string, Route>) {
  const requests: Recorded[] = [];
  const timers: Array<{ at: number; task: () => void; cancelled: boolean }> = [];
  const navigations: string[] = [];
  const warnings: string[] = [];
  const wake: Array<() => void> = [];
  let now = 1_700_000_000_000;
  let here = new URL('https://app.example/');
  // Stands in for IndexedDB: it survives the (simulated) trip to the AS.
  const store = { ...memoryStore(), kind: 'indexeddb' as const };
  const effects: Effects = {
    fetch: async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const body = typeof init?.body === 'string' || init?.body instanceof URLSearchParams ? new URLSearchParams(init.body) : null;
      const request: Recorded = { url, method: init?.method ?? 'GET', body, headers: new Headers(init?.headers) };
      requests.push(request);
      const route = Object.keys(routes).find((prefix) => url.startsWith(prefix));
      if (!route) throw new TypeError('Failed to fetch');
      return routes[route]!(request);
    },
    now: () => now,
    preopenStore: () => undefined,
    openStore: async () => ({ store }),
    tabs: (): Tabs => ({
      withLock: (task) => task(async () => undefined),
      isLeader: () => true,
      onLeader: () => undefined,
      post: () => undefined,
      listen: () => () => undefined,
      close: () => undefined,
    }),
    location: () => new URL(here.href),
    replaceLocation: (url) => {
      here = new URL(url.href);
    },
    navigate: (url) => {
      navigations.push(url.href);
    },
    openPopup: () => null,
    closeWindow: () => undefined,
    setTimer: (task, ms) => {
      const timer = { at: now + ms, task, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    onWake: (task) => {
      wake.push(task);
      return () => undefined;
    },
    sleep: async () => undefined,
    random: () => 0,
    warn: (message) => {
      warnings.push(message);
    },
  };
  return {
    effects,
    store,
    requests,
    navigations,
    warnings,
    wake,
    /** Moves the clock and runs the timers that came due. */
    advance(ms: number) {
      now += ms;
      for (const timer of timers.splice(0)) {
        if (timer.cancelled) continue;
        if (timer.at <= now) timer.task();
        else timers.push(timer);
      }
    },
    get now() {
      return now;
    },
    goto(url: string) {
      here = new URL(url);
    },
    get location() {
      return here;
    },
    pendingTimers: () => timers.filter((t) => !t.cancelled).length,
  };
}

export const tokenRequests = (requests: Recorded[], grant: string) =>
  requests.filter((r) => r.url === metadata.token_endpoint && r.body?.get('grant_type') === grant);
