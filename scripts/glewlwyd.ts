// A fresh Glewlwyd (Debian package `glewlwyd`, an OpenID Connect server written in C) for the e2e project
// e2e/glewlwyd.spec.ts and for trying the demo against a second, independent server by hand:
//   npx tsx scripts/glewlwyd.ts [--port 4593] [--spa-origin http://127.0.0.1:5173]
// Everything lives in a new temporary directory (SQLite database from the packaged init script, config,
// webapp copy), deleted on exit. The server listens on 127.0.0.1 only. Configured through its admin API
// (admin/password from the init script) in about a second: an OIDC plugin with PKCE, DPoP, one-use
// refresh tokens, revocation and end-session; one public client; one user, alice/alice, who has already
// granted the client its scopes (no consent page).
//
// Setup facts this encodes (Glewlwyd 2.7.5, measured): the issuer is exactly `<external_url>/api/oidc` (no
// trailing slash); `external_url` must have no trailing slash; the packaged webapp is symlinks the server will
// not serve (copied dereferenced, and the real config.json over the link); `use_secure_connection` must be
// absent (even `false` makes it demand certificates); end-session reads the client's `post_logout_redirect_uris`
// (plural, declared `{"multiple": true}` in the client module's data format) and redirects back only when the
// request carries `state`; the OIDC plugin needs `front-channel-logout-allowed` or its logout page
// errors; CORS is one global `allow_origin`.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binaryOf } from './system-deps';

export interface GlewlwydOptions {
  /** Loopback port of the server. */
  port: number;
  /** The SPA's origin: Glewlwyd's one CORS origin, and where the client's redirect URIs are. */
  spaOrigin: string;
  /** Redirect URIs of the client (default: the demo's callback, React and script-tag pages). */
  redirectUris?: string[];
  /** Post-logout redirect URIs of the client (default: the SPA's root). */
  postLogoutRedirectUris?: string[];
  /** Access token lifetime, seconds (default 3600). */
  accessTokenTtl?: number;
  /** Show the server's log on this process's stderr. */
  verbose?: boolean;
}

export interface RunningGlewlwyd {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly user: { username: string; password: string };
  /** Calls the admin API with the admin's session (e.g. to change the OIDC plugin's settings). */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** Reconfigures the OIDC plugin: its parameters merged with `changes`. */
  updatePlugin(changes: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export const CLIENT_ID = 'browser-oauth-demo';
const PLUGIN = 'oidc';
const USER = { username: 'alice', password: 'alice-password' };
const SCOPE = 'openid';

function serverConfig(dir: string, port: number, spaOrigin: string): string {
  // libconfig syntax. No `use_secure_connection` line at all (see the header).
  return `port=${port}
bind_address="127.0.0.1"
external_url="http://127.0.0.1:${port}"
login_url="login.html"
api_prefix="api"
static_files_path="${join(dir, 'webapp')}/"
allow_origin="${spaOrigin}"
allow_methods="GET, POST, PUT, DELETE, OPTIONS"
allow_headers="Origin, X-Requested-With, Content-Type, Accept, Bearer, Authorization, DPoP"
expose_headers="Content-Encoding, Authorization, WWW-Authenticate, DPoP-Nonce"
log_mode="console"
log_level="WARNING"
cookie_secure=0
cookie_same_site="empty"
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database =
{
  type = "sqlite3";
  path = "${join(dir, 'glewlwyd.db')}";
};
static_files_mime_types =
(
  { extension = ".html"; mime_type = "text/html"; },
  { extension = ".css"; mime_type = "text/css"; },
  { extension = ".js"; mime_type = "application/javascript"; },
  { extension = ".json"; mime_type = "application/json"; },
  { extension = ".png"; mime_type = "image/png"; },
  { extension = ".svg"; mime_type = "image/svg+xml"; },
  { extension = ".ico"; mime_type = "image/x-icon"; },
  { extension = ".woff"; mime_type = "font/woff"; },
  { extension = ".woff2"; mime_type = "font/woff2"; },
  { extension = ".ttf"; mime_type = "font/ttf"; }
);
`;
}

/** The OIDC plugin's parameters (the admin webapp's names; unset ones take the plugin's defaults). */
function pluginParameters(issuer: string, accessTokenTtl: number): Record<string, unknown> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    iss: issuer,
    'jwt-type': 'rsa',
    'jwt-key-size': '256',
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    cert: publicKey.export({ type: 'spki', format: 'pem' }),
    'access-token-duration': accessTokenTtl,
    'refresh-token-duration': 1_209_600,
    'code-duration': 600,
    'refresh-token-rolling': true,
    // Rotation: each refresh token works once; a replay disables the chain.
    'refresh-token-one-use': 'always',
    'client-refresh-token-one-use-parameter': 'refresh-token-one-use',
    'allow-non-oidc': false,
    'auth-type-code-enabled': true,
    'auth-type-code-revoke-replayed': true,
    'auth-type-token-enabled': false,
    'auth-type-id-token-enabled': false,
    'auth-type-none-enabled': false,
    'auth-type-password-enabled': false,
    'auth-type-client-enabled': false,
    'auth-type-device-enabled': false,
    'auth-type-refresh-enabled': true,
    scope: [],
    'additional-parameters': [],
    claims: [],
    'jwks-show': true,
    'secret-type': 'public',
    'name-claim': 'on-demand',
    'email-claim': 'no',
    'scope-claim': 'no',
    'allowed-scope': [SCOPE],
    'pkce-allowed': true,
    'pkce-method-plain-allowed': false,
    'introspection-revocation-allowed': true,
    'introspection-revocation-auth-scope': [],
    'introspection-revocation-allow-target-client': true,
    'register-client-allowed': false,
    'session-management-allowed': true,
    'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
    'session-cookie-expiration': 2_419_200,
    'front-channel-logout-allowed': true,
    'back-channel-logout-allowed': false,
    'request-parameter-allow': false,
    'encrypt-out-token-allow': false,
    'oauth-dpop-allowed': true,
    'oauth-dpop-iat-duration': 60,
    'oauth-dpop-nonce-mandatory': false,
    'resource-allowed': false,
    'oauth-rar-allowed': false,
    'oauth-par-allowed': false,
    'oauth-ciba-allowed': false,
  };
}

/** A minimal cookie jar for one session of the admin API. */
function session(base: string) {
  let cookie = '';
  return async (method: string, path: string, body?: unknown): Promise<Response> => {
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers: { ...(cookie && { cookie }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const set = response.headers.getSetCookie().map((c) => c.split(';')[0]!);
    if (set.length > 0) cookie = set.join('; ');
    return response;
  };
}

async function ok(response: Promise<Response>, what: string): Promise<void> {
  const r = await response;
  if (r.status !== 200) throw new Error(`glewlwyd: ${what} answered ${r.status} ${await r.text()}`);
}

async function waitUp(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`glewlwyd exited with code ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/config`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('glewlwyd did not answer within 15 s');
}

/** Starts and configures a fresh Glewlwyd; `stop()` ends it and deletes its directory. */
export async function startGlewlwyd(options: GlewlwydOptions): Promise<RunningGlewlwyd> {
  const binary = binaryOf('Glewlwyd');
  const dir = mkdtempSync(join(tmpdir(), 'browser-oauth-glewlwyd-'));
  const base = `http://127.0.0.1:${options.port}`;
  const issuer = `${base}/api/${PLUGIN}`;
  // The webapp (login, grant and logout pages) dereferenced; config.json is a link to a directory in Debian.
  cpSync('/usr/share/glewlwyd/webapp', join(dir, 'webapp'), { recursive: true, dereference: true, filter: (src) => !src.endsWith('/config.json') });
  writeFileSync(join(dir, 'webapp', 'config.json'), readFileSync('/usr/share/glewlwyd/templates/config.json'));
  execFileSync('sqlite3', [join(dir, 'glewlwyd.db')], { input: readFileSync('/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3') });
  writeFileSync(join(dir, 'glewlwyd.conf'), serverConfig(dir, options.port, options.spaOrigin));

  const child = spawn(binary, ['-c', join(dir, 'glewlwyd.conf')], { stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', options.verbose ? 'inherit' : 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUp(base, child);
    const admin = session(base);
    await ok(admin('POST', '/auth/', { username: 'admin', password: 'password' }), 'admin sign-in');
    // The end-session endpoint looks the URI up in the client's `post_logout_redirect_uris` (plural, a list),
    // a property the packaged client module does not declare (it has a single `post_logout_redirect_uri`).
    const clientModule = (await (await admin('GET', '/mod/client/database')).json()) as { parameters: { 'data-format': Record<string, { multiple: boolean }> } };
    clientModule.parameters['data-format'].post_logout_redirect_uris = { multiple: true, read: true, write: true } as never;
    await ok(admin('PUT', '/mod/client/database', clientModule), 'client module update');
    await ok(admin('PUT', '/mod/client/database/reset'), 'client module reload');
    let parameters = pluginParameters(issuer, options.accessTokenTtl ?? 3600);
    await ok(admin('POST', '/mod/plugin/', { module: 'oidc', name: PLUGIN, display_name: 'OpenID Connect', parameters, order_rank: 0 }), 'OIDC plugin');
    // The password is asked for every scope the client gets, so a login always shows the password form.
    await ok(admin('PUT', `/scope/${SCOPE}`, { name: SCOPE, display_name: 'Open ID', description: 'Open ID Connect scope', password_required: true, password_max_age: 0, scheme: {} }), 'scope');
    await ok(admin('POST', '/user/', { username: USER.username, name: 'Alice Liddell', email: 'alice@example.com', password: USER.password, scope: [SCOPE], enabled: true }), 'user');
    const spa = options.spaOrigin;
    await ok(
      admin('POST', '/client/', {
        client_id: CLIENT_ID,
        name: 'browser-oauth demo',
        confidential: false,
        enabled: true,
        scope: [],
        redirect_uri: options.redirectUris ?? [`${spa}/callback.html`, `${spa}/react.html`, `${spa}/script-tag.html`],
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? [`${spa}/`],
        authorization_type: ['code', 'refresh_token'],
        token_endpoint_auth_method: ['none'],
      }),
      'client',
    );
    // alice grants the client its scope once, so that a login has no consent page.
    const user = session(base);
    await ok(user('POST', '/auth/', USER), 'user sign-in');
    await ok(user('PUT', `/auth/grant/${CLIENT_ID}`, { scope: SCOPE }), 'grant');

    return {
      issuer,
      clientId: CLIENT_ID,
      scope: SCOPE,
      user: USER,
      admin,
      async updatePlugin(changes) {
        parameters = { ...parameters, ...changes };
        await ok(admin('PUT', `/mod/plugin/${PLUGIN}`, { module: 'oidc', name: PLUGIN, display_name: 'OpenID Connect', parameters, order_rank: 0 }), 'OIDC plugin update');
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}${stderr ? `\n${stderr}` : ''}`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4593' }, 'spa-origin': { type: 'string', default: 'http://127.0.0.1:5173' } } });
  const running = await startGlewlwyd({ port: Number(values.port), spaOrigin: values['spa-origin']!, verbose: true });
  console.log(`Glewlwyd: issuer ${running.issuer}, client ${running.clientId}, scope "${running.scope}", user ${running.user.username} / ${running.user.password}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void running.stop().then(() => process.exit(0)));
}
