// The HTTP listener over real sockets: the page's files from a fixed table (content types, CSP,
// nosniff), 404 for anything else however it is spelt, /healthz, /metrics through its hook,
// and a listener that survives malformed and slow requests.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../src/config.js';
import { loadPage } from '../src/gateway/page.js';
import { TestClient } from './helpers/client.js';
import { startWebServer, type WebServer } from './helpers/web.js';

let server: WebServer | null = null;
let clients: TestClient[] = [];
let dir = '';

/** A page directory inside a temporary directory that also holds a secret beside it. */
function pageDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'node-chat-http-'));
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  const page = join(dir, 'page');
  mkdirSync(join(page, 'sub'), { recursive: true });
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(page, 'app.js'), 'console.log(1);');
  writeFileSync(join(page, 'style.css'), 'body{}');
  writeFileSync(join(page, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(page, 'sub', 'more.js'), '2;');
  writeFileSync(join(page, 'notes.md'), 'not served: no type for it');
  writeFileSync(join(page, '.env'), 'SECRET=1');
  return page;
}

async function start(overrides: Partial<Config> = {}): Promise<WebServer> {
  server = await startWebServer(overrides, { page: loadPage(pageDir()) });
  return server;
}
const cleanup = async (): Promise<void> => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
};

/** A request written byte for byte (no client library normalising the path); resolves with the whole answer once the server closes. */
async function raw(request: string | Buffer): Promise<string> {
  const c = await TestClient.connect(server!.httpPort);
  clients.push(c);
  c.send(request);
  await c.waitClosed();
  return c.bytes.toString('latin1');
}
const get = (path: string, more = ''): Promise<string> => raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${more}\r\n`);
const status = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const header = (answer: string, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, 'i').exec(answer.slice(0, answer.indexOf('\r\n\r\n') + 2))?.[1];
const body = (answer: string): string => answer.slice(answer.indexOf('\r\n\r\n') + 4);

const files = suite('http: the page');
files.after.each(cleanup);

files('/ is index.html; each file with its content type; CSP, nosniff on every answer', async () => {
  await start();
  const cases: Array<[string, string, string]> = [
    ['/', 'text/html; charset=utf-8', '<!doctype html><title>t</title>'],
    ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>t</title>'],
    ['/app.js', 'text/javascript; charset=utf-8', 'console.log(1);'],
    ['/style.css', 'text/css; charset=utf-8', 'body{}'],
    ['/logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['/sub/more.js', 'text/javascript; charset=utf-8', '2;'],
    ['/app.js?v=3', 'text/javascript; charset=utf-8', 'console.log(1);'],
  ];
  for (const [path, type, text] of cases) {
    const a = await get(path);
    assert.is(status(a), 200, path);
    assert.is(header(a, 'Content-Type'), type, path);
    assert.is(body(a), text, path);
    assert.is(header(a, 'X-Content-Type-Options'), 'nosniff', path);
    const csp = header(a, 'Content-Security-Policy') ?? '';
    assert.match(csp, "default-src 'self'", path);
    assert.match(csp, "script-src 'self';", path);
    assert.not.match(csp, 'unsafe-inline', path);
    assert.match(csp, "connect-src 'self' ws://127.0.0.1 wss://127.0.0.1;", path);
  }
});

files('a Host that could reach into the CSP is left out of it', async () => {
  await start();
  const a = await raw("GET / HTTP/1.1\r\nHost: x; script-src *\r\nConnection: close\r\n\r\n");
  assert.is(status(a), 200);
  assert.match(header(a, 'Content-Security-Policy') ?? '', "connect-src 'self'; ");
  assert.not.match(header(a, 'Content-Security-Policy') ?? '', 'script-src *');
});

files('404 for every other path: traversal raw and encoded, files of no known type, dotfiles', async () => {
  await start();
  const paths = [
    '/nope',
    '/../package.json',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2fsecret.txt',
    '/sub/../../secret.txt',
    '/sub/..%5c..%5csecret.txt',
    '/index.html/..',
    '//index.html',
    '/notes.md',
    '/.env',
    '/app.js%00.html',
    '/%69ndex.html',
    'http://127.0.0.1/../secret.txt',
    '*',
  ];
  for (const path of paths) {
    const a = await get(path);
    assert.ok(status(a) === 404 || status(a) === 400, `${path}: ${a.slice(0, 40)}`);
    assert.not.match(a, 'SECRET', path);
    assert.is(header(a, 'X-Content-Type-Options') ?? 'nosniff', 'nosniff', path);
  }
});

files('HEAD gives the headers and no body; other methods 405', async () => {
  await start();
  const head = await raw('HEAD /app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.is(status(head), 200);
  assert.is(header(head, 'Content-Length'), '15');
  assert.is(body(head), '');
  const post = await raw('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi');
  assert.is(status(post), 405);
  assert.is(header(post, 'Allow'), 'GET, HEAD');
});

files('a plain GET of /ws says it wants an upgrade (426)', async () => {
  await start();
  assert.is(status(await get('/ws')), 426);
});

const ops = suite('http: /healthz and /metrics');
ops.after.each(cleanup);

ops('/healthz: 200 while serving (a single process)', async () => {
  await start();
  const a = await get('/healthz');
  assert.is(status(a), 200);
  assert.is(body(a), 'ok\n');
  assert.is(header(a, 'Cache-Control'), 'no-store');
});

ops('/metrics: 404 until a provider is given, then its text and content type; a provider that fails gives 500', async () => {
  await start();
  assert.is(status(await get('/metrics')), 404);
  server!.web.metrics = { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => 'up 1\n' };
  const a = await get('/metrics');
  assert.is(status(a), 200);
  assert.is(header(a, 'Content-Type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.is(body(a), 'up 1\n');
  server!.web.metrics = { contentType: 'text/plain', text: () => Promise.reject(new Error('no')) };
  assert.is(status(await get('/metrics')), 500);
});

const hostile = suite('http: malformed and slow requests');
hostile.after.each(cleanup);

hostile('garbage, broken request lines and headers get 400 (or a close), and the listener goes on serving', async () => {
  await start();
  const garbage: Array<string | Buffer> = [
    Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]),
    'HELLO\r\n\r\n',
    'GET\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    'GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n',
    `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
    'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
    'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n',
  ];
  for (const g of garbage) {
    const a = await raw(g);
    const code = status(a);
    assert.ok(a === '' || (code >= 400 && code < 500), `${JSON.stringify(String(g).slice(0, 60))}: ${JSON.stringify(a.slice(0, 60))}`);
  }
  assert.is(status(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`)), 431);
  assert.is(status(await get('/')), 200, 'still serving');
  assert.is(server!.gateway.stats().open, 0, 'no half-made WebSocket was left open');
});

hostile('slowloris: headers never finished are cut at the header timeout (408)', async () => {
  await start({ httpHeadersTimeoutSeconds: 1, httpRequestTimeoutSeconds: 2 });
  const c = await TestClient.connect(server!.httpPort);
  clients.push(c);
  c.send('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a');
  await c.waitClosed(10_000);
  assert.is(status(c.bytes.toString('latin1')), 408);
});

hostile('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
  await start({ httpKeepAliveTimeoutSeconds: 1 });
  const c = await TestClient.connect(server!.httpPort);
  clients.push(c);
  c.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await c.waitFor('ok\n');
  assert.match(c.text, 'Keep-Alive: timeout=1');
  await c.waitClosed(10_000);
});

files.run();
ops.run();
hostile.run();
