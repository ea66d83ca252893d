// Starts the whole demo: authorization server, protected API, other origin, then the SPA (Vite).
//   npx tsx demo/server/main.ts [--mode dev|preview] [--no-spa]
// Env: AS_PORT, API_PORT, OTHER_PORT, SPA_PORT, ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, TEST_CONTROL=1, DEMO_LOG,
//      DPOP=0 (no DPoP at the AS), DPOP_IAT_PAST / DPOP_IAT_FUTURE (proof iat window at the API, seconds).
//      EXTRA_REDIRECT_URIS (TEST_CONTROL only: more redirect URIs for the demo client, their origins get CORS).
//      MISCONFIGURE=token-cors,dpop-nonce-hidden,pkce-off (TEST_CONTROL only: setup mistakes for the doctor CLI).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAuthorizationServer } from './authorization-server.ts';
import { demoConfig } from './config.ts';
import type { RunningServer } from './http-util.ts';
import { createOtherServer, createResourceServer } from './resource-server.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'dev' },
    'no-spa': { type: 'boolean', default: false },
  },
});
const mode = values.mode;
if (mode !== 'dev' && mode !== 'preview') {
  console.error(`--mode must be "dev" or "preview", got "${mode}"`);
  process.exit(2);
}

const cfg = demoConfig();
const running: RunningServer[] = [];
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    // Reverse start order; a failing close must not keep the others open.
    await Promise.allSettled(running.reverse().map((s) => s.close()));
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.log(`demo: ${signal}, stopping servers`);
    void shutdown(0);
  });
}

try {
  running.push(await createAuthorizationServer(cfg));
  running.push(await createResourceServer(cfg));
  running.push(await createOtherServer(cfg));

  if (!values['no-spa']) {
    // The SPA reads these at build/dev time (import.meta.env.VITE_*).
    Object.assign(process.env, {
      VITE_ISSUER: cfg.issuer,
      VITE_API_URL: cfg.apiUrl,
      VITE_REPORTS_URL: cfg.reportsUrl,
      VITE_OTHER_URL: cfg.otherUrl,
      VITE_CLIENT_ID: cfg.clientId,
      VITE_SPA_ORIGIN: cfg.spaOrigin,
      // Lets e2e tests shorten the demo client's timeouts (demo/src/auth.ts); never set by `npm run demo`.
      VITE_TEST_HOOKS: cfg.testControl ? '1' : '',
    });
    const configFile = fileURLToPath(new URL('../vite.config.ts', import.meta.url));
    const vite = await import('vite');
    if (process.env.BROWSER_OAUTH_FROM !== 'dist') {
      // demo/script-tag.html loads the library's <script> build, dist/browser-oauth.iife.js: build it
      // (about a second) so that a fresh clone needs nothing but `npm run demo`. BROWSER_OAUTH_FROM=dist
      // (the tests) means `npm run build` already made all of dist/.
      const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
      await vite.build({ root: repoRoot, configFile: `${repoRoot}vite.config.ts`, mode: 'iife', logLevel: 'warn' });
    }
    const spa = { host: '127.0.0.1', port: cfg.spaPort, strictPort: true };
    if (mode === 'dev') {
      const server = await vite.createServer({ configFile, server: spa });
      await server.listen();
      running.push({ url: cfg.spaOrigin, close: () => server.close() });
    } else {
      await vite.build({ configFile });
      const server = await vite.preview({ configFile, preview: spa });
      running.push({ url: cfg.spaOrigin, close: () => server.close() });
    }
  }
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`demo: failed to start: ${message}`);
  await shutdown(1);
}

console.log(`
browser-oauth demo${values['no-spa'] ? ' (servers only)' : ` (${mode})`}
  SPA                    ${values['no-spa'] ? '(not started: --no-spa)' : `${cfg.spaOrigin}/`}
  Authorization server   ${cfg.issuer}   (discovery: ${cfg.issuer}/.well-known/openid-configuration)
  Protected API          ${cfg.apiUrl}me   (public: ${cfg.apiUrl}public)
  Other origin           ${cfg.otherUrl}echo
  Client id              ${cfg.clientId}
  Demo user              alice / alice
  Token lifetimes        access ${cfg.accessTokenTtl}s, refresh ${cfg.refreshTokenTtl}s${cfg.testControl ? '\n  Test control           ON (/__test/*)' : ''}
Press Ctrl+C to stop.`);
