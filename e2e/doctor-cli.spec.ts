import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { ports } from '../playwright.config';
import { API_RESOURCE, AS, CLIENT_ID, resetCounters, SPA } from './helpers';

/**
 * `npx browser-oauth doctor` (the built dist/cli.js, as the package ships it) against the embedded
 * authorization server and demo API: a correct setup passes every row; each setup mistake the demo AS can
 * be switched to (POST /__test/misconfigure, demo/server/misconfigure.ts) fails exactly its row, with the fix.
 * No browser: the doctor asks the servers itself, as a browser would, with the SPA's Origin.
 */
const run = promisify(execFile);
const CLI = resolve('dist/cli.js');

interface JsonReport {
  idp: string;
  rows: { id: string; verdict: 'pass' | 'warn' | 'fail'; saw: string; fix?: string; target?: string }[];
  summary: { pass: number; warn: number; fail: number };
}

async function doctor(args: { issuer?: string; json?: boolean; cli?: string } = {}): Promise<{ code: number; stdout: string }> {
  const argv = ['doctor', '--issuer', args.issuer ?? AS, '--client-id', CLIENT_ID, '--origin', SPA, '--redirect-uri', `${SPA}/callback.html`, '--resource', API_RESOURCE];
  if (args.json !== false) argv.push('--json');
  try {
    const { stdout } = await run(process.execPath, [args.cli ?? CLI, ...argv], { timeout: 30_000 });
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '' };
  }
}

async function misconfigure(set: string[]): Promise<void> {
  const response = await fetch(`${AS}/__test/misconfigure`, { method: 'POST', body: JSON.stringify({ set }) });
  expect(response.status).toBe(204);
}

test.beforeEach(resetCounters);
test.afterEach(resetCounters);

test('a correct setup: every row passes, exit status 0', async () => {
  const { code, stdout } = await doctor();
  const report = JSON.parse(stdout) as JsonReport;
  expect(report.rows.filter((row) => row.verdict !== 'pass')).toEqual([]);
  expect(report.summary).toEqual({ pass: 28, warn: 0, fail: 0 });
  expect(report.rows.map((row) => row.id)).toEqual(expect.arrayContaining(['discovery.issuer', 'pkce', 'cors.token', 'expose.token', 'cors.par', 'expose.par', 'cors.resource', 'expose.resource', 'registration.client', 'registration.redirect-uri']));
  expect(code).toBe(0);
});

const BROKEN: [string, string[], string | undefined, string, RegExp, RegExp][] = [
  ['CORS off at the token endpoint', ['token-cors'], undefined, 'cors.token', /came back with no Access-Control-Allow-Origin/, new RegExp(`allow the origin ${SPA} for CORS at ${AS}/token`)],
  ['DPoP-Nonce not exposed by the token endpoint', ['dpop-nonce-hidden'], undefined, 'expose.token', /does not expose DPoP-Nonce/, /DPoP-Nonce to Access-Control-Expose-Headers/],
  ['PKCE off', ['pkce-off'], undefined, 'pkce', /does not say it does PKCE/, /enable PKCE with S256/],
  // The same server under another name: the metadata's issuer is not the one the app would configure.
  ['an issuer that is not the metadata\'s', [], `http://localhost:${ports.as}`, 'discovery.issuer', new RegExp(`names issuer ${AS}, not http://localhost:${ports.as}`), new RegExp(`configure issuer: '${AS}' exactly`)],
];

for (const [name, set, issuer, id, saw, fix] of BROKEN) {
  test(`${name}: ${id} fails with the fix, exit status 1`, async () => {
    await misconfigure(set);
    const { code, stdout } = await doctor({ ...(issuer && { issuer }) });
    const report = JSON.parse(stdout) as JsonReport;
    const failing = report.rows.filter((row) => row.verdict !== 'pass');
    expect(failing.map((row) => row.id)).toEqual([id]);
    expect(failing[0]!.saw).toMatch(saw);
    expect(failing[0]!.fix).toMatch(fix);
    expect(code).toBe(1);
  });
}

test('prints a table: a line per check, the fix under a failing one', async () => {
  await misconfigure(['token-cors']);
  const { code, stdout } = await doctor({ json: false });
  expect(stdout).toContain(`browser-oauth doctor: ${AS} for ${SPA}`);
  expect(stdout).toMatch(/^PASS {2}discovery\.issuer +issuer /m);
  expect(stdout).toMatch(new RegExp(`^FAIL {2}cors\\.token +the POST \\(status 400\\) came back with no Access-Control-Allow-Origin \\[${AS}/token\\]\\n +fix: allow the origin`, 'm'));
  expect(stdout).toMatch(/^26 passed, 0 warnings, 1 failed$/m); // expose.token is not asked of a blocked response
  expect(code).toBe(1);
});

test('runs from the packed tarball, through its bin entry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'browser-oauth-pack-'));
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { timeout: 60_000 });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    await run('tar', ['-xzf', join(dir, filename), '-C', dir]);
    const manifest = JSON.parse(await readFile(join(dir, 'package/package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = join(dir, 'package', manifest.bin['browser-oauth']!);
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    // The package's dependencies, as an install would put them beside it.
    await symlink(resolve('node_modules'), join(dir, 'package/node_modules'), 'dir');
    const { code, stdout: out } = await doctor({ cli: bin });
    expect((JSON.parse(out) as JsonReport).summary.fail).toBe(0);
    expect(code).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
