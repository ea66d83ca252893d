import { expect, test, type Page } from '@playwright/test';
import { AS, asStats, CLIENT_ID, DB_NAME, resetCounters, signIn, status, storedEntries } from './helpers';
import { authKeys, clientOptions, expectErrorCode, forceRefresh, queueFaults, submitAndReturn, toLoginForm } from './hostile-helpers';

/**
 * Regression tests for SDK bugs found by the hostile-input work (issue 5), each named after what broke.
 * The comment above each says what was wrong and how it was fixed.
 */

test.beforeEach(async ({ context }) => {
  await resetCounters();
  await clientOptions(context, { timeout: 1500 });
});

/**
 * SECURITY.md 26 — `safeReturnTo` lets dot segments make a protocol-relative URL: the URL parser turns
 * `/.//evil.example` (also `/%2e//evil.example`, `/a/..//evil.example`, `/..//evil`) into the path
 * `//evil.example`, which passes the same-origin check (it is resolved as a path of the app) and is
 * returned as is. `location.assign('//evil.example')` is an open redirect. (The demo's callback page
 * happens to re-check and saves itself; an app that trusts `returnTo`, as the README tells it to, does not.)
 *
 * Fixed in src/core/url.ts, end of `safeReturnTo`:
 *   -  return `${url.pathname}${url.search}${url.hash}`;
 *   +  const path = `${url.pathname}${url.search}${url.hash}`;
 *   +  // Dot segments can leave a path that starts with `//` ("/.//evil" → "//evil"): protocol-relative.
 *   +  return path.startsWith('//') ? '/' : path;
 */
test('returnTo with dot segments never becomes a protocol-relative URL', async ({ page }) => {
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  const stored: string[] = [];
  for (const returnTo of ['/.//evil.example', '/%2e//evil.example/x', '/a/..//evil.example']) {
    await page.evaluate((r) => void window.__auth.login({ returnTo: r }), returnTo);
    await page.waitForURL(`${AS}/**`);
    await page.goto('/');
    const entries = await storedEntries(page);
    const latest = Object.entries(entries)
      .filter(([k]) => k.startsWith('pending:'))
      .map(([, v]) => v as { returnTo: string; createdAt: number })
      .sort((a, b) => b.createdAt - a.createdAt)[0]!;
    stored.push(latest.returnTo);
  }
  expect(stored).toEqual(['/', '/', '/']);
});

/**
 * SECURITY.md 10, 11 and issue 5 ("valid JSON with the wrong content type") — oauth4webapi reads a body
 * as JSON whatever its Content-Type, and looks at the type only when parsing fails; so a token response
 * or a discovery document served as `text/html` is accepted (and stored). README: a response that is not
 * a conforming response is `invalid_response`.
 *
 * Fixed in src/core/http.ts, in `boundedFetch` after `readBounded` (oauth4webapi asks token and metadata
 * requests with `accept: application/json`, and revocation without `accept`, whose answer has no body
 * to speak of):
 *   +  const accept = new Headers(init.headers).get('accept');
 *   +  const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
 *   +  if (response.status === 200 && accept === 'application/json' && type !== 'application/json') {
 *   +    throw new OAuthError('invalid_response', 'The authorization server answered with a content type other than application/json');
 *   +  }
 * (`discover()` turns invalid_response into discovery_failed, as for malformed JSON.)
 */
test('a token response served as text/html is invalid_response at the code exchange; nothing stored', async ({ page }) => {
  await toLoginForm(page);
  await queueFaults({ token: [{ kind: 'contentType', value: 'text/html' }] });
  await submitAndReturn(page);
  await expectErrorCode(page, 'invalid_response');
  expect(await authKeys(page)).toEqual([]);
});

test('a refresh response served as text/html is invalid_response; storage exactly as before', async ({ page }) => {
  await signIn(page);
  const before = await storedEntries(page);
  await queueFaults({ token: [{ kind: 'contentType', value: 'text/html' }] });
  expect(await forceRefresh(page)).toBe('invalid_response');
  expect((await storedEntries(page)).session).toEqual(before.session);
});

test('a discovery document served as text/html is discovery_failed; no navigation', async ({ page }) => {
  await page.goto('/');
  await queueFaults({ discovery: [{ kind: 'contentType', value: 'text/html' }] });
  await page.getByTestId('sign-in').click();
  await expectErrorCode(page, 'discovery_failed');
  expect((await asStats()).authorization).toBe(0);
});

/**
 * SECURITY.md 10 / OIDC Core §3.1.3.7 step 5 ("If an azp Claim is present, the Client SHOULD verify that
 * its client_id is the Claim Value") — oauth4webapi checks `azp` only when `aud` has several values, so an
 * ID token for this client authorized for ANOTHER party is accepted, and the user signed in.
 *
 * Fixed in src/core/session/token-response.ts, `sessionFrom`, right after `o.getValidatedIdTokenClaims(result)`:
 *   +  if (claims?.azp !== undefined && claims.azp !== config.clientId) {
 *   +    throw new OAuthError('invalid_id_token', 'The ID token was issued to another authorized party');
 *   +  }
 */
test('an ID token with one audience but azp of another client is invalid_id_token; nothing stored', async ({ page }) => {
  await toLoginForm(page);
  await queueFaults({ token: [{ kind: 'idToken', claims: { aud: CLIENT_ID, azp: 'another-client' } }] });
  await submitAndReturn(page);
  await expectErrorCode(page, 'invalid_id_token');
  expect(await authKeys(page)).toEqual([]);
});

/**
 * README error table — "`invalid_id_token`: the ID token failed validation"; "`nonce_mismatch`: the ID
 * token's nonce is not this login's". Two ID-token failures come out as `invalid_response` instead,
 * because oauth4webapi reports them with its generic INVALID_RESPONSE code: a JWT `alg` other than the
 * pinned one (e.g. `none`), and a required claim that is missing (e.g. `nonce`). Still refused, nothing
 * stored (hostile-token.spec.ts proves that); only the code is off.
 *
 * Fixed in src/core/errors.ts, `fromProcessingError`, a case before `default`:
 *   +    case o.INVALID_RESPONSE:
 *   +      if (err.message.startsWith('JWT "nonce"')) return new OAuthError('nonce_mismatch', 'The ID token has no nonce', details);
 *   +      if (err.message.startsWith('unexpected JWT "alg"') || /^JWT ".+" \(.+\) claim missing$/.test(err.message)) {
 *   +        return new OAuthError('invalid_id_token', err.message, details);
 *   +      }
 *   +      return new OAuthError(fallback, err.message, details);
 * (these messages are static strings of oauth4webapi 3.8; `callbackError` already matches on them.)
 */
async function exchangeWith(page: Page, fault: Parameters<typeof queueFaults>[0]): Promise<void> {
  await toLoginForm(page);
  await queueFaults(fault);
  await submitAndReturn(page);
}

test('an unsigned (alg: none) ID token is invalid_id_token', async ({ page }) => {
  await exchangeWith(page, { token: [{ kind: 'idToken', claims: {}, alg: 'none' }] });
  await expectErrorCode(page, 'invalid_id_token');
});

test('an ID token without a nonce is nonce_mismatch', async ({ page }) => {
  await exchangeWith(page, { token: [{ kind: 'idToken', claims: { nonce: null } }] });
  await expectErrorCode(page, 'nonce_mismatch');
});

/**
 * `handleRedirect(url)` returns a Promise, but throws synchronously (a bare TypeError) for a string that
 * is not a URL: `auth.handleRedirect(x).catch(...)` does not catch it. (Found by test/fuzz.test.ts.)
 *
 * Fixed in src/core/flows/callback.ts, `createCallbacks`: parse inside the try that already guards `alive()`:
 *   -      try {
 *   -        alive();
 *   -      } catch (err) {
 *   -        return Promise.reject(err);
 *   -      }
 *   -      const here = effects.location();
 *   -      const url = new URL(input ?? here.href, here.href);
 *   +      let url: URL;
 *   +      try {
 *   +        alive();
 *   +        const here = effects.location();
 *   +        url = new URL(input ?? here.href, here.href);
 *   +      } catch (err) {
 *   +        return Promise.reject(err instanceof TypeError ? new OAuthError('invalid_callback', 'The callback is not a URL') : err);
 *   +      }
 */
test('handleRedirect rejects (never throws) for a string that is not a URL', async ({ page }) => {
  await page.goto('/');
  const outcome = await page.evaluate(() => {
    try {
      const result = window.__auth.handleRedirect('http://[not a url');
      return result.then(
        () => 'resolved',
        (e: { code?: string }) => `rejected ${e.code ?? String(e)}`,
      );
    } catch (e) {
      return `threw ${String(e)}`;
    }
  });
  expect(outcome).toBe('rejected invalid_callback');
});

/**
 * Storage robustness — `replaceIf` (src/core/storage.ts) writes from inside the read's `onsuccess`
 * handler; when `put` throws there (DataCloneError, a synchronous QuotaExceededError, an
 * InvalidStateError), the exception escapes the handler as an UNCAUGHT page error (window.onerror,
 * every error reporter) before the transaction aborts and the SDK handles the failure. The outcome is
 * right (the refresh keeps the session in the tab, storage keeps the old record); the uncaught error
 * is not. hostile-storage.spec.ts proves the outcome with a put that fails at commit instead.
 *
 * Fixed in src/core/storage.ts, `replaceIf`:
 *   -          let wrote = false;
 *   -          read.onsuccess = () => {
 *   -            if (!expected(read.result)) return;
 *   -            if (value === undefined) s.delete(key);
 *   -            else s.put(value, key);
 *   -            wrote = true;
 *   -          };
 *   -          return promisifyRequest(s.transaction).then(() => wrote);
 *   +          let wrote = false;
 *   +          let failure: unknown;
 *   +          read.onsuccess = () => {
 *   +            try {
 *   +              if (!expected(read.result)) return;
 *   +              if (value === undefined) s.delete(key);
 *   +              else s.put(value, key);
 *   +              wrote = true;
 *   +            } catch (err) {
 *   +              failure = err;
 *   +              s.transaction.abort();
 *   +            }
 *   +          };
 *   +          return promisifyRequest(s.transaction).then(
 *   +            () => wrote,
 *   +            (err: unknown) => Promise.reject(failure ?? err),
 *   +          );
 */
test('a put that throws during a refresh is handled, not an uncaught page error', async ({ page }) => {
  const crashes: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  await signIn(page);
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  expect(await forceRefresh(page)).toBe('ok');
  expect(crashes).toEqual([]);
});

/**
 * SECURITY.md 27 / README ("every other http URL is an `insecure_url` error") — oauth4webapi 3.8 refuses a
 * plain-http endpoint with an OperationProcessingError whose code is HTTP_REQUEST_FORBIDDEN, but
 * `toOAuthError` only recognises that code on a TypeError (test/errors.test.ts builds such a TypeError,
 * which oauth4webapi never throws), so the refusal comes out as `invalid_response`. Nothing is sent
 * (hostile-discovery-revocation.spec.ts proves that); only the code is off.
 *
 * Fixed in src/core/errors.ts, `fromProcessingError`, a case before `default`:
 *   +    case o.HTTP_REQUEST_FORBIDDEN:
 *   +    case o.REQUEST_PROTOCOL_FORBIDDEN:
 *   +      return new OAuthError('insecure_url', 'Refused to send a request over plain http', details);
 * and make test/errors.test.ts throw what oauth4webapi throws (an OperationProcessingError).
 */
test('a token endpoint on plain http outside loopback is insecure_url', async ({ page }) => {
  await page.goto('/');
  await queueFaults({ discovery: [{ kind: 'tamper', field: 'token_endpoint', value: 'http://evil.example/token' }] });
  await page.getByTestId('sign-in').click();
  await page.waitForURL(`${AS}/**`);
  await submitAndReturn(page);
  await expectErrorCode(page, 'insecure_url');
});

/**
 * Issue 12 — an empty granted scope destroyed the session on reload. With the README Quick start's scope
 * (`openid profile email offline_access`, no API scope) and a resource indicator, the demo AS answers the
 * code exchange with `"scope": ""` (RFC 6749 §5.1: the granted scope, which may be empty). The SDK stored it,
 * its own decoder refused an empty string, and every reload ended `signedOut` with `storage_corrupt`.
 *
 * Fixed in src/core/session/record.ts, `decodeSession`:
 *   -    !isOptionalString(value.scope) ||
 *   +    !(value.scope === undefined || typeof value.scope === 'string') ||
 * (test/session-roundtrip.test.ts holds every other field the AS controls to the same rule.)
 */
test('an AS that grants an empty scope: the session survives a reload and a forced refresh', async ({ page }) => {
  await page.goto('/');
  await expect(status(page)).toHaveText('signedOut');
  await page.evaluate(() => void window.__auth.login({ scope: 'openid profile email offline_access', returnTo: '/' }));
  await page.waitForURL(`${AS}/**`);
  await submitAndReturn(page);
  await page.waitForURL((url) => url.pathname === '/');
  await expect(status(page)).toHaveText('signedIn');
  // The AS really granted an empty scope (else this test would prove nothing).
  expect((await storedEntries(page)).session).toMatchObject({ scope: '' });

  await page.reload();
  await expect(status(page)).toHaveText('signedIn');
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(await forceRefresh(page)).toBe('ok');
  await expect(status(page)).toHaveText('signedIn');
  await page.reload();
  await expect(status(page)).toHaveText('signedIn');
  const stats = await asStats();
  expect(stats.token).toEqual({ authorization_code: 1, refresh_token: 1 });
  expect(stats.tokenErrors).toEqual({});
});

/**
 * Issue 12 — `getAccessToken({ forceRefresh: true })` that found the stored session unreadable rejected with
 * `storage_corrupt` while the page kept showing `signedIn` (the renewal's failure kept this tab's copy, as
 * for a transient error), and the junk stayed in storage.
 *
 * Fixed in src/core/session/renewal.ts: `storage_corrupt` joins ENDS_SESSION, and the renewal reads the record with
 * `readSession` (src/core/session/record.ts), which deletes an unreadable record and tells the other tabs.
 */
test('a renewal that finds the stored session corrupt signs out every tab and removes it', async ({ page, context }) => {
  await signIn(page);
  const other = await context.newPage();
  await other.goto('/');
  await expect(status(other)).toHaveText('signedIn');
  await page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('kv', 'readwrite');
    tx.objectStore('kv').put({ v: 1, junk: true }, 'session');
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, DB_NAME);
  await resetCounters();
  expect(await forceRefresh(page)).toBe('storage_corrupt');
  await expect(status(page)).toHaveText('signedOut');
  await expectErrorCode(page, 'storage_corrupt');
  await expect(status(other)).toHaveText('signedOut');
  expect(await authKeys(page)).toEqual([]);
  expect((await asStats()).token).toEqual({ authorization_code: 0, refresh_token: 0 });
});
