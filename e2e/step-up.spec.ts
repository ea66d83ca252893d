import { expect, test, type Page } from '@playwright/test';
import { API_RESOURCE, AS, asStats, nextAuthorizationRequest, resetCounters, signIn, status, storedEntries } from './helpers';

/**
 * Step-up authentication (RFC 9470, issue 16) against the embedded AS and the demo API: `/api/step-up` wants the
 * `acr` urn:browser-oauth:mfa (password + the demo one-time code) within 600 s of the sign-in.
 */

const STEP_UP = `${API_RESOURCE}step-up`;
const MFA = 'urn:browser-oauth:mfa';

interface Outcome {
  status?: number;
  code?: string;
  acrValues?: string;
  maxAge?: number;
}
const callStepUp = (page: Page) =>
  page.evaluate(
    (url) =>
      window.__auth.fetch(url).then(
        (r): Outcome => ({ status: r.status }),
        (err: { code?: string; acrValues?: string; maxAge?: number }): Outcome => ({ code: err.code, acrValues: err.acrValues, maxAge: err.maxAge }),
      ),
    STEP_UP,
  );

/** On the AS's step-up page (it asks for the one-time code): the demo user, and `otp` (empty: skipped). */
async function submitStepUp(page: Page, otp: string): Promise<void> {
  await expect(page.locator('input[name=otp]')).toBeVisible();
  await page.locator('input[name=login]').fill('alice');
  await page.locator('input[name=password]').fill('alice');
  await page.locator('input[name=otp]').fill(otp);
  await page.locator('button[type=submit]').click();
}

test.beforeEach(async () => {
  await resetCounters();
});

test('round trip: 401 insufficient_user_authentication → its details → login({ acrValues, maxAge }) → 200', async ({ page }) => {
  await signIn(page);
  const before = await asStats();
  // The password-only session: rejected with what to log in with, and no refresh for it.
  expect(await callStepUp(page)).toEqual({ code: 'insufficient_user_authentication', acrValues: MFA, maxAge: 600 });
  expect((await asStats()).token.refresh_token).toBe(before.token.refresh_token);

  // The demo page's round trip: the failed call offers the stronger sign-in with those values.
  await page.getByTestId('call-step-up').click();
  await expect(page.getByTestId('api-status')).toHaveText('401');
  // Pushed (PAR) or in the URL: the parameters the AS received.
  const authorize = nextAuthorizationRequest(page);
  await page.getByTestId('step-up-login').click();
  const { params } = await authorize;
  expect(params.get('acr_values')).toBe(MFA);
  expect(params.get('max_age')).toBe('600');
  // The AS session exists, but not with that acr: the login page comes back, asking for the code.
  await submitStepUp(page, '000000');
  await expect(status(page)).toHaveText('signedIn');
  expect(await page.evaluate(() => window.__auth.state.user?.acr)).toBe(MFA);
  expect(await callStepUp(page)).toEqual({ status: 200 });
});

test('a step-up whose acr is not one asked for is refused at the callback; the session is kept', async ({ page }) => {
  await signIn(page);
  const session = (await storedEntries(page)).session as { accessToken: string };
  const acrBefore = await page.evaluate(() => window.__auth.state.user?.acr);
  await page.evaluate((acrValues) => void window.__auth.login({ acrValues, returnTo: '/' }), MFA);
  await page.waitForURL(`${AS}/**`);
  // The user skips the one-time code: the AS signs them in with a password only.
  await submitStepUp(page, '');
  // The demo's callback page shows the code.
  await expect(page.locator('#failed')).toHaveAttribute('data-code', 'insufficient_user_authentication');
  // Nothing stored: the session from before is the one kept.
  await page.goto('/');
  await expect(status(page)).toHaveText('signedIn');
  expect(((await storedEntries(page)).session as { accessToken: string }).accessToken).toBe(session.accessToken);
  expect(await page.evaluate(() => window.__auth.state.user?.acr)).toBe(acrBefore);
});

test('acceptOtherAcr keeps the weaker sign-in, and the app reads its acr', async ({ page }) => {
  await signIn(page);
  await page.evaluate((acrValues) => void window.__auth.login({ acrValues, acceptOtherAcr: true, returnTo: '/' }), MFA);
  await page.waitForURL(`${AS}/**`);
  await submitStepUp(page, '');
  await expect(status(page)).toHaveText('signedIn');
  expect(await page.evaluate(() => window.__auth.state.error?.code)).toBeUndefined();
  expect(await page.evaluate(() => window.__auth.state.user?.acr)).toBe('urn:browser-oauth:pwd');
});
