// TLS end to end, in process, with every listener wired as main.ts wires them (src/listeners.ts)
// and a certificate made at test time: telnet, IRC and HTTPS/WSS over TLS next to the plain
// listeners, the protocol floor, what a plain-text or silent client on a TLS port gets, sts, and
// a certificate reload that drops no one.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import WebSocket from 'ws';
import { defaultConfig, type Config } from '../src/config.js';
import { telnetEdge } from '../src/edges/telnet/edge.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { openListeners, type Listeners } from '../src/listeners.js';
import { makeCertificate, tempDir } from './helpers/certs.js';
import { TestClient } from './helpers/client.js';
import { ircOptions } from './helpers/irc.js';
import { telnetGateway } from './helpers/server.js';
import { waitUntil } from './helpers/wait.js';

const tmp = tempDir();
const first = makeCertificate(tmp.dir, 'first');
const second = makeCertificate(tmp.dir, 'second');
/** The files the server reads (at start and on reload): the tests change them. */
const live = { certFile: join(tmp.dir, 'live.pem'), keyFile: join(tmp.dir, 'live.key') };

interface TlsServer {
  gateway: Gateway;
  port: number;
  ports: Listeners['ports'];
  listeners: Listeners;
  close(): Promise<void>;
}

let server: TlsServer;
let clients: TestClient[] = [];
let sockets: net.Socket[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);

async function startTls(overrides: Partial<Config> = {}): Promise<TlsServer> {
  copyFileSync(first.certFile, live.certFile);
  copyFileSync(first.keyFile, live.keyFile);
  const config = defaultConfig({
    host: '127.0.0.1', port: 0, workers: 1, floodRate: 0, shutdownGraceSeconds: 1,
    ircPort: 0, httpPort: null, tlsCert: live.certFile, tlsKey: live.keyFile, tlsPort: 0, ircTlsPort: 0, httpsPort: 0,
    ...overrides,
  });
  const gateway = telnetGateway(config);
  const { port } = await gateway.listen();
  const listeners = await openListeners(gateway, config, telnetEdge({ topicBytes: config.topicBytes, maxLine: config.maxLine }), ircOptions(config));
  return { gateway, port, ports: listeners.ports, listeners, close: () => gateway.close(200) };
}

function e2e(name: string, overrides: Partial<Config> = {}) {
  const s = suite(name);
  s.before.each(async () => {
    server = await startTls(overrides);
  });
  s.after.each(async () => {
    for (const c of clients) c.close();
    for (const x of sockets) x.destroy();
    clients = [];
    sockets = [];
    await server.close();
  });
  return s;
}

const tlsTelnet = (options: tls.ConnectionOptions = {}): Promise<TestClient> => TestClient.connectTls(server.ports.tls!, options).then(keep);

async function named(c: TestClient, nick: string): Promise<TestClient> {
  await c.waitFor('please write your name');
  c.send(`${nick}\r\n`);
  await c.waitFor(`> ${nick} joined the room`);
  return c;
}

/** Waits for a line as a telnet user reads it (colours aside). */
const said = (c: TestClient, text: string): Promise<void> => c.waitFor((t) => t.replace(/\x1b\[\d+m/g, '').includes(text));

/** The certificate a new handshake on `port` gets. */
async function fingerprintOn(port: number): Promise<string> {
  const c = await TestClient.connectTls(port);
  const seen = (c.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
  c.close();
  return seen;
}

/** A TLS 1.1 client is refused in the handshake. */
async function refusesTls11(port: number): Promise<void> {
  // The client's own floor lowered as far as it goes, so that the refusal is the server's.
  const old = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  sockets.push(old);
  const [err] = (await once(old, 'error')) as [NodeJS.ErrnoException];
  assert.match(String(err.code), /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS/);
}

async function ircOverTls(nick: string): Promise<TestClient> {
  const c = keep(await TestClient.connectTls(server.ports.ircTls!));
  c.send(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`);
  await c.waitFor(/ (376|422) /);
  return c;
}

const telnet = e2e('tls: telnet over TLS');
telnet('a TLS user and a plain telnet user chat both ways, in the same room', async () => {
  const secure = await named(await tlsTelnet(), 'sam');
  assert.is((secure.socket as tls.TLSSocket).getPeerCertificate().fingerprint256, first.fingerprint);
  const plain = keep(await TestClient.named(server.port, 'pat'));
  await secure.waitFor('> pat joined the room');
  secure.send('hello over tls\r\n');
  await said(plain, 'sam: hello over tls');
  plain.send('hi in the clear\r\n');
  await said(secure, 'pat: hi in the clear');
  secure.send('/who\r\n');
  await secure.waitFor(/in the room: (sam, pat|pat, sam)/);
  assert.is(server.gateway.stats().open, 2);
});
telnet('TLS 1.2 and 1.3 are served; TLS 1.1 is refused', async () => {
  const v12 = await tlsTelnet({ maxVersion: 'TLSv1.2' });
  assert.is((v12.socket as tls.TLSSocket).getProtocol(), 'TLSv1.2');
  const v13 = await tlsTelnet();
  assert.is((v13.socket as tls.TLSSocket).getProtocol(), 'TLSv1.3');
  await refusesTls11(server.ports.tls!);
});
telnet('plain text to the TLS telnet and IRC ports is dropped: nothing in the clear comes back, no connection is made, the server serves on', async () => {
  for (const port of [server.ports.tls!, server.ports.ircTls!]) {
    const c = keep(await TestClient.connect(port));
    c.send('alice\r\nNICK alice\r\nUSER a 0 * :A\r\nhello\r\n');
    await c.waitClosed();
    assert.not.match(c.bytes.toString('latin1'), /welcome|node-chat|NOTICE|ERROR|please/);
  }
  await waitUntil(() => server.gateway.stats().handshaking === 0, { timeoutMs: 5000, failure: () => 'handshakes still counted' });
  assert.is(server.gateway.stats().open, 0);
  // Nor a TLS record of nonsense.
  const junk = keep(await TestClient.connect(server.ports.tls!));
  junk.send(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, ...Buffer.alloc(64, 0xaa)]));
  await junk.waitClosed();
  await named(await tlsTelnet(), 'after');
});
telnet.run();

const handshakes = e2e('tls: handshakes and the caps', { maxConnections: 1, tlsHandshakeSeconds: 0.3 });
handshakes('a handshake in progress counts against the caps; one that never comes is closed at the handshake timeout', async () => {
  const silent = new net.Socket();
  sockets.push(silent);
  silent.on('error', () => {});
  silent.connect(server.ports.tls!, '127.0.0.1');
  await once(silent, 'connect');
  await waitUntil(() => server.gateway.stats().handshaking === 1, { timeoutMs: 5000, failure: () => 'the handshake was not counted' });
  // The cap is 1: the silent handshake holds it, so a plain newcomer is told the server is full.
  const turnedAway = keep(await TestClient.connect(server.port));
  await turnedAway.waitClosed();
  assert.match(turnedAway.text, /full|connections/i);
  // Node reports the timeout but would keep the socket open; ours closes it.
  await once(silent, 'close');
  await waitUntil(() => server.gateway.stats().handshaking === 0, { timeoutMs: 5000, failure: () => 'the closed handshake is still counted' });
  const plain = keep(await TestClient.named(server.port, 'pat'));
  // Now the cap is held by pat: a TLS newcomer is closed before any handshake.
  const over = tls.connect({ port: server.ports.tls!, host: '127.0.0.1', rejectUnauthorized: false });
  sockets.push(over);
  over.on('error', () => {});
  // once() rejects on 'error': that is the refusal, as a close before the handshake is.
  const outcome = await Promise.race([once(over, 'secureConnect').then(() => 'secure', () => 'refused'), once(over, 'close').then(() => 'refused')]);
  assert.is(outcome, 'refused');
  plain.send('/who\r\n');
  await plain.waitFor('in the room: pat');
});
handshakes.run();

const shutdown = e2e('tls: shutdown', { tlsHandshakeSeconds: 600 });
shutdown('closing the server does not wait for a handshake in progress', async () => {
  const silent = new net.Socket();
  sockets.push(silent);
  silent.on('error', () => {});
  silent.connect(server.ports.ircTls!, '127.0.0.1');
  await once(silent, 'connect');
  await waitUntil(() => server.gateway.stats().handshaking === 1, { timeoutMs: 5000, failure: () => 'the handshake was not counted' });
  const closed = once(silent, 'close');
  // With a 600 s handshake timeout, a close that waited for it would outlast the test runner's guard.
  await server.close();
  await closed;
  server = await startTls(); // for after.each, which closes it
});
shutdown.run();

const sts = e2e('tls: IRC over TLS and sts');
sts('plain IRC advertises sts=port=<the TLS port> to CAP LS 302 only; sts cannot be requested', async () => {
  const c = keep(await TestClient.connect(server.ports.irc!));
  c.send('CAP LS 302\r\n');
  await c.waitFor('CAP * LS :');
  assert.match(c.text, ` sts=port=${server.ports.ircTls}`);
  assert.not.match(c.text, 'duration=');
  c.send('CAP REQ :sts\r\n');
  await c.waitFor('CAP * NAK :sts');
  const old = keep(await TestClient.connect(server.ports.irc!));
  old.send('CAP LS\r\n');
  await old.waitFor('CAP * LS :');
  assert.not.match(old.text, 'sts');
});
sts('IRC over TLS advertises sts=duration, registers, and chats with a plain telnet user', async () => {
  const probe = keep(await TestClient.connectTls(server.ports.ircTls!));
  probe.send('CAP LS 302\r\n');
  await probe.waitFor('CAP * LS :');
  assert.match(probe.text, ' sts=duration=0');
  assert.not.match(probe.text, 'port=');
  const ivy = await ircOverTls('ivy');
  assert.match(ivy.text, ':node-chat 001 ivy ');
  ivy.send('JOIN #lobby\r\n');
  await ivy.waitFor(' 366 ivy #lobby ');
  const tom = keep(await TestClient.named(server.port, 'tom'));
  await ivy.waitFor(':tom!~u@node-chat JOIN #lobby');
  ivy.send('PRIVMSG #lobby :secure hello\r\n');
  await said(tom, 'ivy: secure hello');
  tom.send('plain hello\r\n');
  await ivy.waitFor('PRIVMSG #lobby :plain hello');
});
sts.run();

const noSts = e2e('tls: --sts-duration off', { stsDurationSeconds: null });
noSts('no sts on either IRC listener', async () => {
  for (const c of [keep(await TestClient.connect(server.ports.irc!)), keep(await TestClient.connectTls(server.ports.ircTls!))]) {
    c.send('CAP LS 302\r\n');
    await c.waitFor('CAP * LS :');
    assert.not.match(c.text, 'sts');
  }
});
noSts.run();

function httpsGet(port: number, path: string): Promise<{ status: number; body: string; fingerprint: string; csp: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false }, (res) => {
      const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint, csp: String(res.headers['content-security-policy'] ?? '') }));
    });
    req.on('error', reject);
  });
}

const web = e2e('tls: HTTPS and WSS');
web('HTTPS serves the HTTP listener\'s handlers; WSS carries IRC (without sts) and chats with telnet over TLS', async () => {
  const health = await httpsGet(server.ports.https!, '/healthz');
  assert.equal([health.status, health.body, health.fingerprint], [200, 'ok\n', first.fingerprint]);
  // A page served over TLS may open /ws only as wss:// (ws:// would be the chat in the clear).
  assert.match(health.csp, `connect-src 'self' wss://127.0.0.1:${server.ports.https}; `);
  assert.not.match(health.csp, 'ws://');
  assert.is((await httpsGet(server.ports.https!, '/nowhere')).status, 404);

  const ws = new WebSocket(`wss://127.0.0.1:${server.ports.https}/ws`, ['text.ircv3.net'], { rejectUnauthorized: false });
  let got = '';
  ws.on('message', (data: Buffer) => (got += `${data.toString('utf8')}\n`));
  ws.on('error', () => {});
  await once(ws, 'open');
  const wsWait = (pattern: RegExp | string): Promise<void> => waitUntil(() => (typeof pattern === 'string' ? got.includes(pattern) : pattern.test(got)), { timeoutMs: 5000, failure: () => `no ${String(pattern)} over WSS; got ${JSON.stringify(got)}` });
  ws.send('CAP LS 302');
  await wsWait('CAP * LS :');
  assert.not.match(got, 'sts');
  ws.send('CAP END');
  ws.send('NICK wes');
  ws.send('USER wes 0 * :Wes');
  await wsWait(/ (376|422) /);
  ws.send('JOIN #lobby');
  await wsWait(' 366 wes #lobby ');
  const sam = await named(await tlsTelnet(), 'sam');
  await wsWait(':sam!~u@node-chat JOIN #lobby');
  ws.send('PRIVMSG #lobby :over wss');
  await said(sam, 'wes: over wss');
  ws.close();
  await once(ws, 'close');
});
web.run();

const reload = e2e('tls: certificate reload');
reload('a reload drops no one; new connections on every TLS listener see the new certificate', async () => {
  const before = await named(await tlsTelnet(), 'old');
  const ivy = await ircOverTls('ivy');
  copyFileSync(second.certFile, live.certFile);
  copyFileSync(second.keyFile, live.keyFile);
  const result = server.listeners.certificates!.reload();
  assert.ok(result.ok && result.certificate.fingerprint === second.fingerprint);
  for (const port of [server.ports.tls!, server.ports.ircTls!]) assert.is(await fingerprintOn(port), second.fingerprint);
  assert.is((await httpsGet(server.ports.https!, '/healthz')).fingerprint, second.fingerprint);
  await refusesTls11(server.ports.ircTls!); // the new certificate comes with the same floor
  // The connections made before are the same ones, on the certificate they were made with.
  assert.is((before.socket as tls.TLSSocket).getPeerCertificate().fingerprint256, first.fingerprint);
  const after = await named(await tlsTelnet(), 'new');
  await before.waitFor('> new joined the room');
  before.send('still here\r\n');
  await said(after, 'old: still here');
  ivy.send('PING :alive\r\n');
  await ivy.waitFor('PONG');
  // The three of them, once the probes' closes are in.
  await waitUntil(() => server.gateway.stats().open === 3, { timeoutMs: 5000, failure: () => `open: ${server.gateway.stats().open}` });
});
reload('a file that does not load keeps the certificate in use, and says why', async () => {
  const before = await named(await tlsTelnet(), 'old');
  writeFileSync(live.certFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const result = server.listeners.certificates!.reload();
  assert.is(result.ok, false);
  assert.ok(!result.ok && result.why.includes(live.certFile));
  assert.is(await fingerprintOn(server.ports.tls!), first.fingerprint);
  assert.is(server.listeners.certificates!.current.fingerprint, first.fingerprint);
  // A key that is not the certificate's (half a renewal) is kept out the same way.
  copyFileSync(first.certFile, live.certFile);
  copyFileSync(second.keyFile, live.keyFile);
  assert.is(server.listeners.certificates!.reload().ok, false);
  assert.is(await fingerprintOn(server.ports.ircTls!), first.fingerprint);
  before.send('/who\r\n');
  await before.waitFor('in the room: old');
});
reload.after(() => tmp.remove());
reload.run();
