import { defineConfig } from '@playwright/test';
import { demoPorts, demoTestEnv } from './scripts/demo-ports';
import { binaryOf } from './scripts/system-deps';

/**
 * End-to-end tests: the demo app built against `dist/` (the SDK as users get it), the embedded
 * oidc-provider and the demo API, on their own ports so a running `npm run demo` does not clash.
 * One worker: the tests count requests at the shared authorization server.
 */
const base = Number(process.env.E2E_PORT_BASE ?? 4100);
/** `E2E_PORT_BASE` moves every port, so two runs on one machine do not collide. */
export const ports = {
  ...demoPorts(base),
  glewlwydSpa: base + 10,
  glewlwyd: base + 11,
  llngSpa: base + 20,
  llng: base + 21,
} as const;

/**
 * Projects against other, real authorization servers (Debian packages, see scripts/system-deps.ts): each spec
 * starts its own server and its own build of the demo pointed at it, so the other projects never wait for them.
 */
const otherServers = [
  { name: 'glewlwyd', spec: 'glewlwyd.spec.ts', spa: ports.glewlwydSpa },
  { name: 'lemonldap-ng', spec: 'lemonldap-ng.spec.ts', spa: ports.llngSpa },
];

export default defineConfig({
  testDir: 'e2e',
  // Per port base, like the demo build, so concurrent runs do not clear each other's artifacts.
  outputDir: process.env.E2E_PORT_BASE ? `test-results/${base}` : 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${ports.spa}`,
    trace: 'retain-on-failure',
    launchOptions: {
      // Playwright's own Chromium when installed, else the system one; CHROMIUM_PATH overrides (scripts/system-deps.ts).
      executablePath: binaryOf('Chromium'),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'chromium', testIgnore: otherServers.map((s) => `**/${s.spec}`) },
    ...otherServers.map((s) => ({ name: s.name, testMatch: `**/${s.spec}`, use: { baseURL: `http://127.0.0.1:${s.spa}` } })),
  ],
  webServer: {
    command: 'npx tsx demo/server/main.ts --mode preview',
    url: `http://127.0.0.1:${ports.spa}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: demoTestEnv(ports),
  },
});
