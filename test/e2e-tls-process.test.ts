// TLS with real programs: the server binary with a certificate made by openssl at test time,
// telnet sessions through `openssl s_client` and `gnutls-cli` chatting with a plain telnet user, `node-chat irc
// --tls` (checking the certificate) and `node-chat connect --tls` against our listeners, and
// SIGHUP reloading the certificate while everyone stays connected.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilListening } from '../bench/child.js';
import { makeCertificate, tempDir } from './helpers/certs.js';
import { TestClient } from './helpers/client.js';
import { WAIT_MS, BIN, isPlain, start, stopAll, type Proc } from './fixtures/processes.js';
import type tls from 'node:tls';

const SERVER = fileURLToPath(new URL('../src/main.js', import.meta.url));

const tmp = tempDir();
const first = makeCertificate(tmp.dir, 'first');
const second = makeCertificate(tmp.dir, 'second');
const live = { certFile: join(tmp.dir, 'live.pem'), keyFile: join(tmp.dir, 'live.key') };

const e2e = suite('TLS with the real binary, openssl s_client and our clients');

let server: Proc | undefined;
const ports = { telnet: 0, tls: 0, irc: 0, ircTls: 0 };
// uvu 0.5.6 swallows an error thrown in a `before` hook: the set-up keeps it, and each test checks it first.
let setupError: string | undefined;
const setUp = (): void => assert.ok(setupError === undefined, setupError);
let clients: TestClient[] = [];

const portOf = (text: string, what: string): number => Number(new RegExp(`${what} on port (\\d+)`).exec(text)?.[1] ?? NaN);
const plainText = (text: string): string => text.replace(/\x1b\[\d+m/g, '');

e2e.before(async () => {
  if (!existsSync(SERVER)) return void (setupError = `${SERVER} is missing: build first (npm run build)`);
  copyFileSync(first.certFile, live.certFile);
  copyFileSync(first.keyFile, live.keyFile);
  server = start(process.execPath, [SERVER, '--port', '0', '--host', '127.0.0.1', '--workers', '1', '--irc-port', '0', '--http-port', 'off', '--tls-cert', live.certFile, '--tls-key', live.keyFile, '--tls-port', '0', '--irc-tls-port', '0', '--https-port', 'off', '--sts-duration', '600'], 'server');
  try {
    ports.telnet = (await untilListening(server.child, 'server', WAIT_MS)).port;
    await server.waitFor('SHA-256');
    ports.tls = portOf(server.stdout, 'telnet over TLS');
    ports.irc = portOf(server.stdout, 'IRC');
    ports.ircTls = portOf(server.stdout, 'IRC over TLS');
    if (Object.values(ports).some((p) => !Number.isInteger(p) || p === 0)) setupError = `ports missing from the startup line: ${server.stdout}`;
  } catch (error) {
    setupError = String(error);
  }
});

e2e.after.each(() => {
  for (const c of clients) c.close();
  clients = [];
});

e2e.after(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await stopAll();
  tmp.remove();
});

const named = async (nick: string): Promise<TestClient> => {
  const c = await TestClient.named(ports.telnet, nick);
  clients.push(c);
  return c;
};
const said = (c: TestClient, text: string): Promise<void> => c.waitFor((t) => plainText(t).includes(text));

/** `openssl s_client` as a telnet user would run it: -quiet (no session dump), -crlf (Enter sends CR LF). */
const sClient = (port: number, name: string): Proc => start('openssl', ['s_client', '-quiet', '-crlf', '-connect', `127.0.0.1:${port}`], name);

async function fingerprintOn(port: number): Promise<string> {
  const c = await TestClient.connectTls(port);
  const seen = (c.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
  c.close();
  return seen;
}

e2e('the startup line names each TLS listener, and the certificate with its fingerprint', () => {
  setUp();
  assert.match(server!.stdout, `SHA-256 ${first.fingerprint}`);
  assert.match(server!.stdout, /IRC on port \d+, IRC over TLS on port \d+, telnet over TLS on port \d+/);
});

e2e('a telnet session through openssl s_client chats with a plain telnet user', async () => {
  setUp();
  const sam = sClient(ports.tls, 's_client');
  await sam.waitFor('please write your name and press enter: ');
  sam.send('sam');
  await sam.waitFor((t) => plainText(t).includes(' > sam joined the room'));
  const pat = await named('pat');
  await sam.waitFor((t) => plainText(t).includes(' > pat joined the room'));
  sam.send('hello from s_client, été');
  await said(pat, 'sam: hello from s_client, été');
  pat.send('hi sam\r\n');
  await sam.waitFor((t) => plainText(t).includes('pat: hi sam'));
  sam.send('/quit bye');
  await said(pat, 'sam left the room (bye)');
  assert.is(await sam.exit(), 0);
});

e2e('a telnet session through gnutls-cli, checking our certificate against it as the trusted CA', async () => {
  setUp();
  assert.ok(spawnSync('gnutls-cli', ['--version']).error === undefined, 'gnutls-cli is missing: sudo apt-get install gnutls-bin (.ci/run installs it)');
  const gus = start('gnutls-cli', ['--crlf', '--x509cafile', first.certFile, '-p', String(ports.tls), '127.0.0.1'], 'gnutls-cli');
  await gus.waitFor('please write your name and press enter: ');
  gus.send('gus');
  await gus.waitFor((t) => plainText(t).includes(' > gus joined the room'));
  const pat = await named('pat');
  gus.send('hello from gnutls');
  await said(pat, 'gus: hello from gnutls');
  pat.send('hi gus\r\n');
  await gus.waitFor((t) => plainText(t).includes('pat: hi gus'));
  gus.send('/quit');
  await said(pat, 'gus left the room');
  await gus.exit();
});

e2e('node-chat irc --tls checks our certificate (trusted here through NODE_EXTRA_CA_CERTS), registers and chats with telnet', async () => {
  setUp();
  const bin = [BIN, 'irc', `127.0.0.1:${ports.ircTls}`, '--tls', '--nick', 'ivy', '--join', '#lobby'];
  // Not trusted: refused, as a client must.
  const strict = start(process.execPath, bin, 'strict');
  assert.is(await strict.exit(), 1);
  assert.match(strict.stderr, /cannot connect to 127\.0\.0\.1:\d+: self-signed certificate/);
  const ivy = start(process.execPath, bin, 'ivy', { NODE_EXTRA_CA_CERTS: first.certFile });
  await ivy.waitFor(' > ivy joined the room #lobby\n');
  const tom = await named('tom');
  await ivy.waitFor(' > tom joined the room #lobby\n');
  ivy.send('over TLS, 日本');
  await said(tom, 'ivy: over TLS, 日本');
  tom.send('in the clear\r\n');
  await ivy.waitFor(' > tom: in the clear\n');
  ivy.child.stdin?.end();
  assert.is(await ivy.exit(), 0);
  assert.ok(isPlain(ivy.stdout));
  assert.is(ivy.stderr, '');
});

e2e('node-chat connect --tls: refused on a self-signed certificate, in with --insecure; the plain IRC port says sts=port', async () => {
  setUp();
  const strict = start(process.execPath, [BIN, 'connect', '--tls', `127.0.0.1:${ports.tls}`], 'strict');
  assert.is(await strict.exit(), 1);
  assert.match(strict.stderr, /self-signed certificate/);
  const lone = start(process.execPath, [BIN, 'connect', '--insecure', `127.0.0.1:${ports.telnet}`], 'lone --insecure');
  assert.is(await lone.exit(), 2);
  assert.match(lone.stderr, '--insecure goes with --tls');
  const cleo = start(process.execPath, [BIN, 'connect', '--tls', '--insecure', `127.0.0.1:${ports.tls}`], 'cleo');
  await cleo.waitFor('please write your name and press enter: ');
  cleo.send('cleo');
  await cleo.waitFor(' > cleo joined the room\n');
  const pat = await named('pat');
  cleo.send('hello pat');
  await said(pat, 'cleo: hello pat');
  cleo.child.stdin?.end();
  assert.is(await cleo.exit(), 0);
  const irc = await TestClient.connect(ports.irc);
  clients.push(irc);
  irc.send('CAP LS 302\r\n');
  await irc.waitFor('CAP * LS :');
  assert.match(irc.text, ` sts=port=${ports.ircTls}`);
  const secure = await TestClient.connectTls(ports.ircTls);
  clients.push(secure);
  secure.send('CAP LS 302\r\n');
  await secure.waitFor('CAP * LS :');
  assert.match(secure.text, ' sts=duration=600');
});

e2e('SIGHUP: the new certificate for new connections, the old session stays; a bad file keeps the one in use and says why', async () => {
  setUp();
  const sam = sClient(ports.tls, 'old session');
  await sam.waitFor('please write your name and press enter: ');
  sam.send('sam');
  await sam.waitFor((t) => plainText(t).includes(' > sam joined the room'));
  const pat = await named('pat');

  copyFileSync(second.certFile, live.certFile);
  copyFileSync(second.keyFile, live.keyFile);
  server!.child.kill('SIGHUP');
  await server!.waitFor(`SIGHUP: new connections get the certificate CN=localhost, valid to`);
  await server!.waitFor(`SHA-256 ${second.fingerprint}`);
  assert.is(await fingerprintOn(ports.tls), second.fingerprint);
  assert.is(await fingerprintOn(ports.ircTls), second.fingerprint);
  sam.send('still here after the reload');
  await said(pat, 'sam: still here after the reload');

  writeFileSync(live.certFile, 'this is not a certificate\n');
  server!.child.kill('SIGHUP');
  await server!.waitFor(`SIGHUP: kept the certificate in use (SHA-256 ${second.fingerprint}): ${live.certFile}`);
  assert.is(await fingerprintOn(ports.tls), second.fingerprint);
  sam.send('and after the failed one');
  await said(pat, 'sam: and after the failed one');
  assert.ok(server!.alive, 'the server runs on');
  sam.send('/quit');
  assert.is(await sam.exit(), 0);
});

e2e.run();
