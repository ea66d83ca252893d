import { expect, test, type Page } from '@playwright/test';
import { AS, asStats, otherRequests, resetCounters, signIn, status } from './helpers';
import {
  authKeys,
  clientOptions,
  expectErrorCode,
  expectResponsive,
  faultStats,
  queueFaults,
  submitAndReturn,
  toLoginForm,
  type Fault,
} from './hostile-helpers';

/**
 * A hostile or broken discovery document (SECURITY.md 6, 10, 11, 27) and revocation endpoint
 * (SECURITY.md 25: a failed revocation never blocks the wipe).
 */

const SHORT = 1500;

test.beforeEach(async ({ context }) => {
  await resetCounters();
  await clientOptions(context, { timeout: SHORT });
});

// ---------------------------------------------------------------------------------------------
// Discovery: fetched when a login starts. A failure is an error on the page, no navigation, nothing
// stored, and it is not cached: the next try works.

/** `valid`: oauth4webapi accepts the document (it is cached for the page); the SDK refuses to use it. */
const discoveryCases: Array<{ name: string; faults: Fault[]; code: string; valid?: boolean }> = [
  { name: 'hangs', faults: [{ kind: 'hang' }], code: 'timeout' },
  { name: 'drips one byte every 100 ms', faults: [{ kind: 'drip', ms: 100 }], code: 'timeout' },
  { name: 'sends 5 MB', faults: [{ kind: 'huge', chunked: true }], code: 'response_too_large' },
  { name: 'answers 503', faults: [{ kind: 'status', status: 503 }], code: 'server_error' },
  { name: 'answers 500 with an HTML page', faults: [{ kind: 'status', status: 500, html: true }], code: 'server_error' },
  { name: 'answers malformed JSON', faults: [{ kind: 'malformed' }], code: 'discovery_failed' },
  { name: 'redirects to another origin', faults: [{ kind: 'redirect' }], code: 'discovery_failed' },
  // Valid JSON served as text/html: see e2e/hostile-regressions.spec.ts.
  // SECURITY.md 6 (mix-up): the document must be the configured issuer's.
  { name: 'claims another issuer', faults: [{ kind: 'tamper', field: 'issuer', value: 'https://evil.example' }], code: 'issuer_mismatch' },
  { name: 'claims the issuer on another port', faults: [{ kind: 'tamper', field: 'issuer', value: AS.replace(/:(\d+)$/, (_, p: string) => `:${Number(p) + 2}`) }], code: 'issuer_mismatch' },
  // SECURITY.md 27: plain http only to loopback.
  { name: 'points the authorization endpoint at plain http elsewhere', faults: [{ kind: 'tamper', field: 'authorization_endpoint', value: 'http://evil.example/auth' }], code: 'insecure_url', valid: true },
  { name: 'has no authorization endpoint', faults: [{ kind: 'tamper', field: 'authorization_endpoint', remove: true }], code: 'discovery_failed', valid: true },
];

test.describe('discovery', () => {
  for (const c of discoveryCases) {
    test(`the discovery document ${c.name}: ${c.code}, no navigation, nothing stored, the next try works`, async ({ page }) => {
      await page.goto('/');
      await expect(status(page)).toHaveText('signedOut');
      await queueFaults({ discovery: c.faults });
      await page.getByTestId('sign-in').click();
      await expectErrorCode(page, c.code);
      await expectResponsive(page);
      expect(new URL(page.url()).pathname, 'never left for the AS').toBe('/');
      const stats = await asStats();
      expect(stats.discovery).toBe(1);
      expect(stats.authorization).toBe(0);
      expect(await faultStats()).toMatchObject({ served: { discovery: 1 }, queued: { discovery: 0 } });
      expect(await authKeys(page)).toEqual([]);
      expect(await otherRequests()).toEqual([]);

      // A failure is not cached: "Try again" discovers afresh and reaches the AS. (A document that parsed
      // is cached for the page's lifetime, bad endpoints included: a reload fetches it again.)
      if (c.valid) {
        await page.getByTestId('sign-in').click();
        await expectErrorCode(page, c.code);
        expect((await asStats()).discovery).toBe(1);
        await page.reload();
      }
      await page.getByTestId('sign-in').click();
      await page.waitForURL(`${AS}/**`);
      expect((await asStats()).discovery).toBe(2);
    });
  }

  test('a token endpoint on plain http elsewhere: the code is never sent', async ({ page }) => {
    const attempted: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).hostname === 'evil.example') attempted.push(request.url());
    });
    await page.goto('/');
    await queueFaults({ discovery: [{ kind: 'tamper', field: 'token_endpoint', value: 'http://evil.example/token' }] });
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${AS}/**`);
    await submitAndReturn(page);
    // Never `network`: the browser did not even try.
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'insecure_url');
    expect(attempted).toEqual([]);
    expect(await authKeys(page)).toEqual([]);
  });

  test('the AS advertises alg "none" first and sends an unsigned ID token: refused (the alg is pinned)', async ({ page }) => {
    await page.goto('/');
    await queueFaults({
      discovery: [{ kind: 'tamper', field: 'id_token_signing_alg_values_supported', value: ['none', 'ES256', 'RS256'] }],
      token: [{ kind: 'idToken', claims: {}, alg: 'none' }],
    });
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${AS}/**`);
    await submitAndReturn(page);
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'invalid_id_token');
    expect(await faultStats()).toMatchObject({ served: { discovery: 1, token: 1 } });
    expect(await authKeys(page)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Revocation (SECURITY.md 25): the local wipe happens first, in every tab; the revocation is best
// effort, bounded in time, and its failure is only a warning.

const revocationCases: Array<{ name: string; faults: Fault[]; code: string }> = [
  { name: 'hangs', faults: [{ kind: 'hang' }], code: 'timeout' },
  { name: 'drips', faults: [{ kind: 'drip', ms: 100 }], code: 'timeout' },
  { name: 'answers 503', faults: [{ kind: 'status', status: 503 }], code: 'server_error' },
  { name: 'sends 5 MB', faults: [{ kind: 'huge', chunked: true }], code: 'response_too_large' },
  { name: 'redirects to another origin', faults: [{ kind: 'redirect' }], code: 'invalid_response' },
];

function sdkWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('browser-oauth')) warnings.push(m.text());
  });
  return warnings;
}

test.describe('revocation', () => {
  for (const c of revocationCases) {
    test(`the revocation endpoint ${c.name}: every tab signed out at once, storage wiped, one warning (${c.code})`, async ({ context, page }) => {
      const warnings = sdkWarnings(page);
      await signIn(page);
      const other = await context.newPage();
      await other.goto('/');
      await expect(status(other)).toHaveText('signedIn');
      await resetCounters();
      await queueFaults({ revocation: c.faults });

      const started = Date.now();
      const loggedOut = page.evaluate(() => window.__auth.logout().then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e)));
      // The wipe does not wait for the revocation: both tabs are signed out while it is still pending.
      await expect(status(page)).toHaveText('signedOut', { timeout: 1000 });
      await expect(status(other)).toHaveText('signedOut', { timeout: 1000 });
      expect(await authKeys(page)).toEqual([]);
      await expectResponsive(page);

      expect(await loggedOut).toBe('resolved');
      expect(Date.now() - started).toBeLessThan(SHORT + 3000);
      await expect.poll(async () => (await asStats()).revocation).toBe(1);
      expect(await faultStats()).toMatchObject({ served: { revocation: 1 }, queued: { revocation: 0 } });
      expect(await otherRequests()).toEqual([]);
      expect(warnings.filter((w) => w.includes('Revoking'))).toEqual([`[browser-oauth] Revoking the refresh token failed (${c.code})`]);
    });
  }
});
