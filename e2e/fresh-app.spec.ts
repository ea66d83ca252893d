import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { ports } from '../playwright.config';
import { submitLogin } from './helpers';

/**
 * The README's promise to a new user, followed to the letter: pack the library, create a fresh Vite React +
 * TypeScript app (create-vite pinned in the README), paste the README's `src/auth.ts` and `src/main.tsx`, start
 * the demo's servers with the README's command, run the app, sign in in Chromium, see the user, call the API
 * and get a 200. Every command and file comes from README.md's text (section "Try it in your own app in five
 * minutes" and the two code blocks it names), so the test fails when the README drifts from what works.
 *
 * What the test changes, and only that: the ports (the README's 4000/4001/5173 become ports of this run, so it
 * can run beside `npm run demo` and other test runs), and it adds `--port … --strictPort` to `npm run dev` for
 * the same reason. It also runs the template's `npm run build` (the README says it type-checks the two files
 * with the template's settings) and, for the package's types, a `tsc` with `moduleResolution: node10`.
 *
 * Needs the npm registry (create-vite, the template's dependencies) and `npm run build` done before (as
 * `npm test` does). Everything it downloads or caches stays in its temporary directory, removed at the end.
 */

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');

// This run's own ports, beside the shared demo of playwright.config.ts (base … base+2, base+1173).
const AS_PORT = ports.as + 10;
const API_PORT = ports.as + 11;
const OTHER_PORT = ports.as + 12;
const APP_PORT = ports.as + 13;
const UNUSED_SPA_PORT = ports.as + 14; // --no-spa: nothing listens there, but it must not clash either
const APP = `http://127.0.0.1:${APP_PORT}`;

/** The README's loopback addresses, moved to this run's ports. */
function withTestPorts(text: string): string {
  return text
    .replaceAll('127.0.0.1:4000', `127.0.0.1:${AS_PORT}`)
    .replaceAll('127.0.0.1:4001', `127.0.0.1:${API_PORT}`)
    .replaceAll('127.0.0.1:5173', `127.0.0.1:${APP_PORT}`);
}

/** The fenced blocks of a Markdown text: language and body (indentation of list items removed). */
function fencedBlocks(markdown: string): Array<{ lang: string; body: string }> {
  const blocks: Array<{ lang: string; body: string }> = [];
  for (const m of markdown.matchAll(/^( *)```(\w*)\n([\s\S]*?)^ *```$/gm)) {
    const indent = m[1]!.length;
    blocks.push({ lang: m[2]!, body: m[3]!.split('\n').map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n') });
  }
  return blocks;
}

/** The README's section under `heading`, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  expect(start, `README.md has the section "${heading}"`).toBeGreaterThan(0);
  const level = /^#+/.exec(heading)![0].length;
  const rest = README.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The one code block of the README that starts with `// <file>`: what the README says to write there. */
function readmeFile(file: string): string {
  const found = fencedBlocks(README).filter((b) => b.body.startsWith(`// ${file}\n`));
  expect(found, `README.md has exactly one block starting with "// ${file}"`).toHaveLength(1);
  return found[0]!.body;
}

/** The shell commands of the five-minute guide, in order (comments and blank lines dropped). */
function guideCommands(): string[] {
  return fencedBlocks(section('### Try it in your own app in five minutes'))
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.body.split('\n'))
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

/** No npm settings of the `npm test` that runs this leak into the new app's npm; the cache is the test's own. */
function cleanEnv(tmp: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
  return { ...env, npm_config_cache: join(tmp, 'npm-cache'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/** Runs one README command line (split on spaces: the README's commands have no quoting); fails with its output. */
async function run(line: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 150_000): Promise<void> {
  const [command, ...args] = line.split(/\s+/);
  const child = spawn(command!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  expect(code, `\`${line}\` in ${cwd} failed (exit ${code}${signal ? `, ${signal}` : ''}):\n${output}`).toBe(0);
}

/** Starts a long-running README command in its own process group, so that stopping it stops its children. */
function start(line: string, cwd: string, env: NodeJS.ProcessEnv, log: string[]): ChildProcess {
  const [command, ...args] = line.split(/\s+/);
  const child = spawn(command!, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  return child;
}

/** Stops a process group this test started (npm → sh → node) and waits, bounded, for its leader to exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
}

/** Waits (bounded) until `url` answers; fails with the server's output otherwise. */
async function waitFor(url: string, log: string[], child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer (exit ${child.exitCode}):\n${log.join('')}`);
}

test('the README: a fresh Vite React + TypeScript app signs in against the demo AS and calls the API', async ({ page }) => {
  test.setTimeout(240_000); // npm registry downloads
  expect(existsSync(join(repoRoot, 'dist/browser-oauth.js')), 'dist/ is built (npm run build)').toBe(true);

  const commands = guideCommands();
  const create = commands.findIndex((c) => c.startsWith('npm create '));
  const demo = commands.find((c) => c.startsWith('npm run demo '));
  const dev = commands.find((c) => c.startsWith('npm run dev'));
  expect(create, 'the guide creates the app with npm create').toBeGreaterThanOrEqual(0);
  expect(demo, 'the guide starts the demo AS').toBeDefined();
  expect(dev, 'the guide runs the app').toBeDefined();
  // Commands that set the app up: from `npm create` to the last `npm install` (the `cd` is done by hand).
  const setup = commands.slice(create, commands.findIndex((c) => c === demo));
  const appDir = /^npm create .* (\S+) -- /.exec(setup[0]!)?.[1];
  expect(appDir, 'npm create names the app directory').toBeTruthy();
  expect(setup[1]).toBe(`cd ${appDir}`);

  const tmp = mkdtempSync(join(tmpdir(), 'browser-oauth-fresh-app-'));
  const env = cleanEnv(tmp);
  const running: ChildProcess[] = [];
  const demoLog: string[] = [];
  const appLog: string[] = [];
  try {
    // The demo's servers start first (several seconds of start-up), while npm downloads the app.
    const demoEnv = { ...env, AS_PORT: String(AS_PORT), API_PORT: String(API_PORT), OTHER_PORT: String(OTHER_PORT), SPA_PORT: String(UNUSED_SPA_PORT) };
    const demoProcess = start(withTestPorts(demo!), repoRoot, demoEnv, demoLog);
    running.push(demoProcess);

    // The README's *Install*: `npm pack` in the clone, here named browser-oauth next to the app, as the
    // README's `npm install ../browser-oauth/browser-oauth-<version>.tgz` expects.
    mkdirSync(join(tmp, 'browser-oauth'));
    await run(`npm pack --pack-destination ${join(tmp, 'browser-oauth')}`, repoRoot, env);

    await run(setup[0]!, tmp, env);
    const app = join(tmp, appDir!);
    for (const line of setup.slice(2)) await run(line, app, env);

    writeFileSync(join(app, 'src/auth.ts'), withTestPorts(readmeFile('src/auth.ts')));
    writeFileSync(join(app, 'src/main.tsx'), withTestPorts(readmeFile('src/main.tsx')));
    const appProcess = start(`${dev} --port ${APP_PORT} --strictPort`, app, env, appLog);
    running.push(appProcess);

    // Meanwhile, the template's own type check (tsc -b: noUnusedLocals, erasableSyntaxOnly, …) and build, and
    // the package's types under moduleResolution node10 (typesVersions), with the repository's TypeScript (the
    // template's TypeScript 7 no longer has node10).
    writeFileSync(
      join(app, 'node10-check.ts'),
      "import { createOAuthClient } from 'browser-oauth';\nimport { OAuthProvider, useOAuth } from 'browser-oauth/react';\nexport const all = [createOAuthClient, OAuthProvider, useOAuth];\n",
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    // Settled into a value, so that a failure is reported when awaited, not as an unhandled rejection meanwhile.
    const checks = Promise.all([
      run('npm run build', app, env),
      run(`${process.execPath} ${tsc} --noEmit --strict --skipLibCheck --module commonjs --moduleResolution node10 --lib es2022,dom --types react node10-check.ts`, app, env),
    ]).then(() => undefined, (err: unknown) => err);

    await waitFor(`http://127.0.0.1:${AS_PORT}/.well-known/openid-configuration`, demoLog, demoProcess);
    await waitFor(`${APP}/`, appLog, appProcess);
    // The --no-spa banner tells the user what to register and ask for.
    await expect.poll(() => demoLog.join(''), { timeout: 10_000 }).toContain(`${APP}/`);
    expect(demoLog.join('')).toContain('Scopes                 openid profile email offline_access api:read');

    // A blank page (e.g. createOAuthClient throwing at import) shows its error in the failure message.
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${APP}/`);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible().catch((err: unknown) => {
      throw new Error(`no Sign in button; the page's errors: ${JSON.stringify(pageErrors)}`, { cause: err });
    });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`http://127.0.0.1:${AS_PORT}/**`);
    await submitLogin(page);
    await expect(page.getByText('Hello Alice Liddell')).toBeVisible();
    expect(page.url(), 'back on the app, without code and state').toBe(`${APP}/`);

    await page.getByRole('button', { name: 'Call the API' }).click();
    await expect(page.locator('pre')).toContainText(/^API: 200 \{/);
    await expect(page.locator('pre')).toContainText('"api:read');
    const failed = await checks;
    if (failed) throw failed;
  } finally {
    await Promise.all(running.map(stop));
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
});
