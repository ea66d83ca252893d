// DPoP (RFC 9449) at the demo API: checks the `DPoP` proof that must come with `Authorization: DPoP <token>`
// (jose for the JWS), keeps a `jti` replay cache, issues server nonces when asked to (test control) and
// builds the `DPoP` WWW-Authenticate challenges. The access token itself is verified by resource-server.ts.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { readBody, sendJson } from './http-util.ts';

/**
 * Proof algorithms accepted by the API, also advertised by the AS (`dpop_signing_alg_values_supported`).
 * No HMAC (a proof must be verifiable with the public key it carries), no `none`.
 */
export const DPOP_ALGS = ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] as const;

/** Members only a private (or symmetric) JWK has: a proof carrying one is refused. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** `jti` values remembered at most (the oldest go first once full, after the expired ones). */
const REPLAY_CACHE_SIZE = 10_000;
/** A server nonce is replaced after this long; the previous one stays valid until the next rotation. */
const NONCE_LIFETIME_MS = 5 * 60_000;

export type DpopErrorCode = 'invalid_dpop_proof' | 'invalid_token' | 'use_dpop_nonce';

/** Why the DPoP part of a request failed: a 401 with a `DPoP` challenge. */
export class DpopError extends Error {
  constructor(
    readonly error: DpopErrorCode,
    /** Short key for the /__test/dpop counters. */
    readonly reason: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** A proof that passed every check that does not need the access token. */
export interface CheckedProof {
  jkt: string;
  jti: string;
  iat: number;
  ath: unknown;
}

export interface DpopStats {
  /** `use_dpop_nonce` answers (not counted in proofsRejected). */
  nonceChallenges: number;
  proofsAccepted: number;
  proofsRejected: Record<string, number>;
}

export interface DpopVerifierOptions {
  realm: string;
  /** The API's origin as clients see it (scheme://host:port): `htu` must be it plus the request path. */
  origin: string;
  /** Seconds a proof's `iat` may lie in the past / in the future. */
  iatWindow: { past: number; future: number };
  testControl: boolean;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, "'")}"`;

/** `DPoP realm="…", algs="…"[, error="…", error_description="…"][, scope="…"]` (RFC 9449 §7.1). */
export function dpopChallenge(realm: string, error?: { error: string; description: string; scope?: string }): string {
  const params = [`realm=${quoted(realm)}`, `algs=${quoted(DPOP_ALGS.join(' '))}`];
  if (error) {
    params.push(`error=${quoted(error.error)}`, `error_description=${quoted(error.description)}`);
    if (error.scope) params.push(`scope=${quoted(error.scope)}`);
  }
  return `DPoP ${params.join(', ')}`;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Remembers (key → expiry) pairs; `add` is false for a key still remembered. Bounded. */
class ReplayCache {
  readonly #entries = new Map<string, number>();

  add(key: string, expiresAt: number): boolean {
    const t = now();
    const known = this.#entries.get(key);
    if (known !== undefined && known >= t) return false;
    this.#entries.delete(key);
    if (this.#entries.size >= REPLAY_CACHE_SIZE) {
      for (const [k, exp] of this.#entries) if (exp < t) this.#entries.delete(k);
      // Still full: forget the oldest entries. Far above what the demo sees; a real API would use
      // shared storage and refuse (503) rather than forget.
      for (const k of this.#entries.keys()) {
        if (this.#entries.size < REPLAY_CACHE_SIZE) break;
        this.#entries.delete(k);
      }
    }
    this.#entries.set(key, expiresAt);
    return true;
  }
}

/** Random server nonces: a current one and the one before it (so a rotation does not fail every client). */
class NonceSource {
  #current = '';
  #previous: string | undefined;
  #since = 0;

  constructor() {
    this.rotate();
  }

  /** A fresh nonce; no earlier one is accepted afterwards. */
  rotate(): void {
    this.#current = randomBytes(24).toString('base64url');
    this.#previous = undefined;
    this.#since = Date.now();
  }

  current(): string {
    if (Date.now() - this.#since >= NONCE_LIFETIME_MS) {
      const previous = this.#current;
      this.rotate();
      this.#previous = previous;
    }
    return this.#current;
  }

  accepts(nonce: string): boolean {
    const current = this.current();
    return nonce === current || nonce === this.#previous;
  }
}

function emptyStats(): DpopStats {
  return { nonceChallenges: 0, proofsAccepted: 0, proofsRejected: {} };
}

export function createDpopVerifier(opts: DpopVerifierOptions) {
  const replay = new ReplayCache();
  const nonces = new NonceSource();
  let nonceRequired = false;
  let stats = emptyStats();

  function reject(error: DpopErrorCode, reason: string, description: string): never {
    stats.proofsRejected[reason] = (stats.proofsRejected[reason] ?? 0) + 1;
    throw new DpopError(error, reason, description);
  }

  function challengeNonce(description: string): never {
    stats.nonceChallenges++;
    throw new DpopError('use_dpop_nonce', 'nonce', description);
  }

  /**
   * Step 1, before the access token is looked at: the proof on its own (RFC 9449 §4.3 checks 1–10,
   * less `ath` and the key binding). `url` is the request URL; only its path is used.
   */
  async function checkProof(req: IncomingMessage, url: URL): Promise<CheckedProof> {
    const values = req.headersDistinct.dpop;
    if (!values?.length) reject('invalid_dpop_proof', 'missing', 'DPoP proof missing');
    // Several header lines, or several values joined into one (a compact JWS never contains a comma).
    if (values.length !== 1 || values[0]!.includes(',')) reject('invalid_dpop_proof', 'multiple', 'exactly one DPoP header is allowed');
    const proof = values[0]!.trim();

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      reject('invalid_dpop_proof', 'malformed', 'DPoP proof is not a JWS');
    }
    if (header.typ !== 'dpop+jwt') reject('invalid_dpop_proof', 'typ', 'DPoP proof typ must be dpop+jwt');
    if (!(DPOP_ALGS as readonly (string | undefined)[]).includes(header.alg)) {
      reject('invalid_dpop_proof', 'alg', `DPoP proof alg must be one of ${DPOP_ALGS.join(' ')}`);
    }
    const jwk = header.jwk as JWK | undefined;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) reject('invalid_dpop_proof', 'jwk', 'DPoP proof has no jwk header');
    if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
      reject('invalid_dpop_proof', 'private_key', 'DPoP proof jwk must be a public key');
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGS] }));
    } catch (err) {
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) reject('invalid_dpop_proof', 'signature', 'DPoP proof signature is invalid');
      reject('invalid_dpop_proof', 'malformed', 'DPoP proof is malformed');
    }

    if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > 256) {
      reject('invalid_dpop_proof', 'jti', 'DPoP proof must have a jti');
    }
    if (payload.htm !== req.method) reject('invalid_dpop_proof', 'htm', 'DPoP proof htm does not match the request method');
    {
      // Compared as URLs, without query and fragment (RFC 9449 §4.3 check 9).
      const htu = typeof payload.htu === 'string' ? URL.parse(payload.htu) : null;
      if (htu) {
        htu.search = '';
        htu.hash = '';
      }
      if (htu?.href !== new URL(url.pathname, opts.origin).href) {
        reject('invalid_dpop_proof', 'htu', 'DPoP proof htu does not match the request URL');
      }
    }
    const iat = payload.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) reject('invalid_dpop_proof', 'iat', 'DPoP proof must have an iat');
    const t = now();
    if (iat < t - opts.iatWindow.past || iat > t + opts.iatWindow.future) {
      reject('invalid_dpop_proof', 'iat', 'DPoP proof iat is outside the acceptable window');
    }
    if (payload.nonce !== undefined && typeof payload.nonce !== 'string') {
      reject('invalid_dpop_proof', 'nonce_format', 'DPoP proof nonce must be a string');
    }
    // Without nonce mode a nonce in the proof is ignored (it may be an old one the client kept).
    if (nonceRequired) {
      if (payload.nonce === undefined) challengeNonce('Resource server requires nonce in DPoP proof');
      if (!nonces.accepts(payload.nonce)) challengeNonce('DPoP proof nonce is invalid or stale');
    }

    let jkt: string;
    try {
      jkt = await calculateJwkThumbprint(jwk, 'sha256');
    } catch {
      reject('invalid_dpop_proof', 'jwk', 'DPoP proof jwk is invalid');
    }
    return { jkt, jti: payload.jti, iat, ath: payload.ath };
  }

  /**
   * Step 2, once the access token is verified (synchronous, so the replay check cannot race):
   * `ath`, the key binding (`cnf.jkt`), then the `jti` is spent.
   */
  function bind(proof: CheckedProof, accessToken: string, claims: JWTPayload): { jkt: string } {
    const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (typeof jkt !== 'string') reject('invalid_token', 'token_not_bound', 'access token is not DPoP-bound');
    if (proof.ath !== sha256(accessToken)) reject('invalid_dpop_proof', 'ath', 'DPoP proof ath does not match the access token');
    if (proof.jkt !== jkt) reject('invalid_token', 'jkt', 'DPoP proof key does not match the key the access token is bound to');
    // Remembered as long as the proof's iat would be accepted; per key, so clients cannot collide.
    if (!replay.add(`${proof.jkt}.${proof.jti}`, Math.max(proof.iat, now()) + opts.iatWindow.past + 1)) {
      reject('invalid_dpop_proof', 'replay', 'DPoP proof jti was already used');
    }
    stats.proofsAccepted++;
    return { jkt };
  }

  /** Headers for any answer to a DPoP request: the current nonce while nonce mode is on. */
  function responseHeaders(): Record<string, string> {
    return nonceRequired ? { 'DPoP-Nonce': nonces.current() } : {};
  }

  /** A 401/403 to a DPoP request: the `DPoP` challenge, plus a nonce when one is due. */
  function errorHeaders(error: { error: string; description: string; scope?: string } | undefined): Record<string, string> {
    return {
      'WWW-Authenticate': dpopChallenge(opts.realm, error),
      ...(nonceRequired || error?.error === 'use_dpop_nonce' ? { 'DPoP-Nonce': nonces.current() } : {}),
    };
  }

  /**
   * TEST_CONTROL routes: `POST /__test/dpop-nonce {"required": bool, "rotate"?: bool}` (turning nonces on
   * also rotates, so the first request after it is challenged whatever nonce the client kept),
   * `GET /__test/dpop` (counters); `/__test/reset` turns nonces off and zeroes the counters and returns
   * false so that the caller's reset runs too.
   */
  function testRoutes(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (!opts.testControl) return false;
    if (req.method === 'GET' && url.pathname === '/__test/dpop') {
      sendJson(res, 200, stats);
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/__test/reset') {
      nonceRequired = false;
      stats = emptyStats();
      return false;
    }
    if (req.method === 'POST' && url.pathname === '/__test/dpop-nonce') {
      void (async () => {
        let body: { required?: unknown; rotate?: unknown } = {};
        try {
          body = JSON.parse(await readBody(req)) as typeof body;
        } catch {
          // answered below
        }
        if (typeof body?.required !== 'boolean' || (body.rotate !== undefined && typeof body.rotate !== 'boolean')) {
          sendJson(res, 400, { error: 'invalid_request', error_description: 'expected {"required": true|false, "rotate"?: true|false}' });
          return;
        }
        if ((body.required && !nonceRequired) || body.rotate) nonces.rotate();
        nonceRequired = body.required;
        res.writeHead(204).end();
      })();
      return true;
    }
    return false;
  }

  return { checkProof, bind, responseHeaders, errorHeaders, testRoutes };
}

export type DpopVerifier = ReturnType<typeof createDpopVerifier>;
