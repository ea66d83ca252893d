// The demo protected API (API_PORT) and a second, unrelated origin (OTHER_PORT) that must never
// see a token. Plain node:http; JWT access tokens verified with jose against the AS's JWKS, as Bearer or
// DPoP-bound (RFC 9449, proofs checked in ./dpop.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ACR_MFA, API_SCOPE, REPORTS_SCOPE, STEP_UP_MAX_AGE, type DemoConfig } from './config.ts';
import { createDpopVerifier, dpopChallenge, DpopError, type DpopVerifier } from './dpop.ts';
import { closeServer, listen, logLine, readBody, sendJson, type RunningServer } from './http-util.ts';
import { createApiFaults } from './resource-faults.ts';

const REALM = 'demo-api';

/**
 * The protected APIs on this server, each its own RFC 8707 resource: a token's `aud` must be the API's
 * resource indicator and its `scope` must hold the API's scope, so a token for one is refused by the other.
 */
interface Api {
  readonly resource: string;
  readonly scope: string;
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing: CORS for the SPA origin only, request recording for tests

export type AuthorizationKind = 'none' | 'bearer' | 'dpop' | 'other';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: AuthorizationKind;
  hasDpopHeader: boolean;
  status: number;
  /** The `aud` of the JWT that arrived (read without verifying it), when one did: which API it was for. */
  audience?: string | string[];
}

function parseAuthorization(header: string | undefined): { kind: AuthorizationKind; scheme?: string; token?: string } {
  if (!header) return { kind: 'none' };
  const match = /^(\S+)(?:\s+(\S+))?\s*$/.exec(header);
  const scheme = match?.[1] ?? header.split(/\s/)[0] ?? '';
  const lower = scheme.toLowerCase();
  const kind: AuthorizationKind = lower === 'bearer' ? 'bearer' : lower === 'dpop' ? 'dpop' : 'other';
  return { kind, scheme, token: match?.[2] };
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;
/** Extra /__test/ routes of one server; returns false when it does not know the route. */
type TestRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/**
 * Wraps a route handler with CORS (exact SPA origin, `Vary: Origin`), preflight handling,
 * the /__test endpoints and a per-request log line.
 */
function serve(cfg: DemoConfig, tag: string, baseUrl: string, handler: Handler, testRoutes?: TestRoutes) {
  let recorded: RecordedRequest[] = [];

  return createServer(async (req, res) => {
    const startedAt = Date.now();
    const url = new URL(req.url ?? '/', baseUrl);
    const origin = req.headers.origin;
    const allowed = origin !== undefined && (origin === cfg.spaOrigin || cfg.extraOrigins.includes(origin));

    res.setHeader('Vary', 'Origin');
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce');
    }

    res.on('finish', () => {
      if (cfg.log) logLine(tag, req.method ?? '?', url.pathname, res.statusCode, startedAt);
    });

    if (req.method === 'OPTIONS') {
      // Preflight. An unknown origin gets no CORS headers, so the browser blocks the real request.
      if (allowed) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'authorization, dpop, content-type');
      }
      res.writeHead(204).end();
      return;
    }

    if (cfg.testControl && url.pathname.startsWith('/__test/')) {
      if (req.method === 'GET' && url.pathname === '/__test/requests') return sendJson(res, 200, recorded);
      if (req.method === 'POST' && url.pathname === '/__test/reset') {
        recorded = [];
        testRoutes?.(req, res, url);
        if (!res.headersSent) res.writeHead(204).end();
        return;
      }
      if (testRoutes?.(req, res, url)) return;
    }

    res.on('finish', () => {
      const { kind, token } = parseAuthorization(req.headers.authorization);
      let audience: string | string[] | undefined;
      try {
        audience = token === undefined ? undefined : decodeJwt(token).aud;
      } catch {
        // Not a JWT: nothing to record.
      }
      recorded.push({
        method: req.method ?? '?',
        path: url.pathname,
        authorization: kind,
        hasDpopHeader: req.headers.dpop !== undefined,
        status: res.statusCode,
        ...(audience !== undefined && { audience }),
      });
    });

    try {
      await handler(req, res, url);
    } catch (err) {
      console.error(`[${tag}] ${req.method} ${url.pathname}:`, err instanceof Error ? err.message : err);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.destroy();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Access token verification

/** Why a request is not authorized; mapped to RFC 6750 §3 `WWW-Authenticate`. */
class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly error: 'invalid_token' | 'insufficient_scope' | 'invalid_request' | undefined,
    readonly description: string,
  ) {
    super(description);
  }
}

function wwwAuthenticate(err: AuthError, requiredScope: string): string {
  const params = [`realm="${REALM}"`];
  if (err.error) {
    // Quoted-string values: keep them free of quotes and backslashes.
    params.push(`error="${err.error}"`, `error_description="${err.description.replace(/["\\]/g, "'")}"`);
  }
  if (err.error === 'insufficient_scope') params.push(`scope="${requiredScope}"`);
  // No credential at all: both schemes are on offer (RFC 9449 §7.2).
  return `Bearer ${params.join(', ')}${err.error ? '' : `, ${dpopChallenge(REALM)}`}`;
}

/** Readable reason without echoing anything from the token (jose messages quote claim names). */
function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'access token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `access token claim ${err.claim} is invalid`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'access token signature is invalid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'access token algorithm not allowed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'access token signed with an unknown key';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'access token is malformed';
  return 'access token is invalid';
}

/**
 * Test control of token acceptance (TEST_CONTROL=1 only): `distrustSeen` makes every token the API has
 * seen so far invalid (as if revoked), `rejectAll` refuses every token. Lets e2e tests prove the
 * SDK's one-refresh-one-retry on `401 invalid_token`.
 */
interface TokenPolicy {
  seen: Set<string>;
  denied: Set<string>;
  rejectAll: boolean;
}

function createAccessTokenVerifier(cfg: DemoConfig, policy: TokenPolicy, dpop: DpopVerifier) {
  // jwks_uri comes from discovery, fetched on first use (and again after a failure).
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const getJwks = () => {
    jwks ??= (async () => {
      const res = await fetch(`${cfg.issuer}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`discovery failed with HTTP ${res.status}`);
      const { jwks_uri: jwksUri } = (await res.json()) as { jwks_uri: string };
      return createRemoteJWKSet(new URL(jwksUri));
    })().catch((err: unknown) => {
      jwks = undefined;
      throw err;
    });
    return jwks;
  };

  /** Checks common to every presentation: signature, iss, aud (RFC 8707 resource), typ, exp. */
  async function verifyJwt(token: string, audience: string): Promise<JWTPayload> {
    if (cfg.testControl) {
      policy.seen.add(token);
      if (policy.rejectAll || policy.denied.has(token)) throw new AuthError(401, 'invalid_token', 'access token was revoked');
    }
    const keySet = await getJwks();
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: cfg.issuer,
        audience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
        requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
      });
      return payload;
    } catch (err) {
      throw new AuthError(401, 'invalid_token', describeJoseError(err));
    }
  }

  /** `Authorization: Bearer`: an unbound token only (a DPoP-bound one must come with its proof). */
  async function verifyBearer(token: string, audience: string): Promise<JWTPayload> {
    const payload = await verifyJwt(token, audience);
    if ((payload.cnf as { jkt?: unknown } | undefined)?.jkt !== undefined) {
      throw new AuthError(401, 'invalid_token', 'DPoP-bound access token presented as a Bearer token');
    }
    return payload;
  }

  /**
   * `Authorization: DPoP` (RFC 9449): the proof on its own first (so a nonce challenge comes before
   * anything else), then the token, then proof and token together (ath, cnf.jkt, jti). Throws DpopError.
   */
  async function verifyDpop(req: IncomingMessage, url: URL, token: string, audience: string): Promise<JWTPayload> {
    const proof = await dpop.checkProof(req, url);
    const payload = await verifyJwt(token, audience);
    dpop.bind(proof, token, payload);
    return payload;
  }

  /** Authenticates a request to the API; throws AuthError (DpopError for the DPoP proof). */
  async function authenticate(req: IncomingMessage, url: URL, api: Api): Promise<JWTPayload> {
    const auth = parseAuthorization(req.headers.authorization);
    let payload: JWTPayload;
    switch (auth.kind) {
      case 'none':
        throw new AuthError(401, undefined, 'no access token');
      case 'bearer':
        if (!auth.token) throw new AuthError(401, 'invalid_token', 'malformed Authorization header');
        payload = await verifyBearer(auth.token, api.resource);
        break;
      case 'dpop':
        if (!auth.token) throw new AuthError(401, 'invalid_token', 'malformed Authorization header');
        payload = await verifyDpop(req, url, auth.token, api.resource);
        break;
      default:
        throw new AuthError(401, 'invalid_token', 'unsupported authorization scheme');
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(api.scope)) {
      throw new AuthError(403, 'insufficient_scope', `the ${api.scope} scope is required`);
    }
    return payload;
  }

  return { authenticate, warmUp: () => getJwks().then(() => undefined) };
}

// ---------------------------------------------------------------------------------------------
// Servers

export async function createResourceServer(cfg: DemoConfig): Promise<RunningServer> {
  const policy: TokenPolicy = { seen: new Set(), denied: new Set(), rejectAll: false };
  const dpop = createDpopVerifier({
    realm: REALM,
    origin: new URL(cfg.apiUrl).origin,
    iatWindow: cfg.dpopIatWindow,
    testControl: cfg.testControl,
  });
  const { authenticate, warmUp } = createAccessTokenVerifier(cfg, policy, dpop);
  // Faults of GET /api/me (TEST_CONTROL only): ./resource-faults.ts.
  const faults = createApiFaults({ otherUrl: cfg.otherUrl, realm: REALM });
  const testRoutes: TestRoutes = (req, res, url) => {
    // /__test/dpop, /__test/dpop-nonce; its part of /__test/reset.
    if (dpop.testRoutes(req, res, url)) return true;
    if (req.method === 'GET' && url.pathname === '/__test/faults') {
      sendJson(res, 200, faults.stats());
      return true;
    }
    if (req.method !== 'POST') return false;
    switch (url.pathname) {
      case '/__test/reset':
        policy.seen.clear();
        policy.denied.clear();
        policy.rejectAll = false;
        faults.reset();
        return true;
      case '/__test/faults':
        void readBody(req)
          .then((text) => {
            faults.add(JSON.parse(text));
            res.writeHead(204).end();
          })
          .catch((err: unknown) => {
            sendJson(res, 400, { error: 'invalid_request', error_description: err instanceof Error ? err.message : 'bad faults' });
          });
        return true;
      case '/__test/distrust-seen':
        for (const token of policy.seen) policy.denied.add(token);
        break;
      case '/__test/reject-all':
        policy.rejectAll = true;
        break;
      default:
        return false;
    }
    res.writeHead(204).end();
    return true;
  };
  // Discover the AS now (it starts first), so the API's own discovery request lands before tests
  // reset the AS counters rather than in the middle of a test. A failure is retried on first use.
  await warmUp().catch(() => undefined);
  const apiPath = new URL(cfg.apiUrl).pathname; // '/api/'
  const reportsPath = new URL(cfg.reportsUrl).pathname; // '/reports/'
  const mainApi: Api = { resource: cfg.apiUrl, scope: API_SCOPE };
  const reportsApi: Api = { resource: cfg.reportsUrl, scope: REPORTS_SCOPE };
  const presentedAs = (req: IncomingMessage) => (parseAuthorization(req.headers.authorization).kind === 'dpop' ? 'DPoP' : 'Bearer');

  /** The token's claims, or undefined after answering 401/403 with the challenge (RFC 6750 §3, RFC 9449 §7.1). */
  async function authorized(req: IncomingMessage, res: ServerResponse, url: URL, api: Api): Promise<JWTPayload | undefined> {
    try {
      return await authenticate(req, url, api);
    } catch (err) {
      if (err instanceof DpopError) {
        sendJson(res, 401, { error: err.error, error_description: err.description }, dpop.errorHeaders(err));
        return undefined;
      }
      if (!(err instanceof AuthError)) throw err;
      sendJson(
        res,
        err.status,
        err.error ? { error: err.error, error_description: err.description } : { error_description: err.description },
        presentedAs(req) === 'DPoP'
          ? dpop.errorHeaders(err.error && { error: err.error, description: err.description, scope: err.error === 'insufficient_scope' ? api.scope : undefined })
          : { 'WWW-Authenticate': wwwAuthenticate(err, api.scope) },
      );
      return undefined;
    }
  }

  const server = serve(cfg, 'api', cfg.apiUrl, async (req, res, url) => {
    const route = url.pathname.startsWith(apiPath) ? url.pathname.slice(apiPath.length) : undefined;
    if (req.method === 'GET' && route === 'public') {
      return sendJson(res, 200, { message: 'Public data: no token needed.', time: new Date().toISOString() });
    }
    if (req.method === 'GET' && route === 'redirect') {
      // Lets tests prove the SDK never follows a redirect with the token attached.
      res.writeHead(302, { Location: `${cfg.otherUrl}echo`, 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (req.method === 'GET' && route === 'me') {
      const fault = cfg.testControl ? faults.take() : undefined;
      if (fault) return faults.answer(req, res, fault);
      const claims = await authorized(req, res, url, mainApi);
      if (!claims) return;
      const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
      return sendJson(
        res,
        200,
        {
          sub: claims.sub,
          scope: claims.scope,
          client_id: claims.client_id,
          exp: claims.exp,
          iat: claims.iat,
          // Lets the demo page show whether the session is sender-constrained.
          token_type: presentedAs(req),
          jkt: typeof jkt === 'string' ? jkt : null,
          message: `Hello ${claims.sub}, this came from the protected API.`,
        },
        presentedAs(req) === 'DPoP' ? dpop.responseHeaders() : {},
      );
    }
    if (req.method === 'GET' && route === 'step-up') {
      // RFC 9470: a valid token is not enough here; the sign-in behind it must be the stronger one, and recent.
      const claims = await authorized(req, res, url, mainApi);
      if (!claims) return;
      const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : 0;
      if (claims.acr !== ACR_MFA || authTime < Date.now() / 1000 - STEP_UP_MAX_AGE) {
        const params = `error="insufficient_user_authentication", error_description="A stronger or more recent sign-in is required", acr_values="${ACR_MFA}", max_age=${STEP_UP_MAX_AGE}`;
        const scheme = presentedAs(req) === 'DPoP' ? dpopChallenge(REALM) : `Bearer realm="${REALM}"`;
        return sendJson(res, 401, { error: 'insufficient_user_authentication' }, { 'WWW-Authenticate': `${scheme}, ${params}` });
      }
      return sendJson(
        res,
        200,
        { sub: claims.sub, acr: claims.acr, auth_time: claims.auth_time, message: 'Step-up route: reached with the stronger sign-in.' },
        presentedAs(req) === 'DPoP' ? dpop.responseHeaders() : {},
      );
    }
    if (req.method === 'GET' && url.pathname === `${reportsPath}summary`) {
      const claims = await authorized(req, res, url, reportsApi);
      if (!claims) return;
      return sendJson(
        res,
        200,
        {
          sub: claims.sub,
          scope: claims.scope,
          aud: claims.aud,
          token_type: presentedAs(req),
          exp: claims.exp,
          message: 'Reports API: this token was issued for the reports API only.',
        },
        presentedAs(req) === 'DPoP' ? dpop.responseHeaders() : {},
      );
    }
    sendJson(res, 404, { error: 'not_found' });
  }, testRoutes);

  await listen(server, cfg.apiPort, 'resource server');
  return { url: cfg.apiUrl, close: () => closeServer(server) };
}

/** Another origin: reports only whether (and with which scheme) a credential reached it. */
export async function createOtherServer(cfg: DemoConfig): Promise<RunningServer> {
  const server = serve(cfg, 'other', cfg.otherUrl, (req, res, url) => {
    if ((req.method === 'GET' || req.method === 'POST') && url.pathname === '/echo') {
      const auth = parseAuthorization(req.headers.authorization);
      req.resume(); // discard any POST body
      return sendJson(res, 200, {
        authorization: auth.kind === 'none' ? null : auth.scheme,
        hasDpopHeader: req.headers.dpop !== undefined,
      });
    }
    sendJson(res, 404, { error: 'not_found' });
  });

  await listen(server, cfg.otherPort, 'other-origin server');
  return { url: cfg.otherUrl, close: () => closeServer(server) };
}
