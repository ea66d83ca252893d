/**
 * Vitest global setup of the engine tests: the demo (AS, API, other origin, SPA in preview mode against
 * dist/) on E2E_PORT_BASE's ports with test control on, like playwright.config.ts's webServer.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { demoTestEnv } from '../scripts/demo-ports.ts';
import { ports, SPA } from './servers.ts';

const START_TIMEOUT_MS = 120_000;

export default async function setup(): Promise<() => Promise<void>> {
  if (!existsSync(new URL('../dist/browser-oauth.iife.js', import.meta.url))) {
    throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
  }
  const server = spawn('npx', ['tsx', 'demo/server/main.ts', '--mode', 'preview'], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, ...demoTestEnv(ports) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: npx → tsx → node all stop together
  });
  let output = '';
  server.stdout!.on('data', (chunk) => (output += String(chunk)));
  server.stderr!.on('data', (chunk) => (output += String(chunk)));
  const stop = async (): Promise<void> => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    process.kill(-server.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-server.pid!, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the demo server exited (${server.exitCode}):\n${output}`);
    const up = await fetch(`${SPA}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the demo server did not answer at ${SPA} within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return stop;
}
