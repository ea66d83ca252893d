import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isResponse, nodeProbe } from '../src/cli/http-probe.js';

/**
 * The doctor's real HTTP effect against a loopback server (an OS-chosen port, so it collides with nothing):
 * it sends the headers a browser would, never follows a redirect, caps the body, and turns every failure
 * into a value instead of a throw.
 */
let server: Server;
let base: string;
let seenHeaders: Record<string, unknown> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders = req.headers;
    if (req.url === '/redirect') return void res.writeHead(302, { location: '/elsewhere' }).end();
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 40; i++) res.write(chunk); // 2.5 MiB
      return void res.end();
    }
    if (req.url === '/hang') return; // never answers
    res.writeHead(200, { 'access-control-allow-origin': String(req.headers.origin) }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('doctor: nodeProbe', () => {
  it('sends Origin and the preflight headers a browser would, and reads the answer', async () => {
    const result = await nodeProbe(2000)({ method: 'OPTIONS', url: `${base}/x`, headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(seenHeaders).toMatchObject({ origin: 'https://app.example.com', 'access-control-request-method': 'POST' });
    expect(isResponse(result) && result.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    const result = await nodeProbe(2000)({ method: 'GET', url: `${base}/redirect` });
    expect(isResponse(result) && [result.status, result.headers.get('location')]).toEqual([302, '/elsewhere']);
  });

  it('reads at most 1 MiB of a body', async () => {
    const result = await nodeProbe(2000)({ method: 'GET', url: `${base}/huge` });
    expect(isResponse(result) && result.text.length).toBe(1024 * 1024);
  });

  it('reports a timeout and a failed fetch as values', async () => {
    expect(await nodeProbe(200)({ method: 'GET', url: `${base}/hang` })).toEqual({ error: 'no answer in 0.2 s' });
    // A port fetch refuses to use: the failure comes back as fetch's message and its cause.
    expect(await nodeProbe(2000)({ method: 'GET', url: 'http://127.0.0.1:1/' })).toEqual({ error: 'fetch failed: bad port' });
  });
});
