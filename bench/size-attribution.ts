/**
 * Where the core's bytes come from: bundles one entry exactly as bench/size.ts does (bundle.ts:
 * esbuild, minified, splitting on; gzip level 9) and prints, for every chunk, the minified bytes each
 * input module puts into it (the metafile's `bytesInOutput`) and the chunk's gzip size. gzip is per
 * chunk only: compression is not additive, so a module's gzip share is measured by deleting it, not here.
 *
 *   npx tsx bench/size-attribution.ts [entry]   (default bench/size/browser-oauth.ts; run from the root)
 *
 * A chunk is "first load" when the entry reaches it by static imports alone (what a page fetches before
 * any lazy `import()` runs), "job" when the job loads it (bundle.ts: every dynamic import is counted).
 */
import { relative, resolve } from 'node:path';
import { BENCH_DIR, ESBUILD_VERSION, ROOT_DIR, bundle, gzipSize, type Bundled } from './bundle.ts';

const entry = resolve(process.argv[2] ?? resolve(BENCH_DIR, 'size', 'browser-oauth.ts'));
const b = await bundle(entry);
const { outputs } = b.metafile;

/** Chunks the entry chunk reaches through static imports only. */
function firstLoad(bundled: Bundled): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const out = outputs[path];
    if (!out || seen.has(path)) return;
    seen.add(path);
    for (const imp of out.imports) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  const entryRel = relative(BENCH_DIR, entry).split('\\').join('/');
  const main = bundled.chunks.find((c) => c.entryPoint === entryRel);
  if (main) visit(main.path);
  return seen;
}

const first = firstLoad(b);
const chunks = b.chunks.map((c) => ({
  ...c,
  gzip: gzipSize(c.code),
  kind: first.has(c.path) ? 'first load' : c.loaded ? 'job' : 'not loaded',
  inputs: outputs[c.path]!.inputs,
}));

// Module paths relative to the repository root (metafile paths are relative to bench/).
const name = (input: string): string => relative(ROOT_DIR, resolve(BENCH_DIR, input)).split('\\').join('/');
const modules = new Map<string, number[]>();
chunks.forEach((c, i) => {
  for (const [input, { bytesInOutput }] of Object.entries(c.inputs)) {
    if (bytesInOutput === 0) continue;
    const row = modules.get(name(input)) ?? chunks.map(() => 0);
    row[i] = bytesInOutput;
    modules.set(name(input), row);
  }
});
const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);
const rows = [...modules].sort(([, a], [, b]) => sum(b) - sum(a));

const many = chunks.length > 1;
const head = many ? chunks.map((c) => `${c.path.replace(/^out\//, '')} (${c.kind}${c.entryPoint ? `: ${c.entryPoint}` : ''})`) : [];
const cells = (xs: number[]): string[] => (many ? [...xs.map(String), String(sum(xs))] : [String(sum(xs))]);
const lines = [
  `| module | ${[...head, 'min bytes'].join(' | ')} |`,
  `|---|${[...head, ''].map(() => '--:').join('|')}|`,
  ...rows.map(([m, xs]) => `| ${m} | ${cells(xs).join(' | ')} |`),
  `| **minified** | ${cells(chunks.map((c) => c.code.length)).join(' | ')} |`,
  `| **gzip** (each chunk alone) | ${cells(chunks.map((c) => c.gzip)).join(' | ')} |`,
];
const total = (kinds: string[]): number => sum(chunks.filter((c) => kinds.includes(c.kind)).map((c) => c.gzip));
const count = (kinds: string[]): number => chunks.filter((c) => kinds.includes(c.kind)).length;

console.log(`${relative(ROOT_DIR, entry)} — esbuild ${ESBUILD_VERSION}, minified bytes per module (bytesInOutput), gzip level 9\n`);
console.log(lines.join('\n'));
console.log(`\nfirst load: ${total(['first load'])} B gzip in ${count(['first load'])} chunk(s)`);
console.log(`job:        ${total(['first load', 'job'])} B gzip in ${count(['first load', 'job'])} chunk(s)`);
for (const w of b.warnings) console.warn(`warning: ${w.text}`);
