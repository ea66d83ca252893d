// The demo SPA, built against dist/ and served by `vite preview` on a loopback port, pointed at any
// authorization server through the VITE_* variables of demo/src/config.ts (demo/README.md, "Pointing the demo
// at your own authorization server"). The e2e projects against other servers (e2e/glewlwyd.spec.ts) use it;
// the oidc-provider projects keep the launcher (demo/server/main.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface DemoSpaOptions {
  port: number;
  /** VITE_ISSUER, VITE_CLIENT_ID, VITE_SCOPE, VITE_API_URL, … */
  env: Record<string, string>;
}

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [`${repoRoot}node_modules/vite/bin/vite.js`, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Builds (into demo/dist-<port>) and serves the demo; resolves once it answers. */
export async function serveDemoSpa(options: DemoSpaOptions): Promise<{ origin: string; stop(): Promise<void> }> {
  const origin = `http://127.0.0.1:${options.port}`;
  const env = {
    ...process.env,
    ...options.env,
    VITE_SPA_ORIGIN: origin,
    VITE_TEST_HOOKS: '1',
    BROWSER_OAUTH_FROM: 'dist',
    SPA_PORT: String(options.port),
  };
  const config = ['--config', `${repoRoot}demo/vite.config.ts`];
  const build = run(['build', ...config, '--logLevel', 'warn'], env);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  build.stdout?.on('data', collect);
  build.stderr?.on('data', collect);
  const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
  if (code !== 0) throw new Error(`demo build failed (${code}):\n${output}`);

  const preview = run(['preview', ...config, '--host', '127.0.0.1', '--port', String(options.port), '--strictPort'], env);
  preview.stdout?.on('data', collect);
  preview.stderr?.on('data', collect);
  const stop = async (): Promise<void> => {
    if (preview.exitCode !== null) return;
    const exited = new Promise((resolve) => preview.once('exit', resolve));
    preview.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (preview.exitCode !== null) throw new Error(`vite preview exited (${preview.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${origin}/`, { signal: AbortSignal.timeout(1000) })).ok) return { origin, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`the demo did not answer at ${origin} within 30 s:\n${output}`);
}
