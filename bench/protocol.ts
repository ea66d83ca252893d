/**
 * Protocol cost, side by side (issue 6 part 2): what each SDK sends over the network, and what it costs
 * in time, against the embedded AS (demo/server: oidc-provider, DPoP on) in Chromium.
 *
 *   1. Login: requests from opening the app (signed out) to being signed in after the callback, by destination.
 *   2. Reload of a signed-in app: requests to the AS until the SDK says signed in (ideal 0), and in the
 *      moments after.
 *   3. Reload → first authorized API response: ms from navigation start to the first 200 from GET /api/me
 *      made through the SDK, vs a bare page that `fetch`es it with a Bearer token obtained beforehand.
 *   4. Per-call overhead: sequential GET /api/me through the SDK vs a bare `fetch` with the same token,
 *      interleaved, in the same signed-in page.
 *
 * Times are medians, each with its ratio to the bare call measured in the same run (interleaved, so drift
 * on a noisy machine hits both). Access tokens live an hour here: no refresh may happen in 2–4, and the AS's
 * refresh-grant counter is checked to be 0.
 *
 *   npx tsx bench/protocol.ts [--reps 50] [--calls 200] [--reloads 3] [--only a,b] [--no-write]
 *
 * from the repository root, after `npm install --prefix bench` and `npm run build`. Prints markdown tables
 * and writes them to bench/RESULTS.md under "## Protocol cost". See bench/README.md.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from '@playwright/test';
import type { FirstCall } from './tabs/harness.ts';
import {
  BENCH_DIR,
  BenchRun,
  buildPages,
  CLIENT_ID,
  DEBUG,
  loginThroughAs,
  ownVersion,
  peerVersion,
  SCOPE,
  sleep,
  sourceState,
  waitSignedIn,
  writeResultsSection,
  type AsStats,
  type PageSpec,
} from './harness-server.ts';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '50' },
    calls: { type: 'string', default: '200' },
    reloads: { type: 'string', default: '3' },
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
/** Scenario 3: measured reloads per page (after WARMUP_ROUNDS that are not counted). */
const REPS = Number(args.reps);
/** Scenario 4: measured call pairs (SDK + bare) per SDK (after WARMUP_CALLS pairs that are not counted). */
const CALLS = Number(args.calls);
/** Scenario 2: reloads per SDK. */
const RELOADS = Number(args.reloads);
for (const [name, value] of Object.entries({ reps: REPS, calls: CALLS, reloads: RELOADS })) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
}
const WARMUP_ROUNDS = 2;
const WARMUP_CALLS = 10;
/** Access-token lifetime: long enough that nothing is renewed during the run. */
const TTL = 3600;
/** The renew-ahead margin given to the peers: oidc-client-ts's default (browser-oauth uses its own, lifetime / 5). */
const RENEW_AHEAD = 60;
/** After "signed in", requests are still recorded this long (background requests of an SDK). */
const SETTLE_MS = 1500;
/** Hard stop for the whole bench. */
const WATCHDOG_MS = 6 * 60_000;

// Ports of their own: `npm run demo` uses 4000…, e2e 4100…, bench/tabs.ts 4600….
const PORTS = { as: 4650, api: 4651, other: 4652, spa: 5823, pages: 5824 };
const bench = new BenchRun('bench/protocol.ts', PORTS, WATCHDOG_MS);
const { as: AS, api: API, apiMe: API_ME } = bench.urls;
const PAGES = `http://127.0.0.1:${PORTS.pages}`;

// ---------------------------------------------------------------------------------------------
// The SDKs

interface Sdk {
  name: string;
  version: string;
  /** Page name (/<page>.html, also its redirect URI). */
  page: string;
  /** Bundle: bench/tabs/<script>.ts. */
  script: string;
  /** Extra page config (bench/tabs/harness.ts BenchConfig). */
  config?: Record<string, unknown>;
  tokenType: 'DPoP' | 'Bearer';
  /** What the page configures, for the notes. */
  describe: string;
}

const ALL_SDKS: Sdk[] = [
  {
    name: 'browser-oauth (DPoP, default)',
    version: ownVersion,
    page: 'browser-oauth-dpop',
    script: 'browser-oauth',
    config: { dpop: true },
    tokenType: 'DPoP',
    describe: 'bench/tabs/browser-oauth.ts with the SDK\'s default `dpop` (DPoP, since the AS offers it): the demo\'s options, IndexedDB, `auth.init()`, `auth.fetch`',
  },
  {
    name: 'browser-oauth (`dpop: false`)',
    version: ownVersion,
    page: 'browser-oauth',
    script: 'browser-oauth',
    tokenType: 'Bearer',
    describe: 'the same page with `dpop: false` (Bearer)',
  },
  {
    name: 'oidc-client-ts',
    version: peerVersion('oidc-client-ts'),
    page: 'oidc-client-ts',
    script: 'oidc-client-ts',
    tokenType: 'Bearer',
    describe:
      'bench/tabs/oidc-client-ts.ts: `UserManager` with `userStore: new WebStorageStateStore({ store: localStorage })`, `automaticSilentRenew`, ' +
      '`offline_access`; at load `signinRedirectCallback()` on the callback, then `getUser()`; each call: `getUser()` (`signinSilent()` if expired), bare `fetch`',
  },
  {
    name: '@okta/okta-auth-js/core',
    version: peerVersion('@okta/okta-auth-js'),
    page: 'okta-auth-js',
    script: 'okta-auth-js',
    tokenType: 'Bearer',
    describe:
      'bench/tabs/okta-auth-js.ts: `OktaAuth` with the AS\'s endpoint URLs written into the page (as an app hard-codes Okta\'s), tokens in localStorage, ' +
      '`autoRenew` + `syncStorage` services, `ignoreSignature: true` (ES256 ID tokens); at load `handleLoginRedirect()` on the callback, then `start()`; ' +
      'each call: `getOrRenewAccessToken()`, bare `fetch`',
  },
];

const only = args.only?.split(',').map((s) => s.trim().toLowerCase());
const SDKS = only ? ALL_SDKS.filter((s) => only.some((o) => s.name.toLowerCase().includes(o) || s.page === o)) : ALL_SDKS;
if (SDKS.length === 0) throw new Error(`--only matched no SDK (${ALL_SDKS.map((s) => s.page).join(', ')})`);
/** Where the bare baseline's Bearer token comes from: a browser-oauth `dpop: false` login. */
const TOKEN_SOURCE = ALL_SDKS[1]!;

const pageUrl = (sdk: Sdk | 'bare', query = ''): string => `${PAGES}/${sdk === 'bare' ? 'bare' : sdk.page}.html${query}`;
const FIRST_CALL = '?bench-first-call';

// ---------------------------------------------------------------------------------------------
// Counting requests: Chrome DevTools Protocol, every request the page's network stack sends (CORS
// preflights and redirects included, which Playwright's `request` event leaves out).

type Dest = 'discovery' | 'jwks' | 'auth' | 'interaction' | 'token' | 'asOther' | 'preflight' | 'api' | 'app' | 'elsewhere';

interface Sent {
  method: string;
  url: string;
  dest: Dest;
  /** Browser wall clock, ms since the epoch. */
  wallMs: number;
}

let jwksPath = '/jwks';

function classify(method: string, url: string): Dest {
  const u = new URL(url);
  if (u.origin === AS) {
    if (method === 'OPTIONS') return 'preflight';
    if (u.pathname === '/.well-known/openid-configuration') return 'discovery';
    if (u.pathname === jwksPath) return 'jwks';
    if (u.pathname === '/auth' || u.pathname.startsWith('/auth/')) return 'auth';
    if (u.pathname.startsWith('/interaction/')) return 'interaction';
    if (u.pathname === '/token') return 'token';
    return 'asOther';
  }
  if (u.origin === API) return method === 'OPTIONS' ? 'preflight' : 'api';
  if (u.origin === PAGES) return 'app';
  return 'elsewhere';
}

class Recorder {
  readonly sent: Sent[] = [];
  static async attach(context: BrowserContext, page: Page, label: string): Promise<Recorder> {
    const cdp = await context.newCDPSession(page);
    const recorder = new Recorder();
    cdp.on('Network.requestWillBeSent', (event) => {
      const { method, url } = event.request;
      if (url.startsWith('data:')) return;
      const dest = classify(method, url);
      recorder.sent.push({ method, url, dest, wallMs: event.wallTime * 1000 });
      if (DEBUG) console.log(`  [${label} ${dest}] ${method} ${url.slice(0, 140)}`);
    });
    await cdp.send('Network.enable');
    return recorder;
  }

  mark(): number {
    return this.sent.length;
  }

  since(mark: number): Sent[] {
    return this.sent.slice(mark);
  }
}

const count = (sent: Sent[], ...dests: Dest[]): number => sent.filter((s) => dests.includes(s.dest)).length;
const AS_DESTS: Dest[] = ['discovery', 'jwks', 'auth', 'interaction', 'token', 'asOther'];
const asPreflights = (sent: Sent[]): number => sent.filter((s) => s.dest === 'preflight' && s.url.startsWith(AS)).length;
const apiPreflights = (sent: Sent[]): number => sent.filter((s) => s.dest === 'preflight' && s.url.startsWith(API)).length;

// ---------------------------------------------------------------------------------------------
// Statistics

const median = (xs: number[]): number => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
/**
 * A distribution-free 95 % confidence interval for the median (order statistics, normal approximation of the
 * binomial): [x_(j), x_(k)] with j = n/2 − 1.96·√n/2 and k = 1 + n/2 + 1.96·√n/2, rounded outwards. Wide when
 * the machine is noisy, as it should be.
 */
function medianCi(xs: number[]): [number, number] {
  const sorted = [...xs].sort((a, b) => a - b);
  const n = sorted.length;
  if (n < 6) return [Number.NaN, Number.NaN];
  const half = (1.96 * Math.sqrt(n)) / 2;
  const j = Math.max(1, Math.floor(n / 2 - half));
  const k = Math.min(n, Math.ceil(n / 2 + half + 1));
  return [sorted[j - 1]!, sorted[k - 1]!];
}
function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
/** "3" when all equal, else "2–4". */
const range = (xs: number[]): string => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
};

// ---------------------------------------------------------------------------------------------
// One SDK: its context (own storage), its page, its recorder

interface Session {
  sdk: Sdk;
  context: BrowserContext;
  page: Page;
  recorder: Recorder;
  pageErrors: Set<string>;
  error?: string;
}

async function openSession(sdk: Sdk): Promise<Session> {
  const context = await bench.newContext();
  const page = await context.newPage();
  const pageErrors = new Set<string>();
  page.on('pageerror', (err) => pageErrors.add(err.message.split('\n')[0]!.slice(0, 200)));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.add(msg.text().split('\n')[0]!.slice(0, 200));
    if (DEBUG) console.log(`  [${sdk.page} console.${msg.type()}] ${msg.text().slice(0, 300)}`);
  });
  const recorder = await Recorder.attach(context, page, sdk.page);
  return { sdk, context, page, recorder, pageErrors };
}

/** `performance.timeOrigin + __bench.readyAt` of the current document: when the SDK said it was ready. */
const readyEpoch = (page: Page): Promise<number> =>
  page.evaluate(() => performance.timeOrigin + (window.__bench?.readyAt ?? Number.NaN));

// --- 1. Login ------------------------------------------------------------------------------------

interface LoginRow {
  sent: Sent[];
  stats: AsStats;
  ms: number;
}

async function scenarioLogin(s: Session): Promise<LoginRow> {
  await bench.resetAs();
  const mark = s.recorder.mark();
  const t0 = Date.now();
  await loginThroughAs(s.page, pageUrl(s.sdk), AS, 'bench-page');
  const ms = Date.now() - t0;
  await sleep(SETTLE_MS);
  return { sent: s.recorder.since(mark), stats: await bench.asStats(), ms };
}

// --- 2. Reload of a signed-in app ----------------------------------------------------------------

interface ReloadRow {
  /** Per reload: AS requests (preflights included) sent before the SDK was ready and signed in. */
  beforeReady: number[];
  /** Per reload: AS requests in the SETTLE_MS after that. */
  after: number[];
  /** Per reload: every request, for the notes. */
  sent: Sent[][];
  readyMs: number[];
  stats: AsStats;
}

async function scenarioReload(s: Session): Promise<ReloadRow> {
  await bench.resetAs();
  const row: Omit<ReloadRow, 'stats'> = { beforeReady: [], after: [], sent: [], readyMs: [] };
  for (let i = 0; i < RELOADS; i++) {
    const mark = s.recorder.mark();
    await s.page.goto(pageUrl(s.sdk), { timeout: 20_000 });
    await waitSignedIn(s.page);
    const ready = await readyEpoch(s.page);
    row.readyMs.push(await s.page.evaluate(() => window.__bench?.readyAt ?? Number.NaN));
    await sleep(SETTLE_MS);
    const sent = s.recorder.since(mark);
    const toAs = sent.filter((r) => AS_DESTS.includes(r.dest) || (r.dest === 'preflight' && r.url.startsWith(AS)));
    row.beforeReady.push(toAs.filter((r) => r.wallMs <= ready).length);
    row.after.push(toAs.filter((r) => r.wallMs > ready).length);
    row.sent.push(sent);
  }
  return { ...row, stats: await bench.asStats() };
}

// --- 3. Reload → first authorized API response -----------------------------------------------------

interface FirstCallSample {
  round: number;
  ms: number;
  toAs: number;
  /** CORS preflights to the API in this load (Chromium caches one for 5 s: the demo API sends no Max-Age). */
  apiPreflights: number;
}

const FIRST_CALL_MESSAGE = '__benchFirstCall ';

/**
 * Loads the page with ?bench-first-call and returns when its first protected call settled (ms since
 * navigation start, measured in the page). Waits for the page's console message: no polling during the load.
 */
async function firstCall(page: Page, url: string, recorder: Recorder, round: number): Promise<FirstCallSample> {
  const mark = recorder.mark();
  const announced = page.waitForEvent('console', { predicate: (m) => m.text().startsWith(FIRST_CALL_MESSAGE), timeout: 20_000 });
  await page.goto(url, { waitUntil: 'commit', timeout: 20_000 });
  const result = JSON.parse((await announced).text().slice(FIRST_CALL_MESSAGE.length)) as FirstCall;
  if (result.result !== '200') throw new Error(`first call from ${url} answered ${result.result}`);
  if (DEBUG) {
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const res = performance.getEntriesByType('resource').map((e) => `${e.name.replace(/^.*\//, '')} ${e.startTime.toFixed(0)}→${(e as PerformanceResourceTiming).responseEnd.toFixed(0)}`);
      return `document ${nav.responseStart.toFixed(0)}→${nav.responseEnd.toFixed(0)}, DOMContentLoaded ${nav.domContentLoadedEventEnd.toFixed(0)}; ${res.join(', ')}; ready ${window.__bench?.readyAt?.toFixed(0) ?? '-'}`;
    });
    console.log(`  [first call ${url.replace(/^.*\//, '')}] ${result.at.toFixed(0)} ms: ${t}`);
  }
  const sent = recorder.since(mark);
  return {
    round,
    ms: result.at,
    toAs: sent.filter((r) => AS_DESTS.includes(r.dest) || (r.dest === 'preflight' && r.url.startsWith(AS))).length,
    apiPreflights: apiPreflights(sent),
  };
}

// --- 4. Per-call overhead --------------------------------------------------------------------------

interface CallLoopResult {
  sdk: number[];
  bare: number[];
  failures: Record<string, number>;
}

/** In the page: `calls` pairs of (SDK call, bare fetch), alternating which goes first; ms per call. */
async function callLoop(arg: { calls: number; warmup: number; apiMe: string; bareToken: string | null }): Promise<CallLoopResult> {
  const page = window.__bench!;
  const token = arg.bareToken ?? (await page.accessToken?.()) ?? '';
  const bounded = (p: Promise<string>): Promise<string> =>
    Promise.race([p, new Promise<string>((resolve) => setTimeout(() => resolve('timeout (10 s)'), 10_000))]);
  const bare = async (): Promise<string> => {
    const response = await fetch(arg.apiMe, { headers: { Authorization: `Bearer ${token}` } });
    await response.text();
    return String(response.status);
  };
  const out: CallLoopResult = { sdk: [], bare: [], failures: {} };
  for (let i = 0; i < arg.warmup + arg.calls; i++) {
    const order: Array<'sdk' | 'bare'> = i % 2 === 0 ? ['sdk', 'bare'] : ['bare', 'sdk'];
    for (const which of order) {
      const t0 = performance.now();
      let result: string;
      try {
        result = await bounded(which === 'sdk' ? page.call() : bare());
      } catch (err) {
        result = `threw: ${String(err).slice(0, 80)}`;
      }
      const dt = performance.now() - t0;
      if (result !== '200') out.failures[`${which}: ${result}`] = (out.failures[`${which}: ${result}`] ?? 0) + 1;
      if (i >= arg.warmup) out[which].push(dt);
    }
  }
  return out;
}

interface OverheadRow {
  sdk: number[];
  bare: number[];
  failures: Record<string, number>;
  /** Requests to the API (excluding preflights) per SDK call, bare calls subtracted. */
  apiPerSdkCall: number;
}

async function scenarioOverhead(s: Session, bareToken: string): Promise<OverheadRow> {
  const mark = s.recorder.mark();
  const calls = CALLS + WARMUP_CALLS;
  const result = await Promise.race([
    s.page.evaluate(callLoop, { calls: CALLS, warmup: WARMUP_CALLS, apiMe: API_ME, bareToken: s.sdk.tokenType === 'DPoP' ? bareToken : null }),
    sleep(90_000).then(() => {
      throw new Error('the call loop did not finish within 90 s');
    }),
  ]);
  const sent = s.recorder.since(mark);
  return {
    ...result,
    apiPerSdkCall: (count(sent, 'api') - calls) / calls,
  };
}

// ---------------------------------------------------------------------------------------------
// Main

interface Results {
  login: Map<Sdk, LoginRow>;
  reload: Map<Sdk, ReloadRow>;
  first: Map<Sdk | 'bare', FirstCallSample[]>;
  overhead: Map<Sdk, OverheadRow>;
  failed: Map<Sdk, string>;
  sessions: Session[];
  refreshDuring: number;
  codeDuring: number;
  authDuring: number;
  /** 1-minute load averages sampled along the run (other work on the machine shows up as noise). */
  load: number[];
}

async function main(): Promise<void> {
  bench.checkBuild();
  await bench.checkPortsFree();
  console.log(
    `bench/protocol.ts: ${SDKS.length} SDKs; ${RELOADS} reloads each; ${REPS} (+${WARMUP_ROUNDS} warm-up) interleaved reload rounds; ` +
      `${CALLS} (+${WARMUP_CALLS}) call pairs; access tokens live ${TTL} s`,
  );
  const extraRedirectUris = [...new Set([...SDKS, TOKEN_SOURCE].map((s) => pageUrl(s)))];
  const [bundles] = await Promise.all([
    buildPages(
      {
        ...Object.fromEntries([...SDKS, TOKEN_SOURCE].map((s) => [s.script, join(BENCH_DIR, 'tabs', `${s.script}.ts`)])),
        bare: join(BENCH_DIR, 'protocol', 'bare.ts'),
      },
      { minify: true }, // as an app ships them: the page load (parse, compile) is part of scenario 3
    ),
    bench.startDemo({ ttl: TTL, extraRedirectUris, spa: false }),
  ]);
  const discovery = (await (await fetch(`${AS}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, string>;
  jwksPath = new URL(discovery.jwks_uri ?? `${AS}/jwks`).pathname;
  let bareToken = '';
  const common = { issuer: AS, clientId: CLIENT_ID, apiMe: API_ME, scope: SCOPE, renewAheadSeconds: RENEW_AHEAD };
  const specs = new Map<string, () => PageSpec>(ALL_SDKS.map((s) => [s.page, () => ({ script: s.script, config: { ...common, ...s.config } })]));
  specs.set('okta-auth-js', () => ({ script: 'okta-auth-js', config: { ...common, discovery } }));
  specs.set('bare', () => ({ script: 'bare', config: { ...common, bareToken } }));
  await bench.servePages(bundles, (name) => specs.get(name)?.(), { cacheScripts: true });
  console.log(`servers up after ${bench.elapsed().toFixed(0)} s`);
  await bench.launchChromium();

  const results: Results = {
    login: new Map(),
    reload: new Map(),
    first: new Map(),
    overhead: new Map(),
    failed: new Map(),
    sessions: [],
    refreshDuring: 0,
    codeDuring: 0,
    authDuring: 0,
    load: [loadavg()[0]!],
  };
  const fail = (s: Session, err: unknown): void => {
    s.error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    results.failed.set(s.sdk, s.error);
    console.log(`  ${s.sdk.name}: FAILED: ${s.error}`);
  };

  // 1. Login, each SDK in a fresh context.
  console.log('1. login');
  for (const sdk of SDKS) {
    const s = await openSession(sdk);
    results.sessions.push(s);
    try {
      const row = await scenarioLogin(s);
      results.login.set(sdk, row);
      console.log(`  ${sdk.name}: ${count(row.sent, ...AS_DESTS)} requests to the AS, ${row.sent.length} in all (${row.ms} ms)`);
    } catch (err) {
      fail(s, err);
    }
  }
  // The bare baseline's Bearer token.
  let source = results.sessions.find((s) => s.sdk === TOKEN_SOURCE && !s.error);
  if (!source) {
    source = await openSession(TOKEN_SOURCE);
    await loginThroughAs(source.page, pageUrl(TOKEN_SOURCE), AS, 'bench-page');
  }
  bareToken = (await source.page.evaluate(() => window.__bench!.accessToken!())) ?? '';
  if (!bareToken) throw new Error('no Bearer token for the bare baseline');
  const running = results.sessions.filter((s) => !s.error);
  const bare = await openSession({ ...TOKEN_SOURCE, name: 'bare fetch', page: 'bare', script: 'bare' });

  // From here on no token may be issued: reset the AS counters once, read them at the end.
  await bench.resetAs();

  // 2. Reload of a signed-in app.
  console.log('2. reload');
  for (const s of running) {
    try {
      const row = await scenarioReload(s);
      results.reload.set(s.sdk, row);
      console.log(`  ${s.sdk.name}: AS requests until signed in ${range(row.beforeReady)}, in the ${SETTLE_MS} ms after ${range(row.after)}`);
    } catch (err) {
      fail(s, err);
    }
  }
  // scenarioReload resets the AS counters: keep the totals of 2–4 by summing.
  const tally = (stats: AsStats): void => {
    results.refreshDuring += stats.token.refresh_token ?? 0;
    results.codeDuring += stats.token.authorization_code ?? 0;
    results.authDuring += stats.authorization;
  };
  for (const row of results.reload.values()) tally(row.stats);
  await bench.resetAs();

  // 3. Reload → first authorized API response, interleaved rounds.
  results.load.push(loadavg()[0]!);
  console.log('3. reload → first API response');
  const timed = running.filter((s) => !s.error);
  results.first.set('bare', []);
  for (const s of timed) results.first.set(s.sdk, []);
  for (let round = 0; round < WARMUP_ROUNDS + REPS; round++) {
    for (const target of shuffle<Session | 'bare'>([...timed.filter((s) => !s.error), 'bare'])) {
      const s = target === 'bare' ? bare : target;
      try {
        const sample = await firstCall(s.page, pageUrl(target === 'bare' ? 'bare' : s.sdk, FIRST_CALL), s.recorder, round);
        if (round >= WARMUP_ROUNDS) results.first.get(target === 'bare' ? 'bare' : s.sdk)!.push(sample);
      } catch (err) {
        if (target === 'bare') throw err;
        fail(s, err);
      }
    }
  }
  for (const [key, samples] of results.first) {
    console.log(`  ${key === 'bare' ? 'bare fetch' : key.name}: median ${median(samples.map((x) => x.ms)).toFixed(1)} ms`);
  }

  // 4. Per-call overhead.
  results.load.push(loadavg()[0]!);
  console.log('4. per-call overhead');
  for (const s of timed.filter((x) => !x.error)) {
    try {
      await waitSignedIn(s.page);
      const row = await scenarioOverhead(s, bareToken);
      results.overhead.set(s.sdk, row);
      console.log(`  ${s.sdk.name}: median ${median(row.sdk).toFixed(2)} ms vs bare ${median(row.bare).toFixed(2)} ms`);
    } catch (err) {
      fail(s, err);
    }
  }
  tally(await bench.asStats());
  results.load.push(loadavg()[0]!);

  await bench.cleanup();
  const ok = report(results);
  if (!ok) throw new Error('the AS issued tokens during scenarios 2–4 (see above): the timings include renewals; nothing written');
}

// ---------------------------------------------------------------------------------------------
// Report

/**
 * A ratio below 1 would mean the SDK is faster than no SDK: a note saying whether the confidence interval (of the
 * per-round ratios, or of the pair differences when `neutral` is 0) still includes "no difference" (noise), or
 * lies wholly below it (a measuring problem to look into).
 */
function belowOne(what: string, ratio: number, [lo, hi]: [number, number], neutral = 1): string[] {
  if (!(ratio < 1)) return [];
  if (hi >= neutral) {
    return [`${what}: the ratio ${fmt(ratio, 2)} is below 1 but its 95 % interval [${fmt(lo, 2)}, ${fmt(hi, 2)}] includes ${neutral === 1 ? '1' : 'a zero difference'}: no difference from the bare call is measurable here, not a gain.`];
  }
  return [`${what}: the ratio ${fmt(ratio, 2)} and its whole 95 % interval [${fmt(lo, 2)}, ${fmt(hi, 2)}] are below ${neutral === 1 ? '1' : 'a zero difference'}: faster than no SDK, a measuring problem to look into.`];
}

const preflightShare = (samples: FirstCallSample[]): string => `${fmt((100 * samples.filter((x) => x.apiPreflights > 0).length) / samples.length, 0)} %`;
const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const bold = (sdk: Sdk): string => (sdk.name.startsWith('browser-oauth') ? `**${sdk.name}**` : sdk.name);

function report(r: Results): boolean {
  const notes: string[] = bench.staleBuild ? [bench.staleBuild] : [];
  const failedCell = (sdk: Sdk, cols: number): string =>
    `| ${bold(sdk)} | ${sdk.version} | could not run: ${r.failed.get(sdk)!.replace(/\|/g, '\\|')} |${' — |'.repeat(cols - 1)}`;

  // 1
  const login = [
    '| SDK | version | discovery | JWKS | `/auth` (+ resume) | login form (GET + POST) | token | other AS | **AS in all** | CORS preflights (AS) | API | app (HTML, JS) | all requests |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...SDKS.map((sdk) => {
      const row = r.login.get(sdk);
      if (!row) return failedCell(sdk, 11);
      const x = row.sent;
      const asAll = count(x, ...AS_DESTS);
      return `| ${bold(sdk)} | ${sdk.version} | ${count(x, 'discovery')} | ${count(x, 'jwks')} | ${count(x, 'auth')} | ${count(x, 'interaction')} | ${count(x, 'token')} | ${count(x, 'asOther')} | **${asAll}** | ${asPreflights(x)} | ${count(x, 'api')} | ${count(x, 'app')} | ${x.length} |`;
    }),
  ].join('\n');
  for (const [sdk, row] of r.login) {
    const others = row.sent.filter((s) => s.dest === 'asOther' || s.dest === 'elsewhere').map((s) => `${s.method} ${new URL(s.url).pathname}`);
    if (others.length) notes.push(`${sdk.name}, login: other requests: ${[...new Set(others)].map((o) => `\`${o}\``).join(', ')}.`);
    const tokenSeen = count(row.sent, 'token');
    const atAs = Object.values(row.stats.token).reduce((a, b) => a + b, 0);
    if (tokenSeen !== atAs || count(row.sent, 'discovery') !== row.stats.discovery) {
      notes.push(`${sdk.name}, login: the AS counted ${atAs} token and ${row.stats.discovery} discovery requests, the browser ${tokenSeen} and ${count(row.sent, 'discovery')}.`);
    }
    if (count(row.sent, 'token') === 0) notes.push(`${sdk.name}, login: no token request seen — a measuring bug.`);
  }

  // 2
  const reload = [
    '| SDK | version | AS requests until signed in | AS requests in the next 1.5 s | of those: discovery / JWKS / token / other | API | app (HTML, JS) | SDK ready after (ms, median) |',
    '|---|---|--:|--:|---|--:|--:|--:|',
    ...SDKS.map((sdk) => {
      const row = r.reload.get(sdk);
      if (!row) return failedCell(sdk, 7);
      const all = row.sent.flat();
      const per = (d: Dest): string => fmt(count(all, d) / row.sent.length, 0);
      return `| ${bold(sdk)} | ${sdk.version} | ${range(row.beforeReady)} | ${range(row.after)} | ${per('discovery')} / ${per('jwks')} / ${per('token')} / ${fmt((count(all, 'asOther') + asPreflights(all)) / row.sent.length, 0)} | ${range(row.sent.map((x) => count(x, 'api')))} | ${range(row.sent.map((x) => count(x, 'app')))} | ${fmt(median(row.readyMs), 0)} |`;
    }),
  ].join('\n');
  for (const [sdk, row] of r.reload) {
    const toAs = [...new Set(row.sent.flat().filter((s) => s.url.startsWith(AS)).map((s) => `${s.method} ${new URL(s.url).pathname}`))];
    if (toAs.length) notes.push(`${sdk.name}, reload: requests to the AS: ${toAs.map((o) => `\`${o}\``).join(', ')}.`);
  }

  // 3
  const bareFirst = r.first.get('bare')?.map((x) => x.ms) ?? [];
  const bareMedian = median(bareFirst);
  const first = [
    '| SDK | version | token | first `200` from `/api/me` after navigation start (ms, median) | p25–p75 (ms) | × bare `fetch` (ratio of the medians) | per-round ratio to bare: median [95 % CI] | AS requests per reload | API preflights (share of loads) |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|',
    `| bare \`fetch\` (hard-coded Bearer token) | — | Bearer | ${fmt(bareMedian)} | ${fmt(quantile(bareFirst, 0.25))}–${fmt(quantile(bareFirst, 0.75))} | 1.00 | 1.00 | ${range(r.first.get('bare')!.map((x) => x.toAs))} | ${preflightShare(r.first.get('bare')!)} |`,
    ...SDKS.map((sdk) => {
      const samples = r.first.get(sdk);
      if (!samples || samples.length < REPS) return r.failed.has(sdk) ? failedCell(sdk, 8) : `| ${bold(sdk)} | ${sdk.version} | — | — | — | — | — | — | — |`;
      const ms = samples.map((x) => x.ms);
      const bareByRound = new Map(r.first.get('bare')!.map((x) => [x.round, x.ms]));
      const ratios = samples.filter((x) => bareByRound.has(x.round)).map((x) => x.ms / bareByRound.get(x.round)!);
      return `| ${bold(sdk)} | ${sdk.version} | ${sdk.tokenType} | ${fmt(median(ms))} | ${fmt(quantile(ms, 0.25))}–${fmt(quantile(ms, 0.75))} | ${fmt(median(ms) / bareMedian, 2)} | ${fmt(median(ratios), 2)} [${medianCi(ratios).map((x) => fmt(x, 2)).join(', ')}] | ${range(samples.map((x) => x.toAs))} | ${preflightShare(samples)} |`;
    }),
  ].join('\n');

  for (const sdk of SDKS) {
    const samples = r.first.get(sdk);
    if (!samples?.length) continue;
    const bareByRound = new Map((r.first.get('bare') ?? []).map((x) => [x.round, x.ms]));
    const ratios = samples.filter((x) => bareByRound.has(x.round)).map((x) => x.ms / bareByRound.get(x.round)!);
    notes.push(...belowOne(`${sdk.name}, reload → first response`, median(samples.map((x) => x.ms)) / bareMedian, medianCi(ratios)));
  }

  // 4
  const overhead = [
    '| SDK | version | token | per call through the SDK (ms, median) | bare `fetch` (ms, median) | × bare (ratio of the medians) | overhead per call (ms): median of the pair differences [95 % CI] | API requests per SDK call | failed calls |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|',
    ...SDKS.map((sdk) => {
      const row = r.overhead.get(sdk);
      if (!row) return r.failed.has(sdk) ? failedCell(sdk, 8) : `| ${bold(sdk)} | ${sdk.version} | — | — | — | — | — | — | — |`;
      const diffs = row.sdk.map((x, i) => x - row.bare[i]!);
      const failed = Object.values(row.failures).reduce((a, b) => a + b, 0);
      const bareNote = sdk.tokenType === 'DPoP' ? ' (bare: Bearer)' : '';
      return `| ${bold(sdk)} | ${sdk.version} | ${sdk.tokenType}${bareNote} | ${fmt(median(row.sdk), 2)} | ${fmt(median(row.bare), 2)} | ${fmt(median(row.sdk) / median(row.bare), 2)} | ${fmt(median(diffs), 2)} [${medianCi(diffs).map((x) => fmt(x, 2)).join(', ')}] | ${fmt(row.apiPerSdkCall, 2)} | ${failed} / ${2 * (CALLS + WARMUP_CALLS)} |`;
    }),
  ].join('\n');
  for (const [sdk, row] of r.overhead) {
    const ci = medianCi(row.sdk.map((x, i) => x - row.bare[i]!));
    notes.push(...belowOne(`${sdk.name}, per call`, median(row.sdk) / median(row.bare), [ci[0], ci[1]], 0));
    const f = Object.entries(row.failures);
    if (f.length) notes.push(`${sdk.name}, per-call: failed calls: ${f.map(([k, n]) => `\`${k}\` ×${n}`).join(', ')}.`);
  }
  for (const s of r.sessions) {
    if (s.pageErrors.size) notes.push(`${s.sdk.name}: page errors (uncaught, or logged with console.error): ${[...s.pageErrors].slice(0, 3).map((e) => `\`${e.replace(/`/g, "'")}\``).join('; ')}.`);
  }

  const tokensIssued = r.refreshDuring + r.codeDuring + r.authDuring;
  const check =
    `AS counters over scenarios 2–4: ${r.refreshDuring} refresh grants, ${r.codeDuring} code exchanges, ${r.authDuring} authorization requests` +
    (tokensIssued === 0 ? ' (checked: 0, so no timing includes a renewal).' : ' — NOT 0: the run is invalid.');
  const seconds = bench.elapsed().toFixed(0);
  const source = sourceState();
  const header =
    `\`npx tsx bench/protocol.ts\` on ${new Date().toISOString().slice(0, 10)} — ${seconds} s in all; ${source ? `${source}; ` : ''}node ${process.version}, Chromium ${bench.browserVersion ?? '?'}; ` +
    `the embedded AS (demo/server: oidc-provider, DPoP on, access tokens ${TTL} s) and API started by the bench; ` +
    `${cpus().length} CPUs, 1-minute load average ${Math.min(...r.load).toFixed(1)}–${Math.max(...r.load).toFixed(1)} during the run; ` +
    `${RELOADS} reloads per SDK (2), ${REPS} measured reload rounds + ${WARMUP_ROUNDS} warm-up (3), ${CALLS} measured call pairs + ${WARMUP_CALLS} warm-up (4). ` +
    'Requests counted with the Chrome DevTools Protocol (`Network.requestWillBeSent`: redirects and CORS preflights included). See bench/README.md.';
  const configs = SDKS.map((sdk) => `- **${sdk.name}** ${sdk.version}: ${sdk.describe}.`);
  configs.push(
    `- **keycloak-js** ${peerVersion('keycloak-js')}, **@auth0/auth0-spa-js** ${peerVersion('@auth0/auth0-spa-js')}: not run; they cannot sign in against ` +
      'oidc-provider (keycloak-js: its token requests use `credentials: \'include\'`, which the token endpoint\'s CORS does not allow, and it decodes the ' +
      'refresh token as a JWT; auth0-spa-js: it requires `iss` = `<domain>/` and RS256 ID tokens). See "Tabs: refreshes per expiry".',
  );

  const sections = [
    '### 1. Login',
    '',
    'From a fresh browser context (no cookies, no storage): open the app signed out, call the SDK\'s login, fill in the AS\'s form (alice/alice), ' +
      `back on the app until the SDK says signed in, plus ${SETTLE_MS / 1000} s. Every request the page sent, by destination; "\`/auth\` (+ resume)" is the ` +
      'authorization request and oidc-provider\'s resume redirect after the form, "login form" its GET and POST, "app" the page\'s own HTML and script ' +
      '(loaded twice: before the login and on the callback). The ideal for the AS is discovery 1, `/auth` 2, form 2, token 1. ' +
      'The embedded AS offers pushed authorization requests, which browser-oauth uses by default (`par: \'auto\'`, issue 16): ' +
      'its "other AS" request is that POST (with DPoP, one more CORS preflight), the price of keeping the PKCE challenge, `state` ' +
      'and `nonce` out of the address bar and history; `par: false` saves it.',
    '',
    login,
    '',
    '### 2. Reload of a signed-in app',
    '',
    `The signed-in page is loaded again (${RELOADS} times). Requests to the AS from navigation start until the SDK is ready and says signed in (its own ` +
      `state, read without contacting the AS), and in the ${SETTLE_MS / 1000} s after (timers, background work). The ideal is 0 and 0. API: requests to the ` +
      'API (none is made here). Columns after the first two: requests per reload.',
    '',
    reload,
    '',
    '### 3. Reload → first authorized API response',
    '',
    `Each page loaded with \`?bench-first-call\`: as soon as the SDK is ready it calls \`GET /api/me\` through the SDK; the time is \`performance.now()\` when ` +
      'the 200 and its body have arrived, i.e. ms since navigation start (the HTML, the script, from the cache: the pages\' bundles have content-hashed URLs ' +
      'and are cached as an app\'s are, its parse and run, SDK start-up from storage, the call). ' +
      'The bare page has no SDK: its script `fetch`es the same URL with a Bearer token written into the page (from a browser-oauth `dpop: false` login). ' +
      `For the DPoP row the baseline is therefore a Bearer call: the ratio includes creating a DPoP proof and the API verifying it. ${REPS} rounds after ` +
      `${WARMUP_ROUNDS} warm-up rounds; every round loads every page once, in a random order, so drift hits all rows alike. Ratio = median ÷ the bare ` +
      'page\'s median; the per-round ratio divides each load by the bare load of the same round, and its confidence interval shows how much the ' +
      'machine\'s noise leaves of the difference. "AS requests per reload": ideal 0. "API preflights": share of loads whose call needed a CORS ' +
      'preflight first (an extra round trip; Chromium caches one for 5 s per context and the demo API sends no `Access-Control-Max-Age`), for every row alike.',
    '',
    first,
    '',
    '### 4. Per-call overhead',
    '',
    `In each signed-in page, ${CALLS} pairs (after ${WARMUP_CALLS} warm-up pairs) of one \`GET /api/me\` through the SDK (browser-oauth \`auth.fetch\`; ` +
      'oidc-client-ts `getUser()` + `fetch`; okta `getOrRenewAccessToken()` + `fetch`) and one bare `fetch` with a Bearer token, one call at a time, the ' +
      'order alternating within the pairs. The bare call uses the SDK\'s own token for the Bearer rows and the `dpop: false` login\'s token for the DPoP ' +
      'row (a DPoP-bound token is refused without a proof), so the DPoP row\'s overhead includes signing a proof per call and the API checking it ' +
      '(signature, `jti` replay, `ath`). Times include reading the response body. "API requests per SDK call": requests the API received beyond the bare ' +
      'ones, per SDK call (1.00 = no retries or extra calls; CORS preflights excluded — Chromium caches them for 5 s, for both).',
    '',
    overhead,
    '',
    `- ${check}`,
    ...notes.map((n) => `- ${n}`),
    '',
    'Configurations:',
    '',
    ...configs,
  ].join('\n');

  console.log(`\n${sections}\n`);
  console.log(`(${seconds} s in all, node ${process.version}, Chromium ${bench.browserVersion ?? '?'})`);
  if (tokensIssued !== 0) return false;
  if (args['no-write'] || only) {
    console.log(`RESULTS.md not written (${only ? '--only: a partial table' : '--no-write'})`);
    return true;
  }
  const file = writeResultsSection('Protocol cost', `${header}\n\n${sections}`);
  console.log(`wrote the "Protocol cost" section of ${file}`);
  return true;
}

bench.run(main);
