/**
 * Every program outside npm that the test suite needs, in one place: the binary it looks for, the env var
 * that overrides it, and the Debian packages that provide it. `scripts/ensure-system-deps.ts` (the `pretest`
 * step of `npm test`) installs what is missing; the test runners resolve their binaries here, so the two can
 * never disagree. `npm run demo` needs none of this: Node and npm only.
 *
 * Pure data and path resolution: importing it has no side effect (the Playwright config imports it).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

export interface SystemDependency {
  /** Short name, used in messages. */
  readonly name: string;
  /** Which tests need it. */
  readonly neededBy: string;
  /** Env var that points at the binary instead (a path); when set, nothing is installed for it. */
  readonly env?: string;
  /** Absolute paths or command names on `PATH`, tried in order; the first that exists wins. */
  readonly candidates: readonly string[];
  /**
   * Optional: a binary found elsewhere first (e.g. Playwright's own Chromium when it happens to be
   * installed). Returns the path, or undefined.
   */
  readonly preferred?: () => string | undefined;
  /** Debian packages that provide it (and what it needs at run time that Debian does not pull in by itself). */
  readonly packages: readonly string[];
}

/** Resolves a command name on PATH, or an absolute path, to an existing file. */
export function which(candidate: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (candidate.includes('/')) return existsSync(candidate) ? candidate : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  return undefined;
}

export const SYSTEM_DEPENDENCIES: readonly SystemDependency[] = [
  {
    name: 'Chromium',
    neededBy: 'end-to-end tests (Playwright), benchmarks, screenshots',
    env: 'CHROMIUM_PATH',
    candidates: ['/usr/bin/chromium', 'chromium'],
    preferred: playwrightChromium,
    packages: ['chromium'],
  },
  {
    name: 'Glewlwyd',
    neededBy: 'the Glewlwyd end-to-end project (e2e/glewlwyd.spec.ts, scripts/glewlwyd.ts)',
    env: 'GLEWLWYD_PATH',
    candidates: ['/usr/bin/glewlwyd', 'glewlwyd'],
    // sqlite3 (the CLI that loads the packaged init script) comes with it.
    packages: ['glewlwyd'],
  },
  {
    name: 'LemonLDAP::NG',
    neededBy: 'the LemonLDAP::NG end-to-end project (e2e/lemonldap-ng.spec.ts, scripts/lemonldap-ng.ts)',
    env: 'LLNG_FASTCGI_PATH',
    candidates: ['/usr/sbin/llng-fastcgi-server', 'llng-fastcgi-server'],
    // The portal's captcha (always loaded) and OIDC issuer need modules Debian only recommends.
    packages: [
      'lemonldap-ng',
      'lemonldap-ng-fastcgi-server',
      'libgd-securityimage-perl',
      'libimage-magick-perl',
      'libstring-random-perl',
      'libio-string-perl',
      'libcrypt-openssl-bignum-perl',
    ],
  },
  {
    name: 'nginx',
    neededBy: 'the LemonLDAP::NG end-to-end project (its portal runs behind nginx)',
    env: 'NGINX_PATH',
    candidates: ['/usr/sbin/nginx', 'nginx'],
    packages: ['nginx'],
  },
  {
    name: 'Firefox',
    neededBy: 'engine tests (e2e-engines/, puppeteer-core over WebDriver BiDi)',
    env: 'FIREFOX_PATH',
    candidates: ['/usr/bin/firefox-esr', 'firefox-esr', 'firefox'],
    packages: ['firefox-esr'],
  },
  {
    name: 'WebKitWebDriver',
    neededBy: 'engine tests (e2e-engines/, WebKitGTK over W3C WebDriver)',
    env: 'WEBKIT_DRIVER',
    candidates: ['/usr/bin/WebKitWebDriver', 'WebKitWebDriver'],
    // The driver alone does not pull in the engine; GL drivers and one font keep it from failing at start.
    packages: ['webkit2gtk-driver', 'libwebkit2gtk-4.1-0', 'libgl1-mesa-dri', 'fonts-dejavu-core'],
  },
  {
    name: 'Xvfb',
    neededBy: 'engine tests (e2e-engines/): WebKitGTK has no headless mode, it draws into a virtual X display',
    env: 'XVFB_PATH',
    candidates: ['/usr/bin/Xvfb', 'Xvfb'],
    packages: ['xvfb'],
  },
];

/**
 * Playwright's own Chromium, when `npx playwright install` could run on this machine (it cannot here: no
 * download). Required lazily, so that this module loads without playwright and has no side effect.
 */
function playwrightChromium(): string | undefined {
  try {
    const { chromium } = createRequire(import.meta.url)('@playwright/test') as typeof import('@playwright/test');
    const path = chromium.executablePath();
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

export interface Resolved {
  readonly dependency: SystemDependency;
  /** The binary to use, or undefined when it is missing. */
  readonly path: string | undefined;
  /** How it was found: `env`, `preferred`, `system`, or `missing`; `env-missing` when the env var points nowhere. */
  readonly source: 'env' | 'preferred' | 'system' | 'missing' | 'env-missing';
}

export function resolve(dependency: SystemDependency, env: NodeJS.ProcessEnv = process.env): Resolved {
  const override = dependency.env ? env[dependency.env] : undefined;
  if (override) return { dependency, path: existsSync(override) ? override : undefined, source: existsSync(override) ? 'env' : 'env-missing' };
  const preferred = dependency.preferred?.();
  if (preferred) return { dependency, path: preferred, source: 'preferred' };
  for (const candidate of dependency.candidates) {
    const path = which(candidate, env);
    if (path) return { dependency, path, source: 'system' };
  }
  return { dependency, path: undefined, source: 'missing' };
}

/** The path of a dependency by name; throws with the install command when it is missing. */
export function binaryOf(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const dependency = SYSTEM_DEPENDENCIES.find((d) => d.name === name);
  if (!dependency) throw new Error(`unknown system dependency ${name}`);
  const { path } = resolve(dependency, env);
  if (!path) {
    throw new Error(`${name} is missing: run "npm test" (it installs it as root) or "apt-get install -y ${dependency.packages.join(' ')}"` +
      (dependency.env ? `, or set ${dependency.env}` : ''));
  }
  return path;
}
