import { expect, test, type Page } from '@playwright/test';
import { API_RESOURCE, AS, asStats, resetCounters, signIn, storedEntries } from './helpers';

/**
 * auth.userinfo() (OIDC Core §5.3, issue 16) against the embedded oidc-provider. The demo client names its
 * resources (RFC 8707), so its session token has the demo API's audience, which oidc-provider refuses at
 * userinfo: the SDK gets a token for userinfo with a refresh naming no resource (counted at the AS as `none`).
 */

const USERINFO = `${AS}/me`;

interface Outcome {
  claims?: Record<string, unknown>;
  code?: string;
}
const userinfo = (page: Page, updateUser = false) =>
  page.evaluate(
    (updateUser) =>
      window.__auth.userinfo({ updateUser }).then(
        (claims): Outcome => ({ claims: claims as Record<string, unknown> }),
        (err: { code?: string }): Outcome => ({ code: err.code ?? String(err) }),
      ),
    updateUser,
  );
const storedClaims = async (page: Page) => ((await storedEntries(page)).session as { claims?: Record<string, unknown> } | undefined)?.claims;

test.beforeEach(async () => {
  await resetCounters();
});

test('userinfo sends the DPoP proof with a token for the AS, checks sub, and updateUser reaches every tab', async ({ page, context }) => {
  await signIn(page);
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.getByTestId('status')).toHaveText('signedIn');
  // The claim only userinfo adds is removed from the stored user first, so that the update is visible.
  const sent: Array<Record<string, string>> = [];
  page.on('request', (r) => {
    if (r.url() === USERINFO && r.method() === 'GET') sent.push(r.headers());
  });

  const result = await userinfo(page, true);
  expect(result.code).toBeUndefined();
  expect(result.claims).toMatchObject({ sub: 'alice', email: 'alice@example.com', name: 'Alice Liddell' });
  // oidc-client-ts forgets the proof on userinfo (its open bug): ours sends one, with a DPoP-bound token.
  expect(sent).toHaveLength(1);
  expect(sent[0]!.authorization).toMatch(/^DPoP /);
  expect(sent[0]!.dpop).toMatch(/^ey/);
  // The indicator case: one refresh naming no resource got the token userinfo accepts.
  expect((await asStats()).tokenResources).toEqual({ [`authorization_code ${API_RESOURCE}`]: 1, 'refresh_token none': 1 });
  // A second call reuses that token.
  expect((await userinfo(page)).claims?.sub).toBe('alice');
  expect((await asStats()).tokenResources).toEqual({ [`authorization_code ${API_RESOURCE}`]: 1, 'refresh_token none': 1 });

  // updateUser: stored, and the other tab's state shows the merged user.
  expect(await storedClaims(page)).toMatchObject({ sub: 'alice', email_verified: true, iss: AS });
  await expect.poll(() => other.evaluate(() => window.__auth.state.user?.email_verified)).toBe(true);
});

test('an answer for another sub is userinfo_mismatch, and nothing is stored', async ({ page }) => {
  await signIn(page);
  // A first call gets the token for userinfo (its refresh renews the stored ID-token claims); stores no claims.
  expect((await userinfo(page)).claims?.sub).toBe('alice');
  const before = await storedClaims(page);
  await page.route(USERINFO, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), sub: 'mallory', email: 'mallory@example.com' } });
  });
  // oauth4webapi's check (expectedSubject), and with updateUser the same result.
  expect(await userinfo(page)).toEqual({ code: 'userinfo_mismatch' });
  expect(await userinfo(page, true)).toEqual({ code: 'userinfo_mismatch' });
  expect(await storedClaims(page)).toEqual(before);
  expect(await page.evaluate(() => window.__auth.state.user?.email)).toBe('alice@example.com');
});

test('401 invalid_token at userinfo: one refresh and one retry', async ({ page }) => {
  await signIn(page);
  let answered = 0;
  await page.route(USERINFO, async (route) => {
    const response = await route.fetch();
    if (answered++ > 0) return route.fulfill({ response });
    // The AS revoked the token meanwhile, say: the first answer refuses it.
    await route.fulfill({ response, status: 401, body: '', headers: { ...response.headers(), 'www-authenticate': 'DPoP error="invalid_token", algs="ES256"' } });
  });
  const result = await userinfo(page);
  expect(result.claims?.sub).toBe('alice');
  expect(answered).toBe(2);
  // The first token for userinfo, then exactly one refresh for the rejected one.
  expect((await asStats()).tokenResources).toEqual({ [`authorization_code ${API_RESOURCE}`]: 1, 'refresh_token none': 2 });
});
