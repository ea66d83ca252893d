/**
 * A W3C WebDriver client (the classic HTTP protocol, https://www.w3.org/TR/webdriver2/) on `fetch`, just
 * what the engine tests need, and the WebKitGTK engine on top of it: `WebKitWebDriver` drives the GTK
 * port's MiniBrowser inside an Xvfb display (WebKitGTK has no headless mode). Playwright cannot drive this
 * WebKit (it needs its own build, which cannot be downloaded here) and WebKitWebDriver speaks no BiDi.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { binaryOf } from '../scripts/system-deps.ts';
import { scriptOf, waitUntil, type Browser, type EngineDefinition, type PageFunction, type Tab } from './driver.ts';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
/** Every WebDriver command is bounded: a hung driver fails the test instead of the whole run. */
const COMMAND_TIMEOUT_MS = 30_000;

class WebDriverError extends Error {
  constructor(readonly error: string, message: string) {
    super(`${error}: ${message}`);
  }
}

class Session {
  /** One WebDriver session has one current window: commands for different tabs must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  private current: string | undefined;

  constructor(private readonly base: string, readonly id: string) {}

  static async create(base: string, capabilities: object): Promise<{ session: Session; capabilities: Record<string, unknown> }> {
    const value = await command<{ sessionId: string; capabilities: Record<string, unknown> }>(base, 'POST', '/session', { capabilities });
    return { session: new Session(base, value.sessionId), capabilities: value.capabilities };
  }

  /** Runs `steps` with `handle` as the current window, after every earlier call has finished. */
  inWindow<T>(handle: string | undefined, steps: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (handle && handle !== this.current) {
        await this.send('POST', '/window', { handle });
        this.current = handle;
      }
      return steps();
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
    return command<T>(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Opens a tab; the command needs an open current window, which a closed tab no longer is. */
  newWindow(): Promise<string> {
    return this.inWindow(undefined, async () => {
      if (this.current === undefined) {
        const [open] = await this.send<string[]>('GET', '/window/handles');
        await this.send('POST', '/window', { handle: open });
        this.current = open;
      }
      // The new tab does not become the current window.
      const { handle } = await this.send<{ handle: string }>('POST', '/window/new', { type: 'tab' });
      return handle;
    });
  }

  /** Closes `handle`'s window; the session then has no current window until the next switch. */
  closeWindow(handle: string): Promise<void> {
    return this.inWindow(handle, async () => {
      await this.send('DELETE', '/window');
      this.current = undefined;
    });
  }

  /** The handle of the window the session starts with. */
  async firstHandle(): Promise<string> {
    const handle = await this.send<string>('GET', '/window');
    this.current = handle;
    return handle;
  }
}

async function command<T>(base: string, method: string, path: string, body?: object): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  });
  const json = (await response.json()) as { value: T & { error?: string; message?: string } };
  if (!response.ok || (json.value && typeof json.value === 'object' && 'error' in json.value && json.value.error)) {
    throw new WebDriverError(String(json.value?.error ?? response.status), String(json.value?.message ?? ''));
  }
  return json.value;
}

/**
 * A page function as an `execute/async` script: the result (or the page's exception) comes back as data.
 * The function's source goes into the script itself, not through `eval`: the demo's CSP forbids eval.
 */
const asyncScript = (source: string): string => `
const done = arguments[arguments.length - 1];
const args = arguments[0];
Promise.resolve().then(() => ${source}(...args)).then(
  (value) => done({ ok: true, value: value === undefined ? null : value }),
  (err) => done({ ok: false, error: String((err && err.stack) || err) }),
);`;

class WebDriverTab implements Tab {
  constructor(private readonly session: Session, private readonly handle: string, private readonly origin: string) {}

  private in<T>(steps: () => Promise<T>): Promise<T> {
    return this.session.inWindow(this.handle, steps);
  }

  goto(pathOrUrl: string): Promise<void> {
    return this.in(() => this.session.send('POST', '/url', { url: new URL(pathOrUrl, this.origin).href }));
  }

  url(): Promise<string> {
    return this.in(() => this.session.send<string>('GET', '/url'));
  }

  async evaluate<A extends unknown[], R>(fn: PageFunction<A, R>, ...args: A): Promise<R> {
    const result = await this.in(() =>
      this.session.send<{ ok: boolean; value?: R; error?: string }>('POST', '/execute/async', { script: asyncScript(scriptOf(fn)), args: [args] }),
    );
    if (!result.ok) throw new Error(`in the page: ${result.error}`);
    return result.value as R; // `undefined` comes back as null: JSON has no undefined
  }

  /** Finds and acts on an element in one turn; the demo re-renders on every state change, so a stale one is looked up again. */
  private async onElement(selector: string, action: (element: string) => Promise<unknown>): Promise<void> {
    await waitUntil(
      () =>
        this.in(async () => {
          try {
            const found = await this.session.send<Record<string, string>>('POST', '/element', { using: 'css selector', value: selector });
            await action(found[ELEMENT]!);
            return true;
          } catch (err) {
            if (err instanceof WebDriverError && ['no such element', 'stale element reference', 'element not interactable'].includes(err.error)) return false;
            throw err;
          }
        }),
      `element ${selector}`,
    );
  }

  click(selector: string): Promise<void> {
    return this.onElement(selector, (id) => this.session.send('POST', `/element/${id}/click`));
  }

  fill(selector: string, value: string): Promise<void> {
    return this.onElement(selector, async (id) => {
      await this.session.send('POST', `/element/${id}/clear`);
      await this.session.send('POST', `/element/${id}/value`, { text: value });
    });
  }

  back(): Promise<void> {
    return this.in(() => this.session.send('POST', '/back'));
  }

  close(): Promise<void> {
    return this.session.closeWindow(this.handle);
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts Xvfb on the first free display (it writes the number to a pipe once it accepts clients). */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn(binaryOf('Xvfb'), ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const pipe = xvfb.stdio[3]!;
  let stderr = '';
  xvfb.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start in 10 s: ${stderr}`)), 10_000);
    pipe.on('data', (chunk) => {
      clearTimeout(timer);
      resolve(`:${String(chunk).trim()}`);
    });
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr}`)));
  });
  return { display, process: xvfb };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export const webkit: EngineDefinition = {
  name: 'webkit',
  async launch(spaOrigin) {
    const driverPath = binaryOf('WebKitWebDriver');
    const xvfb = await startXvfb();
    const port = await freePort();
    const driver = spawn(driverPath, [`--port=${port}`, '--host=127.0.0.1'], {
      env: { ...process.env, DISPLAY: xvfb.display, LIBGL_ALWAYS_SOFTWARE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitUntil(async () => (await fetch(`${base}/status`)).ok, 'WebKitWebDriver to listen');
      const { session, capabilities } = await Session.create(base, {
        alwaysMatch: {
          // Any `args` replaces the driver's default ones, and without `--automation` the browser never
          // connects back: the session request then hangs. Always pass it.
          'webkitgtk:browserOptions': { args: ['--automation'] },
          timeouts: { script: 30_000, pageLoad: 30_000, implicit: 0 },
        },
      });
      const first = await session.firstHandle();
      let firstUsed = false;
      const browser: Browser = {
        engine: `WebKitGTK (${String(capabilities.browserName)})`,
        version: String(capabilities.browserVersion),
        async newTab() {
          // The session's own window serves as the first tab; later ones are new top-level windows.
          if (!firstUsed) {
            firstUsed = true;
            return new WebDriverTab(session, first, spaOrigin);
          }
          return new WebDriverTab(session, await session.newWindow(), spaOrigin);
        },
        async close() {
          await session.inWindow(undefined, () => session.send('DELETE', '')).catch(() => undefined);
          await stop(driver);
          await stop(xvfb.process);
        },
      };
      return browser;
    } catch (err) {
      await stop(driver);
      await stop(xvfb.process);
      throw err;
    }
  },
};
