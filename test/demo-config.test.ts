import { describe, expect, it } from 'vitest';
import { demoConfig, loopbackRedirectUri, postLogoutRedirectUrisOf, redirectUrisOf } from '../demo/server/config.ts';

// `npm run demo -- --redirect-uri …` registers your own app with the demo AS. The AS has a published user and
// password, so it must only ever send a code back to this machine.
describe('demo --redirect-uri', () => {
  it.each([
    ['http://127.0.0.1:5173/', 'http://127.0.0.1:5173/'],
    ['http://localhost:5173/callback', 'http://localhost:5173/callback'],
    ['http://[::1]:3000/cb?x=1', 'http://[::1]:3000/cb?x=1'],
    ['https://localhost:8443/', 'https://localhost:8443/'],
    [' http://127.0.0.1:5173 ', 'http://127.0.0.1:5173/'],
  ])('accepts the loopback URI %j', (raw, normalized) => {
    expect(loopbackRedirectUri(raw)).toBe(normalized);
  });

  it.each([
    ['http://example.com/', /only loopback/],
    ['http://127.0.0.1.nip.io/', /only loopback/],
    ['http://localhost.evil.example/', /only loopback/],
    ['http://192.168.1.2:5173/', /only loopback/],
    ['http://127.0.0.2/', /only loopback/],
    ['ftp://127.0.0.1/', /not http/],
    ['javascript:alert(1)', /not http/],
    ['/callback', /not an absolute URL/],
    ['http://127.0.0.1:5173/#', /no fragment/],
    ['http://127.0.0.1:5173/#x', /no fragment/],
    ['http://user:pw@127.0.0.1:5173/', /no user info/],
  ])('refuses %j', (raw, message) => {
    expect(() => loopbackRedirectUri(raw)).toThrow(message);
  });

  it('registers the URIs as redirect and post-logout URIs, and their origins for CORS, without TEST_CONTROL', () => {
    const before = process.env.TEST_CONTROL;
    delete process.env.TEST_CONTROL;
    try {
      const cfg = demoConfig({ redirectUris: ['http://127.0.0.1:5173/', 'http://localhost:3000/auth/callback'] });
      expect(cfg.testControl).toBe(false);
      expect(redirectUrisOf(cfg)).toEqual(expect.arrayContaining(['http://127.0.0.1:5173/', 'http://localhost:3000/auth/callback']));
      expect(postLogoutRedirectUrisOf(cfg)).toEqual(expect.arrayContaining(['http://127.0.0.1:5173/', 'http://localhost:3000/']));
      expect(cfg.extraOrigins).toEqual(['http://127.0.0.1:5173', 'http://localhost:3000']);
      expect(() => demoConfig({ redirectUris: ['https://app.example.com/'] })).toThrow(/only loopback/);
    } finally {
      if (before !== undefined) process.env.TEST_CONTROL = before;
    }
  });
});
