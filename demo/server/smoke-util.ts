// Plumbing shared by the smoke scripts (smoke.ts, smoke-dpop.ts): start the demo servers as a child
// process, wait for a URL, and browse the AS with a tiny cookie jar (its login session is a cookie).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const mainTs = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface RunningMain {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `main.ts --no-spa` with `env`: the AS, the API and the other origin, no Vite. */
export function startMain(env: NodeJS.ProcessEnv): RunningMain {
  const child = spawn(process.execPath, ['--import', 'tsx', mainTs, '--no-spa'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls `url` until it answers 2xx, for at most `timeoutMs`. */
export async function waitFor(url: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `fetch` without following redirects, keeping the cookies the AS sets (one jar per call of this). */
export function cookieBrowser(): (url: string, init?: RequestInit) => Promise<Response> {
  const jar = new Map<string, string>();
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expires = attrs.find((a) => a.trim().toLowerCase().startsWith('expires='));
      const expired = expires && Date.parse(expires.split('=')[1]!) < Date.now();
      if (!value || expired) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
}
