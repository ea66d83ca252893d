// The demo authorization server: oidc-provider 9 (a Koa app) with one public SPA client,
// one user (alice/alice), JWT access tokens for the demo API, rotating refresh tokens,
// a small login page and, when cfg.testControl, request counters under /__test/.
// First: it must be in place before oidc-provider loads (see the module).
import './quiet-oidc-provider.ts';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { Provider, errors, interactionPolicy, type KoaContext } from 'oidc-provider';
import { ACR_MFA, ACR_PASSWORD, API_SCOPE, DEMO_ONE_TIME_CODE, NATIVE_CLIENT, OIDC_SCOPES, postLogoutRedirectUrisOf, redirectUrisOf, REPORTS_SCOPE, secondClientIdOf, type DemoConfig } from './config.ts';
import { createFaults } from './faults.ts';
import { DPOP_ALGS } from './dpop.ts';
import { createMisconfigure, parseMisconfigurations } from './misconfigure.ts';
import { closeServer, htmlEscape, listen, logLine, readBody, type RunningServer } from './http-util.ts';

// ---------------------------------------------------------------------------------------------
// Account

const ACCOUNTS = new Map<string, { password: string; claims: Record<string, unknown> }>([
  [
    'alice',
    {
      password: 'alice',
      claims: {
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
        preferred_username: 'alice',
        email: 'alice@example.com',
        email_verified: true,
      },
    },
  ],
]);

async function findAccount(_ctx: unknown, sub: string) {
  const account = ACCOUNTS.get(sub);
  if (!account) return undefined;
  return {
    accountId: sub,
    // oidc-provider filters these by the granted scopes/claims.
    async claims() {
      return { sub, ...account.claims };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Test-control counters

export interface AsStats {
  authorization: number;
  token: { authorization_code: number; refresh_token: number; [grantType: string]: number };
  tokenErrors: Record<string, number>;
  /** Token requests by `<grant_type> <resource>` (`none` when the request named no RFC 8707 resource). */
  tokenResources: Record<string, number>;
  revocation: number;
  endSession: number;
  discovery: number;
  /** Pushed authorization requests (RFC 9126) received, and their error answers by `error`. */
  par: number;
  parErrors: Record<string, number>;
}

const PAR_MODES = ['on', 'off', 'required'] as const;
type ParMode = (typeof PAR_MODES)[number];

// Faults (5xx, hangs, slow drip, huge bodies, wrong content types, redirects, spoiled token responses
// and ID tokens) live in ./faults.ts; they exist only with cfg.testControl.

function emptyStats(): AsStats {
  return { authorization: 0, token: { authorization_code: 0, refresh_token: 0 }, tokenErrors: {}, tokenResources: {}, revocation: 0, endSession: 0, discovery: 0, par: 0, parErrors: {} };
}

// ---------------------------------------------------------------------------------------------
// HTML (self-contained: no external fonts or scripts, the tests run offline)

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;min-height:100vh;display:grid;place-items:center;background:#eef1f6;
    font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433}
  .card{width:min(360px,92vw);background:#fff;border-radius:12px;padding:28px 28px 22px;
    box-shadow:0 1px 2px rgba(16,24,40,.06),0 8px 24px rgba(16,24,40,.08)}
  .brand{display:flex;align-items:center;gap:10px;margin-bottom:18px;font-weight:600;font-size:17px}
  .logo{width:30px;height:30px;border-radius:8px;background:linear-gradient(135deg,#4f6bed,#7c4dff)}
  h1{font-size:20px;margin:0 0 4px} p{margin:0 0 16px;color:#5b6475}
  label{display:block;font-size:13px;font-weight:600;margin:12px 0 4px}
  input{width:100%;padding:9px 11px;border:1px solid #cfd5e1;border-radius:8px;font:inherit}
  input:focus{outline:2px solid #4f6bed33;border-color:#4f6bed}
  button{width:100%;margin-top:18px;padding:10px;border:0;border-radius:8px;background:#4f6bed;
    color:#fff;font:inherit;font-weight:600;cursor:pointer} button:hover{background:#3f59d6}
  .error{background:#fdecec;color:#a12622;border-radius:8px;padding:8px 11px;margin-bottom:8px;font-size:14px}
  .hint{margin-top:16px;font-size:13px;color:#6b7385;text-align:center}
  .hint code{background:#f1f3f8;border-radius:4px;padding:1px 5px}
  .cancel{display:block;text-align:center;margin-top:10px;font-size:13px;color:#6b7385}`;

function page(title: string, body: string, extraHead = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${htmlEscape(title)} · Demo Identity</title>
<style>${STYLE}</style>${extraHead}</head><body><main class="card">
<div class="brand"><span class="logo"></span>Demo Identity</div>${body}</main></body></html>`;
}

/** `mfa`: the login asked for {@link ACR_MFA} (step-up), so the page also asks for the demo one-time code. */
function loginPage(uid: string, clientName: string, login: string, error?: string, mfa = false): string {
  return page(
    'Sign in',
    `<h1>${mfa ? 'Verify it is you' : 'Sign in'}</h1><p>${mfa ? 'A stronger sign-in is required' : 'to continue'} to ${htmlEscape(clientName)}</p>
${error ? `<div class="error" role="alert">${htmlEscape(error)}</div>` : ''}
<form method="post" action="/interaction/${htmlEscape(uid)}/login">
  <label for="login">Username</label>
  <input id="login" name="login" value="${htmlEscape(login)}" autocomplete="username" autocapitalize="none" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  ${mfa ? '<label for="otp">One-time code (leave empty to skip)</label>\n  <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code">' : ''}
  <button type="submit">Sign in</button>
</form>
<a class="cancel" href="/interaction/${htmlEscape(uid)}/abort">Cancel</a>
<div class="hint">demo user: <code>alice</code> / <code>alice</code>${mfa ? `; one-time code <code>${DEMO_ONE_TIME_CODE}</code>` : ''}</div>`,
  );
}

/** Whether the authorization request asked for the stronger sign-in (`acr_values`, OIDC Core §3.1.2.1). */
const asksForMfa = (params: Record<string, unknown>): boolean => String(params.acr_values ?? '').split(' ').includes(ACR_MFA);

/**
 * oidc-provider's prompts, plus one login check: `acr_values` is voluntary in OIDC and oidc-provider only
 * re-prompts for an essential `acr` (claims parameter), so a step-up (RFC 9470) asking for an `acr` the AS
 * session does not have would otherwise come back with the old, weaker one without showing the login page.
 */
function interactionsPolicy() {
  const { Check, base } = interactionPolicy;
  const policy = base();
  policy.get('login').checks.add(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    new Check('acr_values', 'a requested ACR is not the session\u2019s', (ctx: any) =>
      // Once: after this interaction's login the AS answers with whatever acr it got (the SDK then checks it).
      ctx.oidc.params.acr_values !== undefined && !ctx.oidc.result?.login && !String(ctx.oidc.params.acr_values).split(' ').includes(ctx.oidc.acr)
        ? Check.REQUEST_PROMPT
        : Check.NO_NEED_TO_PROMPT,
    ),
  );
  return policy;
}

// ---------------------------------------------------------------------------------------------

export async function createAuthorizationServer(cfg: DemoConfig): Promise<RunningServer> {
  // Ephemeral keys: every start invalidates previously issued tokens, which is what a demo wants.
  const keys = [];
  for (const alg of ['ES256', 'RS256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}` });
  }

  /** The demo's two APIs (RFC 8707 resources): JWT access tokens whose `aud` is the one API they are for. */
  const resourceServer = (audience: string, scope: string) => ({
    scope,
    audience,
    accessTokenTTL: cfg.accessTokenTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'ES256' } },
  });
  const resourceServers = new Map([
    [cfg.apiUrl, resourceServer(cfg.apiUrl, API_SCOPE)],
    [cfg.reportsUrl, resourceServer(cfg.reportsUrl, REPORTS_SCOPE)],
  ]);

  /** The demo's own clients (the second one for demo/two-clients.html, the native one for issue 15): consent implicit, CORS allowed. */
  const firstParty = new Set([cfg.clientId, secondClientIdOf(cfg), NATIVE_CLIENT.clientId]);

  /**
   * First-party client: consent is implicit. Tops up (or creates) the grant with everything
   * requested, so oidc-provider's consent prompt never fires and `offline_access` and the
   * API scope end up granted without a click.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function loadExistingGrant(ctx: any) {
    const { oidc } = ctx;
    const accountId: string = oidc.account.accountId;
    const grantId: string | undefined = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!firstParty.has(oidc.client.clientId)) return grant;
    // A revoked grant (e.g. after refresh-token reuse) is gone: start a fresh one.
    if (!grant || grant.accountId !== accountId) {
      grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId });
    }
    const oidcScopes = [...(oidc.requestParamOIDCScopes as Set<string>)];
    if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
    const claims = [...(oidc.requestParamClaims as Set<string>)];
    if (claims.length) grant.addOIDCClaims(claims);
    for (const [indicator, rs] of Object.entries(oidc.resourceServers as Record<string, { scopes: Set<string> }>)) {
      const scopes = [...(oidc.requestParamScopes as Set<string>)].filter((s) => rs.scopes.has(s));
      if (scopes.length) grant.addResourceScope(indicator, scopes.join(' '));
    }
    await grant.save();
    return grant;
  }

  /** Whether token requests need a server-provided DPoP nonce (TEST_CONTROL: POST /__test/dpop-nonce). */
  const dpopControl = { requireNonce: false };
  /**
   * Whether the AS's responses carry `Cross-Origin-Opener-Policy: same-origin`, as real IdPs' do: it severs a
   * popup from the page that opened it (issue 15). On by default; TEST_CONTROL: POST /__test/coop {"enabled": bool}.
   */
  const coopControl = { enabled: true };
  /** Deliberate setup mistakes for the doctor's tests (./misconfigure.ts); none without TEST_CONTROL. */
  const misconfigure = createMisconfigure(cfg.misconfigure);
  /**
   * Access-token lifetime (seconds) for tokens issued from now on, instead of ACCESS_TOKEN_TTL
   * (TEST_CONTROL: POST /__test/access-token-ttl). Lets a test whose browser driver has no clock watch
   * one short-lived token being renewed, while the rest of the run keeps the normal lifetime.
   */
  const ttlControl: { accessToken: number | undefined } = { accessToken: undefined };
  /**
   * Pushed authorization requests (TEST_CONTROL: POST /__test/par {"mode": …}): `on` (the default: offered,
   * not required), `off` (as an AS without PAR: no endpoint in the metadata, /request answers 404) or
   * `required` (the metadata says `require_pushed_authorization_requests`, and oidc-provider refuses an
   * authorization request of the demo's clients that was not pushed).
   */
  const parControl: { mode: ParMode } = { mode: 'on' };
  const setParMode = async (mode: ParMode) => {
    parControl.mode = mode;
    // oidc-provider checks the client's own flag at /auth; its static clients are built once and cached.
    for (const id of firstParty) (await provider.Client.find(id)).requirePushedAuthorizationRequests = mode === 'required';
  };

  const configuration = {
    clients: [
      ...[
        { client_id: cfg.clientId, client_name: 'browser-oauth demo' },
        { client_id: secondClientIdOf(cfg), client_name: 'browser-oauth demo (second client)' },
      ].map((client) => ({
        ...client,
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
        // The React and <script> pages complete their own sign-in; the main page uses callback.html.
        redirect_uris: redirectUrisOf(cfg),
        post_logout_redirect_uris: postLogoutRedirectUrisOf(cfg),
      })),
      {
        // An app in a native shell (issue 15): oidc-provider checks a native client's redirect URIs by RFC 8252
        // and always asks for consent, which the interaction below grants.
        client_id: NATIVE_CLIENT.clientId,
        client_name: 'browser-oauth native demo',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
        redirect_uris: [NATIVE_CLIENT.redirectUri],
      },
    ],
    jwks: { keys },
    // Step-up (issue 16): a password alone, or with the demo one-time code; advertised as acr_values_supported.
    acrValues: [ACR_PASSWORD, ACR_MFA],
    interactions: { policy: interactionsPolicy() },
    // The API checks a step-up on the access token itself (RFC 9470 §4): its `acr` and `auth_time` (RFC 9068 §2.2.1).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    extraTokenClaims: async (ctx: any, token: any) => {
      if (token.kind !== 'AccessToken') return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      return source ? { acr: source.acr, auth_time: source.authTime } : undefined;
    },
    responseTypes: ['code'], // advertise the code flow only (no implicit/hybrid)
    // The same DPoP algorithms the demo API accepts (oidc-provider's default: ES256, Ed25519, EdDSA).
    enabledJWA: { dPoPSigningAlgValues: [...DPOP_ALGS] },
    findAccount,
    loadExistingGrant,
    scopes: [...OIDC_SCOPES],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    // Put the scope-derived claims in the ID token too (the SPA shows them); userinfo has them as well.
    conformIdTokenClaims: false,
    pkce: { required: () => !misconfigure.has('pkce-off') }, // also the default for public clients; explicit on purpose
    // Issue a refresh token to this client whatever happened to `offline_access`
    // (oidc-provider strips it from requests carrying `prompt` without `consent`, e.g. prompt=login).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    issueRefreshToken: async (_ctx: unknown, client: any) => client.grantTypeAllowed('refresh_token'),
    // Every refresh rotates; reuse of a rotated token revokes the whole grant (built into oidc-provider).
    rotateRefreshToken: () => true,
    clientBasedCORS: (ctx: KoaContext, origin: string, client: { clientId: string }) =>
      firstParty.has(client.clientId) &&
      (origin === cfg.spaOrigin || cfg.extraOrigins.includes(origin)) &&
      !(misconfigure.has('token-cors') && ctx.path === '/token'),
    cookies: {
      // Signed cookies; http loopback means no `secure` flag (oidc-provider only sets it on https).
      keys: [randomBytes(32).toString('base64url')],
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    ttl: {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      AccessToken: (_ctx: unknown, token: any) => ttlControl.accessToken ?? token.resourceServer?.accessTokenTTL ?? cfg.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 10 * 60,
      Session: 24 * 60 * 60,
      Grant: 24 * 60 * 60,
      // Absolute lifetime: a rotated token inherits what is left of its predecessor's
      // (the browser-apps BCP asks for a maximum lifetime on unbound refresh tokens).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      RefreshToken: (ctx: any) => ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? cfg.refreshTokenTtl,
    },
    features: {
      devInteractions: { enabled: false },
      // DPoP (RFC 9449), on unless DPOP=0. A token request with a `DPoP` proof gets DPoP-bound tokens
      // (access token `cnf.jkt`; this public client's refresh tokens bound to the same key), one without
      // gets Bearer tokens (the client is not `dpop_bound_access_tokens`). `dpop_jkt` at /auth binds the code.
      // The nonce secret also makes the token endpoint's CORS expose `DPoP-Nonce`.
      // A proof on a pushed authorization request binds the code to its key as `dpop_jkt` does.
      dPoP: {
        enabled: cfg.dpop,
        nonceSecret: randomBytes(32),
        requireNonce: () => dpopControl.requireNonce,
        allowReplay: false,
      },
      // RFC 9126 at /request (CORS like the token endpoint's); TEST_CONTROL can hide or require it (parControl).
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens (also silences oidc-provider's notice about the default).
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // No `resource` parameter means the demo API: at the authorization endpoint (no `oneOf`), and at the
        // token endpoint among the granted ones, so clients that send no indicators keep working.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string | string[]) => {
          if (oneOf === undefined || typeof oneOf === 'string') return oneOf ?? cfg.apiUrl;
          return oneOf.includes(cfg.apiUrl) ? cfg.apiUrl : oneOf[0];
        },
        // A refresh (or code exchange) naming no `resource` gets the granted API when the grant is for one (a
        // client that names none: `defaultResource` gave it the demo API at /auth). A grant for several APIs (a
        // client naming its indicators) gets, as oidc-provider does by default, a token for the AS itself, which
        // its userinfo endpoint accepts: what `auth.userinfo()` asks for (issue 16).
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        useGrantedResource: async (_ctx: unknown, model: any) => !Array.isArray(model.resource),
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          const info = resourceServers.get(indicator);
          if (info) return info;
          throw new errors.InvalidTarget();
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // The confirmation form submits itself (logout=yes ends the whole AS session).
        logoutSource: async (ctx: KoaContext, form: string) => {
          const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
          ctx.type = 'html';
          ctx.body = page(
            'Signing out',
            `<h1>Signing you out…</h1><p>You are being signed out of Demo Identity.</p>${autoForm}
<noscript><button type="submit" form="op.logoutForm">Continue</button></noscript>
<script>document.getElementById('op.logoutForm').submit()</script>`,
          );
        },
        postLogoutSuccessSource: async (ctx: KoaContext) => {
          ctx.type = 'html';
          ctx.body = page('Signed out', '<h1>Signed out</h1><p>You have been signed out of Demo Identity.</p>');
        },
      },
    },
    renderError: async (ctx: KoaContext, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page(
        'Error',
        `<h1>Something went wrong</h1>${Object.entries(out)
          .map(([k, v]) => `<p><strong>${htmlEscape(k)}</strong>: ${htmlEscape(String(v))}</p>`)
          .join('')}`,
      );
    },
  };

  const provider = new Provider(cfg.issuer, configuration);
  provider.proxy = false; // plain http on loopback, no TLS-offloading proxy to trust

  // --- test control of DPoP nonces: POST /__test/dpop-nonce {"required": bool}, and of the access-token
  // lifetime: POST /__test/access-token-ttl {"seconds": n | null}; /__test/reset → both back to normal ---
  if (cfg.testControl) {
    provider.use(async (ctx, next) => {
      if (ctx.method === 'POST' && ctx.path === '/__test/dpop-nonce') {
        let body: { required?: unknown } = {};
        try {
          body = JSON.parse(await readBody(ctx.req)) as { required?: unknown };
        } catch {
          // answered below
        }
        if (typeof body?.required !== 'boolean') {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: 'expected {"required": true|false}' };
          return;
        }
        dpopControl.requireNonce = body.required;
        ctx.status = 204;
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__test/coop') {
        let body: { enabled?: unknown } = {};
        try {
          body = JSON.parse(await readBody(ctx.req)) as { enabled?: unknown };
        } catch {
          // answered below
        }
        if (typeof body?.enabled !== 'boolean') {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: 'expected {"enabled": true|false}' };
          return;
        }
        coopControl.enabled = body.enabled;
        ctx.status = 204;
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__test/misconfigure') {
        try {
          misconfigure.set(parseMisconfigurations((JSON.parse(await readBody(ctx.req)) as { set?: unknown })?.set));
        } catch (err) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: err instanceof Error ? err.message : String(err) };
          return;
        }
        ctx.status = 204;
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__test/access-token-ttl') {
        let body: { seconds?: unknown } = {};
        try {
          body = JSON.parse(await readBody(ctx.req)) as { seconds?: unknown };
        } catch {
          // answered below
        }
        const seconds = body?.seconds;
        if (seconds !== null && !(typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0)) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: 'expected {"seconds": <positive integer> | null}' };
          return;
        }
        ttlControl.accessToken = seconds ?? undefined;
        ctx.status = 204;
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__test/par') {
        let mode: unknown;
        try {
          mode = (JSON.parse(await readBody(ctx.req)) as { mode?: unknown })?.mode;
        } catch {
          // answered below
        }
        if (!PAR_MODES.includes(mode as ParMode)) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: `expected {"mode": ${PAR_MODES.map((m) => `"${m}"`).join(' | ')}}` };
          return;
        }
        await setParMode(mode as ParMode);
        ctx.status = 204;
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__test/reset') {
        dpopControl.requireNonce = false;
        coopControl.enabled = true;
        misconfigure.reset();
        ttlControl.accessToken = undefined;
        await setParMode('on');
      }
      if (parControl.mode === 'off' && ctx.path === '/request') {
        ctx.status = 404;
        ctx.body = { error: 'invalid_request', error_description: 'no pushed authorization requests here' };
        return;
      }
      await next();
      misconfigure.after(ctx);
      if (parControl.mode !== 'on' && ctx.path === '/.well-known/openid-configuration' && typeof ctx.body === 'object' && ctx.body !== null) {
        const body = ctx.body as Record<string, unknown>;
        if (parControl.mode === 'off') delete body.pushed_authorization_request_endpoint;
        else body.require_pushed_authorization_requests = true;
      }
    });
  }

  // --- request log + test-control counters and faults (first middleware: sees every request) ----
  let stats = emptyStats();
  const signingKey = keys.find((k) => k.alg === 'ES256')!;
  const faults = createFaults({ spaOrigin: cfg.spaOrigin, otherUrl: cfg.otherUrl, signingKey });
  provider.use(async (ctx, next) => {
    const startedAt = Date.now();
    if (cfg.testControl && ctx.path.startsWith('/__test/')) {
      if (ctx.method === 'GET' && ctx.path === '/__test/stats') {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { ...stats, faults: faults.stats() };
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__test/reset') {
        stats = emptyStats();
        faults.reset();
        ctx.status = 204;
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__test/faults') {
        faults.add(JSON.parse(await readBody(ctx.req)));
        ctx.status = 204;
        return;
      }
    }
    if (coopControl.enabled) ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    const injected = cfg.testControl ? faults.take(ctx) : undefined;
    let faultGrant: string | undefined;
    try {
      if (injected?.transport) {
        if (injected.endpoint === 'token') {
          // Not processed: read the grant type ourselves, for the counters. Counted on receipt: a
          // hung request never reaches the `finally` below while a test polls.
          faultGrant = new URLSearchParams(await readBody(ctx.req)).get('grant_type') ?? 'unknown';
          stats.token[faultGrant] = (stats.token[faultGrant] ?? 0) + 1;
        }
        await faults.answer(ctx, injected.fault);
        return;
      }
      if (injected) await faults.before(injected.fault);
      await next();
      if (injected) await faults.after(ctx, injected.fault);
    } finally {
      if (ctx.method !== 'OPTIONS') {
        // Routes are oidc-provider's defaults; counted by path so failures count too.
        switch (ctx.path) {
          case '/auth':
            stats.authorization++;
            break;
          case '/token': {
            if (faultGrant !== undefined) break; // counted on receipt
            // Read after the fact: oidc-provider owns (and consumes) the request body.
            const grantType = String(ctx.oidc?.params?.grant_type ?? 'unknown');
            stats.token[grantType] = (stats.token[grantType] ?? 0) + 1;
            const resource = ctx.oidc?.params?.resource;
            const key = `${grantType} ${typeof resource === 'string' ? resource : 'none'}`;
            stats.tokenResources[key] = (stats.tokenResources[key] ?? 0) + 1;
            const body = ctx.body as { error?: unknown } | undefined;
            if (ctx.status >= 400 && typeof body?.error === 'string') {
              stats.tokenErrors[body.error] = (stats.tokenErrors[body.error] ?? 0) + 1;
            }
            break;
          }
          case '/token/revocation':
            stats.revocation++;
            break;
          case '/request': {
            stats.par++;
            const body = ctx.body as { error?: unknown } | undefined;
            if (ctx.status >= 400 && typeof body?.error === 'string') stats.parErrors[body.error] = (stats.parErrors[body.error] ?? 0) + 1;
            break;
          }
          case '/session/end':
            stats.endSession++;
            break;
          case '/.well-known/openid-configuration':
            stats.discovery++;
            break;
        }
      }
      // res.statusCode, not ctx.status: interactionFinished answers on the raw response.
      if (cfg.log) logLine('as', ctx.method, ctx.path, ctx.res.statusCode, startedAt);
    }
  });

  // --- interaction UI: /interaction/:uid, /interaction/:uid/login, /interaction/:uid/abort -------
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(ctx.path);
    if (!match) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    const [, uid, action] = match;
    try {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
      const clientName = 'the browser-oauth demo';

      if (action === 'abort') {
        return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' }, false);
      }

      if (details.prompt.name === 'login') {
        const mfa = asksForMfa(details.params);
        if (action !== 'login' || ctx.method !== 'POST') {
          ctx.type = 'html';
          ctx.body = loginPage(uid!, clientName, String(details.params.login_hint ?? ''), undefined, mfa);
          return;
        }
        const form = new URLSearchParams(await readBody(ctx.req));
        const login = form.get('login') ?? '';
        const account = ACCOUNTS.get(login);
        const otp = form.get('otp') ?? '';
        if (!account || form.get('password') !== account.password || (otp !== '' && otp !== DEMO_ONE_TIME_CODE)) {
          ctx.type = 'html';
          ctx.body = loginPage(uid!, clientName, login, otp === '' ? 'Invalid username or password.' : 'Invalid one-time code.', mfa);
          return;
        }
        // A skipped code is a password-only sign-in: the SDK refuses it when it asked for the stronger one.
        const strong = mfa && otp === DEMO_ONE_TIME_CODE;
        return finish(ctx, { login: { accountId: login, acr: strong ? ACR_MFA : ACR_PASSWORD, amr: strong ? ['pwd', 'otp'] : ['pwd'] } }, false);
      }

      if (details.prompt.name === 'consent') {
        // Normally unreachable (loadExistingGrant pre-grants); auto-consent for this first-party client.
        const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
        grant ??= new provider.Grant({ accountId: details.session?.accountId, clientId: details.params.client_id });
        if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
        if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
        return finish(ctx, { consent: { grantId: await grant.save() } }, true);
      }

      throw new Error(`unsupported prompt ${details.prompt.name}`);
    } catch (err) {
      ctx.status = err instanceof errors.SessionNotFound ? 400 : 500;
      ctx.type = 'html';
      ctx.body = page(
        'Error',
        `<h1>Sign-in could not continue</h1><p>${htmlEscape(err instanceof Error ? err.message : 'unknown error')}</p><p>Start again from the application.</p>`,
      );
    }
  });

  async function finish(ctx: KoaContext, result: Record<string, unknown>, merge: boolean) {
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.respond = false; // interactionFinished wrote the 303 itself
  }

  const server = createServer(provider.callback());
  await listen(server, cfg.asPort, 'authorization server');
  return { url: cfg.issuer, close: () => closeServer(server) };
}
