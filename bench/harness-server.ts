/**
 * Node-side plumbing shared by the browser benches (bench/tabs.ts, bench/protocol.ts): the embedded AS and
 * API (demo/server, started with TEST_CONTROL=1 in a process group of its own), a small static server for
 * the bench pages (bundled by esbuild from bench/tabs/*.ts, bench/protocol/*.ts), Chromium through
 * Playwright, the AS's test counters, signing in through the AS's form, bounded waits, cleanup on exit /
 * error / Ctrl+C / watchdog, and writing one section of bench/RESULTS.md.
 *
 * The in-page side is bench/tabs/harness.ts.
 */
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import * as esbuild from 'esbuild';
import { binaryOf } from '../scripts/system-deps.ts';

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The same Chromium as the tests (scripts/system-deps.ts: CHROMIUM_PATH, Playwright's own, /usr/bin/chromium). */
export const CHROMIUM = binaryOf('Chromium');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const CLIENT_ID = 'browser-oauth-demo';
/** The demo app's scope (demo/src/config.ts). */
export const SCOPE = 'openid profile email offline_access api:read';
export const DEBUG = !!process.env.BENCH_DEBUG;
/**
 * Where the bench pages take browser-oauth from: dist/ (`npm run build`), or another build of it
 * (BROWSER_OAUTH_DIST=<dir with browser-oauth.js>, e.g. a build of a clean checkout while src/ is being edited).
 * The demo SPA (bench/tabs.ts's DPoP row) always uses dist/.
 */
export const LIBRARY_DIR = process.env.BROWSER_OAUTH_DIST ? resolve(process.env.BROWSER_OAUTH_DIST) : join(ROOT_DIR, 'dist');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const readJson = (file: string): { version: string } => JSON.parse(readFileSync(file, 'utf8'));
export const ownVersion = readJson(join(ROOT_DIR, 'package.json')).version;
export const peerVersion = (pkg: string): string => readJson(join(BENCH_DIR, 'node_modules', pkg, 'package.json')).version;

export interface Ports {
  as: number;
  api: number;
  other: number;
  spa: number;
  /** The bench's own page server. */
  pages: number;
}

export interface Urls {
  /** The issuer. */
  as: string;
  /** The protected endpoint, GET /api/me. */
  apiMe: string;
  api: string;
  spa: string;
  /** A page of the bench's page server; `host` localhost for okta-auth-js in bench/tabs.ts. */
  page(name: string, host?: '127.0.0.1' | 'localhost'): string;
}

export const urlsFor = (ports: Ports): Urls => ({
  as: `http://127.0.0.1:${ports.as}`,
  api: `http://127.0.0.1:${ports.api}`,
  apiMe: `http://127.0.0.1:${ports.api}/api/me`,
  spa: `http://127.0.0.1:${ports.spa}`,
  page: (name, host = '127.0.0.1') => `http://${host}:${ports.pages}/${name}.html`,
});

/** What the page server answers for /<name>.html: the bundle it loads and its `window.__benchConfig`. */
export interface PageSpec {
  /** A bundle built by {@link buildPages} (served as /<script>.js). */
  script: string;
  /** Merged with `redirectUri` (the page's own URL without the query) into `window.__benchConfig`. */
  config: Record<string, unknown>;
}

/** Counters kept by the demo AS (/__test/stats). */
export interface AsStats {
  authorization: number;
  token: Record<string, number>;
  tokenErrors: Record<string, number>;
  revocation: number;
  endSession: number;
  discovery: number;
}

/**
 * One bench run: the processes and servers it owns, all stopped by {@link cleanup} — at the end, on an
 * exception (through {@link run}), on SIGINT/SIGTERM, or by the watchdog.
 */
export class BenchRun {
  readonly urls: Urls;
  readonly started = Date.now();
  browser: Browser | undefined;
  browserVersion: string | undefined;
  /** Set by {@link checkBuild} when dist/ is older than src/ (or another build is used): a note for the results. */
  staleBuild: string | undefined;
  private asProcess: ChildProcess | undefined;
  private pageServer: Server | undefined;
  private cleaning: Promise<void> | undefined;
  private interrupted: NodeJS.Signals | undefined;
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly ports: Ports,
    watchdogMs: number,
  ) {
    this.urls = urlsFor(ports);
    this.watchdog = setTimeout(() => {
      console.error(`${name}: still running after ${Math.round(watchdogMs / 1000)} s, stopping`);
      void this.cleanup().finally(() => process.exit(2));
    }, watchdogMs);
    this.watchdog.unref();
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        this.interrupted ??= signal;
        void this.cleanup().finally(() => {
          console.error(`${name}: ${signal}: stopped the servers and the browser`);
          process.exit(130);
        });
      });
    }
  }

  /** Seconds since the run started. */
  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** Runs `main`, then cleans up and exits: 0 on success, 1 on an exception. */
  run(main: () => Promise<void>): void {
    main()
      .then(async () => {
        await this.cleanup();
        clearTimeout(this.watchdog);
        process.exit(0);
      })
      .catch(async (err: unknown) => {
        // After a signal, the browser closing under the run is what failed: the signal handler reports and exits.
        if (!this.interrupted) console.error(`${this.name}: ${err instanceof Error ? (DEBUG ? err.stack : err.message) : String(err)}`);
        await this.cleanup();
        process.exit(this.interrupted ? 130 : 1);
      });
  }

  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      await this.browser?.close().catch(() => undefined);
      const server = this.pageServer;
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.race([closed, sleep(2000)]);
      }
      await this.stopDemo();
    })();
    return this.cleaning;
  }

  /**
   * Stops the demo servers' whole process group (`npx` → `sh` → `tsx` → node): SIGTERM, then SIGKILL if any
   * process of the group is still there after 5 s. Waiting for the `npx` process alone is not enough: it exits
   * at once on SIGTERM while the servers are still closing (or stuck closing a connection).
   */
  private async stopDemo(): Promise<void> {
    const pgid = this.asProcess?.pid;
    if (!pgid) return;
    const groupAlive = (): boolean => {
      try {
        process.kill(-pgid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const waitGone = async (ms: number): Promise<boolean> => {
      const deadline = Date.now() + ms;
      while (groupAlive()) {
        if (Date.now() > deadline) return false;
        await sleep(100);
      }
      return true;
    };
    if (!groupAlive()) return;
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      return; // gone meanwhile
    }
    if (await waitGone(5000)) return;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      return;
    }
    if (!(await waitGone(2000))) console.error(`${this.name}: the demo servers (process group ${pgid}) did not stop`);
  }

  /**
   * Needs bench/node_modules; builds dist/ if missing; notes (and warns) when dist/ is older than src/.
   * With BROWSER_OAUTH_DIST, checks that build exists and notes where the pages' library came from.
   */
  checkBuild(): void {
    if (!existsSync(join(BENCH_DIR, 'node_modules', 'esbuild'))) {
      throw new Error('bench dependencies missing: run `npm install --prefix bench` first');
    }
    if (process.env.BROWSER_OAUTH_DIST) {
      if (!existsSync(join(LIBRARY_DIR, 'browser-oauth.js'))) throw new Error(`BROWSER_OAUTH_DIST: no browser-oauth.js in ${LIBRARY_DIR}`);
      this.staleBuild = `the bench pages ran browser-oauth from BROWSER_OAUTH_DIST (${LIBRARY_DIR}), not dist/.`;
      console.warn(`note: ${this.staleBuild}`);
      return;
    }
    if (!existsSync(join(ROOT_DIR, 'dist', 'browser-oauth.js'))) {
      console.log('dist/ missing: running `npm run build`');
      execSync('npm run build', { cwd: ROOT_DIR, stdio: 'inherit' });
    }
    if (newestMtime(join(ROOT_DIR, 'src')) > statSync(join(ROOT_DIR, 'dist', 'browser-oauth.js')).mtimeMs) {
      this.staleBuild = 'dist/ is older than src/: the browser-oauth rows ran the last build (run `npm run build` for current numbers).';
      console.warn(`warning: ${this.staleBuild}`);
    }
  }

  async checkPortsFree(): Promise<void> {
    for (const [name, port] of Object.entries(this.ports)) {
      if (await portInUse(port)) throw new Error(`port ${port} (${name}) is in use: is another ${this.name} running?`);
    }
  }

  /**
   * The demo servers (AS, API, other origin and, with `spa`, the SPA built in preview mode) with test
   * control, `EXTRA_REDIRECT_URIS` for the bench pages, and the given access-token lifetime.
   */
  async startDemo(options: { ttl: number; extraRedirectUris: string[]; spa: boolean }): Promise<void> {
    const output: string[] = [];
    const args = ['tsx', 'demo/server/main.ts', '--mode', 'preview', ...(options.spa ? [] : ['--no-spa'])];
    const child = spawn('npx', args, {
      cwd: ROOT_DIR,
      detached: true, // its own process group, stopped as a whole
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        AS_PORT: String(this.ports.as),
        API_PORT: String(this.ports.api),
        OTHER_PORT: String(this.ports.other),
        SPA_PORT: String(this.ports.spa),
        TEST_CONTROL: '1',
        BROWSER_OAUTH_FROM: 'dist',
        ACCESS_TOKEN_TTL: String(options.ttl),
        EXTRA_REDIRECT_URIS: options.extraRedirectUris.join(','),
        DEMO_LOG: DEBUG ? '1' : '0',
      },
    });
    this.asProcess = child;
    const keep = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    };
    if (DEBUG) child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '  [as] ')));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const probes = [`${this.urls.as}/__test/stats`, `${this.urls.api}/api/public`, ...(options.spa ? [`${this.urls.spa}/`] : [])];
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the demo servers exited (${child.exitCode}):\n${output.join('')}`);
      const ok = await Promise.all(probes.map((url) => fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)));
      if (ok.every(Boolean)) return;
      await sleep(300);
    }
    throw new Error(`the demo servers did not start within 180 s:\n${output.join('')}`);
  }

  /**
   * Serves /<script>.js from `bundles` and /<name>.html for every name `pages` knows: the page's config in
   * an inline script (`window.__benchConfig`, with `redirectUri` = the page's URL without its query),
   * then its bundle as a module. The HTML is never cached, the bundles only with `cacheScripts`; an empty data:
   * icon keeps the browser from asking for /favicon.ico.
   */
  servePages(bundles: Map<string, string>, pages: (name: string) => PageSpec | undefined, options: { cacheScripts?: boolean } = {}): Promise<void> {
    // With cacheScripts, as an app ships its bundles: a content-hashed URL, cached for good (memory/disk cache, V8's
    // code cache); only the HTML is fetched again on a reload.
    const version = new Map([...bundles].map(([name, code]) => [name, createHash('sha256').update(code).digest('hex').slice(0, 12)]));
    const scriptCache = options.cacheScripts ? 'public, max-age=31536000, immutable' : 'no-store';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const match = /^\/([\w-]+)\.(html|js)$/.exec(url.pathname);
      const name = match?.[1] ?? '';
      if (match?.[2] === 'js' && bundles.has(name)) {
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': scriptCache }).end(bundles.get(name));
        return;
      }
      const spec = match?.[2] === 'html' ? pages(name) : undefined;
      if (!spec || !bundles.has(spec.script)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const config = { ...spec.config, redirectUri: `${url.origin}${url.pathname}` };
      // `<` escaped: the config is JSON inside a <script> element.
      const json = JSON.stringify(config).replace(/</g, '\\u003c');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench: ${name}</title><link rel="icon" href="data:,">
<script>window.__benchConfig = ${json};</script>
<script type="module" src="/${spec.script}.js${options.cacheScripts ? `?v=${version.get(spec.script)}` : ''}"></script></head><body><h1>${name}</h1></body></html>`,
      );
    });
    this.pageServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.ports.pages, '127.0.0.1', () => resolve());
    });
  }

  async launchChromium(): Promise<Browser> {
    // Playwright's own signal handlers would close the browser and exit(130) before cleanup() stops the servers.
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    this.browserVersion = this.browser.version();
    return this.browser;
  }

  /**
   * A fresh context (its own storage). tsx compiles the benches with esbuild's keepNames: functions passed to
   * page.evaluate may call its `__name` helper, which does not exist in the page.
   */
  async newContext(): Promise<BrowserContext> {
    if (!this.browser) throw new Error('launchChromium() first');
    const context = await this.browser.newContext();
    await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
    return context;
  }

  async asStats(): Promise<AsStats> {
    const response = await fetch(`${this.urls.as}/__test/stats`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`/__test/stats answered ${response.status}`);
    return (await response.json()) as AsStats;
  }

  async resetAs(): Promise<void> {
    const response = await fetch(`${this.urls.as}/__test/reset`, { method: 'POST', signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`/__test/reset answered ${response.status}`);
  }
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

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Bundles the bench pages (name → source file) with esbuild: ESM for browsers, `browser-oauth` resolved to
 * dist/browser-oauth.js (the library as users get it; see {@link LIBRARY_DIR}). Returns name → code.
 */
export async function buildPages(entries: Record<string, string>, options: { minify?: boolean } = {}): Promise<Map<string, string>> {
  const result = await esbuild.build({
    entryPoints: entries,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    write: false,
    outdir: '/pages',
    alias: { 'browser-oauth': join(LIBRARY_DIR, 'browser-oauth.js') },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  for (const w of result.warnings) console.warn(`esbuild: ${w.text}`);
  return new Map(result.outputFiles.map((f) => [f.path.replace(/^\/pages\//, '').replace(/\.js$/, ''), f.text]));
}

// ---------------------------------------------------------------------------------------------
// Driving the pages (the interface of bench/tabs/harness.ts)

/** Polls `fn` in the page until it returns a truthy value; survives navigations; bounded. */
export async function pollPage<T>(page: Page, fn: () => T | Promise<T>, timeoutMs: number, what: string, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await page.evaluate(fn);
      if (value) return value;
    } catch (err) {
      last = err; // navigating: try again
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${String(last).split('\n')[0]})` : ''}`);
}

export type ReadyState = 'ready' | `the SDK failed to start: ${string}`;

/** Waits until the page's SDK has started (`__bench.ready` settled). */
export const readyState = (page: Page, timeoutMs = 20_000): Promise<ReadyState> =>
  pollPage(
    page,
    () => {
      const b = (window as unknown as { __bench?: { readyState: string; failure?: string } }).__bench;
      if (!b || b.readyState === 'pending') return undefined;
      return b.readyState === 'ready' ? 'ready' : `the SDK failed to start: ${b.failure ?? '?'}`;
    },
    timeoutMs,
    'SDK started',
  ) as Promise<ReadyState>;

export const signedIn = (page: Page): Promise<boolean> =>
  page.evaluate(() => (window as unknown as { __bench: { signedIn(): Promise<boolean> } }).__bench.signedIn()).catch(() => false);

export async function waitSignedIn(page: Page, timeoutMs = 20_000): Promise<void> {
  const ready = await readyState(page, timeoutMs);
  if (ready !== 'ready') throw new Error(ready);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await signedIn(page)) return;
    await sleep(200);
  }
  throw new Error(`tab not signed in within ${timeoutMs / 1000} s`);
}

/** Fills the embedded AS's login form as the demo user (as e2e/helpers.ts does). */
export async function submitLogin(page: Page): Promise<void> {
  await page.locator('input[name=login]').fill('alice', { timeout: 15_000 });
  await page.locator('input[name=password]').fill('alice', { timeout: 5000 });
  await page.locator('button[type=submit]').click({ timeout: 5000 });
}

/**
 * The redirect login, driven through the AS's form: opens `url`, starts the login (the demo app: its
 * sign-in button; a bench page: `__bench.login()`), signs in as alice, waits until the page is back on its
 * origin and signed in.
 */
export async function loginThroughAs(page: Page, url: string, as: string, kind: 'bench-page' | 'demo-app'): Promise<void> {
  await page.goto(url, { timeout: 20_000 });
  if (kind === 'demo-app') {
    await page.getByTestId('status').filter({ hasText: 'signedOut' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('sign-in').click({ timeout: 5000 });
  } else {
    const ready = await readyState(page);
    if (ready !== 'ready') throw new Error(`before login, ${ready}`);
    void page.evaluate(() => (window as unknown as { __bench: { login(): Promise<void> } }).__bench.login()).catch(() => undefined);
  }
  await page.waitForURL(`${as}/**`, { timeout: 20_000 });
  await submitLogin(page);
  const origin = new URL(url).origin;
  await page.waitForURL((u) => u.origin === origin, { timeout: 20_000 });
  await waitSignedIn(page);
}

// ---------------------------------------------------------------------------------------------
// Results

/** "commit abc1234" (+ a warning when src/ or demo/ have uncommitted changes), or undefined outside git. */
export function sourceState(): string | undefined {
  try {
    const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain -- src demo', { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return `commit ${commit}${dirty ? ' with uncommitted changes in src/ or demo/' : ''}`;
  } catch {
    return undefined;
  }
}

export { writeResultsSection } from './results.ts';
