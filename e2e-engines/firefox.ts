/**
 * Firefox (Debian's firefox-esr) through puppeteer-core over WebDriver BiDi. Playwright's BiDi Firefox
 * starts this build but cannot open a page in it (`emulation.setMediaFeaturesOverride: unknown command`);
 * puppeteer-core can. One browser, one profile: every tab shares IndexedDB, Web Locks and BroadcastChannel.
 */
import puppeteer, { type Page } from 'puppeteer-core';
import { binaryOf } from '../scripts/system-deps.ts';
import type { Browser, EngineDefinition, PageFunction, Tab } from './driver.ts';

const TIMEOUT_MS = 10_000;

class PuppeteerTab implements Tab {
  constructor(private readonly page: Page, private readonly origin: string) {
    page.setDefaultTimeout(TIMEOUT_MS);
    page.setDefaultNavigationTimeout(30_000);
  }

  async goto(pathOrUrl: string): Promise<void> {
    await this.page.goto(new URL(pathOrUrl, this.origin).href, { waitUntil: 'load' });
  }

  async url(): Promise<string> {
    return this.page.url();
  }

  evaluate<A extends unknown[], R>(fn: PageFunction<A, R>, ...args: A): Promise<R> {
    return this.page.evaluate(fn as (...a: unknown[]) => R, ...args) as Promise<R>;
  }

  async click(selector: string): Promise<void> {
    await this.page.locator(selector).click();
  }

  async fill(selector: string, value: string): Promise<void> {
    await this.page.locator(selector).fill(value);
  }

  async back(): Promise<void> {
    await this.page.goBack({ waitUntil: 'load' });
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
