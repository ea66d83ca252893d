/**
 * Fast size measurement of browser-oauth alone, for the budget test in `npm test`:
 * core (".") ≤ 10 KB gzip, the React adapter adds ≤ 1 KB, and "." pulls in nothing from "./react"
 * or the demo / oidc-provider. Bundles only the browser-oauth entries of bench/size/, with the same
 * esbuild settings as bench/size.ts (gzip level 9, no brotli). Every chunk the job loads is counted
 * (the entry chunk, static imports, and lazy chunks; see bundle.ts).
 */
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Metafile, Plugin } from 'esbuild';
import { BENCH_DIR, ROOT_DIR, bundle, firstLoadGzip, loadedGzip } from './bundle.ts';

export const CORE_ENTRY = join(BENCH_DIR, 'size', 'browser-oauth.ts');
/** A returning visit only (restore, renewal, `auth.fetch`): issue 13's signed-in page load. */
export const SIGNED_IN_ENTRY = join(BENCH_DIR, 'size', 'browser-oauth-signed-in.ts');
export const REACT_ENTRY = join(BENCH_DIR, 'size', 'browser-oauth-react.ts');
export const REACT_SOURCE = join(ROOT_DIR, 'src', 'react', 'index.ts');

/** React is what an app using the adapter already ships: external for the react entry (see README). */
export const REACT_EXTERNAL = ['react', 'react/*', 'react-dom', 'react-dom/*'];

export const VUE_ENTRY = join(BENCH_DIR, 'size', 'browser-oauth-vue.ts');
/** Likewise Vue for the vue entry. */
export const VUE_EXTERNAL = ['vue', '@vue/*'];

/** Bare imports that must never reach the core bundle; recorded and left external instead of failing. */
const FORBIDDEN = /^(react|react-dom|oidc-provider|jose)(\/|$)/;

export interface CoreMeasurement {
  /** gzip (level 9) bytes of the minified core bundle for the job (bench/size/browser-oauth.ts), as in bench/size.ts. */
  coreGzip: number;
  /**
   * gzip bytes a signed-in page load fetches (bench/size/browser-oauth-signed-in.ts): the chunks reached from
   * the entry by static imports alone (bundle.ts `firstLoad`), each compressed on its own; `signedInChunks` of them.
   */
  signedInGzip: number;
  signedInChunks: number;
  /**
   * gzip bytes of core + React adapter for the same job (bench/size/browser-oauth-react.ts), React itself
   * external. Absent while src/react/index.ts does not exist. The adapter's cost is `reactGzip - coreGzip`.
   */
  reactGzip?: number;
  /** The core bundle contains a module of src/react/ or imports react / react-dom. */
  coreImportsReact: boolean;
  /** The core bundle contains a module of demo/ or imports oidc-provider (or the demo's jose). */
  coreImportsDemo: boolean;
}

/** Module paths of a metafile's inputs, relative to the repository root, with `/` separators. */
export function inputPaths(metafile: Metafile): string[] {
  // metafile input paths are relative to absWorkingDir (bench/)
  return Object.keys(metafile.inputs).map((p) => relative(ROOT_DIR, join(BENCH_DIR, p)).split(sep).join('/'));
}

/** `coreEntry` is for testing the checks themselves; the budget uses the default. */
export async function measureCore(options: { coreEntry?: string } = {}): Promise<CoreMeasurement> {
  const forbidden = new Set<string>();
  const guard: Plugin = {
    name: 'forbidden-imports',
    setup(build) {
      build.onResolve({ filter: FORBIDDEN }, (args) => {
        forbidden.add(args.path);
        return { path: args.path, external: true };
      });
    },
  };
  const coreRun = bundle(options.coreEntry ?? CORE_ENTRY, { plugins: [guard] });
  const reactRun = existsSync(REACT_SOURCE) ? bundle(REACT_ENTRY, { external: REACT_EXTERNAL }) : undefined;
  const [core, react, signedIn] = await Promise.all([coreRun, reactRun, bundle(SIGNED_IN_ENTRY)]);

  const inputs = inputPaths(core.metafile);
  const imported = [...forbidden];
  const coreImportsReact =
    inputs.some((p) => p.startsWith('src/react/') || /(^|\/)node_modules\/react(-dom)?\//.test(p)) ||
    imported.some((p) => /^react(-dom)?(\/|$)/.test(p));
  const coreImportsDemo =
    inputs.some((p) => p.startsWith('demo/') || /(^|\/)node_modules\/(oidc-provider|jose)\//.test(p)) ||
    imported.some((p) => /^(oidc-provider|jose)(\/|$)/.test(p));

  const result: CoreMeasurement = {
    coreGzip: loadedGzip(core),
    signedInGzip: firstLoadGzip(signedIn),
    signedInChunks: signedIn.chunks.filter((c) => c.firstLoad).length,
    coreImportsReact,
    coreImportsDemo,
  };
  if (react) result.reactGzip = loadedGzip(react);
  return result;
}
