// The chat page over HTTPS in a real browser: the server binary with --https-port 0 and a
// certificate made by openssl at test time, and Debian's chromium told to trust exactly that
// certificate's key (--ignore-certificate-errors-spki-list: the SHA-256 of its public key, so any
// other certificate is still refused, as the first test shows). The page must load over https,
// open its WebSocket as wss:// to its own origin, under the CSP the HTTPS listener sends, and chat
// with a telnet user both ways. Skipped, saying why, only where chromium is not installed.

import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'puppeteer-core';
import { untilListening } from '../bench/child.js';
import { answerPrompt, CHROMIUM, chromiumPresent as present, clean, heard, launchChromium, newTab, waitText, WAIT_MS, type Tab } from './helpers/browser.js';
import { makeCertificate, tempDir } from './helpers/certs.js';
import { TestClient } from './helpers/client.js';
import { start, stopAll, type Proc } from './fixtures/processes.js';

const SERVER = fileURLToPath(new URL('../src/main.js', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';

const tmp = tempDir('node-chat-https-page-');
const served = makeCertificate(tmp.dir, 'served');
/** Another key, never trusted: a server with it must be refused by the same browser. */
const stranger = makeCertificate(tmp.dir, 'stranger');

/** What chromium's --ignore-certificate-errors-spki-list takes: base64 of the SHA-256 of the DER SubjectPublicKeyInfo. */
function spkiHash(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

let browser: Browser | undefined;
let server: Proc | undefined;
const ports = { telnet: 0, https: 0 };
// uvu 0.5.6 swallows an error thrown in a `before` hook: the set-up keeps it, and each test checks it first.
let setupError: string | undefined;
const setUp = (): void => assert.ok(setupError === undefined, setupError);
let tabs: Tab[] = [];
let sockets: TestClient[] = [];

const s = suite('the chat page over HTTPS and WSS in chromium');
s.before(async () => {
  if (!present) return;
  if (!existsSync(SERVER)) return void (setupError = `${SERVER} is missing: build first (npm run build)`);
  server = start(process.execPath, [SERVER, '--port', '0', '--host', '127.0.0.1', '--workers', '1', '--flood-rate', '0', '--irc-port', 'off', '--http-port', 'off',
    '--tls-cert', served.certFile, '--tls-key', served.keyFile, '--tls-port', 'off', '--irc-tls-port', 'off', '--https-port', '0'], 'server');
  try {
    ports.telnet = (await untilListening(server.child, 'server', WAIT_MS)).port;
    ports.https = Number(/HTTPS on port (\d+)/.exec(server.stdout)?.[1] ?? NaN);
    if (!Number.isInteger(ports.https) || ports.https === 0) return void (setupError = `no HTTPS port in the startup line: ${server.stdout}`);
    // No acceptInsecureCerts: chromium checks every certificate, and lets this one key through.
    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiHash(served.certFile)}`]);
  } catch (error) {
    setupError = String(error);
  }
});
s.after.each(async () => {
  for (const t of tabs) await t.page.browserContext().close();
  for (const c of sockets) c.close();
  tabs = [];
  sockets = [];
});
s.after(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await stopAll();
  tmp.remove();
});

const tab = async (): Promise<Tab> => {
  const t = await newTab(browser!);
  tabs.push(t);
  return t;
};

const telnet = async (nick: string): Promise<TestClient> => {
  const c = await TestClient.named(ports.telnet, nick);
  sockets.push(c);
  return c;
};

const run = (name: string, fn: () => Promise<void>): void => {
  if (present) s(name, fn);
  else s.skip(name, fn);
};
if (!present) console.log(`page-browser-tls: skipped: ${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`);

run('chromium trusts the served key only: a server with another self-signed certificate is refused', async () => {
  setUp();
  const other = https.createServer({ cert: readFileSync(stranger.certFile), key: readFileSync(stranger.keyFile) }, (_req, res) => res.end('should not be shown\n'));
  other.listen(0, '127.0.0.1');
  await once(other, 'listening');
  try {
    const t = await tab();
    const refused = await t.page.goto(`https://127.0.0.1:${(other.address() as AddressInfo).port}/`).then(() => 'loaded', (e: unknown) => String(e));
    assert.match(refused, 'net::ERR_CERT_AUTHORITY_INVALID');
  } finally {
    other.closeAllConnections();
    other.close();
  }
});

run('the page over https opens wss:// to its own origin, allowed by the CSP, and chats with a telnet user both ways; HTML is text', async () => {
  setUp();
  const origin = `https://127.0.0.1:${ports.https}`;
  const t = await tab();
  // What the page's WebSocket does, as chromium's network layer reports it.
  const cdp = await t.page.createCDPSession();
  const webSockets: { url?: string; status?: number; origin?: string }[] = [];
  const byId = new Map<string, { url?: string; status?: number; origin?: string }>();
  const entry = (id: string): { url?: string; status?: number; origin?: string } => {
    let e = byId.get(id);
    if (e === undefined) byId.set(id, (e = {})), webSockets.push(e);
    return e;
  };
  cdp.on('Network.webSocketCreated', (e) => void (entry(e.requestId).url = e.url));
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
    const got = entry(e.requestId);
    got.status = e.response.status;
    const headers = e.response.requestHeaders ?? {};
    got.origin = headers.Origin ?? headers.origin;
  });
  await cdp.send('Network.enable');
  // A CSP that blocked anything (the WebSocket above all) would say so in this event.
  await t.page.evaluateOnNewDocument(() => {
    const seen: string[] = [];
    (window as unknown as { violations: string[] }).violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });

  const response = await t.page.goto(`${origin}/`);
  assert.ok(response !== null, 'the page answered');
  assert.is(response.status(), 200);
  assert.is(response.url(), `${origin}/`);
  assert.match(response.securityDetails()?.protocol() ?? 'none', /^TLS 1\.[23]$/);
  const csp = response.headers()['content-security-policy'] ?? '';
  assert.match(csp, `connect-src 'self' wss://127.0.0.1:${ports.https};`, 'wss:// of its own host');
  assert.not.match(csp, 'ws://', 'nothing in the clear from a page served over TLS');

  const carol = await telnet('carol');
  await answerPrompt(t, 'alice');
  await waitText(t, '#title', '#lobby');
  await waitText(t, '#status', 'Connected as alice');
  await heard(carol, 'alice joined the room');
  assert.equal(webSockets, [{ url: `wss://127.0.0.1:${ports.https}/ws`, status: 101, origin }], 'one WebSocket, wss:// to the page\'s own origin, upgraded');
  assert.is(await t.page.evaluate(() => location.protocol), 'https:');

  await t.page.focus('#input');
  await t.page.keyboard.sendCharacter(`from the page over wss ${XSS}`);
  await t.page.keyboard.press('Enter');
  await heard(carol, `alice: from the page over wss ${XSS}`);
  carol.send(`from telnet ${XSS}\r\n`);
  await waitText(t, '#log', `carol: from telnet ${XSS}`);
  assert.is(await t.page.evaluate(() => document.querySelectorAll('#log img').length), 0, 'the HTML line is text');
  assert.equal(await t.page.evaluate(() => (window as unknown as { violations: string[] }).violations), [], 'no CSP violation');
  clean(t);
});

s.run();
