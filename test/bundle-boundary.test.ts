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

  it('the core, for the whole job, stays under its 20.5 KB gzip ceiling (the 10 KB goal of issue 6 is not met)', async () => {
    // The job of bench/size/browser-oauth.ts (login, callback, renewal, API call, logout through "."),
    // measured exactly as bench/size.ts measures it. A ratchet against growth, not the goal: oauth4webapi and
    // idb-keyval used directly for the same job with DPoP (bench/size/floor-dpop.ts) are 9.0 KB already.
    const { coreGzip, coreImportsReact, coreImportsDemo } = await measureCore();
    expect(coreGzip).toBeGreaterThan(10 * 1024); // the job really is in there
    // Raised from 19 KB (20.4 KB now, with the doctor hint of issue 19) for the fixes for real servers (issue 22: any 4xx ends a grant, the
    // end-session state, the ID-token algorithms, two CORS warnings), hardening round 2 (issue 14) and
    // Firefox's back/forward cache (issue 21); issue 13 moves the code into modules and cuts the size to its
    // targets, then this comes down.
    expect(coreGzip).toBeLessThanOrEqual(20.5 * 1024);
    expect({ coreImportsReact, coreImportsDemo }).toEqual({ coreImportsReact: false, coreImportsDemo: false });
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
