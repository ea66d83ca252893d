/**
 * Shipped size of the same job — redirect login with PKCE, callback, renewal, API call, logout —
 * for browser-oauth, its floor (oauth4webapi + idb-keyval used directly) and the peer SDKs, each
 * bundled by esbuild with the same settings (see bundle.ts). Prints a markdown table and writes it
 * to bench/RESULTS.md under "## Shipped size".
 *
 *   npx tsx bench/size.ts          (from the repository root, after `npm install --prefix bench`)
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ESBUILD_VERSION, NOT_LOADED, ROOT_DIR, bundle, loadedSizes, sizes, type Bundled, type Sizes } from './bundle.ts';
import { REACT_ENTRY, REACT_EXTERNAL, REACT_SOURCE, VUE_ENTRY, VUE_EXTERNAL } from './size-budget.ts';
import { writeResultsSection } from './results.ts';

interface Row extends Sizes { name: string; version: string; ours: boolean; note?: string }

const started = performance.now();
const SIZE_DIR = join(BENCH_DIR, 'size');
const IIFE = join(ROOT_DIR, 'dist', 'browser-oauth.iife.js');
const readJson = (file: string): { version: string } => JSON.parse(readFileSync(file, 'utf8'));
const ownVersion = readJson(join(ROOT_DIR, 'package.json')).version;
const peerVersion = (pkg: string): string => readJson(join(BENCH_DIR, 'node_modules', pkg, 'package.json')).version;

/** The peer entries: file in bench/size/, the package whose version is shown, the row's name. */
const PEERS: { file: string; pkg: string; name?: string }[] = [
  { file: 'floor.ts', pkg: 'oauth4webapi', name: 'floor: oauth4webapi + idb-keyval' },
  { file: 'floor-dpop.ts', pkg: 'oauth4webapi', name: 'floor with DPoP: oauth4webapi + idb-keyval' },
  { file: 'oidc-client-ts.ts', pkg: 'oidc-client-ts' },
  { file: 'auth0-spa-js.ts', pkg: '@auth0/auth0-spa-js' },
  { file: 'msal-browser.ts', pkg: '@azure/msal-browser' },
  { file: 'axa-oidc-client.ts', pkg: '@axa-fr/oidc-client' },
  { file: 'okta-auth-js.ts', pkg: '@okta/okta-auth-js', name: '@okta/okta-auth-js/core' },
  { file: 'keycloak-js.ts', pkg: 'keycloak-js' },
  { file: 'oidc-spa.ts', pkg: 'oidc-spa', name: 'oidc-spa/core' },
];

if (!existsSync(join(BENCH_DIR, 'node_modules', 'esbuild'))) {
  console.error('bench dependencies missing: run `npm install --prefix bench` first');
  process.exit(1);
}

const notes: string[] = [];

async function ownRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const core = await bundle(join(SIZE_DIR, 'browser-oauth.ts'));
  rows.push({ name: 'browser-oauth (core)', version: ownVersion, ours: true, ...measured('browser-oauth.ts', core) });

  if (existsSync(REACT_SOURCE)) {
    const react = await bundle(REACT_ENTRY, { external: REACT_EXTERNAL });
    rows.push({ name: 'browser-oauth + react adapter', version: ownVersion, ours: true, note: 'react external', ...measured('browser-oauth-react.ts', react) });
  } else {
    console.log('browser-oauth + react adapter: not built yet (src/react/index.ts does not exist)');
    notes.push('browser-oauth + react adapter: not built yet (src/react/index.ts does not exist).');
  }
  const vue = await bundle(VUE_ENTRY, { external: VUE_EXTERNAL });
  rows.push({ name: 'browser-oauth + vue adapter', version: ownVersion, ours: true, note: 'vue external', ...measured('browser-oauth-vue.ts', vue) });

  if (!existsSync(IIFE)) {
    console.log('dist/browser-oauth.iife.js missing: running `npm run build`');
    execSync('npm run build', { cwd: ROOT_DIR, stdio: 'inherit' });
  }
  const iifeTime = statSync(IIFE).mtimeMs;
  const newest = newestMtime(join(ROOT_DIR, 'src'));
  let note: string | undefined;
  if (newest > iifeTime) {
    note = 'stale build';
    const msg = 'dist/browser-oauth.iife.js is older than src/: run `npm run build` for current numbers.';
    console.warn(`warning: ${msg}`);
    notes.push(msg);
  }
  const iife = new Uint8Array(readFileSync(IIFE));
  rows.push({ name: 'browser-oauth IIFE (dist, as shipped)', version: ownVersion, ours: true, ...(note ? { note } : {}), ...sizes(iife) });
  return rows;
}

/** Sizes of the loaded chunks; lazy chunks, counted or not, are reported as notes. */
function measured(file: string, b: Bundled): Sizes & { note?: string } {
  for (const w of b.warnings) console.warn(`${file}: ${w.text}`);
  const total = loadedSizes(b);
  for (const c of b.chunks.filter((c) => c.entryPoint && !c.entryPoint.startsWith('size/'))) {
    const gz = (sizes(c.code).gzip / 1024).toFixed(1);
    const why = NOT_LOADED.find((n) => n.module.test(c.entryPoint!))?.why;
    notes.push(c.loaded
      ? `${file}: lazy chunk \`${c.entryPoint}\` (${gz} KB gzip) is loaded by the job and counted.`
      : `${file}: lazy chunk \`${c.entryPoint}\` (${gz} KB gzip) not counted — ${why}.`);
  }
  return { min: total.min, gzip: total.gzip, brotli: total.brotli, ...(total.chunks > 1 ? { note: `${total.chunks} chunks` } : {}) };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

async function peerRow(peer: (typeof PEERS)[number]): Promise<Row> {
  const b = await bundle(join(SIZE_DIR, peer.file));
  return { name: peer.name ?? peer.pkg, version: peerVersion(peer.pkg), ours: false, ...measured(peer.file, b) };
}

const [own, others] = await Promise.all([ownRows(), Promise.all(PEERS.map(peerRow))]);
const byGzip = (a: Row, b: Row): number => a.gzip - b.gzip;
const rows = [...own.sort(byGzip), ...others.sort(byGzip)];
const floor = others.find((r) => r.name.startsWith('floor:'))!;

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
const table = [
  '| SDK | version | min | gzip | brotli | × floor (gzip) |',
  '|---|---|--:|--:|--:|--:|',
  ...rows.map((r) => {
    const name = r.ours ? `**${r.name}**` : r.name;
    const note = r.note ? ` (${r.note})` : '';
    return `| ${name}${note} | ${r.version} | ${kb(r.min)} | ${kb(r.gzip)} | ${kb(r.brotli)} | ${(r.gzip / floor.gzip).toFixed(2)} |`;
  }),
].join('\n');

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\n${table}\n`);
for (const n of notes) console.log(`note: ${n}`);
console.log(`(esbuild ${ESBUILD_VERSION}, node ${process.version}, ${seconds} s)`);

// RESULTS.md: replace only the "## Shipped size" section, keep every other section.
const date = new Date().toISOString().slice(0, 10);
const body = [
  `\`npx tsx bench/size.ts\` on ${date} — esbuild ${ESBUILD_VERSION} (\`bundle, format: 'esm', platform: 'browser', target: 'es2022', minify, treeShaking, splitting, legalComments: 'none'\`),`,
  `node ${process.version}; gzip level 9, brotli quality 11; 1 KB = 1024 bytes. The same job for every row (bench/size/*.ts); an entry's size is the sum of the chunks the job loads; see bench/README.md.`,
  '',
  table,
  '',
  ...notes.map((n) => `- ${n}`),
].join('\n');
const file = writeResultsSection('Shipped size', body);
console.log(`wrote the "Shipped size" section of ${file}`);
