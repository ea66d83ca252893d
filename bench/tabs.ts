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
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from '@playwright/test';
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
  signedIn,
  sleep,
  waitSignedIn,
  writeResultsSection,
} from './harness-server.ts';

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

// Ports of their own, so a running `npm run demo` (4000…), e2e run (4100…) or bench/protocol.ts (4650…) does not clash.
const PORTS = { as: 4600, api: 4601, other: 4602, spa: 5773, pages: 5774 };
/** Hard stop for the whole bench, whatever happens. */
const WATCHDOG_MS = 10 * 60_000;
const bench = new BenchRun('bench/tabs.ts', PORTS, WATCHDOG_MS);
const { as: AS, apiMe: API_ME, spa: SPA } = bench.urls;

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

const pageUrl = (host: '127.0.0.1' | 'localhost', entry: string): string => bench.urls.page(entry, host);

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
// In the pages

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

/** First tab: the redirect login, driven through the AS's form. */
const loginFirstTab = (sdk: Sdk, page: Page): Promise<void> => loginThroughAs(page, sdk.url, AS, sdk.entry ? 'bench-page' : 'demo-app');

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
  const context: BrowserContext = await bench.newContext();
  const pageErrors = new Set<string>();
  const watch = (page: Page): void => {
    page.on('pageerror', (err) => pageErrors.add(err.message.split('\n')[0]!.slice(0, 200)));
    page.on('console', (msg) => {
      // Console errors other than the browser's generic "Failed to load resource" (a 4xx/5xx answer).
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.add(msg.text().split('\n')[0]!.slice(0, 200));
    });
    if (DEBUG) {
      page.on('console', (msg) => console.log(`  [${sdk.entry ?? 'demo'} console.${msg.type()}] ${msg.text().slice(0, 300)}`));
      page.on('requestfailed', (req) => console.log(`  [${sdk.entry ?? 'demo'} requestfailed] ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
      page.on('framenavigated', (frame) => frame === page.mainFrame() && console.log(`  [${sdk.entry ?? 'demo'} nav] ${frame.url().slice(0, 160)}`));
    }
  };
  try {
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

    await bench.resetAs();
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
    const stats = await bench.asStats();
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
  bench.checkBuild();
  await bench.checkPortsFree();

  console.log(`bench/tabs.ts: ${SDKS.length} SDKs × ${TABS} tabs, access token ${TTL} s renewed ${RENEW_AHEAD} s early, ${EXPIRIES} expiries (${EXPIRIES * CYCLE} s) each, an API call per tab every ~${PERIOD_MS / 1000} s`);
  const entries = SDKS.filter((s) => s.entry).map((s) => s.entry!);
  const [bundles] = await Promise.all([
    buildPages(Object.fromEntries(entries.map((e) => [e, join(BENCH_DIR, 'tabs', `${e}.ts`)]))),
    bench.startDemo({ ttl: TTL, extraRedirectUris: SDKS.filter((s) => s.entry).map((s) => s.url), spa: SDKS.some((s) => !s.entry) }),
  ]);
  const config = { issuer: AS, clientId: CLIENT_ID, apiMe: API_ME, scope: SCOPE, renewAheadSeconds: RENEW_AHEAD };
  await bench.servePages(bundles, (name) => (bundles.has(name) ? { script: name, config } : undefined));
  console.log(`servers up after ${bench.elapsed().toFixed(0)} s`);
  await bench.launchChromium();

  const rows: Row[] = [];
  for (const sdk of SDKS) {
    const t = Date.now();
    const row = await runScenario(sdk);
    rows.push(row);
    console.log(`- ${sdk.name}: ${row.error ? `FAILED: ${row.error}` : `${row.refresh} refresh grants, ${row.invalidGrant} invalid_grant, ${failedCount(row)}/${row.calls} calls failed, ${row.signedIn}/${TABS} signed in`} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  }
  await bench.cleanup();
  report(rows);
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

  const notes: string[] = bench.staleBuild ? [bench.staleBuild] : [];
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
  const seconds = bench.elapsed().toFixed(0);
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
  console.log(`(${seconds} s in all, node ${process.version}, Chromium ${bench.browserVersion ?? '?'})`);

  if (args['no-write'] || only) {
    console.log(`RESULTS.md not written (${only ? '--only: a partial table' : '--no-write'})`);
    return;
  }
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    `\`npx tsx bench/tabs.ts\` on ${date} — ${seconds} s in all; node ${process.version}, Chromium ${bench.browserVersion ?? '?'}; the embedded AS ` +
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
  const file = writeResultsSection('Tabs: refreshes per expiry', section);
  console.log(`wrote the "Tabs: refreshes per expiry" section of ${file}`);
}

bench.run(main);
