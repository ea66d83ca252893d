// A fresh LemonLDAP::NG portal (Debian's `lemonldap-ng`, Perl behind nginx) as an OpenID Connect provider, for
// the e2e project e2e/lemonldap-ng.spec.ts and for trying the demo against it by hand:
//   npx tsx scripts/lemonldap-ng.ts [--port 4620] [--spa-origin http://127.0.0.1:5173]
// Everything lives in a new temporary directory (the packaged configuration, changed; sessions; nginx's files),
// deleted on exit: `llng-fastcgi-server` on a unix socket behind `nginx -c <own conf>` on a loopback port.
// The portal's demo users authenticate (dwho/dwho); one public client with PKCE, refresh tokens, RS512 ID tokens.
//
// Setup facts this encodes (LemonLDAP::NG 2.16.1, measured): the issuer is the portal URL with its trailing
// slash; `domain` must be the portal's host; the FastCGI server refuses to run as root (`-u www-data`) and reads
// its ini from LLNG_DEFAULTCONFFILE; the portal always loads its captcha module (GD::SecurityImage with
// Image::Magick) and its OIDC issuer needs String::Random and IO::String: Debian "Recommends", so listed in
// scripts/system-deps.ts; consent is bypassed and logout
// confirmation skipped, else `offline_access` is stripped from the granted scope and end-session ignores
// `post_logout_redirect_uri` after a login that showed the consent page (a server bug).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binaryOf } from './system-deps';

export interface LemonLdapOptions {
  /** Loopback port of the portal (nginx). */
  port: number;
  /** The SPA's origin: CORS, and where the client's redirect URIs are. */
  spaOrigin: string;
  /** Show the servers' logs on this process's stderr. */
  verbose?: boolean;
}

export interface RunningLemonLdap {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly user: { username: string; password: string };
  /** Deletes every session (and the portal's session cache): every refresh token the portal issued is gone. */
  deleteSessions(): void;
  stop(): Promise<void>;
}

export const CLIENT_ID = 'browser-oauth-demo';
const USER = { username: 'dwho', password: 'dwho' };
const SCOPE = 'openid profile email offline_access';
const PACKAGED_CONF = '/var/lib/lemonldap-ng/conf/lmConf-1.json';

function ini(dir: string): string {
  // The [manager] section's templateDir is needed by lemonldap-ng-cli ("Bad request" without it).
  return `[all]
logLevel = warn
logger = Lemonldap::NG::Common::Logger::Std
checkTime = 1
[configuration]
type = File
dirName = ${dir}/conf
[portal]
staticPrefix = /static
templateDir = /usr/share/lemonldap-ng/portal/templates
languages = en
[handler]
[manager]
staticPrefix = /static
templateDir = /usr/share/lemonldap-ng/manager/htdocs/templates
languages = en
`;
}

/** The packaged portal vhost (portal-nginx.conf), moved to a loopback port and this directory. */
function nginxConf(dir: string, port: number): string {
  return `worker_processes 1;
user www-data;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${dir}/nginx/body;
  fastcgi_temp_path ${dir}/nginx/fastcgi;
  proxy_temp_path ${dir}/nginx/proxy;
  uwsgi_temp_path ${dir}/nginx/uwsgi;
  scgi_temp_path ${dir}/nginx/scgi;
  server {
    listen 127.0.0.1:${port};
    server_name 127.0.0.1;
    root /usr/share/lemonldap-ng/portal/htdocs/;
    if ($uri !~ ^/((static|javascript|favicon).*|.*\\.psgi)) { rewrite ^/(.*)$ /index.psgi/$1 break; }
    location ~ ^(?<sc>/.*\\.psgi)(?:$|/) {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass unix:${dir}/run/llng.sock;
      fastcgi_param HTTP_HOST $host:$server_port;
      fastcgi_param LLTYPE psgi;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_split_path_info ^(.*\\.psgi)(/.*)$;
      fastcgi_param PATH_INFO $fastcgi_path_info;
    }
    location /static/ { alias /usr/share/lemonldap-ng/portal/htdocs/static/; }
    location /javascript/ { alias /usr/share/javascript/; }
  }
}
`;
}

/** The packaged configuration (a JSON file), made an OIDC provider for the SPA. */
function configuration(dir: string, portal: string, spa: string): Record<string, unknown> {
  const conf = JSON.parse(readFileSync(PACKAGED_CONF, 'utf8')) as Record<string, unknown>;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...conf,
    portal,
    domain: '127.0.0.1',
    securedCookie: 0,
    issuerDBOpenIDConnectActivation: 1,
    oidcServicePrivateKeySig: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    oidcServicePublicKeySig: publicKey.export({ type: 'spki', format: 'pem' }),
    oidcServiceKeyIdSig: 'e2e',
    corsEnabled: 1,
    corsAllow_Origin: spa,
    corsAllow_Headers: 'Authorization,Content-Type,DPoP',
    corsAllow_Credentials: 'false',
    // Plugins the demo configuration enables that need mail modules (Debian "Recommends") and are not used here.
    registerDB: 'Null',
    portalDisplayResetPassword: 0,
    portalDisplayCertificateResetByMail: 0,
    globalStorageOptions: { ...(conf.globalStorageOptions as object), Directory: `${dir}/sessions`, LockDirectory: `${dir}/sessions/lock` },
    persistentStorageOptions: { Directory: `${dir}/psessions`, LockDirectory: `${dir}/psessions/lock` },
    localSessionStorageOptions: { ...(conf.localSessionStorageOptions as object), cache_root: `${dir}/cache` },
    notificationStorageOptions: { dirName: `${dir}/notifications` },
    oidcRPMetaDataOptions: {
      demo: {
        oidcRPMetaDataOptionsClientID: CLIENT_ID,
        oidcRPMetaDataOptionsPublic: 1,
        oidcRPMetaDataOptionsRequirePKCE: 1,
        oidcRPMetaDataOptionsAllowOffline: 1,
        oidcRPMetaDataOptionsRefreshToken: 1,
        // RS512, and `none` in the metadata: the SDK's default accepts every asymmetric alg listed (issue 12, item 14).
        oidcRPMetaDataOptionsIDTokenSignAlg: 'RS512',
        oidcRPMetaDataOptionsBypassConsent: 1,
        // Else end-session shows a confirmation page first.
        oidcRPMetaDataOptionsLogoutBypassConfirm: 1,
        oidcRPMetaDataOptionsRedirectUris: [`${spa}/callback.html`, `${spa}/react.html`, `${spa}/script-tag.html`].join(' '),
        oidcRPMetaDataOptionsPostLogoutRedirectUris: `${spa}/`,
        oidcRPMetaDataOptionsAccessTokenExpiration: 3600,
      },
    },
    oidcRPMetaDataExportedVars: { demo: { email: 'mail', name: 'cn', family_name: 'sn' } },
  };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

function idOf(name: string, file: '/etc/passwd' | '/etc/group'): number {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`lemonldap-ng: no ${name} in ${file}`);
  return Number(line.split(':')[2]);
}

async function waitUp(url: string, children: ChildProcess[], log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`lemonldap-ng: a server exited with code ${dead.exitCode}\n${log()}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`lemonldap-ng did not answer within 30 s\n${log()}`);
}

/** Starts a fresh portal; `stop()` ends it and deletes its directory. */
export async function startLemonLdap(options: LemonLdapOptions): Promise<RunningLemonLdap> {
  const fastcgi = binaryOf('LemonLDAP::NG');
  const nginx = binaryOf('nginx');
  const dir = mkdtempSync(join(tmpdir(), 'browser-oauth-llng-'));
  const portal = `http://127.0.0.1:${options.port}/`;
  for (const sub of ['conf', 'sessions/lock', 'psessions/lock', 'cache', 'run', 'notifications', 'nginx']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'conf', 'lmConf-1.json'), JSON.stringify(configuration(dir, portal, options.spaOrigin)));
  writeFileSync(join(dir, 'lemonldap-ng.ini'), ini(dir));
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, options.port));
  chownTree(dir, idOf('www-data', '/etc/passwd'), idOf('www-data', '/etc/group'));

  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-6000);
    if (options.verbose) process.stderr.write(chunk);
  };
  const children: ChildProcess[] = [];
  const start = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    children.push(child);
  };
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    start(fastcgi, ['--foreground', '-u', 'www-data', '-g', 'www-data', '-n', '2', '-s', join(dir, 'run', 'llng.sock'), '-p', join(dir, 'run', 'llng.pid')], {
      ...process.env,
      LLNG_DEFAULTCONFFILE: join(dir, 'lemonldap-ng.ini'),
    });
    start(nginx, ['-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
    await waitUp(`${portal}.well-known/openid-configuration`, children, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    issuer: portal,
    clientId: CLIENT_ID,
    scope: SCOPE,
    user: USER,
    deleteSessions() {
      // Offline refresh tokens live in the persistent storage too, and the portal caches sessions.
      for (const sub of ['sessions', 'psessions', 'cache']) {
        for (const entry of readdirSync(join(dir, sub))) if (entry !== 'lock') rmSync(join(dir, sub, entry), { recursive: true, force: true });
      }
    },
    stop,
  };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4620' }, 'spa-origin': { type: 'string', default: 'http://127.0.0.1:5173' } } });
  const running = await startLemonLdap({ port: Number(values.port), spaOrigin: values['spa-origin']!, verbose: true });
  console.log(`LemonLDAP::NG: issuer ${running.issuer}, client ${running.clientId}, scope "${running.scope}", user ${running.user.username} / ${running.user.password}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void running.stop().then(() => process.exit(0)));
}
