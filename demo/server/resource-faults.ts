// Fault injection for the demo resource server (the API): TEST_CONTROL=1 only, like ./faults.ts for the
// AS. A test queues faults with
//   POST /__test/faults {"api": [...]}
// and each request to the protected route (`GET /api/me`) takes the next one, in order, INSTEAD of the
// real answer (the token is not even checked). A fault with `forever: true` is not taken off the queue:
// it answers every request until POST /__test/reset. GET /__test/faults reports what was served;
// POST /__test/reset empties the queue.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';

export type ApiFaultTarget = 'api';

export type ApiFault =
  /** That status with an OAuth-style JSON body `{error, error_description}` (default `temporarily_unavailable`). */
  | { kind: 'status'; status: number; error?: string }
  /** Received, never answered (released when the client goes away, or after a minute). */
  | { kind: 'hang' }
  /**
   * A slow drip: 200 and JSON headers at once, then `bytes` (default 4) more of a JSON document every `ms`
   * (default 100). Ends when the client goes away, or after `forMs` (default and at most a minute) with
   * the document closed, so that whoever reads that long gets valid JSON.
   */
  | { kind: 'drip'; ms?: number; bytes?: number; forMs?: number }
  /** A 200 JSON body of `bytes` (default 5 MB), with Content-Length. */
  | { kind: 'huge'; bytes?: number }
  /** 302 to `to` (default: the "other" origin's /echo, which records whatever reaches it). */
  | { kind: 'redirect'; to?: string }
  /**
   * A real-looking `401 invalid_token` challenge (in the scheme the request used) whose CORS answer leaves
   * out `Access-Control-Expose-Headers`: a browser app cannot read `WWW-Authenticate` nor `DPoP-Nonce`.
   */
  | { kind: 'hideChallenge' }
  /** `403` with `WWW-Authenticate: <scheme> error="insufficient_scope"` (readable: the CORS exposes it). */
  | { kind: 'insufficientScope' }
  /**
   * `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a new random `DPoP-Nonce` each time,
   * both readable (the CORS exposes them; RFC 9449 §9). With `forever`, every request gets it: a resource
   * that never accepts a nonce. Each answer is recorded in the stats (`nonces`).
   */
  | { kind: 'useDpopNonce'; forever?: boolean };

/** A hung or dripping request is released after this long even if the client never goes away. */
const MAX_HOLD_MS = 60_000;

export interface ApiFaultOptions {
  /** Default target of `redirect`. */
  otherUrl: string;
  /** Realm of the challenges. */
  realm: string;
}

export interface ApiFaultStats {
  served: Record<ApiFaultTarget, number>;
  queued: Record<ApiFaultTarget, number>;
  /** Hung or dripping requests released so far, and why: the client went away, or their time was up. */
  released: { client: number; timeout: number };
  /** Bytes of body written by `drip` answers so far (the JSON document's prefix included). */
  dripped: number;
  /**
   * Each `useDpopNonce` answer, in order: the nonce it issued, and the `nonce` claim of the DPoP proof
   * the request carried (`null`: none, or no proof), read without verifying the proof.
   */
  nonces: Array<{ issued: string; presented: string | null }>;
}

export function createApiFaults(options: ApiFaultOptions) {
  let queue: ApiFault[] = [];
  let served = 0;
  let released = { client: 0, timeout: 0 };
  let dripped = 0;
  let nonces: ApiFaultStats['nonces'] = [];

  function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body: string): void {
    res.writeHead(status, {
      'Cache-Control': 'no-store',
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  /** Resolves when the client goes away (true) or after `ms` (false); `tick` runs every `every` ms meanwhile. */
  function hold(req: IncomingMessage, ms = MAX_HOLD_MS, every = 0, tick?: () => void): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const socket = req.socket;
      const interval = tick ? setInterval(tick, every) : undefined;
      const done = (byClient: boolean) => {
        clearTimeout(timer);
        clearInterval(interval);
        socket.off('close', onClose);
        resolve(byClient);
      };
      const onClose = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      if (socket.destroyed) done(true);
      else socket.once('close', onClose);
    });
  }

  async function writeHuge(res: ServerResponse, bytes: number): Promise<void> {
    // Valid JSON: the app can parse it if it wants to.
    const prefix = '{"data":"';
    const suffix = '"}';
    const chunk = 'A'.repeat(64 * 1024);
    res.writeHead(200, { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': bytes });
    res.write(prefix);
    for (let left = bytes - prefix.length - suffix.length; left > 0 && !res.destroyed; left -= chunk.length) {
      const ok = res.write(left >= chunk.length ? chunk : chunk.slice(0, left));
      if (!ok) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end(suffix);
  }

  /** The `nonce` claim of the request's DPoP proof, decoded only (bookkeeping for tests, not a check). */
  function presentedNonce(req: IncomingMessage): string | null {
    const proof = req.headers.dpop;
    if (typeof proof !== 'string') return null;
    try {
      const { nonce } = decodeJwt(proof);
      return typeof nonce === 'string' ? nonce : null;
    } catch {
      return null;
    }
  }

  /** `Bearer` or `DPoP`, as the request presented its token. */
  function scheme(req: IncomingMessage): string {
    return /^dpop\s/i.test(req.headers.authorization ?? '') ? 'DPoP' : 'Bearer';
  }

  /** Answers the fault in place of the real route. */
  async function answer(req: IncomingMessage, res: ServerResponse, fault: ApiFault): Promise<void> {
    switch (fault.kind) {
      case 'status': {
        const body = JSON.stringify({ error: fault.error ?? 'temporarily_unavailable', error_description: 'injected fault' });
        send(res, fault.status, {}, body);
        return;
      }
      case 'hang': {
        const byClient = await hold(req);
        released[byClient ? 'client' : 'timeout']++;
        req.socket.destroy();
        return;
      }
      case 'drip': {
        // No Content-Length: the body is chunked, and the headers leave at once with the first bytes.
        res.writeHead(200, { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' });
        const write = (text: string) => {
          if (res.destroyed || res.writableEnded) return;
          res.write(text);
          dripped += Buffer.byteLength(text);
        };
        write('{"data":"');
        const chunk = 'A'.repeat(fault.bytes ?? 4);
        const byClient = await hold(req, Math.min(fault.forMs ?? MAX_HOLD_MS, MAX_HOLD_MS), fault.ms ?? 100, () => write(chunk));
        released[byClient ? 'client' : 'timeout']++;
        if (byClient) req.socket.destroy();
        else res.end('"}');
        return;
      }
      case 'huge':
        await writeHuge(res, fault.bytes ?? 5_000_000);
        return;
      case 'redirect':
        res.writeHead(302, { Location: fault.to ?? `${options.otherUrl}echo`, 'Cache-Control': 'no-store', 'Content-Length': 0 }).end();
        return;
      case 'hideChallenge': {
        // The CORS answer still allows the origin, but exposes nothing beyond the safelisted headers.
        res.removeHeader('Access-Control-Expose-Headers');
        const description = 'access token was revoked';
        send(
          res,
          401,
          {
            'WWW-Authenticate': `${scheme(req)} realm="${options.realm}", error="invalid_token", error_description="${description}"`,
            'DPoP-Nonce': 'hidden-nonce',
          },
          JSON.stringify({ error: 'invalid_token', error_description: description }),
        );
        return;
      }
      case 'insufficientScope':
        send(
          res,
          403,
          { 'WWW-Authenticate': `${scheme(req)} realm="${options.realm}", error="insufficient_scope", error_description="more scope needed", scope="api:admin"` },
          JSON.stringify({ error: 'insufficient_scope', error_description: 'more scope needed' }),
        );
        return;
      case 'useDpopNonce': {
        const issued = randomBytes(18).toString('base64url');
        nonces.push({ issued, presented: presentedNonce(req) });
        const description = 'a new DPoP nonce is required';
        send(
          res,
          401,
          {
            'WWW-Authenticate': `DPoP realm="${options.realm}", error="use_dpop_nonce", error_description="${description}"`,
            'DPoP-Nonce': issued,
            // As the server's own CORS answer does; said again here so that this fault never depends on it.
            'Access-Control-Expose-Headers': 'WWW-Authenticate, DPoP-Nonce',
          },
          JSON.stringify({ error: 'use_dpop_nonce', error_description: description }),
        );
        return;
      }
      default:
        throw new Error(`unknown API fault: ${(fault as { kind: string }).kind}`);
    }
  }

  function stats(): ApiFaultStats {
    return { served: { api: served }, queued: { api: queue.length }, released: { ...released }, dripped, nonces: [...nonces] };
  }

  return {
    /** Queues faults from a `POST /__test/faults` body: `{"api": [...]}`. */
    add(body: unknown): void {
      if (typeof body !== 'object' || body === null) throw new Error('faults: expected an object');
      for (const [target, list] of Object.entries(body)) {
        if (target !== 'api' || !Array.isArray(list)) throw new Error(`faults: unknown target ${target}`);
        queue.push(...(list as ApiFault[]));
      }
    },
    reset(): void {
      queue = [];
      served = 0;
      released = { client: 0, timeout: 0 };
      dripped = 0;
      nonces = [];
    },
    stats,
    /** The next fault, if one is queued (the caller decides which requests are faultable). */
    take(): ApiFault | undefined {
      const fault = queue[0];
      if (!fault) return undefined;
      // A `forever` fault stays at the head of the queue: it answers every request from now on.
      if (!('forever' in fault && fault.forever === true)) queue.shift();
      served++;
      return fault;
    },
    answer,
  };
}

export type ApiFaults = ReturnType<typeof createApiFaults>;
