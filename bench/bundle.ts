/**
 * Shared by size.ts and size-budget.ts: bundle one entry the same way for every SDK, and compress it.
 * esbuild's JS API, ESM for the browser, minified and tree-shaken, nothing written to disk.
 *
 * Code splitting is on for every entry, so a dynamic `import()` becomes its own chunk, as it would in
 * an app. The size of an entry is the sum of the chunks the job loads: the entry chunk, every chunk
 * it imports statically, and every dynamically imported chunk except the few listed in NOT_LOADED
 * (code the job never loads in a current browser). Each chunk is compressed on its own, as served.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ESBUILD_VERSION = esbuild.version;

/** The settings every entry is bundled with. Nothing is marked external except where a caller says so. */
export const BUILD_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  treeShaking: true,
  write: false,
  legalComments: 'none',
  splitting: true,
  logLevel: 'silent',
} as const satisfies esbuild.BuildOptions;

/**
 * Lazily imported modules the job never loads in a current browser over https; their chunks are
 * bundled but not counted. Any other dynamic import is counted.
 */
export const NOT_LOADED: { module: RegExp; why: string }[] = [
  { module: /oidc-spa\/esm\/vendor\/frontend\/webcrypto-liner-shim\.mjs$/, why: 'oidc-spa: WebCrypto polyfill, loaded only when crypto.subtle is missing (non-secure context)' },
  { module: /oidc-spa\/esm\/core\/diagnostic\.mjs$/, why: 'oidc-spa: initialization-error diagnostics, loaded only on failure' },
  { module: /@azure\/msal-browser\/dist\/telemetry\/BrowserPerformanceMeasurement\.mjs$/, why: 'msal-browser: performance telemetry, loaded only when enabled in sessionStorage' },
];

export interface Chunk {
  /** Output path relative to bench/out (virtual, nothing is written). */
  path: string;
  code: Uint8Array;
  /** The module a dynamic import of which produced this chunk, if any. */
  entryPoint?: string;
  /** Counted: loaded by the job. */
  loaded: boolean;
  /** Reached from the entry chunk by static imports alone: fetched on every page load, before any `import()` runs. */
  firstLoad: boolean;
}

export interface Bundled {
  chunks: Chunk[];
  metafile: esbuild.Metafile;
  warnings: esbuild.Message[];
}

export async function bundle(entry: string, extra: Pick<esbuild.BuildOptions, 'external' | 'plugins'> = {}): Promise<Bundled> {
  const result = await esbuild.build({
    ...BUILD_OPTIONS,
    ...extra,
    entryPoints: [entry],
    absWorkingDir: BENCH_DIR,
    outdir: 'out',
    metafile: true,
  });
  const { metafile } = result;
  const code = new Map(result.outputFiles.map((f) => [relative(BENCH_DIR, f.path).split('\\').join('/'), f.contents]));
  const outputs = Object.entries(metafile.outputs).filter(([p]) => !p.endsWith('.map'));
  const entryRel = relative(BENCH_DIR, entry).split('\\').join('/');
  const main = outputs.find(([, o]) => o.entryPoint === entryRel);
  if (!main) throw new Error(`esbuild produced no output for ${entry}`);

  // Walk from the entry chunk: static imports always, dynamic imports unless NOT_LOADED.
  const loaded = new Set<string>();
  const visit = (path: string): void => {
    if (loaded.has(path)) return;
    const out = metafile.outputs[path];
    if (!out) return; // external
    loaded.add(path);
    for (const imp of out.imports) {
      if (imp.external) continue;
      if (imp.kind === 'dynamic-import') {
        const target = metafile.outputs[imp.path];
        if (target?.entryPoint && NOT_LOADED.some((n) => n.module.test(target.entryPoint!))) continue;
      }
      visit(imp.path);
    }
  };
  visit(main[0]);
  const first = new Set<string>();
  const visitStatic = (path: string): void => {
    const out = metafile.outputs[path];
    if (!out || first.has(path)) return;
    first.add(path);
    for (const imp of out.imports) if (imp.kind === 'import-statement' && !imp.external) visitStatic(imp.path);
  };
  visitStatic(main[0]);

  const chunks = outputs.map(([path, out]): Chunk => {
    const bytes = code.get(path);
    if (!bytes) throw new Error(`no contents for ${path}`);
    return { path, code: bytes, ...(out.entryPoint ? { entryPoint: out.entryPoint } : {}), loaded: loaded.has(path), firstLoad: first.has(path) };
  });
  return { chunks, metafile, warnings: result.warnings };
}

export const gzipSize = (code: Uint8Array): number => gzipSync(code, { level: 9 }).length;

export const brotliSize = (code: Uint8Array): number =>
  brotliCompressSync(code, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: code.length,
    },
  }).length;

export interface Sizes { min: number; gzip: number; brotli: number }

/** Sizes of one file. */
export const sizes = (code: Uint8Array): Sizes => ({ min: code.length, gzip: gzipSize(code), brotli: brotliSize(code) });

/** Sizes of the chunks the job loads, each compressed on its own, summed. */
export function loadedSizes(b: Bundled): Sizes & { chunks: number } {
  const total = { min: 0, gzip: 0, brotli: 0, chunks: 0 };
  for (const c of b.chunks.filter((c) => c.loaded)) {
    const s = sizes(c.code);
    total.min += s.min; total.gzip += s.gzip; total.brotli += s.brotli; total.chunks += 1;
  }
  return total;
}

/** gzip bytes of the chunks every page load fetches before any lazy `import()` (no brotli: fast). */
export const firstLoadGzip = (b: Bundled): number => b.chunks.filter((c) => c.firstLoad).reduce((n, c) => n + gzipSize(c.code), 0);

/** gzip bytes of the chunks the job loads (no brotli: fast). */
export const loadedGzip = (b: Bundled): number => b.chunks.filter((c) => c.loaded).reduce((n, c) => n + gzipSize(c.code), 0);

