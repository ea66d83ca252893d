/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

/**
 * Library build. Two passes, because the two outputs differ in what they bundle:
 * - default mode: ESM for bundlers, with `oauth4webapi` and `idb-keyval` left as imports so apps dedupe them;
 * - `--mode iife`: one self-contained `dist/browser-oauth.iife.js` for a `<script>` tag, defining `window.BrowserOAuth`.
 * Type declarations come from `tsc -p tsconfig.build.json`.
 */
export default defineConfig(({ mode }) => {
  const iife = mode === 'iife';
  return {
    build: {
      target: 'es2022',
      outDir: 'dist',
      emptyOutDir: !iife,
      sourcemap: true,
      minify: iife,
      lib: {
        entry: 'src/index.ts',
        name: 'BrowserOAuth',
        formats: [iife ? 'iife' : 'es'],
        fileName: () => (iife ? 'browser-oauth.iife.js' : 'browser-oauth.js'),
      },
      rollupOptions: {
        external: iife ? [] : ['oauth4webapi', 'idb-keyval'],
      },
    },
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'node',
    },
  };
});
