// Fault injection for the demo authorization server: TEST_CONTROL=1 only (the e2e launcher sets it;
// `npm run demo` never does). A test queues faults per endpoint with
//   POST /__test/faults {"token": [...], "discovery": [...], "revocation": [...]}
// and each matching request takes the next one, in order. POST /__test/reset empties every queue.
//
// Two families:
// - transport faults answer INSTEAD of oidc-provider (the request is never processed: a code is not
//   spent, a refresh token does not rotate): `status`, `hang`, `drip`, `huge`, `redirect`;
// - response faults let oidc-provider process the request, then spoil its real answer (a code IS
//   spent, a refresh token DOES rotate): `delay`, `slowAnswer`, `drop`, `contentType`, `malformed`, `tamper`, `idToken`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWK } from 'jose';

/** The part of oidc-provider's Koa context this file uses (kept structural: e2e imports the types). */
interface FaultContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  body: unknown;
  type: string;
  respond?: boolean;
  get(name: string): string;
}

export type FaultEndpoint = 'token' | 'discovery' | 'revocation';

/** Request path and method of each endpoint that can be faulted (oidc-provider's default routes). */
const ENDPOINTS: Record<FaultEndpoint, { method: string; path: string }> = {
  token: { method: 'POST', path: '/token' },
  discovery: { method: 'GET', path: '/.well-known/openid-configuration' },
  revocation: { method: 'POST', path: '/token/revocation' },
};

export type Fault =
  // --- transport: never processed -------------------------------------------------------------
  /**
   * That status with a JSON `{error}` body (default `temporarily_unavailable`), or an HTML page with `html`.
   * `dpopNonce` adds a `DPoP-Nonce` header (with `error: 'use_dpop_nonce'`: a nonce challenge, RFC 9449 §8);
   * `hideNonce` leaves it out of `Access-Control-Expose-Headers`, so the browser cannot read it (as Glewlwyd does).
   * `empty`: no body at all (Glewlwyd's answer to a disabled refresh token, or to a public client's revocation).
   */
  | { kind: 'status'; status: number; error?: string; html?: boolean; dpopNonce?: string; empty?: boolean; hideNonce?: boolean }
  /** Received, never answered (released when the client goes away, or after two minutes). */
  | { kind: 'hang' }
  /** 200 and JSON headers at once, then one byte of a never-ending JSON document every `ms`. */
  | { kind: 'drip'; ms: number }
  /** A 200 JSON body of `bytes` (default 5 MB); `chunked` leaves out Content-Length. */
  | { kind: 'huge'; bytes?: number; chunked?: boolean }
  /** 302 to `to` (default: the "other" origin's /echo, which records whatever reaches it). */
  | { kind: 'redirect'; to?: string }
  // --- response: processed, then spoiled -------------------------------------------------------
  /** Processed normally after a pause. */
  | { kind: 'delay'; ms: number }
  /** Processed at once (a refresh token rotates, a revocation after it finds the new one live), answered after `ms`. */
  | { kind: 'slowAnswer'; ms: number }
  /** Processed (a refresh token rotates!), then the connection is cut before the answer. */
  | { kind: 'drop' }
  /** The real JSON body, served with another Content-Type (e.g. `text/html`). */
  | { kind: 'contentType'; value: string }
  /** The real JSON body cut in half. */
  | { kind: 'malformed' }
  /** One top-level field of the real JSON body set to `value`, or removed with `remove`. */
  | { kind: 'tamper'; field: string; value?: unknown; remove?: boolean }
  /**
   * The real ID token's claims overridden (`null` removes a claim) and the token signed again with the
   * AS's own key (oauth4webapi does not check ID-token signatures from the token endpoint, SECURITY.md 10:
   * only the claim checks stand between the app and a spoiled token). `alg: 'none'` sends it unsigned.
   */
  | { kind: 'idToken'; claims: Record<string, unknown>; alg?: 'none' };

const TRANSPORT = new Set<Fault['kind']>(['status', 'hang', 'drip', 'huge', 'redirect']);
/** A hung or dripping request is released after this long even if the client never goes away. */
const MAX_HOLD_MS = 120_000;

export interface FaultOptions {
  /** Only this origin gets CORS headers on a faulted answer (as on a real one). */
  spaOrigin: string;
  /** Default target of `redirect`. */
  otherUrl: string;
  /** The AS's ES256 signing key (private JWK with `kid`), to re-sign spoiled ID tokens. */
  signingKey: JWK & { kid: string };
}

export interface TakenFault {
  endpoint: FaultEndpoint;
  fault: Fault;
  /** True when the fault answers instead of oidc-provider. */
  transport: boolean;
}

export function createFaults(options: FaultOptions) {
  let queues: Record<FaultEndpoint, Fault[]> = { token: [], discovery: [], revocation: [] };
  let served: Record<FaultEndpoint, number> = { token: 0, discovery: 0, revocation: 0 };

  /** Answers on the raw response, with the CORS header a real answer to the SPA would carry. */
  function head(ctx: FaultContext, status: number, headers: Record<string, string | number>): ServerResponse {
    ctx.respond = false;
    const res = ctx.res;
    const cors: Record<string, string> = ctx.get('origin') === options.spaOrigin ? { 'Access-Control-Allow-Origin': options.spaOrigin, Vary: 'Origin' } : {};
    res.writeHead(status, { 'Cache-Control': 'no-store', ...cors, ...headers });
    return res;
  }

  /** Resolves when the client goes away or after MAX_HOLD_MS; `tick` runs every `ms` meanwhile. */
  function hold(ctx: FaultContext, ms = 0, tick?: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const socket = ctx.req.socket;
      const interval = tick ? setInterval(tick, ms) : undefined;
      const done = () => {
        clearTimeout(timer);
        clearInterval(interval);
        resolve();
      };
      const timer = setTimeout(done, MAX_HOLD_MS);
      if (socket.destroyed) done();
      else socket.once('close', done);
    });
  }

  /** Resolves when `res` can take more, or is gone. */
  function drained(res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  async function writeHuge(res: ServerResponse, bytes: number): Promise<void> {
    // Valid JSON, so a client without a size cap would parse (and keep) all of it.
    const prefix = '{"access_token":"';
    const suffix = '","token_type":"bearer","expires_in":60}';
    const chunk = 'A'.repeat(64 * 1024);
    res.write(prefix);
    for (let left = bytes - prefix.length - suffix.length; left > 0 && !res.destroyed; left -= chunk.length) {
      const ok = res.write(left >= chunk.length ? chunk : chunk.slice(0, left));
      if (!ok) await drained(res);
    }
    res.end(suffix);
  }

  /** Answers a transport fault in place of oidc-provider. */
  async function answer(ctx: FaultContext, fault: Fault): Promise<void> {
    switch (fault.kind) {
      case 'status': {
        const body = fault.empty
          ? ''
          : fault.html
            ? '<!doctype html><title>Error</title><h1>Service unavailable</h1>'
            : JSON.stringify({ error: fault.error ?? 'temporarily_unavailable', error_description: 'injected fault' });
        head(ctx, fault.status, {
          ...(!fault.empty && { 'Content-Type': fault.html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8' }),
          'Content-Length': Buffer.byteLength(body),
          ...(fault.dpopNonce !== undefined && { 'DPoP-Nonce': fault.dpopNonce, ...(!fault.hideNonce && { 'Access-Control-Expose-Headers': 'DPoP-Nonce' }) }),
        }).end(body);
        return;
      }
      case 'hang':
        ctx.respond = false;
        await hold(ctx);
        ctx.req.socket.destroy();
        return;
      case 'drip': {
        const res = head(ctx, 200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.write('{"access_token":"');
        await hold(ctx, fault.ms, () => res.write('A'));
        ctx.req.socket.destroy();
        return;
      }
      case 'huge': {
        const bytes = fault.bytes ?? 5_000_000;
        const res = head(ctx, 200, { 'Content-Type': 'application/json; charset=utf-8', ...(!fault.chunked && { 'Content-Length': bytes }) });
        await writeHuge(res, bytes);
        return;
      }
      case 'redirect':
        head(ctx, 302, { Location: fault.to ?? `${options.otherUrl}echo`, 'Content-Length': 0 }).end();
        return;
      default:
        throw new Error(`not a transport fault: ${fault.kind}`);
    }
  }

  async function resignedIdToken(idToken: string, claims: Record<string, unknown>, alg?: 'none'): Promise<string> {
    const payload: Record<string, unknown> = { ...decodeJwt(idToken) };
    for (const [name, value] of Object.entries(claims)) {
      if (value === null) delete payload[name];
      else payload[name] = value;
    }
    if (alg === 'none') {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
    }
    const header = decodeProtectedHeader(idToken);
    const key = await importJWK(options.signingKey, 'ES256');
    return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'ES256', kid: options.signingKey.kid }).sign(key);
  }

  /** Runs before oidc-provider processes a request that took a response fault. */
  async function before(fault: Fault): Promise<void> {
    if (fault.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
  }

  /** Spoils oidc-provider's real answer (ctx.body is still the object it produced). */
  async function after(ctx: FaultContext, fault: Fault): Promise<void> {
    if (fault.kind === 'slowAnswer') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault.kind === 'drop') {
      ctx.respond = false;
      ctx.req.socket.destroy();
      return;
    }
    const body = ctx.body;
    if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return; // an error page: leave it
    const json = { ...(body as Record<string, unknown>) };
    switch (fault.kind) {
      case 'contentType':
        ctx.body = JSON.stringify(json);
        ctx.type = fault.value;
        return;
      case 'malformed': {
        const text = JSON.stringify(json);
        ctx.body = text.slice(0, Math.floor(text.length / 2));
        ctx.type = 'application/json';
        return;
      }
      case 'tamper':
        if (fault.remove) delete json[fault.field];
        else json[fault.field] = fault.value;
        ctx.body = json;
        return;
      case 'idToken':
        if (typeof json.id_token === 'string') json.id_token = await resignedIdToken(json.id_token, fault.claims, fault.alg);
        ctx.body = json;
        return;
      default:
        return;
    }
  }

  return {
    /** Queues faults from a `POST /__test/faults` body. */
    add(body: unknown): void {
      if (typeof body !== 'object' || body === null) throw new Error('faults: expected an object');
      for (const [endpoint, list] of Object.entries(body)) {
        if (!(endpoint in ENDPOINTS) || !Array.isArray(list)) throw new Error(`faults: unknown endpoint ${endpoint}`);
        queues[endpoint as FaultEndpoint].push(...(list as Fault[]));
      }
    },
    reset(): void {
      queues = { token: [], discovery: [], revocation: [] };
      served = { token: 0, discovery: 0, revocation: 0 };
    },
    /** How many faults each endpoint has served, and how many are still queued. */
    stats() {
      return {
        served: { ...served },
        queued: { token: queues.token.length, discovery: queues.discovery.length, revocation: queues.revocation.length },
      };
    },
    /** The next fault for this request, if it is to a faultable endpoint and one is queued. */
    take(ctx: FaultContext): TakenFault | undefined {
      const endpoint = (Object.keys(ENDPOINTS) as FaultEndpoint[]).find((e) => ENDPOINTS[e].method === ctx.method && ENDPOINTS[e].path === ctx.path);
      const fault = endpoint && queues[endpoint].shift();
      if (!endpoint || !fault) return undefined;
      served[endpoint]++;
      return { endpoint, fault, transport: TRANSPORT.has(fault.kind) };
    },
    answer,
    before,
    after,
  };
}
