/**
 * Firefox (Debian's firefox-esr) through puppeteer-core over WebDriver BiDi. Playwright's BiDi Firefox
 * starts this build but cannot open a page in it (`emulation.setMediaFeaturesOverride: unknown command`);
 * puppeteer-core can. One browser, one profile: every tab shares IndexedDB, Web Locks and BroadcastChannel.
 */
import puppeteer, { type ElementHandle, type Page } from 'puppeteer-core';
import { binaryOf } from '../scripts/system-deps.ts';
import { waitUntil, type Browser, type EngineDefinition, type PageFunction, type Tab } from './driver.ts';

const TIMEOUT_MS = 10_000;

class PuppeteerTab implements Tab {
  constructor(private readonly page: Page, private readonly origin: string) {
    page.setDefaultTimeout(TIMEOUT_MS);
    page.setDefaultNavigationTimeout(30_000);
  }

  async goto(pathOrUrl: string): Promise<void> {
    await this.page.goto(new URL(pathOrUrl, this.origin).href, { waitUntil: 'load' });
  }

  url(): Promise<string> {
    // Asked of the page: puppeteer's own record misses a page restored from the back/forward cache.
    return this.page.evaluate(() => location.href);
  }

  evaluate<A extends unknown[], R>(fn: PageFunction<A, R>, ...args: A): Promise<R> {
    return this.page.evaluate(fn as (...a: unknown[]) => R, ...args) as Promise<R>;
  }

  /**
   * Looks the element up and acts on it in one go, again until it works: the demo re-renders on every state
   * change (and each second, for the expiry countdown), which defeats puppeteer's locators (they wait for a
   * stable element) and detaches a kept handle.
   */
  private async onElement(selector: string, action: (element: ElementHandle) => Promise<void>): Promise<void> {
    await waitUntil(async () => {
      const element = await this.page.$(selector);
      if (!element) return false;
      try {
        await action(element);
        return true;
      } finally {
        await element.dispose().catch(() => undefined);
      }
    }, `element ${selector}`);
  }

  click(selector: string): Promise<void> {
    return this.onElement(selector, (element) => element.click());
  }

  fill(selector: string, value: string): Promise<void> {
    return this.onElement(selector, async (element) => {
      await element.evaluate((input) => ((input as HTMLInputElement).value = ''));
      await element.type(value);
    });
  }

  async back(): Promise<void> {
    // Not page.goBack(): it waits for a load event, and a page restored from the back/forward cache has none.
    await this.page.evaluate(() => history.back());
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

export const firefox: EngineDefinition = {
  name: 'firefox',
  async launch(spaOrigin) {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: binaryOf('Firefox'),
      headless: true,
      timeout: 30_000,
      // Nothing from the network but the test's own servers: no updates, telemetry or remote settings.
      extraPrefsFirefox: {
        'app.update.enabled': false,
        'datareporting.policy.dataSubmissionEnabled': false,
        'toolkit.telemetry.enabled': false,
        'services.settings.server': 'http://127.0.0.1:1/',
        'network.captive-portal-service.enabled': false,
        'browser.safebrowsing.malware.enabled': false,
        'browser.safebrowsing.phishing.enabled': false,
      },
    });
    const version = (await browser.version()).replace(/^firefox\//i, '');
    const first = (await browser.pages())[0];
    let firstUsed = false;
    const result: Browser = {
      engine: 'Firefox',
      version,
      async newTab() {
        if (!firstUsed && first) {
          firstUsed = true;
          return new PuppeteerTab(first, spaOrigin);
        }
        return new PuppeteerTab(await browser.newPage(), spaOrigin);
      },
      async close() {
        await browser.close();
      },
    };
    return result;
  },
};
