// /ws end to end over real sockets: IRC over WebSocket as the IRCv3 spec says (subprotocols,
// one line per message, UTF-8 and size checks), the Origin allow-list, the caps and limits of
// the IRC edge on this transport, and WebSocket users chatting with telnet and IRC users.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as texts from '../src/edges/telnet/texts.js';
import { MAX_MESSAGE } from '../src/gateway/web.js';
import { TestClient } from './helpers/client.js';
import { ircUser, lines } from './helpers/irc.js';
import { startWebServer, wsUser, WsClient, type WebServer } from './helpers/web.js';
import { waitUntil } from './helpers/wait.js';
import type { Config } from '../src/config.js';

let server: WebServer | null = null;
let clients: Array<{ close(): void }> = [];
const keep = <T extends { close(): void }>(c: T): T => (clients.push(c), c);

async function start(overrides: Partial<Config> = {}): Promise<WebServer> {
  server = await startWebServer(overrides);
  return server;
}
const open = async (protocols?: string[], headers?: Record<string, string>): Promise<WsClient> => keep(await WsClient.open(server!.httpPort, protocols, headers));
const user = async (nick: string, protocols?: string[]): Promise<WsClient> => keep(await wsUser(server!.httpPort, nick, protocols));
/** Telnet text without its colours contains `s`. */
const plain = (s: string) => (text: string) => text.replace(/\x1b\[\d+m/g, '').includes(s);

/** A client's text frame (masked, as RFC 6455 requires of clients; a zero mask leaves the payload as it is). */
function maskedText(line: string): Buffer {
  const payload = Buffer.from(line);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

const cleanup = async (): Promise<void> => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  server = null;
};

const proto = suite('websocket: subprotocols and messages');
proto.after.each(cleanup);

proto('binary.ircv3.net first: agreed, and every message from the server is binary', async () => {
  await start();
  const c = await user('bina', ['binary.ircv3.net', 'text.ircv3.net']);
  assert.is(c.ws.protocol, 'binary.ircv3.net');
  assert.ok(c.messages.length > 5);
  assert.ok(c.messages.every((m) => m.binary), 'all binary');
  assert.match(c.messages[0]!.text, /^:node-chat 001 bina :Welcome/);
});

proto("text.ircv3.net first: agreed (the client's order decides), every message text", async () => {
  await start();
  const c = await user('texta', ['text.ircv3.net', 'binary.ircv3.net']);
  assert.is(c.ws.protocol, 'text.ircv3.net');
  assert.ok(c.messages.every((m) => !m.binary), 'all text');
});

proto('a client offering nothing gets no subprotocol and text messages', async () => {
  await start();
  const none = await user('nothing', []);
  assert.is(none.ws.protocol, '');
  assert.ok(none.messages.every((m) => !m.binary));
});

proto('a client offering only others: the upgrade goes on without a subprotocol (the spec allows it), and messages are text', async () => {
  await start();
  // ws's client gives up when none of its offers is taken, so this one is raw.
  const c = keep(await TestClient.connect(server!.httpPort));
  c.send(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat.example\r\n\r\n`);
  await c.waitFor('\r\n\r\n');
  assert.match(c.text, /^HTTP\/1.1 101 /);
  assert.not.match(c.text.toLowerCase(), 'sec-websocket-protocol');
  const head = c.bytes.length;
  c.send(Buffer.concat([maskedText('NICK rawest'), maskedText('USER r 0 * :R')]));
  await c.waitFor(' 001 rawest ');
  assert.is(c.bytes[head]! & 0x0f, 0x1, 'a text frame');
  assert.is(c.bytes[head]! & 0x80, 0x80, 'FIN');
  assert.is(c.bytes[head + 1]! & 0x80, 0, 'unmasked');
});

proto('one IRC line per message, no CR LF; binary and text messages from the client both read', async () => {
  await start();
  const c = await open(['binary.ircv3.net']);
  c.send(Buffer.from('NICK mixed'), true);
  c.send('USER mixed 0 * :Mixed');
  await c.waitFor(' 422 ');
  assert.ok(c.messages.every((m) => !m.text.includes('\r') && !m.text.includes('\n')), 'no line ends in messages');
  c.send('JOIN #lobby\r\n'); // a trailing CR LF is tolerated
  await c.waitFor(' 366 mixed #lobby ');
  const names = c.messages.find((m) => / 353 mixed /.test(m.text));
  assert.ok(names, 'NAMES came as a message of its own');
});

proto('invalid UTF-8 in a text message: closed with 1007; in a binary one: U+FFFD, and the connection stays', async () => {
  await start();
  const b = await user('bytes', ['binary.ircv3.net']);
  const peer = await user('peer');
  peer.send('JOIN #lobby');
  await peer.waitFor(' 366 peer #lobby ');
  b.send('JOIN #lobby');
  await peer.waitFor(':bytes!~u@node-chat JOIN #lobby');
  b.send(Buffer.from([...Buffer.from('PRIVMSG #lobby :caf'), 0xe9, 0x21]), true);
  await peer.waitFor('PRIVMSG #lobby :caf\uFFFD!');
  const t = await user('texty');
  t.send(Buffer.from([...Buffer.from('PRIVMSG #lobby :caf'), 0xe9]), false); // ws sends it as a text frame, unchecked
  assert.is(await t.waitClosed(), 1007);
  assert.is(b.closeCode, null, 'the binary one is still connected');
});

proto('a message over the IRC line limit (tags included) is closed with 1009; a long line under it gets 417', async () => {
  await start();
  const c = await user('big');
  c.send(`PRIVMSG #lobby :${'x'.repeat(600)}`);
  await c.waitFor(' 417 big :Input line was too long');
  assert.is(c.closeCode, null);
  c.send('x'.repeat(MAX_MESSAGE + 1));
  assert.is(await c.waitClosed(), 1009);
  await waitUntil(() => server!.gateway.stats().open === 0, { timeoutMs: 5000, failure: () => 'the connection stays open on the server' });
});

proto('permessage-deflate: refused by default; with --ws-deflate on, compressed messages from the client are read', async () => {
  await start();
  const plainOne = keep(await WsClient.open(server!.httpPort, ['text.ircv3.net'], {}, '/ws', true));
  assert.is(plainOne.ws.extensions, '', 'not agreed by default');
  await cleanup();
  await start({ wsDeflate: true });
  const c = keep(await WsClient.open(server!.httpPort, ['text.ircv3.net'], {}, '/ws', true));
  assert.match(c.ws.extensions, 'permessage-deflate');
  c.send('NICK squeezed');
  c.send('USER s 0 * :S');
  await c.waitFor(' 422 squeezed ');
  c.send('JOIN #lobby');
  await c.waitFor(' 366 squeezed #lobby ');
});

const origin = suite('websocket: Origin');
origin.after.each(cleanup);

origin("default: the page's own origin is let in, another site's is refused with 403, and no Origin (not a browser) is let in", async () => {
  await start();
  const own = `http://127.0.0.1:${server!.httpPort}`;
  await open(['text.ircv3.net'], { Origin: own });
  await open(['text.ircv3.net']);
  let refused = '';
  await WsClient.open(server!.httpPort, ['text.ircv3.net'], { Origin: 'https://evil.example' }).catch((err: Error) => (refused = err.message));
  assert.is(refused, 'HTTP 403');
  refused = '';
  await WsClient.open(server!.httpPort, ['text.ircv3.net'], { Origin: 'null' }).catch((err: Error) => (refused = err.message));
  assert.is(refused, 'HTTP 403');
  refused = '';
  await WsClient.open(server!.httpPort, ['text.ircv3.net'], { Origin: `http://127.0.0.1:${server!.httpPort + 1}` }).catch((err: Error) => (refused = err.message));
  assert.is(refused, 'HTTP 403', 'another port is another origin');
  assert.is(server!.gateway.stats().open, 2);
});

origin('--ws-origins: exactly the listed origins', async () => {
  await start({ wsOrigins: 'https://chat.example.org, http://localhost:8080' });
  await open(['text.ircv3.net'], { Origin: 'https://chat.example.org' });
  await open(['text.ircv3.net'], { Origin: 'http://localhost:8080' });
  let refused = '';
  await WsClient.open(server!.httpPort, ['text.ircv3.net'], { Origin: `http://127.0.0.1:${server!.httpPort}` }).catch((err: Error) => (refused = err.message));
  assert.is(refused, 'HTTP 403', 'not listed, though the same host');
});

origin('an upgrade on another path is 404', async () => {
  await start();
  let refused = '';
  await WsClient.open(server!.httpPort, ['text.ircv3.net'], {}, '/other').catch((err: Error) => (refused = err.message));
  assert.is(refused, 'HTTP 404');
});

const limits = suite('websocket: the IRC edge limits on this transport');
limits.after.each(cleanup);

limits('the total cap: one past it gets the ERROR saying why, then a close (1013)', async () => {
  await start({ maxConnections: 2 });
  await open();
  await keep(await TestClient.connect(server!.port)).waitFor('please write your name');
  const third = await open();
  assert.is(await third.waitClosed(), 1013);
  assert.match(third.text, 'ERROR :Closing link: the server is full (2 connections), try again later');
});

limits('registration timeout: a WebSocket that never registers is told and closed', async () => {
  await start({ registerTimeoutSeconds: 1 });
  const c = await open();
  await c.waitClosed();
  assert.match(c.text, 'ERROR :Closing link: no nickname chosen in 1 seconds, goodbye');
});

limits('keepalive: a quiet client is pinged, and dropped when it never answers', async () => {
  await start({ pingSeconds: 100, pingTimeoutSeconds: 50 });
  const c = await user('quiet');
  const t0 = performance.now();
  server!.gateway.keepalive(t0 + 200_000);
  await c.waitFor('PING :node-chat');
  server!.gateway.keepalive(t0 + 300_000);
  await c.waitClosed();
  assert.match(c.text, 'ERROR :Closing link: ping timeout');
});

limits('the flood throttle: a client that keeps flooding is dropped with an ERROR that says why', async () => {
  await start({ floodRate: 1, floodBurst: 3, floodKickSeconds: 0 }); // registration takes two of the burst
  const c = await user('flood');
  for (let i = 0; i < 5; i++) c.send(`PRIVMSG #lobby :${i}`);
  await c.waitClosed(10_000);
  assert.match(c.text, 'ERROR :Closing link: flooding: too many lines for too long, goodbye');
});

limits('a WebSocket client that stops reading is cut off at the send-queue cap; the others keep up', async () => {
  await start({ sendQueue: 256 * 1024 });
  const sender = keep(await TestClient.named(server!.port, 'sender'));
  const reader = keep(await TestClient.named(server!.port, 'reader'));
  const stalled = await user('stalled');
  stalled.send('JOIN #lobby');
  await reader.waitFor('stalled joined the room');
  stalled.ws.pause(); // stops reading: the kernel buffers fill, then the server's queue
  reader.clear();
  reader.socket.removeAllListeners('data');
  let count = 0;
  let sawLeave = false;
  const leave = Buffer.from(texts.left('stalled', 'lobby'));
  let tail = Buffer.alloc(0);
  reader.socket.on('data', (d: Buffer) => {
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) count++;
    if (Buffer.concat([tail, d]).includes(leave)) sawLeave = true;
    tail = Buffer.from(d.subarray(-leave.length));
  });
  const until = (ok: () => boolean, ms: number): Promise<void> => waitUntil(ok, { timeoutMs: ms, pollMs: 5, failure: () => `timed out (${count} lines)` });
  const line = 'x'.repeat(400);
  const total = 60_000; // ≈ 25 MB to the stalled one: more than loopback buffers plus the cap
  for (let sent = 0; sent < total && !sawLeave; ) {
    let chunk = '';
    for (let i = 0; i < 100; i++, sent++) chunk += `${line} ${sent}\n`;
    sender.send(chunk);
    await until(() => count >= sent || sawLeave, 10_000);
  }
  await until(() => sawLeave, 30_000);
  assert.is(server!.gateway.stats().open, 2, 'the stalled connection is gone from the server');
  stalled.ws.resume();
  await stalled.waitClosed(30_000);
});

const chat = suite('websocket: one chat with telnet and IRC users');
chat.after.each(cleanup);

chat('a WebSocket IRC user, a telnet user and a TCP IRC user chat in one room, every way', async () => {
  await start();
  const web = await user('webby');
  const tel = keep(await TestClient.named(server!.port, 'tel'));
  const irc = keep(await ircUser(server!.ircPort, 'ircy'));
  web.send('JOIN #lobby');
  irc.send('JOIN #lobby\r\n');
  await tel.waitFor(plain('ircy joined the room'));
  await tel.waitFor(plain('webby joined the room'));
  await web.waitFor(':ircy!~u@node-chat JOIN #lobby');
  web.send('PRIVMSG #lobby :hello from the browser');
  await tel.waitFor(plain('webby: hello from the browser'));
  await irc.waitFor(':webby!~u@node-chat PRIVMSG #lobby :hello from the browser');
  tel.send('hi webby\r\n');
  await web.waitFor(':tel!~u@node-chat PRIVMSG #lobby :hi webby');
  await irc.waitFor(':tel!~u@node-chat PRIVMSG #lobby :hi webby');
  irc.send('PRIVMSG #lobby :\x01ACTION waves\x01\r\n');
  await web.waitFor(':ircy!~u@node-chat PRIVMSG #lobby :\x01ACTION waves\x01');
  await tel.waitFor(plain('* ircy waves'));
  tel.send('/msg webby psst\r\n');
  await web.waitFor(':tel!~u@node-chat PRIVMSG webby :psst');
  web.send('QUIT :bye');
  assert.is(await web.waitClosed(), 1000);
  await tel.waitFor(plain('webby left the room'));
  await irc.waitFor(':webby!~u@node-chat QUIT :Quit: bye');
  assert.ok(lines(irc).every((l) => !l.includes('\n')));
});

chat('1,000 WebSocket clients join and chat: each receives every line once, in order', async () => {
  await start();
  const n = 1000;
  const senders = 10;
  const perSender = 10;
  const port = server!.httpPort;
  const users: WsClient[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => wsUser(port, `w${i + k}`, [k % 2 === 0 ? 'text.ircv3.net' : 'binary.ircv3.net'])));
    for (const u of batch) {
      keep(u);
      users.push(u);
      u.send('JOIN #crowd');
    }
  }
  await Promise.all(users.map((u, i) => u.waitFor(` 366 w${i} #crowd `, 60_000)));
  // The last joiner is in: everyone has joined. Now some of them speak.
  await users[0]!.waitFor(`:w${n - 1}!~u@node-chat JOIN #crowd`, 60_000);
  for (let s = 0; s < senders; s++) for (let k = 0; k < perSender; k++) users[s]!.send(`PRIVMSG #crowd :line ${s}.${k}`);
  const expected = (i: number): number => senders * perSender - (i < senders ? perSender : 0);
  const said = (u: WsClient): string[] => u.messages.filter((m) => m.text.includes(' PRIVMSG #crowd :line ')).map((m) => m.text);
  await Promise.all(users.map((u, i) => waitUntil(() => said(u).length >= expected(i), { timeoutMs: 120_000, pollMs: 50, failure: () => `w${i} got ${said(u).length} of ${expected(i)}` })));
  for (let i = 0; i < n; i++) {
    const got = said(users[i]!);
    assert.is(got.length, expected(i), `w${i}: every line once`);
    for (let s = 0; s < senders; s++) {
      if (s === i) continue;
      const mine = got.filter((t) => t.startsWith(`:w${s}!`)).map((t) => t.slice(t.indexOf(':line ') + 6));
      assert.equal(mine, Array.from({ length: perSender }, (_, k) => `${s}.${k}`), `w${i}: w${s}'s lines in order`);
    }
  }
});

proto.run();
origin.run();
limits.run();
chat.run();
