/**
 * The thin adapter the engine tests are written against: what puppeteer-core (Firefox, WebDriver BiDi) and
 * plain W3C WebDriver (WebKitGTK) both offer. The flows in flows.ts use nothing else, so one spec runs in
 * every engine. No clock control and no pre-page script hook: neither exists in classic WebDriver.
 */

/** A function run inside the page. It must not close over test-side names: only its arguments cross over. */
export type PageFunction<A extends unknown[], R> = (...args: A) => R | Promise<R>;

export interface Tab {
  /** Navigates to a path of the app (or an absolute URL) and waits for the load event. */
  goto(pathOrUrl: string): Promise<void>;
  url(): Promise<string>;
  /** Runs `fn(...args)` in the page and returns its (JSON-serializable, awaited) result. */
  evaluate<A extends unknown[], R>(fn: PageFunction<A, R>, ...args: A): Promise<R>;
  /** A user click on the first element matching `selector` (waits for it, bounded). */
  click(selector: string): Promise<void>;
  /** Types `value` into the input matching `selector` (waits for it, bounded). */
  fill(selector: string, value: string): Promise<void>;
  /** History back, like the browser's button. */
  back(): Promise<void>;
  close(): Promise<void>;
}

export interface Browser {
  /** Engine name and version as the browser reports them, for the test titles and the README table. */
  readonly engine: string;
  readonly version: string;
  /** A new tab in the same profile: same origin storage, locks and channels as the other tabs. */
  newTab(): Promise<Tab>;
  close(): Promise<void>;
}

export interface EngineDefinition {
  /** `firefox` or `webkit`: names the test file and the README column. */
  readonly name: string;
  launch(spaOrigin: string): Promise<Browser>;
}

/** Polls `check` until it returns true, at most `timeout` ms; throws `message` with the last value. */
export async function waitUntil(check: () => Promise<boolean>, message: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
      last = 'false';
    } catch (err) {
      // A navigation in progress destroys the page's context under us: try again.
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms: ${message} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The body of a page function as a script that takes its arguments positionally. */
export function scriptOf(fn: (...args: never[]) => unknown): string {
  return `(${fn.toString()})`;
}
