// Screenshots of the demo for the README: starts the demo on its own ports, drives Chromium through
// a sign-in, saves docs/screenshots/*.png (1280×800), stops the demo.
//   npm run screenshots
// Env: CHROMIUM_PATH (default: see scripts/system-deps.ts), SCREENSHOT_PORT_BASE (default 4800: AS 4800, API 4801,
// other origin 4802, SPA base + 1173 = 5973), so a running `npm run demo` (4000/4001/4002/5173) is not disturbed.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { binaryOf } from './system-deps.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const base = Number(process.env.SCREENSHOT_PORT_BASE ?? 4800);
const ports = { as: base, api: base + 1, other: base + 2, spa: base + 1173 };
const SPA = `http://127.0.0.1:${ports.spa}`;
const AS = `http://127.0.0.1:${ports.as}`;
const VIEWPORT = { width: 1280, height: 800 };
const MAX_BYTES = 200 * 1024;

function startDemo(): ChildProcess {
  const demo = spawn('npx', ['tsx', 'demo/server/main.ts', '--mode', 'preview'], {
    cwd: root,
    env: {
      ...process.env,
      AS_PORT: String(ports.as),
      API_PORT: String(ports.api),
      OTHER_PORT: String(ports.other),
      SPA_PORT: String(ports.spa),
      DEMO_LOG: '0',
    },
    // Its own process group, so that stopping it stops npx, tsx and node together.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  demo.stdout?.on('data', keep);
  demo.stderr?.on('data', keep);
  demo.on('exit', (code) => {
    if (code !== null && code !== 0) console.error(`demo exited with ${code}:\n${output}`);
  });
  return demo;
}

function stopDemo(demo: ChildProcess): void {
  if (demo.pid === undefined || demo.exitCode !== null) return;
  try {
    process.kill(-demo.pid, 'SIGTERM'); // the demo's own process group, started above
  } catch {
    // already gone
  }
}

async function waitFor(url: string, demo: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (demo.exitCode !== null) throw new Error('the demo stopped before it was ready');
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let fonts, transitions and the countdown settle, and keep the caret out of the picture.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(400);
  const path = `${outDir}${name}.png`;
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  const { size } = statSync(path);
  console.log(`docs/screenshots/${name}.png  ${(size / 1024).toFixed(0)} KB`);
  if (size > MAX_BYTES) throw new Error(`${name}.png is ${size} bytes, over the ${MAX_BYTES}-byte budget`);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const demo = startDemo();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopDemo(demo);
      process.exit(130);
    });
  }
  const browser = await chromium
    .launch({
      executablePath: binaryOf('Chromium'),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
    .catch((err: unknown) => {
      stopDemo(demo);
      throw err;
    });
  try {
    await waitFor(`${SPA}/`, demo);
    await waitFor(`${AS}/.well-known/openid-configuration`, demo);
    const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);

    // 1. Signed out.
    await page.goto(`${SPA}/`);
    await page.getByTestId('status').filter({ hasText: 'signedOut' }).waitFor();
    await shoot(page, 'home-signed-out');

    // 2. The authorization server's login page.
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${AS}/**`);
    await page.locator('input[name=login]').fill('alice');
    await shoot(page, 'as-login');

    // 3. Signed in, after "Call protected API".
    await page.locator('input[name=password]').fill('alice');
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`${SPA}/`);
    await page.getByTestId('status').filter({ hasText: 'signedIn' }).waitFor();
    await page.getByTestId('call-api').click();
    await page.getByTestId('api-status').filter({ hasText: '200' }).waitFor();
    await shoot(page, 'home-signed-in');

    // 3b. The second API, with a token of its own (RFC 8707).
    await page.getByTestId('call-reports').click();
    await page.getByTestId('api-result').filter({ hasText: '/reports/' }).waitFor();
    await shoot(page, 'home-reports');

    // 4. The React page: the same session, restored from IndexedDB.
    await page.goto(`${SPA}/react.html`);
    await page.getByTestId('status').filter({ hasText: 'signedIn' }).waitFor();
    await page.getByTestId('call-api').click();
    await page.getByTestId('api-status').filter({ hasText: '200' }).waitFor();
    await shoot(page, 'react-signed-in');

    // 5. The Vue page: the same session again.
    await page.goto(`${SPA}/vue.html`);
    await page.getByTestId('status').filter({ hasText: 'signedIn' }).waitFor();
    await page.getByTestId('call-api').click();
    await page.getByTestId('api-status').filter({ hasText: '200' }).waitFor();
    await shoot(page, 'vue-signed-in');

    await context.close();
  } finally {
    await browser.close();
    stopDemo(demo);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
