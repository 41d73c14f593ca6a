// The chat page in a real browser (Debian's chromium, driven by puppeteer-core): pages and telnet
// users chat in the same rooms through the real HTTP listener and /ws. Skipped, saying why, only
// where chromium is not installed; .ci/run installs it.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'puppeteer-core';
import { answerPrompt, CHROMIUM, chromiumPresent as present, clean, heard, launchChromium, newTab, text, type, waitText, WAIT_MS, type Tab } from './helpers/browser.js';
import { TestClient } from './helpers/client.js';
import { ircUser } from './helpers/irc.js';
import { startWebServer, type WebServer } from './helpers/web.js';

/** With UPDATE_SCREENSHOT=1 the README's picture is written again; otherwise the test's goes under dist/. */
const SCREENSHOT = fileURLToPath(new URL(process.env.UPDATE_SCREENSHOT === '1' ? '../../docs/screenshot.png' : './page-screenshot.png', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';
mkdirSync(dirname(SCREENSHOT), { recursive: true });

let browser: Browser;
let server: WebServer;
let tabs: Tab[] = [];
let sockets: TestClient[] = [];

const s = suite('the chat page in chromium');
s.before(async () => {
  if (!present) return;
  browser = await launchChromium();
});
s.after(async () => {
  await browser?.close();
});
s.before.each(async () => {
  if (!present) return;
  server = await startWebServer();
});
s.after.each(async () => {
  if (!present) return;
  for (const t of tabs) await t.page.browserContext().close();
  for (const c of sockets) c.close();
  tabs = [];
  sockets = [];
  await server.close();
});

/** A browser tab on the server's page (a phone's width with `width`), not yet named. */
async function visit(width = 1100, height = 700): Promise<Tab> {
  const tab = await newTab(browser, width, height);
  await tab.page.goto(`http://127.0.0.1:${server.httpPort}/`);
  tabs.push(tab);
  return tab;
}

/** A tab named `nick`, in #lobby. */
async function chatter(nick: string, width?: number): Promise<Tab> {
  const tab = await visit(width);
  await answerPrompt(tab, nick);
  await waitText(tab, '#title', '#lobby');
  await waitText(tab, '#log', `${nick} joined #lobby`);
  return tab;
}

const telnet = async (nick: string): Promise<TestClient> => {
  const c = await TestClient.named(server.port, nick);
  sockets.push(c);
  return c;
};

/** Clicks the conversation tab named `name`. */
async function showTab(tab: Tab, name: string): Promise<void> {
  const handles = await tab.page.$$('#tabs [role="tab"]');
  for (const h of handles) {
    if ((await h.evaluate((e) => e.querySelector('.tab-name')?.textContent)) === name) {
      await h.click();
      await waitText(tab, '#title', name);
      return;
    }
  }
  throw new Error(`no tab ${name}; tabs: ${await text(tab, '#tabs')}`);
}

const members = (tab: Tab): Promise<string[]> => tab.page.$$eval('#members .member', (els) => els.map((e) => e.textContent ?? ''));

const run = (name: string, fn: () => Promise<void>): void => {
  if (present) s(name, fn);
  else s.skip(name, fn);
};
if (!present) console.log(`page-browser: skipped: ${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`);

run('a refused nickname shows the server reason at the prompt; another one enters #lobby', async () => {
  await telnet('carol');
  const tab = await visit();
  await answerPrompt(tab, '9lives');
  await waitText(tab, '#login-error', '9lives: Erroneous nickname');
  await answerPrompt(tab, 'Carol');
  await waitText(tab, '#login-error', 'Carol: Nickname is already in use');
  assert.ok(await tab.page.$eval('#app', (e) => (e as HTMLElement).hidden), 'the chat stays hidden while refused');
  await answerPrompt(tab, 'alice');
  await waitText(tab, '#title', '#lobby');
  await waitText(tab, '#status', 'Connected as alice');
  assert.equal(await tab.page.evaluate(() => document.activeElement?.id), 'input', 'the message input has the focus');
  clean(tab);
});

run('two pages and a telnet user chat in #lobby and in #dev; actions, unread counts, private talk', async () => {
  const carol = await telnet('carol');
  const alice = await chatter('alice');
  await heard(carol, 'alice joined the room');
  const bob = await chatter('bob');
  await waitText(alice, '#log', 'bob joined #lobby');
  assert.equal((await members(alice)).sort(), ['alice', 'bob', 'carol']);

  await type(alice, 'hello from the page');
  await waitText(bob, '#log', 'alice: hello from the page');
  await heard(carol, 'alice: hello from the page');
  carol.send('hi from telnet\r\n');
  await waitText(alice, '#log', 'carol: hi from telnet');
  await waitText(bob, '#log', 'carol: hi from telnet');
  await type(bob, '/me waves');
  await waitText(alice, '#log', '* bob waves');
  await heard(carol, '* bob waves');

  // A second room: alice and bob join it from the page, carol moves there by telnet.
  await type(alice, '/join dev');
  await waitText(alice, '#title', '#dev');
  await bob.page.click('#rooms-refresh');
  await bob.page.waitForSelector('#rooms [data-room="#dev"]', { timeout: WAIT_MS });
  await bob.page.click('#rooms [data-room="#dev"]');
  await waitText(bob, '#title', '#dev');
  await waitText(alice, '#log', 'bob joined #dev');
  carol.send('/join dev\r\n');
  await waitText(alice, '#log', 'carol joined #dev');
  await type(bob, 'in dev now');
  await waitText(alice, '#log', 'bob: in dev now');
  await heard(carol, 'bob: in dev now');
  // alice made #dev, so she is its operator (@, first in the list), and may set its topic.
  assert.equal((await members(alice))[0], '@alice');
  await type(alice, '/topic the web page, with telnet');
  await waitText(bob, '#topic', 'the web page, with telnet');
  await heard(carol, 'alice set the topic: the web page, with telnet');
  carol.send('dev talk\r\n');
  await waitText(bob, '#log', 'carol: dev talk');
  await type(alice, '/me looks at the tab counts');
  await heard(carol, '* alice looks at the tab counts');
  // The room list's counts follow the rooms' members.
  await alice.page.waitForFunction(() => document.querySelector('#rooms [data-room="#dev"] .count')?.textContent === '3', { timeout: WAIT_MS, polling: 'mutation' });

  // A line in #lobby while alice looks at #dev: #lobby's tab counts it.
  await showTab(bob, '#lobby');
  await type(bob, 'anyone in the lobby?');
  await alice.page.waitForFunction(() => [...document.querySelectorAll('#tabs .tab')].some((t) => t.textContent === '#lobby1'), { timeout: WAIT_MS, polling: 'mutation' });
  assert.equal(await alice.page.evaluate(() => document.title), '(1) node-chat');
  await showTab(alice, '#lobby');
  await waitText(alice, '#log', 'bob: anyone in the lobby?');
  assert.equal(await alice.page.evaluate(() => document.title), 'node-chat', 'read once shown');

  // A private message opens its own tab; Alt+Down switches tabs by keyboard.
  carol.send('/msg alice psst\r\n');
  await alice.page.waitForFunction(() => [...document.querySelectorAll('#tabs .tab-name')].some((t) => t.textContent === 'carol'), { timeout: WAIT_MS, polling: 'mutation' });
  await showTab(alice, 'carol');
  await waitText(alice, '#log', 'carol: psst');
  await type(alice, 'hi carol, privately');
  await heard(carol, 'alice (private): hi carol, privately');
  await showTab(alice, '#dev');
  await alice.page.focus('#input');
  await alice.page.keyboard.down('Alt');
  await alice.page.keyboard.press('ArrowDown');
  await alice.page.keyboard.up('Alt');
  await waitText(alice, '#title', 'carol (private)');
  await showTab(alice, '#dev');
  await alice.page.bringToFront(); // a tab behind another paints no frame to capture
  await alice.page.screenshot({ path: SCREENSHOT });
  clean(alice);
  clean(bob);
});

run('joins, leaves and renames show, and the member list follows them', async () => {
  const alice = await chatter('alice');
  const carol = await telnet('carol');
  await waitText(alice, '#log', 'carol joined #lobby');
  await alice.page.waitForFunction(() => document.querySelector('#members')?.textContent?.includes('carol'), { timeout: WAIT_MS, polling: 'mutation' });
  carol.send('/nick caroline\r\n');
  await waitText(alice, '#log', 'carol is now known as caroline');
  await alice.page.waitForFunction(() => document.querySelector('#members')?.textContent?.includes('caroline'), { timeout: WAIT_MS, polling: 'mutation' });
  assert.equal((await members(alice)).sort(), ['alice', 'caroline']);
  const bob = await chatter('bob');
  await type(bob, '/nick robert');
  await waitText(alice, '#log', 'bob is now known as robert');
  await waitText(bob, '#status', 'Connected as robert');
  await type(bob, '/part');
  await waitText(alice, '#log', 'robert left #lobby');
  carol.send('/quit bye now\r\n');
  await waitText(alice, '#log', 'caroline left the chat (Quit: bye now)');
  assert.equal(await members(alice), ['alice']);
  await type(alice, '/who');
  await waitText(alice, '#log', 'in #lobby: alice');
  clean(alice);
  clean(bob);
});

run("a room's earlier lines show on joining (draft/chathistory), greyed, before the join, and are not unread", async () => {
  const carol = await telnet('carol');
  carol.send('said before you came\r\n');
  carol.send('/me waves at the empty room\r\n');
  carol.send('/who\r\n'); // answered after her lines are in the room: dana joins after them
  await heard(carol, 'in the room: carol');
  const dana = await chatter('dana');
  await waitText(dana, '#log', 'carol: said before you came');
  const shown = await dana.page.$$eval('#log .line', (els) => els.map((e) => ({ text: e.querySelector('.body')?.textContent ?? '', history: e.classList.contains('history') })));
  assert.equal(shown, [
    { text: 'carol: said before you came', history: true },
    { text: '* carol waves at the empty room', history: true },
    { text: '» dana joined #lobby', history: false },
  ]);
  assert.equal(await dana.page.evaluate(() => document.title), 'node-chat', 'history is not unread');
  clean(dana);
});

run('"Load earlier messages" asks for the lines before the oldest shown (CHATHISTORY BEFORE), each shown once, in order', async () => {
  const carol = await telnet('carol');
  carol.send(Array.from({ length: 60 }, (_, i) => `line ${i}\r\n`).join('') + '/who\r\n');
  await heard(carol, 'in the room: carol');
  const dana = await chatter('dana');
  await waitText(dana, '#log', 'carol: line 59');
  const bodies = (): Promise<string[]> => dana.page.$$eval('#log .line .body', (els) => els.map((e) => e.textContent ?? '').filter((t) => t.startsWith('carol: line')));
  assert.equal((await bodies())[0], 'carol: line 10', 'the last 50 on joining');
  await dana.page.click('#earlier');
  await waitText(dana, '#log', 'carol: line 0');
  assert.equal(await bodies(), Array.from({ length: 60 }, (_, i) => `carol: line ${i}`), 'all sixty, once each, in order');
  await dana.page.click('#earlier');
  await new Promise((r) => setTimeout(r, 300)); // nothing earlier: a second click changes nothing
  assert.equal((await bodies()).length, 60);
  clean(dana);
});

run('text is text: an HTML nickname, line and topic show literally, no script runs; IRC formatting is styled', async () => {
  const alice = await chatter('alice');
  const evil = await telnet('<img/src=x/onerror=alert(1)>');
  await waitText(alice, '#log', '<img/src=x/onerror=alert(1)> joined #lobby');
  evil.send(`${XSS}\r\n`);
  await waitText(alice, '#log', `<img/src=x/onerror=alert(1)>: ${XSS}`);
  evil.send(`/topic <script>alert(2)</script>\r\n`);
  await waitText(alice, '#topic', '<script>alert(2)</script>');
  const irc = await ircUser(server.ircPort, 'ircbob');
  sockets.push(irc);
  irc.send('JOIN #lobby\r\n');
  await waitText(alice, '#log', 'ircbob joined #lobby');
  irc.send('PRIVMSG #lobby :\x02bold\x02 and \x0304red\x03 and \x1b[31mno escape\r\n');
  await waitText(alice, '#log', 'ircbob: bold and red and [31mno escape');
  const shown = await alice.page.evaluate(() => ({
    images: document.querySelectorAll('img, script:not([src])').length,
    bold: [...document.querySelectorAll('#log .b')].map((e) => e.textContent),
    red: [...document.querySelectorAll('#log .fg4')].map((e) => e.textContent),
    controls: /[\x00-\x08\x0b-\x1f\x7f]/.test(document.querySelector('#log')?.textContent ?? ''),
  }));
  assert.equal(shown, { images: 0, bold: ['bold'], red: ['red'], controls: false });
  clean(alice);
});

run('a page reconnects after the server restarts, says so, and is back in its rooms', async () => {
  const alice = await chatter('alice');
  await type(alice, '/join dev');
  await waitText(alice, '#title', '#dev');
  const port = server.httpPort;
  await server.close();
  await waitText(alice, '#status', 'Connection lost, reconnecting in');
  server = await startWebServer({}, { httpPort: port });
  await waitText(alice, '#status', 'Reconnected as alice; back in #lobby, #dev');
  await waitText(alice, '#log', 'Reconnected');
  const carol = await telnet('carol');
  carol.send('/who\r\n');
  await heard(carol, /in the room: .*alice/);
  await showTab(alice, '#lobby');
  await waitText(alice, '#log', 'carol joined #lobby');
  await type(alice, 'back again');
  await heard(carol, 'alice: back again');
  clean(alice);
});

run('at phone width the page fits the screen and works by keyboard alone', async () => {
  const tab = await visit(360, 720);
  await tab.page.keyboard.sendCharacter('pat');
  await tab.page.keyboard.press('Enter');
  await waitText(tab, '#title', '#lobby');
  const layout = await tab.page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth > window.innerWidth,
    roomsOpen: (document.getElementById('rooms-panel') as HTMLDetailsElement).open,
    input: document.getElementById('input')?.getBoundingClientRect().right ?? 0,
  }));
  assert.equal(layout.overflow, false, 'nothing wider than the screen');
  assert.equal(layout.roomsOpen, false, 'side panels start folded');
  assert.ok(layout.input <= 360, 'the input is on screen');
  await tab.page.keyboard.sendCharacter('/join keys');
  await tab.page.keyboard.press('Enter');
  await waitText(tab, '#title', '#keys');
  // In the tab strip, arrows move between tabs and the shown conversation follows.
  await tab.page.focus('#tabs [aria-selected="true"]');
  await tab.page.keyboard.press('ArrowUp');
  await waitText(tab, '#title', '#lobby');
  const focus = await tab.page.evaluate(() => ({ tab: document.activeElement?.getAttribute('data-key'), outline: getComputedStyle(document.activeElement as Element).outlineStyle }));
  assert.equal(focus, { tab: '#lobby', outline: 'solid' }, 'the focused tab is the one shown, with a visible outline');
  await tab.page.keyboard.press('Escape');
  assert.equal(await tab.page.evaluate(() => document.activeElement?.id), 'input');
  clean(tab);
});

s.run();
