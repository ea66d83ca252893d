import * as o from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { discover } from '../src/core/discovery.js';
import { json } from './fakes.js';

function fetchFrom(routes: Record<string, () => Response>) {
  const seen: string[] = [];
  const fetch = async (url: string) => {
    seen.push(url);
    const route = routes[url];
    return route ? route() : new Response('not found', { status: 404 });
  };
  return { seen, options: { [o.customFetch]: fetch as never } };
}

describe('discover', () => {
  it('uses OIDC discovery first and caches it per issuer', async () => {
    const issuer = new URL('https://oidc.example');
    const { seen, options } = fetchFrom({
      'https://oidc.example/.well-known/openid-configuration': () => json({ issuer: 'https://oidc.example', token_endpoint: 'https://oidc.example/t' }),
    });
    const first = await discover(issuer, options);
    const second = await discover(issuer, options);
    expect(first.token_endpoint).toBe('https://oidc.example/t');
    expect(second).toBe(first);
    expect(seen).toEqual(['https://oidc.example/.well-known/openid-configuration']);
  });

  it('falls back to RFC 8414 metadata when there is no OIDC document', async () => {
    const issuer = new URL('https://plain.example/tenant');
    const { seen, options } = fetchFrom({
      'https://plain.example/.well-known/oauth-authorization-server/tenant': () =>
        json({ issuer: 'https://plain.example/tenant', token_endpoint: 'https://plain.example/t' }),
    });
    expect((await discover(issuer, options)).token_endpoint).toBe('https://plain.example/t');
    expect(seen).toEqual([
      'https://plain.example/tenant/.well-known/openid-configuration',
      'https://plain.example/.well-known/oauth-authorization-server/tenant',
    ]);
  });

  it('rejects metadata for another issuer with issuer_mismatch, and does not cache the failure', async () => {
    const issuer = new URL('https://mixup.example');
    let calls = 0;
    const { options } = fetchFrom({
      'https://mixup.example/.well-known/openid-configuration': () => {
        calls++;
        return json({ issuer: 'https://evil.example', token_endpoint: 'https://evil.example/t' });
      },
    });
    await expect(discover(issuer, options)).rejects.toMatchObject({ code: 'issuer_mismatch' });
    await expect(discover(issuer, options)).rejects.toMatchObject({ code: 'issuer_mismatch' });
    expect(calls).toBe(2);
  });

  it('reports an unreachable AS as a network error', async () => {
    const options = { [o.customFetch]: (async () => Promise.reject(new TypeError('Failed to fetch'))) as never };
    await expect(discover(new URL('https://down.example'), options)).rejects.toMatchObject({ code: 'network' });
  });

  it('reports a broken document as discovery_failed', async () => {
    const { options } = fetchFrom({ 'https://broken.example/.well-known/openid-configuration': () => new Response('<html>', { status: 200 }) });
    await expect(discover(new URL('https://broken.example'), options)).rejects.toMatchObject({ code: 'discovery_failed' });
  });
});
