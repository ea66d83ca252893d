import { expect, type BrowserContext, type Page } from '@playwright/test';
import type { Fault, FaultEndpoint } from '../demo/server/faults';
import { AS, asStats, nextAuthorizationRequest, status, storedEntries, submitLogin } from './helpers';

/**
 * Helpers of the hostile-*.spec.ts files: faults at the test AS (demo/server/faults.ts), the demo
 * client's test options (demo/src/auth.ts), and the checks every fault test repeats.
 */

export type { Fault, FaultEndpoint };

/** Queues faults at the AS; each request to that endpoint takes the next one. */
export async function queueFaults(faults: Partial<Record<FaultEndpoint, Fault[]>>): Promise<void> {
  const response = await fetch(`${AS}/__test/faults`, { method: 'POST', body: JSON.stringify(faults) });
  expect(response.status, 'the AS accepted the faults').toBe(204);
}

export interface FaultStats {
  served: Record<FaultEndpoint, number>;
  queued: Record<FaultEndpoint, number>;
}

/** How many faults the AS served (proof that a test's fault really happened) and how many are left. */
export async function faultStats(): Promise<FaultStats> {
  return ((await asStats()) as unknown as { faults: FaultStats }).faults;
}

/**
 * Shorter SDK limits for the demo client, on every page this tab or context loads (the callback included).
 * Honoured only by the e2e build of the demo (VITE_TEST_HOOKS=1).
 */
export async function clientOptions(
  target: Page | BrowserContext,
  options: { timeout?: number; maxResponseBytes?: number; storage?: 'memory'; dpop?: boolean },
): Promise<void> {
  await target.addInitScript((o) => {
    window.__authTestOptions = o;
  }, options);
}

/** Goes to the AS login form from the demo home page (signed out), and returns the login's `state`. */
export async function toLoginForm(page: Page): Promise<string> {
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  const authRequest = nextAuthorizationRequest(page);
  await page.getByTestId('sign-in').click();
  const state = (await authRequest).params.get('state');
  await page.waitForURL(`${AS}/**`);
  expect(state, 'the authorization request carries a state').toBeTruthy();
  return state!;
}

/** Signs in at the AS form, so that the browser comes back to the callback page. */
export async function submitAndReturn(page: Page): Promise<void> {
  const callback = page.waitForURL('**/callback.html**');
  await submitLogin(page);
  await callback;
}

/** The code the callback page (or the home page) shows for the failure. */
export async function expectErrorCode(page: Page, code: string, timeout?: number): Promise<void> {
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', code, timeout === undefined ? {} : { timeout });
}

/** `auth.getAccessToken({ forceRefresh: true })` in the page: `'ok'` or the OAuthError code. */
export async function forceRefresh(page: Page): Promise<string> {
  return page.evaluate(() =>
    window.__auth.getAccessToken({ forceRefresh: true }).then(
      () => 'ok',
      (err: unknown) => (err as { code?: string }).code ?? `not an OAuthError: ${String(err)}`,
    ),
  );
}

/** Storage keys that carry a login or a session (a DPoP nonce is a public value, not either). */
export async function authKeys(page: Page): Promise<string[]> {
  return Object.keys(await storedEntries(page))
    .filter((key) => key !== 'dpop-nonces')
    .sort();
}

/**
 * The page still answers: a frame is painted and a script round trip completes quickly, even while a
 * request to the AS hangs (nothing in the SDK blocks the main thread or waits unbounded).
 */
export async function expectResponsive(page: Page): Promise<void> {
  const started = Date.now();
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
  expect(Date.now() - started, 'a frame within a second').toBeLessThan(1000);
}

/** Whether the page holds an element that a hostile string would have created. */
export async function injectedElements(page: Page, selector: string): Promise<number> {
  return page.locator(`${selector} img, ${selector} script, ${selector} b, ${selector} iframe, ${selector} svg`).count();
}
