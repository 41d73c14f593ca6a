// Debian's chromium driven by puppeteer-core, for the tests of the chat page (over HTTP in
// page-browser, over HTTPS in page-browser-tls): launching it, a tab that records what must
// never happen (a dialog, a script error), and the user's gestures (typing a nickname, a line).

import { existsSync } from 'node:fs';
import * as assert from 'uvu/assert';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { TestClient } from './client.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Without chromium the browser tests are skipped and say why; .ci/run installs it. */
export const chromiumPresent = existsSync(CHROMIUM);
/** Upper bound to wait for the page to show something; a guard against hanging, not a timing check. */
export const WAIT_MS = 15_000;

export interface Tab {
  page: Page;
  /** Dialogs that opened (an alert would be one): none may. */
  dialogs: string[];
  /** Uncaught errors in the page's scripts: none may. */
  errors: string[];
}

/** Headless chromium with `args` added to the ones every test needs. */
export function launchChromium(args: string[] = []): Promise<Browser> {
  // pipe: the DevTools connection is the browser's stdin/stdout, so chromium ends when this process does, even when killed.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, pipe: true, args: [
      '--no-sandbox', // chromium refuses to start as root without it
      '--disable-gpu',
      '--disable-dev-shm-usage',
      // Several pages at once, only one in front: the others must not be throttled as background tabs.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      ...args,
    ] });
}

/**
 * A tab in a browser context of its own (its own window, so every page is in front and none is
 * frozen as a background tab, and its own storage, as two people on two machines), watched for
 * dialogs and script errors, not yet on any page.
 */
export async function newTab(browser: Browser, width = 1100, height = 700): Promise<Tab> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const tab: Tab = { page, dialogs: [], errors: [] };
  page.on('dialog', (d) => {
    tab.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => tab.errors.push(String(e)));
  await page.setViewport({ width, height });
  return tab;
}

/** Types `nick` at the prompt, as a user does, and presses Enter. */
export async function answerPrompt(tab: Tab, nick: string): Promise<void> {
  await tab.page.$eval('#nick', (e) => ((e as HTMLInputElement).value = ''));
  await tab.page.focus('#nick');
  await tab.page.keyboard.sendCharacter(nick);
  await tab.page.keyboard.press('Enter');
}

/** The text of `selector` (as the DOM holds it: textContent). */
export const text = (tab: Tab, selector: string): Promise<string> => tab.page.$eval(selector, (e) => e.textContent ?? '');

export async function waitText(tab: Tab, selector: string, wanted: string): Promise<void> {
  try {
    await tab.page.waitForFunction((sel: string, w: string) => (document.querySelector(sel)?.textContent ?? '').includes(w), { timeout: WAIT_MS, polling: 'mutation' }, selector, wanted);
  } catch {
    throw new Error(`${selector} never showed ${JSON.stringify(wanted)}; it shows ${JSON.stringify((await text(tab, selector)).slice(-600))}`);
  }
}

/** A line typed in the message input and sent with Enter. */
export async function type(tab: Tab, line: string): Promise<void> {
  await tab.page.focus('#input');
  await tab.page.keyboard.sendCharacter(line);
  await tab.page.keyboard.press('Enter');
}

/** No dialog opened and no script failed in `tab`. */
export function clean(tab: Tab): void {
  assert.equal(tab.dialogs, [], 'no dialog opened');
  assert.equal(tab.errors, [], 'no script error');
}

/** Waits until a telnet user has read `wanted` (colours aside). */
export const heard = (c: TestClient, wanted: string | RegExp): Promise<void> =>
  c.waitFor((t) => {
    const plain = t.replace(/\x1b\[\d+m/g, '');
    return typeof wanted === 'string' ? plain.includes(wanted) : wanted.test(plain);
  });
