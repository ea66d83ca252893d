import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { createLogger, defineConfig, loadEnv, type Plugin } from 'vite';

// The demo SPA. `npm run demo` (demo/server) starts Vite with this file and supplies host/port
// and the VITE_* variables; see demo/src/config.ts for their defaults.

const demoRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// Every *.html at the top of demo/ is a page of the multi-page build (index, callback, react, vue,
// script-tag): adding a page needs no change here.
const pages = Object.fromEntries(
  readdirSync(demoRoot)
    .filter((file) => file.endsWith('.html'))
    .map((file) => [file.slice(0, -'.html'.length), `${demoRoot}${file}`]),
);

// Tests run against the library as users get it (the built ESM file); development uses the source.
const fromDist = process.env.BROWSER_OAUTH_FROM === 'dist';
const library = fromDist ? `${repoRoot}dist/browser-oauth.js` : `${repoRoot}src/index.ts`;
const libraryReact = fromDist ? `${repoRoot}dist/react.js` : `${repoRoot}src/react/index.ts`;
const libraryVue = fromDist ? `${repoRoot}dist/vue.js` : `${repoRoot}src/vue/index.ts`;

/**
 * `/browser-oauth.iife.js` (and its source map) for demo/script-tag.html: the library's `<script>` build,
 * exactly as `dist/` has it. The launcher builds it first (demo/server/main.ts); the dev server
 * reads it on each request, the demo build copies it next to the pages.
 */
function iifeBuild(): Plugin {
  const files = ['browser-oauth.iife.js', 'browser-oauth.iife.js.map'];
  const read = (file: string): Buffer => {
    try {
      return readFileSync(`${repoRoot}dist/${file}`);
    } catch {
      throw new Error(`dist/${file} is missing: run \`npm run build\` (or start the demo with \`npm run demo\`)`);
    }
  };
  return {
    name: 'browser-oauth-iife',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = files.find((f) => req.url?.split('?')[0] === `/${f}`);
        if (!file) return next();
        try {
          const body = read(file);
          res.setHeader('Content-Type', file.endsWith('.js') ? 'text/javascript' : 'application/json');
          res.setHeader('Cache-Control', 'no-cache');
          res.end(body);
        } catch (err) {
          next(err);
        }
      });
    },
    generateBundle() {
      for (const file of files) this.emitFile({ type: 'asset', fileName: file, source: read(file) });
    },
  };
}

const originOf = (url: string | undefined): string | undefined => {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
};

function contentSecurityPolicy(env: Record<string, string>, dev: boolean): string {
  // The SPA talks to the AS, the resource server and the "other" origin; all loopback in the demo.
  const remote = new Set(['http://127.0.0.1:*', 'http://localhost:*']);
  for (const name of ['VITE_ISSUER', 'VITE_API_URL', 'VITE_OTHER_URL']) {
    const origin = originOf(env[name]);
    if (origin) remote.add(origin);
  }
  const connect = ["'self'", ...remote];
  if (dev) connect.push('ws://127.0.0.1:*', 'ws://localhost:*'); // HMR socket
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Dev: Vite's HMR and error overlay inject <style> elements. The build links CSS files only.
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    // The demo never builds HTML from strings; make the browser enforce it (Vite's dev overlay does).
    // One policy may exist: `vue`, which Vue's runtime creates when it loads (the Vue page) and uses only for
    // its compiler's static markup and `v-html` (the demo has none); any other string sink stays refused.
    ...(dev ? [] : ["require-trusted-types-for 'script'", 'trusted-types vue']),
  ].join('; ');
}

const securityHeaders = (env: Record<string, string>, dev: boolean): Record<string, string> => ({
  'Content-Security-Policy': contentSecurityPolicy(env, dev),
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
});

/**
 * Vite's logger, without the one warning the demo causes on purpose: `script-tag.html` loads the library's
 * `<script>` build (`/browser-oauth.iife.js`) as a classic script, which Vite says it "can't be bundled without
 * type=\"module\"". Not bundling it is the point of that page. Every other warning still shows.
 */
function demoLogger() {
  const logger = createLogger();
  const warn = logger.warn.bind(logger);
  logger.warn = (message, options) => {
    if (message.startsWith('<script src="/browser-oauth.iife.js">') && message.includes("can't be bundled without type=\"module\"")) return;
    warn(message, options);
  };
  return logger;
}

export default defineConfig(({ mode, isPreview }) => {
  // loadEnv also picks up the VITE_* variables the launcher put in process.env.
  const env = loadEnv(mode, demoRoot, 'VITE_');
  return {
    customLogger: demoLogger(),
    root: demoRoot,
    envDir: demoRoot,
    resolve: {
      alias: [
        { find: /^browser-oauth$/, replacement: library },
        { find: /^browser-oauth\/react$/, replacement: libraryReact },
        { find: /^browser-oauth\/vue$/, replacement: libraryVue },
      ],
    },
    // The React page's JSX, with React 19's automatic runtime (no plugin: the CSP forbids the
    // inline preamble that Fast Refresh would inject).
    oxc: { jsx: { runtime: 'automatic' } },
    // React's development build in the built demo too: only there does <StrictMode> run effects twice,
    // and the React page is there to show (and the tests to prove) that this never spends a code twice.
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    // The Vue page's single-file components, compiled at build time: the CSP allows no runtime template compiler.
    plugins: [iifeBuild(), vue()],
    build: {
      // Per SPA port, so two preview runs on one machine (e.g. e2e with E2E_PORT_BASE) never share a build.
      outDir: `${demoRoot}dist${process.env.SPA_PORT ? `-${process.env.SPA_PORT}` : ''}`,
      emptyOutDir: true,
      rolldownOptions: { input: pages },
    },
    server: {
      strictPort: true,
      headers: securityHeaders(env, !isPreview),
      // The alias reaches ../src (and ../dist): let the dev server read the whole repository.
      fs: { allow: [repoRoot] },
      // Preview builds (demo/dist-<port>) live under the root: rebuilding one must not reload dev pages.
      watch: { ignored: ['**/dist/**', '**/dist-*/**'] },
    },
    preview: {
      strictPort: true,
      headers: securityHeaders(env, false),
    },
  };
});
