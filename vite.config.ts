/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

/**
 * Library build. Two passes, because the two outputs differ in what they bundle:
 * - default mode: ESM for bundlers, with `oauth4webapi` and `idb-keyval` left as imports so apps dedupe them,
 *   and a second entry `dist/react.js` (`browser-oauth/react`): `react` stays the app's, and the core, being an
 *   entry here, is shared through `./browser-oauth.js`, never copied (the adapter now needs only its types);
 *   likewise `dist/vue.js` (`browser-oauth/vue`), with `vue` left to the app, and `dist/testing.js`
 *   (`browser-oauth/testing`), which shares the core's `OAuthError`, machine and URL rules with it (so
 *   `instanceof OAuthError` holds for the test client's errors) and is reachable from no other entry;
 * - `--mode iife`: one self-contained `dist/browser-oauth.iife.js` for a `<script>` tag, defining `window.BrowserOAuth`
 *   (the core only: a page without a bundler has no `react` or `vue` to share).
 * - `--mode cli`: `dist/cli.js`, the `browser-oauth` bin (`npx browser-oauth doctor`), for Node: its Node built-ins
 *   and `oauth4webapi` stay imports, and nothing of it reaches the two browser builds above.
 * Type declarations come from `tsc -p tsconfig.build.json`.
 */
export default defineConfig(({ mode }) => {
  if (mode === 'cli') {
    return {
      build: {
        target: 'node20',
        outDir: 'dist',
        emptyOutDir: false,
        sourcemap: false,
        minify: false,
        ssr: 'src/cli/main.ts',
        rollupOptions: { output: { entryFileNames: 'cli.js', banner: '#!/usr/bin/env node' } },
      },
    };
  }
  const iife = mode === 'iife';
  return {
    build: {
      target: 'es2022',
      outDir: 'dist',
      emptyOutDir: !iife,
      sourcemap: true,
      minify: iife,
      lib: {
        entry: iife ? 'src/index.ts' : { 'browser-oauth': 'src/index.ts', react: 'src/react/index.ts', vue: 'src/vue/index.ts', testing: 'src/testing/index.ts' },
        name: 'BrowserOAuth',
        formats: [iife ? 'iife' : 'es'],
        fileName: (_format, entry) => (iife ? 'browser-oauth.iife.js' : `${entry}.js`),
      },
      rollupOptions: {
        external: iife ? [] : ['oauth4webapi', 'idb-keyval', 'react', 'vue'],
      },
    },
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'node',
    },
  };
});
