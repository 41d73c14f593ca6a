// End to end: `node-chat irc` against a real IRC server, Debian's ngircd, started here on a free
// port with test/fixtures/ngircd.conf. ngircd must be installed (CI's .ci/run installs it): without
// it this test fails and says so, it does not pass silently.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../bench/child.js';
import { isPlain, nodeChat, start, stopAll, waitForPort, type Proc } from './fixtures/processes.js';
import { waitUntil } from './helpers/wait.js';

const CONFIG = fileURLToPath(new URL('../../test/fixtures/ngircd.conf', import.meta.url));
const TLS_FIXTURES = fileURLToPath(new URL('../../test/fixtures/tls', import.meta.url));

/** ngircd's path, or null: on Debian it is /usr/sbin/ngircd, not always on a user's PATH. */
function findNgircd(): string | null {
  for (const candidate of ['ngircd', '/usr/sbin/ngircd', '/usr/local/sbin/ngircd']) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (!r.error && /ngircd/i.test(`${r.stdout}${r.stderr}`)) return candidate;
  }
  return null;
}

const irc = suite('node-chat irc against ngircd');

let ngircd: Proc | undefined;
let dir = '';
let port = 0;
/** ngircd's TLS port (the certificate is self-signed: `--insecure` is needed to accept it). */
let tlsPort = 0;

// uvu 0.5.6 swallows an error thrown in a `before` hook (the run passes): the set-up keeps its
// error, and every test starts by checking it, so a missing ngircd fails the run and says why.
let setupError: string | undefined;
const setUp = (): void => assert.ok(setupError === undefined, setupError);

/**
 * Starts ngircd on `wanted` (or two free ports), waiting for its own "Now listening" lines: a
 * connect to a port could reach someone else's listener. A free port can be taken by a test
 * running alongside before ngircd binds it; then ngircd says it cannot bind (and goes on with
 * the other port), and we try again, on other ports unless they were asked for. Returns the
 * server, or why it did not start.
 */
async function startNgircd(binary: string, wanted?: { port: number; tlsPort: number }): Promise<{ server: Proc; port: number; tlsPort: number } | { error: string }> {
  const config = join(dir, 'ngircd.conf');
  // ngircd reads them at start, before (as root) it drops to "nobody".
  for (const file of ['cert.pem', 'key.pem', 'dh.pem']) writeFileSync(join(dir, file), readFileSync(join(TLS_FIXTURES, file)));
  let error = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const at = wanted?.port ?? (await freePort());
    let tlsAt = wanted?.tlsPort ?? (await freePort());
    while (tlsAt === at) tlsAt = await freePort();
    const text = readFileSync(CONFIG, 'utf8')
      .replaceAll('@PORT@', String(at))
      .replaceAll('@TLSPORT@', String(tlsAt))
      .replaceAll('@CERT@', join(dir, 'cert.pem'))
      .replaceAll('@KEY@', join(dir, 'key.pem'))
      .replaceAll('@DH@', join(dir, 'dh.pem'));
    writeFileSync(config, text);
    const server = start(binary, ['-n', '-f', config], 'ngircd');
    const listening = [at, tlsAt].map((p) => `Now listening on [127.0.0.1]:${p}`);
    const log = (): string => server.stdout + server.stderr;
    const up = (): boolean => listening.every((l) => log().includes(l));
    // Up, or said why not, or gone: which one is told below, so giving up here is no error yet.
    const told = (): boolean => up() || log().includes("Can't bind socket");
    await waitUntil(told, { timeoutMs: 10_000, ended: () => !server.alive, failure: () => '' }).catch(() => undefined);
    if (up()) {
      try {
        await waitForPort(at);
        await waitForPort(tlsAt);
        return { server, port: at, tlsPort: tlsAt };
      } catch (e) {
        error = `ngircd did not start: ${String(e)}\n${server.stdout}${server.stderr}`;
      }
    } else error = `ngircd did not listen on ${at}:\n${server.stdout}${server.stderr}`;
    server.child.kill('SIGTERM');
    await server.exited;
  }
  return { error };
}

let binary: string | null = null;

irc.before(async () => {
  binary = findNgircd();
  if (!binary) {
    setupError = 'ngircd is not installed: this test needs a real IRC server (apt-get install -y ngircd; .ci/run installs it)';
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'node-chat-ngircd-'));
  const started = await startNgircd(binary);
  if ('error' in started) setupError = started.error;
  else {
    setupError = undefined;
    ngircd = started.server;
    port = started.port;
    tlsPort = started.tlsPort;
  }
});

irc.after(async () => {
  ngircd?.child.kill('SIGTERM');
  await ngircd?.exited;
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

irc('two clients join a channel, exchange messages, rename and quit', async () => {
  setUp();
  const alice = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'alice', '--join', '#node-chat'], 'alice');
  await alice.waitFor(' > alice joined the room #node-chat\n');

  const bob = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'bob', '--join', 'node-chat'], 'bob');
  await bob.waitFor(' > bob joined the room #node-chat\n');
  await alice.waitFor(' > bob joined the room #node-chat\n');
  await bob.waitFor(/ > in #node-chat: .*alice/);

  alice.send('hello bob');
  await bob.waitFor(' > alice: hello bob\n');
  bob.send('hi alice, été 日本 😀');
  await alice.waitFor(' > bob: hi alice, été 日本 😀\n');
  bob.send('/me waves');
  await alice.waitFor(' * bob waves\n');
  alice.send('/msg bob just for you');
  await bob.waitFor(' > alice (private): just for you\n');
  await alice.waitFor(' > (to bob) just for you\n');

  // A line over the 512-byte limit arrives whole, in several messages, none cut mid-character.
  const long = `${'é'.repeat(300)}|${'語'.repeat(200)}`;
  alice.send(long);
  const pieces = (text: string): string[] => [...text.matchAll(/ > alice: ([é|語]+)\n/g)].map((m) => m[1] ?? '');
  await bob.waitFor((text) => pieces(text).join('') === long);
  assert.ok(pieces(bob.stdout).length >= 2, `expected several pieces, got ${pieces(bob.stdout).length}`);

  // A CR in the input cannot inject a command: it ends a line (as in a terminal), and the rest is
  // text in a PRIVMSG of its own; alice is still there.
  alice.send('before\rQUIT :injected');
  await bob.waitFor(' > alice: before\n > alice: QUIT :injected\n');
  assert.ok(alice.alive);

  bob.send('/nick bobby');
  await alice.waitFor(' > bob is now known as bobby\n');
  await bob.waitFor(' > bob is now known as bobby\n');

  // The nickname is taken: the third client registers as alice_ and talks in the channel.
  const third = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'alice', '--join', '#node-chat'], 'third');
  await third.waitFor(' > alice_ joined the room #node-chat\n');
  await bobWaitJoin(bob);
  third.child.stdin?.end(); // Ctrl-D in a pipe: QUIT, then exit 0
  assert.is(await third.exit(), 0);
  await bob.waitFor(/ > alice_ left the chat/);

  alice.send('/quit see you');
  assert.is(await alice.exit(), 0);
  await bob.waitFor(/ > alice left the chat \(.*see you.*\)\n/);

  bob.child.stdin?.end();
  assert.is(await bob.exit(), 0);

  for (const p of [alice, bob, third]) {
    assert.ok(isPlain(p.stdout), `${p.name}'s output holds control bytes`);
    assert.is(p.stderr, '', `${p.name} wrote to stderr`);
  }
});

async function bobWaitJoin(bob: Proc): Promise<void> {
  await bob.waitFor(' > alice_ joined the room #node-chat\n');
}

irc('plain lines with no channel joined are a local error', async () => {
  setUp();
  const loner = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'loner'], 'loner');
  loner.send('anyone?');
  await loner.waitFor('you are in no channel');
  loner.child.stdin?.end();
  assert.is(await loner.exit(), 0);
});

irc('--tls: a self-signed certificate is refused unless --insecure; then it registers and talks to a plain client', async () => {
  setUp();
  const strict = nodeChat(['irc', `127.0.0.1:${tlsPort}`, '--tls', '--nick', 'strict', '--join', '#tls'], 'strict');
  assert.is(await strict.exit(), 1);
  assert.match(strict.stderr, /cannot connect to 127\.0\.0\.1:\d+: self-signed certificate/);
  strict.child.stdin?.end();

  const sealed = nodeChat(['irc', `127.0.0.1:${tlsPort}`, '--tls', '--insecure', '--nick', 'sealed', '--join', '#tls'], 'sealed');
  await sealed.waitFor(' > sealed joined the room #tls\n');
  const plain = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'plain', '--join', '#tls'], 'plain');
  await plain.waitFor(/ > in #tls: .*sealed/);
  sealed.send('over TLS, été 😀');
  await plain.waitFor(' > sealed: over TLS, été 😀\n');
  plain.send('in the clear');
  await sealed.waitFor(' > plain: in the clear\n');
  for (const p of [sealed, plain]) {
    p.child.stdin?.end();
    assert.is(await p.exit(), 0, `${p.name} exits 0`);
    assert.is(p.stderr, '', `${p.name} wrote to stderr`);
  }
});

irc('--reconnect: the server restarts, the client registers again and rejoins its channels', async () => {
  setUp();
  const keeper = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'keeper', '--join', '#back', '--reconnect'], 'keeper');
  await keeper.waitFor(' > keeper joined the room #back\n');
  keeper.send('/join #other'); // joined later: rejoined too, not only the --join ones
  await keeper.waitFor(' > keeper joined the room #other\n');
  ngircd?.child.kill('SIGTERM');
  await ngircd?.exited;
  // Told, and waiting to try again (without --reconnect it would exit 1 here).
  await keeper.waitFor('reconnecting in', 'stderr', 10_000);
  assert.match(keeper.stderr, 'reconnecting in');
  assert.ok(keeper.alive, 'still running');
  const again = await startNgircd(binary!, { port, tlsPort });
  assert.ok(!('error' in again), 'error' in again ? again.error : '');
  ngircd = 'error' in again ? undefined : again.server;
  // Registered and back in both channels with nobody having typed anything: a second client finds it there.
  const joins = (text: string, channel: string): number => text.split(` > keeper joined the room ${channel}\n`).length - 1;
  await keeper.waitFor((text) => joins(text, '#back') === 2 && joins(text, '#other') === 2);
  const visitor = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'visitor', '--join', '#other'], 'visitor');
  await visitor.waitFor(/ > in #other: .*keeper/); // keeper's current channel: plain lines go there
  visitor.send('welcome back');
  await keeper.waitFor(' > visitor: welcome back\n');
  keeper.send('thanks');
  await visitor.waitFor(' > keeper: thanks\n');
  assert.match(keeper.stderr, /the connection to 127\.0\.0\.1:\d+ was closed by the server\nnode-chat: reconnecting in/);
  for (const p of [keeper, visitor]) {
    p.child.stdin?.end();
    assert.is(await p.exit(), 0, `${p.name} exits 0`);
  }
});

irc('the server going away is a plain message and exit 1', async () => {
  setUp();
  const last = nodeChat(['irc', `127.0.0.1:${port}`, '--nick', 'last', '--join', '#x'], 'last');
  await last.waitFor(' > last joined the room #x\n');
  ngircd?.child.kill('SIGTERM');
  assert.is(await last.exit(), 1);
  assert.match(last.stderr, /connection to 127\.0\.0\.1:\d+ was (closed by the server|lost)/);
  last.child.stdin?.end();
});

irc.run();
