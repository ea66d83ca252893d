/**
 * Where the core's bytes come from: bundles one entry exactly as bench/size.ts does (bundle.ts:
 * esbuild, minified, splitting on; gzip level 9) and prints, for every chunk, the minified bytes each
 * input module puts into it (the metafile's `bytesInOutput`) and the chunk's gzip size. gzip is per
 * chunk only: compression is not additive, so a module's gzip share is measured by deleting it, not here.
 *
 *   npx tsx bench/size-attribution.ts [entry]   (default bench/size/browser-oauth.ts; run from the root)
 *
 * A chunk is "first load" when the entry reaches it by static imports alone (what a page fetches before
 * any lazy `import()` runs), else "lazy" (counted in the job's size, as bundle.ts counts every dynamic
 * import) or "lazy, not counted" (bundle.ts's NOT_LOADED).
 */
import { relative, resolve } from 'node:path';
import { BENCH_DIR, ESBUILD_VERSION, ROOT_DIR, bundle, gzipSize } from './bundle.ts';

const entry = resolve(process.argv[2] ?? resolve(BENCH_DIR, 'size', 'browser-oauth.ts'));
const b = await bundle(entry);
const { outputs } = b.metafile;

const chunks = b.chunks.map((c) => ({
  ...c,
  gzip: gzipSize(c.code),
  kind: c.firstLoad ? 'first load' : c.loaded ? 'lazy' : 'lazy, not counted',
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
console.log(`counted:    ${total(['first load', 'lazy'])} B gzip in ${count(['first load', 'lazy'])} chunk(s) (the size bench/size.ts reports)`);
for (const w of b.warnings) console.warn(`warning: ${w.text}`);
