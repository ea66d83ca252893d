import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv } from 'vite';

// The demo SPA. `npm run demo` (demo/server) starts Vite with this file and supplies host/port
// and the VITE_* variables; see demo/src/config.ts for their defaults.

const demoRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// Every *.html at the top of demo/ is a page of the multi-page build (index, callback, and later
// react.html, script-tag.html): adding a page needs no change here.
const pages = Object.fromEntries(
  readdirSync(demoRoot)
    .filter((file) => file.endsWith('.html'))
    .map((file) => [file.slice(0, -'.html'.length), `${demoRoot}${file}`]),
);

// Tests run against the library as users get it (the built ESM file); development uses the source.
const fromDist = process.env.BROWSER_OAUTH_FROM === 'dist';
const library = fromDist ? `${repoRoot}dist/browser-oauth.js` : `${repoRoot}src/index.ts`;

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
    ...(dev ? [] : ["require-trusted-types-for 'script'", "trusted-types 'none'"]),
  ].join('; ');
}

const securityHeaders = (env: Record<string, string>, dev: boolean): Record<string, string> => ({
  'Content-Security-Policy': contentSecurityPolicy(env, dev),
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
});

export default defineConfig(({ mode, isPreview }) => {
  // loadEnv also picks up the VITE_* variables the launcher put in process.env.
  const env = loadEnv(mode, demoRoot, 'VITE_');
  return {
    root: demoRoot,
    envDir: demoRoot,
    resolve: {
      // Exact match only: `browser-oauth/react` gets its own entry when the adapter lands.
      alias: [{ find: /^browser-oauth$/, replacement: library }],
    },
    build: {
      outDir: `${demoRoot}dist`,
      emptyOutDir: true,
      rolldownOptions: { input: pages },
    },
    server: {
      strictPort: true,
      headers: securityHeaders(env, !isPreview),
      // The alias reaches ../src (and ../dist): let the dev server read the whole repository.
      fs: { allow: [repoRoot] },
    },
    preview: {
      strictPort: true,
      headers: securityHeaders(env, false),
    },
  };
});
