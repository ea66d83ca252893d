// Issue 19: the doctor's knowledge in the browser. In development (the demo runs on 127.0.0.1), a request
// the browser refuses at the network gets one console warning that names the doctor's rows and command.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { AS, resetCounters, status, submitLogin } from './helpers';

test.afterEach(async () => {
  await resetCounters(); // also undoes the misconfiguration
});

test('the token endpoint without CORS for the app: the warning names cors.token and the doctor command', async ({ page }) => {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('browser-oauth doctor')) warnings.push(m.text());
  });
  await resetCounters();
  const response = await fetch(`${AS}/__test/misconfigure`, { method: 'POST', body: JSON.stringify({ set: ['token-cors'] }) });
  expect(response.status).toBe(204);
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  await submitLogin(page);
  // The code exchange is refused by the browser (no Access-Control-Allow-Origin): `network`, and the hint.
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'network');
  await expect.poll(() => warnings.length).toBe(1);
  expect(warnings[0]).toContain('rows cors.token, expose.token');
  expect(warnings[0]).toContain(`npx browser-oauth doctor --issuer ${AS} --client-id browser-oauth-demo --origin ${new URL(page.url()).origin}`);

  // The command it prints, run as printed (the built CLI in place of npx), finds exactly that row failing.
  const argv = warnings[0]!.split('npx browser-oauth ')[1]!.split(' ');
  const result = await promisify(execFile)(process.execPath, [resolve('dist/cli.js'), ...argv, '--json'], { timeout: 30_000 }).then(
    () => ({ code: 0, stdout: '' }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  expect(result.code).toBe(1);
  const report = JSON.parse(result.stdout) as { rows: { id: string; verdict: string }[] };
  expect(report.rows.filter((r) => r.verdict === 'fail').map((r) => r.id)).toEqual(['cors.token']);
});
