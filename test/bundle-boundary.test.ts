import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { measureCore } from '../bench/size-budget.js';

/**
 * What `import … from 'browser-oauth'` pulls in: never the React adapter, the demo, or the servers
 * (STYLE.md 8). Bundled from source with esbuild's metafile, so it needs no build step.
 */
async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('bundle boundaries', () => {
  it('"." imports nothing from ./react, ./vue, ./testing, the doctor CLI, the demo, oidc-provider, React or Vue', async () => {
    const inputs = await inputsOf('src/index.ts');
    expect(inputs.some((file) => file.startsWith('src/core/'))).toBe(true);
    expect(inputs.filter((file) => /^src\/(react|vue|cli|testing)\/|^demo\/|node_modules\/(react|react-dom|vue|@vue\/[^/]+|oidc-provider|jose)\//.test(file))).toEqual([]);
    const packages = new Set(inputs.filter((file) => file.includes('node_modules/')).map((file) => file.split('node_modules/')[1]!.split('/')[0]));
    expect([...packages].sort()).toEqual(['idb-keyval', 'oauth4webapi']);
  });

  it('"./testing" pulls in the machine, the URL rules and OAuthError only: no client, no storage, no network code', async () => {
    const inputs = await inputsOf('src/testing/index.ts');
    expect(inputs).toContain('src/testing/index.ts');
    // The same transition and matchResource as the real client; oauth4webapi comes with OAuthError's mapping.
    expect(inputs.filter((file) => file.startsWith('src/core/')).sort()).toEqual(['src/core/errors.ts', 'src/core/machine.ts', 'src/core/url.ts']);
    expect(inputs.filter((file) => /node_modules\/(idb-keyval|react|vue)\//.test(file))).toEqual([]);
  });

  it('"./react" imports only React and the core\'s public entry', () => {
    const sources = readdirSync('src/react').filter((file) => /\.tsx?$/.test(file));
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) {
      const specifiers = [...readFileSync(`src/react/${file}`, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
      expect(specifiers.length).toBeGreaterThan(0);
      for (const specifier of specifiers) expect(['react', '../index.js']).toContain(specifier);
    }
  });

  it('the core, for the whole job, stays under its 21.2 KB gzip ceiling (the 16 KB target of issue 13 is not met)', async () => {
    // The job of bench/size/browser-oauth.ts (login, callback, renewal, API call, logout through "."),
    // measured exactly as bench/size.ts measures it. A ratchet against growth, not the goal: oauth4webapi and
    // idb-keyval used directly for the same job with DPoP (bench/size/floor-dpop.ts) are 9.0 KB already.
    const { coreGzip, coreImportsReact, coreImportsDemo } = await measureCore();
    expect(coreGzip).toBeGreaterThan(10 * 1024); // the job really is in there
    // Issue 13 split the client into modules over one context (+0.47 KB: property names are not minified,
    // closure variables were) and preopens IndexedDB (+0.1 KB); short messages took 0.1 KB back: 20.8 KB.
    // Then +0.26 KB for several clients on one page (callback-owner.ts, issue 17) and +0.06 KB for native
    // shells (issue 15): 21.1 KB. Issues 15 and 16 then added, measured one at a time: loginPopup +1370 B (1075 B
    // of it its lazy chunk flows/popup.ts, counted here as this job counts every chunk), userinfo and step-up
    // +1485 B (the lazy userinfo chunk, never loaded by this job, and what it is handed), pushed authorization
    // requests +416 B (oauth4webapi's two PAR functions are 260 B and cannot be lazy). bench/RESULTS.md, "Size".
    // Every candidate that could cut more (lazy flows, plain-fetch discovery, ...) is measured in
    // bench/RESULTS.md, "Size candidates"; none reaches the 16 KB target without dropping behaviour.
    expect(coreGzip).toBeLessThanOrEqual(21.2 * 1024 + 1370 + 1485 + 416);
    expect({ coreImportsReact, coreImportsDemo }).toEqual({ coreImportsReact: false, coreImportsDemo: false });
  });

  it('a signed-in page load is one request: no chunk shared with lazy code (issue 13)', async () => {
    // bench/size/browser-oauth-signed-in.ts: restore, renewal, auth.fetch. A lazy module that imports a file the
    // first load also imports (oauth4webapi, errors.ts, …) makes esbuild move that file into a shared chunk that
    // every page load fetches too: one more request and ~0.9 KB more (measured for issue 13).
    const { signedInGzip, signedInChunks } = await measureCore();
    expect(signedInGzip).toBeGreaterThan(5 * 1024); // the session code really is in there
    expect(signedInChunks).toBe(1);
    // A ratchet (21.0 KB now): what a signed-in page load runs must not grow with new flows (issue 13's
    // target is 14 KB; bench/RESULTS.md says why one file was kept). Issues 15 and 16 grew it by what they
    // measured, each explained in bench/RESULTS.md: +287 B for loginPopup (the method and its synchronous
    // window.open, which no await may precede, the import() glue, the callback's popup branch); +679 B for
    // userinfo and step-up (oauth4webapi's userinfo functions, handed to the lazy flows/userinfo.ts, and the
    // step-up checks on auth.fetch and the callback); +412 B for PAR (login() is in the one file, and
    // oauth4webapi's PAR functions cannot leave it).
    expect(signedInGzip).toBeLessThanOrEqual(21.1 * 1024 + 287 + 679 + 412);
  });

  /** An adapter alone, minified, with its framework and the core left as imports: what it adds to an app. */
  async function adapterGzip(entry: string, framework: string): Promise<number> {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      write: false,
      external: [framework, '../index.js'],
      logLevel: 'silent',
    });
    return gzipSync(result.outputFiles[0]!.contents, { level: 9 }).byteLength;
  }

  it('the React adapter adds at most 1 KB gzip over the core (issue 6 budget)', async () => {
    const gzip = await adapterGzip('src/react/index.ts', 'react');
    expect(gzip).toBeGreaterThan(200); // the adapter really is in there
    expect(gzip).toBeLessThanOrEqual(1024);
  });

  it('the Vue adapter adds at most 1 KB gzip over the core (issue 18 budget)', async () => {
    const gzip = await adapterGzip('src/vue/index.ts', 'vue');
    expect(gzip).toBeGreaterThan(200); // the adapter really is in there
    expect(gzip).toBeLessThanOrEqual(1024);
  });
});
