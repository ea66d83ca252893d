import { expect, test, type Page } from '@playwright/test';
import { AS, asStats, resetCounters, signIn, SPA, status, storedEntries } from './helpers';
import { authKeys, clientOptions, expectErrorCode, faultStats, forceRefresh, queueFaults, submitAndReturn, toLoginForm } from './hostile-helpers';

/**
 * What real servers other than oidc-provider answer (issue 22: Glewlwyd and LemonLDAP::NG, e2e/glewlwyd.spec.ts),
 * reproduced with the demo AS's fault injection so that each SDK fix is proven on its own.
 */

test.beforeEach(async ({ context }) => {
  await resetCounters();
  await clientOptions(context, { timeout: 1500 });
});

function sdkWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('browser-oauth')) warnings.push(m.text());
  });
  return warnings;
}

test('a refresh answered with an empty 400 signs out every tab, for good: invalid_grant, storage wiped, a reload stays signed out', async ({ page, context }) => {
  await signIn(page);
  const other = await context.newPage();
  await other.goto('/');
  await expect(status(other)).toHaveText('signedIn');
  await resetCounters();
  await queueFaults({ token: [{ kind: 'status', status: 400, empty: true }] });

  expect(await forceRefresh(page)).toBe('invalid_grant');
  expect((await asStats()).token.refresh_token).toBe(1); // never retried
  await expect(status(page)).toHaveText('signedOut');
  await expect(status(other)).toHaveText('signedOut');
  await expectErrorCode(page, 'invalid_grant');
  expect(await authKeys(page)).toEqual([]);
  await page.reload();
  await expect(status(page)).toHaveText('signedOut');
});

test('RP-initiated logout sends a fresh state, and the page it returns to checks it and drops it from the address bar', async ({ page }) => {
  await signIn(page);
  const endSession = page.waitForRequest((r) => r.url().startsWith(`${AS}/session/end?`));
  const back = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${SPA}/?`));
  await page.getByTestId('sign-out').click();
  const sent = new URL((await endSession).url()).searchParams;
  expect(sent.get('state')).toMatch(/^[\w-]{43}$/);
  expect(sent.get('post_logout_redirect_uri')).toBe(`${SPA}/`);
  // oidc-provider gives the state back on the post-logout redirect; the SDK removes it once checked.
  expect(new URL((await back).url()).searchParams.get('state')).toBe(sent.get('state'));
  await expect(status(page)).toHaveText('signedOut');
  await expect.poll(() => page.url()).toBe(`${SPA}/`);
  expect(await storedEntries(page)).toEqual({});
  expect((await asStats()).endSession).toBeGreaterThanOrEqual(1);
});

test('a DPoP nonce challenge whose DPoP-Nonce CORS hides: one warning naming the header the server must expose', async ({ page }) => {
  const warnings = sdkWarnings(page);
  await toLoginForm(page);
  await queueFaults({ token: [{ kind: 'status', status: 400, error: 'use_dpop_nonce', dpopNonce: `hidden-${Date.now()}`, hideNonce: true }] });
  await submitAndReturn(page);
  // The retry goes without a nonce (the demo AS does not insist): signed in, and the app was told why.
  await page.waitForURL(`${SPA}/`);
  await expect(status(page)).toHaveText('signedIn');
  expect(await faultStats()).toMatchObject({ served: { token: 1 }, queued: { token: 0 } });
  expect((await asStats()).token.authorization_code).toBe(2);
  expect(warnings).toEqual([
    '[browser-oauth] The authorization server asked for a DPoP nonce that CORS hides: it must send "Access-Control-Expose-Headers: DPoP-Nonce"',
  ]);
});

test('revocation refused with an empty 401: every tab signed out, storage wiped, a warning saying it is the server\'s limit', async ({ page, context }) => {
  const warnings = sdkWarnings(page);
  await signIn(page);
  const other = await context.newPage();
  await other.goto('/');
  await resetCounters();
  await queueFaults({ revocation: [{ kind: 'status', status: 401, empty: true }] });
  expect(await page.evaluate(() => window.__auth.logout().then(() => 'resolved'))).toBe('resolved');
  await expect(status(page)).toHaveText('signedOut');
  await expect(status(other)).toHaveText('signedOut');
  expect(await authKeys(page)).toEqual([]);
  expect(await faultStats()).toMatchObject({ served: { revocation: 1 } });
  expect(warnings).toEqual([
    '[browser-oauth] The authorization server refused to revoke the refresh token (401): a limit of the server; the session was wiped all the same (invalid_response)',
  ]);
});
