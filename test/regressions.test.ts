import { describe, expect, it } from 'vitest';
import { createClientWith } from '../src/core/client.js';
import { resolveConfig } from '../src/core/config.js';
import { safeReturnTo } from '../src/core/url.js';
import { fakeEffects, ISSUER } from './fakes.js';

/** Regressions of SDK bugs found by test/fuzz.test.ts (issue 5); see e2e/hostile-regressions.spec.ts. */
describe('regressions', () => {
  it('safeReturnTo: dot segments never produce a protocol-relative path (SECURITY.md 26)', () => {
    const origin = 'https://app.example';
    for (const value of ['/.//evil.example', '/%2e//evil.example', '/%2E%2E//evil', '/a/..//evil.example', '/./\\evil.example', '/x/%2e%2e//evil/y?q#h', '/..//evil']) {
      const result = safeReturnTo(value, origin);
      expect(result.startsWith('//'), `${value} → ${result}`).toBe(false);
      expect(new URL(result, origin).origin, `${value} → ${result}`).toBe(origin);
    }
  });

  it('handleRedirect rejects, never throws, for a string that is not a URL', async () => {
    const fake = fakeEffects({});
    const client = createClientWith(resolveConfig({ issuer: ISSUER, clientId: 'spa', redirectUri: 'https://app.example/cb' }), fake.effects);
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = client.handleRedirect('http://[not a url');
    }).not.toThrow();
    await expect(result).rejects.toMatchObject({ code: 'invalid_callback' });
  });
});
