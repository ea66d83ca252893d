/**
 * Multi-tab renewal, side by side (issue 8 "Benchmark", issue 6 part 2): 5 tabs of one app signed in as
 * alice, left open for a few access-token lifetimes, every tab calling the protected API every ~2 s, so
 * renewal is both on demand and proactive. Per SDK, counted AT THE AUTHORIZATION SERVER (its
 * /__test/stats): refresh-token grants per expiry and `invalid_grant` answers; counted in the pages: API
 * calls that failed, and whether every tab is still signed in at the end.
 *
 * One run, one embedded AS (demo/server, oidc-provider with refresh-token rotation and reuse detection),
 * started and stopped by this script; real time, a short access-token lifetime, no fake clock.
 *
 *   npx tsx bench/tabs.ts [--ttl 10] [--expiries 5] [--tabs 5] [--period 2] [--only a,b]
 *
 * from the repository root, after `npm install --prefix bench`. Prints a markdown table and writes it to
 * bench/RESULTS.md under "## Tabs: refreshes per expiry". See bench/README.md.
 */
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import * as esbuild from 'esbuild';

const started = Date.now();
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    ttl: { type: 'string', default: '10' },
    expiries: { type: 'string', default: '5' },
    tabs: { type: 'string', default: '5' },
    period: { type: 'string', default: '2' },
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const TTL = Number(args.ttl); // access-token lifetime, seconds
const EXPIRIES = Number(args.expiries);
const TABS = Number(args.tabs);
const PERIOD_MS = Number(args.period) * 1000; // each tab calls the API every ~PERIOD (±25 %)
for (const [name, value] of Object.entries({ ttl: TTL, expiries: EXPIRIES, tabs: TABS, period: PERIOD_MS })) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
}
/** Every SDK is given the same renew-ahead margin: what browser-oauth uses (lifetime / 5), in seconds. */
const RENEW_AHEAD = Math.max(1, Math.round(TTL / 5));
/**
 * Renewing RENEW_AHEAD seconds early, an app replaces its access token every TTL − RENEW_AHEAD seconds: one
 * "expiry" of the table. The run lasts a whole number of them, so the ideal count is exactly EXPIRIES.
 */
const CYCLE = TTL - RENEW_AHEAD;

// Ports of their own, so a running `npm run demo` (4000…) or e2e run (4100…) does not clash.
const PORTS = { as: 4600, api: 4601, other: 4602, spa: 5773, pages: 5774 };
const AS = `http://127.0.0.1:${PORTS.as}`;
const API_ME = `http://127.0.0.1:${PORTS.api}/api/me`;
const SPA = `http://127.0.0.1:${PORTS.spa}`;
const CLIENT_ID = 'browser-oauth-demo';
const SCOPE = 'openid profile email offline_access api:read'; // the demo app's scope (demo/src/config.ts)
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Hard stop for the whole bench, whatever happens. */
const WATCHDOG_MS = 10 * 60_000;

const readJson = (file: string): { version: string } => JSON.parse(readFileSync(file, 'utf8'));
const ownVersion = readJson(join(ROOT_DIR, 'package.json')).version;
const peerVersion = (pkg: string): string => readJson(join(BENCH_DIR, 'node_modules', pkg, 'package.json')).version;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The SDKs

interface Sdk {
  /** Row name. */
  name: string;
  version: string;
  /** What the page configures, for the table's notes. */
  config: string;
  /** The app page every tab opens. */
  url: string;
  /** Page served by this script (bench/tabs/<entry>.ts), or the demo app itself. */
  entry?: string;
  /** Why this SDK is expected not to run against oidc-provider; shown when it does not. */
  knownBlocker?: string;
}

const pageUrl = (host: '127.0.0.1' | 'localhost', entry: string): string => `http://${host}:${PORTS.pages}/${entry}.html`;

const ALL_SDKS: Sdk[] = [
  {
    name: 'browser-oauth (DPoP, default)',
    version: ownVersion,
    config: 'the demo app itself (demo/src/auth.ts, built from dist/): IndexedDB, Web Locks, leader renewal; `window.__auth.fetch`',
    url: `${SPA}/`,
  },
  {
    name: 'browser-oauth (`dpop: false`)',
    version: ownVersion,
    config: 'bench/tabs/browser-oauth.ts: the demo options + `dpop: false` (Bearer), `auth.fetch`',
    url: pageUrl('127.0.0.1', 'browser-oauth'),
    entry: 'browser-oauth',
  },
  {
    name: 'oidc-client-ts',
    version: peerVersion('oidc-client-ts'),
    config:
      '`UserManager` with `automaticSilentRenew: true`, `userStore: new WebStorageStateStore({ store: localStorage })` (one login shared by the tabs), ' +
      '`offline_access` (so `signinSilent` uses the refresh token), `accessTokenExpiringNotificationTimeInSeconds: ' +
      `${RENEW_AHEAD}\`; each call: \`getUser()\`, \`signinSilent()\` if expired, bare \`fetch\``,
    url: pageUrl('127.0.0.1', 'oidc-client-ts'),
    entry: 'oidc-client-ts',
  },
  {
    name: '@okta/okta-auth-js/core',
    version: peerVersion('@okta/okta-auth-js'),
    config:
      '`OktaAuth` with the AS endpoints from discovery (`authorizeUrl`, `tokenUrl`, …), `offline_access`, `tokenManager: { storage: \'localStorage\', autoRenew: true, ' +
      `expireEarlySeconds: ${RENEW_AHEAD} }\`, services \`autoRenew\` + \`syncStorage\` (leader election), \`ignoreSignature: true\` (ES256 ID tokens); ` +
      'each call: `getOrRenewAccessToken()`, bare `fetch`; page on http://localhost (Okta honours `expireEarlySeconds` only there)',
    url: pageUrl('localhost', 'okta-auth-js'),
    entry: 'okta-auth-js',
  },
  {
    name: 'keycloak-js',
    version: peerVersion('keycloak-js'),
    config:
      '`new Keycloak({ oidcProvider, clientId })`, `init({ onLoad: \'check-sso\', pkceMethod: \'S256\', checkLoginIframe: false })`, ' +
      '`updateToken()` before each call and on `onTokenExpired`; tokens in memory, per tab',
    url: pageUrl('127.0.0.1', 'keycloak-js'),
    entry: 'keycloak-js',
    knownBlocker:
      'keycloak-js sends its token requests with `credentials: \'include\'`, which oidc-provider\'s token endpoint does not allow ' +
      '(no `Access-Control-Allow-Credentials`), so the code exchange is blocked by CORS; past that, keycloak-js decodes the refresh ' +
      'token as a JWT (Keycloak\'s are JWTs) and oidc-provider\'s are opaque, so storing the tokens would throw. Not something a ' +
      'bench setting can change without changing the AS or the SDK',
  },
];

const only = args.only?.split(',').map((s) => s.trim().toLowerCase());
const SDKS = only ? ALL_SDKS.filter((s) => only.some((o) => s.name.toLowerCase().includes(o) || s.entry === o)) : ALL_SDKS;
if (SDKS.length === 0) throw new Error(`--only matched no SDK (${ALL_SDKS.map((s) => s.entry ?? 'demo').join(', ')})`);

// ---------------------------------------------------------------------------------------------
// Processes and servers this script owns; all stopped in cleanup()

let asProcess: ChildProcess | undefined;
let pageServer: Server | undefined;
let browser: Browser | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await browser?.close().catch(() => undefined);
    await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
    pageServer?.closeAllConnections();
    await stopAs();
  })();
  return cleaning;
}

async function stopAs(): Promise<void> {
  const child = asProcess;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // `npx tsx …` runs node under npm: signal the whole process group this script created (detached).
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await Promise.race([exited, sleep(2000)]);
}

const watchdog = setTimeout(() => {
  console.error(`bench/tabs.ts: still running after ${WATCHDOG_MS / 60_000} min, stopping`);
  void cleanup().finally(() => process.exit(2));
}, WATCHDOG_MS);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void cleanup().finally(() => process.exit(130)));
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The demo servers (AS, API, other origin, the SPA built in preview mode) with test control and a short TTL. */
async function startAs(): Promise<void> {
  const extraRedirectUris = SDKS.filter((s) => s.entry).map((s) => s.url);
  const output: string[] = [];
  asProcess = spawn('npx', ['tsx', 'demo/server/main.ts', '--mode', 'preview'], {
    cwd: ROOT_DIR,
    detached: true, // its own process group, stopped as a whole
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AS_PORT: String(PORTS.as),
      API_PORT: String(PORTS.api),
      OTHER_PORT: String(PORTS.other),
      SPA_PORT: String(PORTS.spa),
      TEST_CONTROL: '1',
      BROWSER_OAUTH_FROM: 'dist',
      ACCESS_TOKEN_TTL: String(TTL),
      EXTRA_REDIRECT_URIS: extraRedirectUris.join(','),
      DEMO_LOG: process.env.BENCH_DEBUG ? '1' : '0',
    },
  });
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  if (process.env.BENCH_DEBUG) asProcess.stdout!.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '  [as] ')));
  asProcess.stdout!.on('data', keep);
  asProcess.stderr!.on('data', keep);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (asProcess.exitCode !== null) throw new Error(`the demo servers exited (${asProcess.exitCode}):\n${output.join('')}`);
    const ok = await Promise.all(
      [`${AS}/__test/stats`, `${SPA}/`].map((url) =>
        fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false),
      ),
    );
    if (ok.every(Boolean)) return;
    await sleep(500);
  }
  throw new Error(`the demo servers did not start within 180 s:\n${output.join('')}`);
}

// ---------------------------------------------------------------------------------------------
// The peers' pages: bench/tabs/<entry>.ts bundled by esbuild, served with their config

async function buildPages(): Promise<Map<string, string>> {
  const entries = SDKS.filter((s) => s.entry).map((s) => s.entry!);
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(entries.map((e) => [e, join(BENCH_DIR, 'tabs', `${e}.ts`)])),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/pages',
    alias: { 'browser-oauth': join(ROOT_DIR, 'dist', 'browser-oauth.js') },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  for (const w of result.warnings) console.warn(`esbuild: ${w.text}`);
  return new Map(result.outputFiles.map((f) => [f.path.replace(/^\/pages\//, '').replace(/\.js$/, ''), f.text]));
}

function servePages(bundles: Map<string, string>): Promise<void> {
  pageServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const match = /^\/([\w-]+)\.(html|js)$/.exec(url.pathname);
    const entry = match?.[1];
    const code = entry ? bundles.get(entry) : undefined;
    if (!match || !code) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (match[2] === 'js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(code);
      return;
    }
    const config = {
      issuer: AS,
      clientId: CLIENT_ID,
      apiMe: API_ME,
      redirectUri: `${url.origin}${url.pathname}`,
      scope: SCOPE,
      renewAheadSeconds: RENEW_AHEAD,
    };
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench tabs: ${entry}</title>
<script>window.__benchConfig = ${JSON.stringify(config)};</script>
<script type="module" src="/${entry}.js"></script></head><body><h1>${entry}</h1></body></html>`,
    );
  });
  return new Promise((resolve, reject) => {
    pageServer!.once('error', reject);
    pageServer!.listen(PORTS.pages, '127.0.0.1', () => resolve());
  });
}

// ---------------------------------------------------------------------------------------------
// In the pages

interface AsStats {
  authorization: number;
  token: Record<string, number>;
  tokenErrors: Record<string, number>;
}

async function asStats(): Promise<AsStats> {
  const response = await fetch(`${AS}/__test/stats`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`/__test/stats answered ${response.status}`);
  return (await response.json()) as AsStats;
}

async function resetAs(): Promise<void> {
  const response = await fetch(`${AS}/__test/reset`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`/__test/reset answered ${response.status}`);
}

/** The demo page has no bench hooks: adapt `window.__auth` to the same interface as the peers' pages. */
function demoAdapter(apiMe: string): void {
  const w = window as unknown as {
    __auth?: { state: { status: string }; fetch(url: string): Promise<Response> };
    __bench: unknown;
  };
  w.__bench = {
    readyState: 'ready',
    ready: Promise.resolve(),
    login: async () => undefined, // the driver clicks the page's own button
    signedIn: async () => w.__auth?.state.status === 'signedIn' || w.__auth?.state.status === 'refreshing',
    call: () =>
      w.__auth!.fetch(apiMe).then(
        async (r) => {
          await r.text();
          return String(r.status);
        },
        (err: { code?: string }) => err?.code ?? String(err),
      ),
  };
}

interface LoopState {
  results: Record<string, number>;
  inflight: number;
  stopped: boolean;
}

/** The same API-call loop in every tab of every SDK: one call at a time, every ~period (±25 %). */
function installLoop(periodMs: number): void {
  const w = window as unknown as { __bench: { call(): Promise<string> }; __benchLoop: LoopState };
  const loop: LoopState = { results: {}, inflight: 0, stopped: false };
  w.__benchLoop = loop;
  const tick = async (): Promise<void> => {
    if (loop.stopped) return;
    loop.inflight++;
    let result: string;
    try {
      // A call that never settles counts as failed after 15 s (and the loop goes on).
      result = await Promise.race([
        w.__bench.call(),
        new Promise<string>((resolve) => setTimeout(() => resolve('timeout (15 s)'), 15_000)),
      ]);
    } catch (err) {
      result = `threw: ${String(err).slice(0, 80)}`;
    }
    loop.inflight--;
    loop.results[result] = (loop.results[result] ?? 0) + 1;
    if (!loop.stopped) setTimeout(tick, periodMs * (0.75 + Math.random() * 0.5));
  };
  setTimeout(tick, Math.random() * periodMs); // tabs out of step
}

/** Polls `fn` in the page until it returns a truthy value; survives navigations; bounded. */
async function pollPage<T>(page: Page, fn: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await page.evaluate(fn);
      if (value) return value;
    } catch (err) {
      last = err; // navigating: try again
    }
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${String(last).split('\n')[0]})` : ''}`);
}

type ReadyState = 'ready' | `the SDK failed to start: ${string}`;
const readyState = (page: Page): Promise<ReadyState> =>
  pollPage(
    page,
    () => {
      const b = (window as unknown as { __bench?: { readyState: string; failure?: string } }).__bench;
      if (!b || b.readyState === 'pending') return undefined;
      return b.readyState === 'ready' ? 'ready' : `the SDK failed to start: ${b.failure ?? '?'}`;
    },
    20_000,
    'SDK started',
  ) as Promise<ReadyState>;

const signedIn = (page: Page): Promise<boolean> =>
  page.evaluate(() => (window as unknown as { __bench: { signedIn(): Promise<boolean> } }).__bench.signedIn()).catch(() => false);

async function waitSignedIn(page: Page): Promise<void> {
  const ready = await readyState(page);
  if (ready !== 'ready') throw new Error(ready);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await signedIn(page)) return;
    await sleep(200);
  }
  throw new Error('tab not signed in within 20 s');
}

async function submitLogin(page: Page): Promise<void> {
  await page.locator('input[name=login]').fill('alice', { timeout: 15_000 });
  await page.locator('input[name=password]').fill('alice', { timeout: 5000 });
  await page.locator('button[type=submit]').click({ timeout: 5000 });
}

/** First tab: the redirect login, driven through the AS's form. */
async function loginFirstTab(sdk: Sdk, page: Page): Promise<void> {
  await page.goto(sdk.url, { timeout: 20_000 });
  if (!sdk.entry) {
    await page.getByTestId('status').filter({ hasText: 'signedOut' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('sign-in').click({ timeout: 5000 });
  } else {
    const ready = await readyState(page);
    if (ready !== 'ready') throw new Error(`before login, ${ready}`);
    void page.evaluate(() => (window as unknown as { __bench: { login(): Promise<void> } }).__bench.login()).catch(() => undefined);
  }
  await page.waitForURL(`${AS}/**`, { timeout: 20_000 });
  await submitLogin(page);
  const origin = new URL(sdk.url).origin;
  await page.waitForURL((url) => url.origin === origin, { timeout: 20_000 });
  await waitSignedIn(page);
}

// ---------------------------------------------------------------------------------------------
// One scenario

interface Row {
  sdk: Sdk;
  error?: string;
  seconds?: number;
  expiries?: number;
  refresh?: number;
  invalidGrant?: number;
  otherTokenErrors?: Record<string, number>;
  authorize?: number;
  calls?: number;
  failed?: Record<string, number>;
  signedIn?: number;
  pageErrors: string[];
}

async function runScenario(sdk: Sdk): Promise<Row> {
  const row: Row = { sdk, pageErrors: [] };
  const context: BrowserContext = await browser!.newContext();
  const pageErrors = new Set<string>();
  const watch = (page: Page): void => {
    page.on('pageerror', (err) => pageErrors.add(err.message.split('\n')[0]!.slice(0, 200)));
    page.on('console', (msg) => {
      // Console errors other than the browser's generic "Failed to load resource" (a 4xx/5xx answer).
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.add(msg.text().split('\n')[0]!.slice(0, 200));
    });
    if (process.env.BENCH_DEBUG) {
      page.on('console', (msg) => console.log(`  [${sdk.entry ?? 'demo'} console.${msg.type()}] ${msg.text().slice(0, 300)}`));
      page.on('requestfailed', (req) => console.log(`  [${sdk.entry ?? 'demo'} requestfailed] ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
      page.on('framenavigated', (frame) => frame === page.mainFrame() && console.log(`  [${sdk.entry ?? 'demo'} nav] ${frame.url().slice(0, 160)}`));
    }
  };
  try {
    // tsx compiles this file with esbuild's keepNames: functions passed to page.evaluate may call its
    // `__name` helper, which does not exist in the page.
    await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
    if (!sdk.entry) await context.addInitScript(demoAdapter, API_ME);
    const pages: Page[] = [];
    const first = await context.newPage();
    watch(first);
    pages.push(first);
    await loginFirstTab(sdk, first);
    for (let i = 1; i < TABS; i++) {
      const page = await context.newPage();
      watch(page);
      pages.push(page);
      await page.goto(sdk.url, { timeout: 20_000 });
      await waitSignedIn(page);
    }

    await resetAs();
    const t0 = Date.now();
    await Promise.all(pages.map((page) => page.evaluate(installLoop, PERIOD_MS)));
    await sleep(EXPIRIES * CYCLE * 1000);
    await Promise.all(
      pages.map((page) => page.evaluate(() => ((window as unknown as { __benchLoop: LoopState }).__benchLoop.stopped = true)).catch(() => undefined)),
    );
    // Let the calls in flight finish (bounded), then read the AS counters before anything else happens.
    const deadline = Date.now() + 16_000;
    while (Date.now() < deadline) {
      const inflight = await Promise.all(
        pages.map((page) => page.evaluate(() => (window as unknown as { __benchLoop?: LoopState }).__benchLoop?.inflight ?? 0).catch(() => 0)),
      );
      if (inflight.every((n) => n === 0)) break;
      await sleep(100);
    }
    const stats = await asStats();
    const elapsed = (Date.now() - t0) / 1000;

    const loops = await Promise.all(
      pages.map((page) =>
        page.evaluate(() => (window as unknown as { __benchLoop?: LoopState }).__benchLoop?.results ?? { 'page reloaded: loop lost': 1 }).catch(() => ({ 'page gone': 1 })),
      ),
    );
    const results: Record<string, number> = {};
    for (const loop of loops) for (const [k, n] of Object.entries(loop)) results[k] = (results[k] ?? 0) + n;
    const signedInNow = await Promise.all(pages.map(signedIn));

    const { invalid_grant: invalidGrant = 0, ...otherTokenErrors } = stats.tokenErrors;
    Object.assign(row, {
      seconds: elapsed,
      expiries: elapsed / CYCLE,
      refresh: stats.token.refresh_token ?? 0,
      invalidGrant,
      otherTokenErrors,
      authorize: stats.authorization,
      calls: Object.values(results).reduce((a, b) => a + b, 0),
      failed: Object.fromEntries(Object.entries(results).filter(([k]) => k !== '200')),
      signedIn: signedInNow.filter(Boolean).length,
    });
  } catch (err) {
    row.error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  } finally {
    row.pageErrors = [...pageErrors].slice(0, 4);
    await context.close().catch(() => undefined);
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  if (!existsSync(join(BENCH_DIR, 'node_modules', 'esbuild'))) {
    throw new Error('bench dependencies missing: run `npm install --prefix bench` first');
  }
  if (!existsSync(join(ROOT_DIR, 'dist', 'browser-oauth.js'))) {
    console.log('dist/ missing: running `npm run build`');
    execSync('npm run build', { cwd: ROOT_DIR, stdio: 'inherit' });
  }
  if (newestMtime(join(ROOT_DIR, 'src')) > statSync(join(ROOT_DIR, 'dist', 'browser-oauth.js')).mtimeMs) {
    staleBuild = 'dist/ is older than src/: the browser-oauth rows ran the last build (run `npm run build` for current numbers).';
    console.warn(`warning: ${staleBuild}`);
  }
  for (const [name, port] of Object.entries(PORTS)) {
    if (await portInUse(port)) throw new Error(`port ${port} (${name}) is in use: is another bench/tabs.ts running?`);
  }

  console.log(`bench/tabs.ts: ${SDKS.length} SDKs × ${TABS} tabs, access token ${TTL} s renewed ${RENEW_AHEAD} s early, ${EXPIRIES} expiries (${EXPIRIES * CYCLE} s) each, an API call per tab every ~${PERIOD_MS / 1000} s`);
  const [bundles] = await Promise.all([buildPages(), startAs()]);
  await servePages(bundles);
  console.log(`servers up after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  browserVersion = browser.version();

  const rows: Row[] = [];
  for (const sdk of SDKS) {
    const t = Date.now();
    const row = await runScenario(sdk);
    rows.push(row);
    console.log(`- ${sdk.name}: ${row.error ? `FAILED: ${row.error}` : `${row.refresh} refresh grants, ${row.invalidGrant} invalid_grant, ${failedCount(row)}/${row.calls} calls failed, ${row.signedIn}/${TABS} signed in`} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  }
  await cleanup();
  report(rows);
}

let staleBuild: string | undefined;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const failedCount = (row: Row): number => Object.values(row.failed ?? {}).reduce((a, b) => a + b, 0);

function report(rows: Row[]): void {
  const fmt = (n: number, digits = 1): string => n.toFixed(digits);
  const table = [
    '| SDK | version | refresh grants at the AS | per expiry | `invalid_grant` | other token errors | `/auth` during run | API calls failed | signed in at end |',
    '|---|---|--:|--:|--:|---|--:|--:|--:|',
    ...rows.map((r) => {
      const name = r.sdk.name.startsWith('browser-oauth') ? `**${r.sdk.name}**` : r.sdk.name;
      if (r.error) return `| ${name} | ${r.sdk.version} | — | — | — | — | — | — | could not run: ${r.error.replace(/\|/g, '\\|')} (see the notes) |`;
      const other = Object.entries(r.otherTokenErrors ?? {}).map(([k, n]) => `${k} ×${n}`).join(', ') || '0';
      return `| ${name} | ${r.sdk.version} | ${r.refresh} | ${fmt(r.refresh! / r.expiries!)} | ${r.invalidGrant} | ${other} | ${r.authorize} | ${failedCount(r)} / ${r.calls} | ${r.signedIn} / ${TABS} |`;
    }),
  ].join('\n');

  const notes: string[] = staleBuild ? [staleBuild] : [];
  for (const r of rows) {
    if (r.error && r.sdk.knownBlocker) notes.push(`${r.sdk.name}: could not sign in, as expected: ${r.sdk.knownBlocker}.`);
    if (r.failed && failedCount(r) > 0) {
      const why = Object.entries(r.failed).sort((a, b) => b[1] - a[1]).map(([k, n]) => `\`${k}\` ×${n}`).join(', ');
      notes.push(`${r.sdk.name}: failed calls: ${why}.`);
    }
    if (r.pageErrors.length) notes.push(`${r.sdk.name}: page errors (uncaught, or logged with console.error): ${r.pageErrors.map((e) => `\`${e.replace(/`/g, "'")}\``).join('; ')}.`);
  }
  const configs = rows.map((r) => `- **${r.sdk.name}** ${r.sdk.version}: ${r.sdk.config}.`);
  configs.push(
    `- **@auth0/auth0-spa-js** ${peerVersion('@auth0/auth0-spa-js')}: not run. Its endpoints are fixed paths under \`domain\` (\`/authorize\`, ` +
      '`/oauth/token`; oidc-provider\'s `routes` could mimic them), but it accepts an ID token only if `iss` is `<domain>/` with a trailing slash ' +
      '(its `issuer` option is forced to `https://…/`) and only if it is signed with RS256; the demo AS\'s issuer is `http://127.0.0.1:<port>` ' +
      'without a slash and the demo client\'s ID tokens are ES256. Running it would take a different issuer for the whole AS and a second client, ' +
      'not a bench setting.',
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const measured = rows.find((r) => r.seconds);
  const setup =
    `${TABS} tabs of one app in one Chromium context, signed in once as alice; access tokens live ${TTL} s and every SDK renews them ${RENEW_AHEAD} s ` +
    `before expiry (its own setting, scaled to the short lifetime), so a token is replaced every ${CYCLE} s: one "expiry". The AS counters are reset, ` +
    `then the tabs run for ${EXPIRIES} expiries (${EXPIRIES * CYCLE} s; measured ${measured ? fmt(measured.seconds!, 1) : '?'} s from the reset to the ` +
    `snapshot, per expiry = count ÷ (that time ÷ ${CYCLE} s)) with every tab calling \`GET /api/me\` every ~${PERIOD_MS / 1000} s (±25 %). ` +
    'Counted at the AS: refresh-token grants (failed ones included), `invalid_grant` answers, other token-endpoint errors, authorization requests. ' +
    'Counted in the pages: API calls that did not answer 200. "Signed in at end": tabs whose SDK still holds a valid session (read without contacting the AS). ' +
    'The ideal is 1 refresh per expiry, 0 `invalid_grant`, 0 failed calls, every tab signed in.';

  console.log(`\n${table}\n`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`(${seconds} s in all, node ${process.version}, Chromium ${browserVersion ?? '?'})`);

  if (args['no-write'] || only) {
    console.log(`RESULTS.md not written (${only ? '--only: a partial table' : '--no-write'})`);
    return;
  }
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    '## Tabs: refreshes per expiry',
    '',
    `\`npx tsx bench/tabs.ts\` on ${date} — ${seconds} s in all; node ${process.version}, Chromium ${browserVersion ?? '?'}; the embedded AS ` +
      '(demo/server: oidc-provider, refresh-token rotation with reuse detection, DPoP on) started by the bench. See bench/README.md.',
    '',
    setup,
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    ...(notes.length ? [''] : []),
    'Configurations:',
    '',
    ...configs,
    '',
  ].join('\n');
  const RESULTS = join(BENCH_DIR, 'RESULTS.md');
  const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const start = previous.search(/^## Tabs: refreshes per expiry[ \t]*$/m);
  let next: string;
  if (start < 0) {
    next = `${previous.trimEnd()}\n\n${section}`;
  } else {
    const after = previous.slice(start + 1).search(/^## /m);
    const end = after < 0 ? previous.length : start + 1 + after;
    next = `${previous.slice(0, start)}${section}\n${after < 0 ? '' : previous.slice(end)}`;
  }
  writeFileSync(RESULTS, `${next.trimEnd()}\n`);
  console.log(`wrote the "Tabs: refreshes per expiry" section of ${RESULTS}`);
}

let browserVersion: string | undefined;

main()
  .then(() => {
    clearTimeout(watchdog);
    process.exit(0);
  })
  .catch(async (err: unknown) => {
    console.error(`bench/tabs.ts: ${err instanceof Error ? err.message : String(err)}`);
    await cleanup();
    process.exit(1);
  });
