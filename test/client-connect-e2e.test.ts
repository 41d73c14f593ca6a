// End to end: two `node-chat connect` processes chat through our real server, over pipes.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { untilListening } from '../bench/child.js';
import { WAIT_MS, isPlain, nodeChat, start, stopAll, type Proc } from './fixtures/processes.js';

const SERVER = fileURLToPath(new URL('../src/main.js', import.meta.url));

const e2e = suite('node-chat connect against our server');

let server: Proc | undefined;
let port = 0;

// uvu 0.5.6 swallows an error thrown in a `before` hook (the run passes): the set-up keeps its
// error, and every test starts by checking it.
let setupError: string | undefined;
const setUp = (): void => assert.ok(setupError === undefined, setupError);

e2e.before(async () => {
  if (!existsSync(SERVER)) {
    setupError = `${SERVER} is missing: build first (npm run build)`;
    return;
  }
  // One server for the file: without --history-on-join 0, a later joiner's transcript would start
  // with the lines earlier tests sent (history has its own tests).
  server = start(process.execPath, [SERVER, '--port', '0', '--host', '127.0.0.1', '--history-on-join', '0'], 'server');
  try {
    port = (await untilListening(server.child, 'server', WAIT_MS)).port;
  } catch (error) {
    setupError = String(error);
  }
});

e2e.after(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await stopAll();
});

e2e('two clients chat through the real binary; ending stdin leaves cleanly', async () => {
  setUp();
  const alice = nodeChat(['connect', `127.0.0.1:${port}`], 'alice');
  await alice.waitFor('please write your name and press enter: ');
  alice.send('alice');
  await alice.waitFor(' > alice joined the room\n');

  const bob = nodeChat(['connect', `127.0.0.1:${port}`], 'bob');
  await bob.waitFor('1 other person is connected at this time.');
  bob.send('bob');
  await alice.waitFor(' > bob joined the room\n');

  alice.send('hello bob');
  await bob.waitFor(' > alice: hello bob\n');
  bob.send('hi alice, été ok 日本');
  await alice.waitFor(' > bob: hi alice, été ok 日本\n');
  bob.send('/me waves');
  await alice.waitFor(' * bob waves\n');
  bob.send('/who');
  await bob.waitFor(/ > in the room: (alice, bob|bob, alice)\n/);
  // The server's IAC DO BINARY at connect is protocol, not text: no U+FFFD for it on screen.
  assert.not.match(alice.stdout, '\ufffd');

  // Escape injection: the server cleans it; whatever arrives, a pipe gets no control byte.
  alice.send('title \x1b]0;pwned\x07 bell \x07 end');
  await bob.waitFor(/ > alice: title .*end\n/);

  alice.child.stdin?.end(); // Ctrl-D
  assert.is(await alice.exit(), 0);
  await bob.waitFor(' > alice left the room\n');

  for (const p of [alice, bob]) {
    assert.ok(isPlain(p.stdout), `${p.name}'s output holds control bytes: ${JSON.stringify(p.stdout)}`);
    assert.not.match(p.stdout, /\x1b/);
  }
  assert.is(alice.stderr, '');

  bob.send('/quit bye');
  assert.is(await bob.exit(), 0);
});

e2e('a whole script piped at once, ending in /quit: every line goes out before the quit', async () => {
  setUp();
  const watcher = nodeChat(['connect', `127.0.0.1:${port}`], 'watcher');
  await watcher.waitFor('please write your name and press enter: ');
  watcher.send('watcher');
  await watcher.waitFor(' > watcher joined the room\n');
  const bot = nodeChat(['connect', `127.0.0.1:${port}`], 'bot');
  bot.child.stdin?.end('bot\nfirst\nsecond\n/quit done\n'); // all written before the connection is even made
  assert.is(await bot.exit(), 0);
  assert.match(bot.stdout, ' > bot joined the room\n');
  await watcher.waitFor(' > bot: second\n');
  await watcher.waitFor(' > bot left the room (done)\n');
  assert.match(watcher.stdout, ' > bot: first\n > bot: second\n');
  watcher.child.stdin?.end();
  assert.is(await watcher.exit(), 0);
});

e2e('in a pipe, what answers a prompt starts a line of its own: a taken name, then the prompt again', async () => {
  setUp();
  const holder = nodeChat(['connect', `127.0.0.1:${port}`], 'holder');
  await holder.waitFor('please write your name and press enter: ');
  holder.send('taken');
  await holder.waitFor(' > taken joined the room\n');
  const late = nodeChat(['connect', `127.0.0.1:${port}`], 'late');
  late.child.stdin?.end('Taken\n\nfree\nhi\n');
  assert.is(await late.exit(), 0);
  const plain = late.stdout.replace(/^\n/, '');
  assert.match(
    plain,
    'please write your name and press enter: \n > This nickname is already in use. Please try again: \n > a nickname needs at least one character\n > please write your name and press enter: \n > free joined the room\n',
  );
  holder.child.stdin?.end();
  assert.is(await holder.exit(), 0);
});

e2e('a dropped connection is said plainly, with a non-zero exit', async () => {
  setUp();
  const carol = nodeChat(['connect', `127.0.0.1:${port}`], 'carol');
  carol.send('carol');
  await carol.waitFor(' > carol joined the room\n');
  server?.child.kill('SIGTERM'); // the server shuts down: the connection drops under the client
  const code = await carol.exit();
  assert.is(code, 1);
  assert.match(carol.stderr, /connection to 127\.0\.0\.1:\d+ was (closed by the server|lost)/);
  carol.child.stdin?.end();
});

e2e('a refused connection is an error, exit 1', async () => {
  setUp();
  const dave = nodeChat(['connect', '127.0.0.1:1'], 'dave');
  assert.is(await dave.exit(), 1);
  assert.match(dave.stderr, /cannot connect to 127\.0\.0\.1:1/);
});

e2e('--help and --version', async () => {
  const help = nodeChat(['connect', '--help'], 'help');
  assert.is(await help.exit(), 0);
  assert.match(help.stdout, 'usage: node-chat connect');
  const version = nodeChat(['--version'], 'version');
  assert.is(await version.exit(), 0);
  assert.match(version.stdout, /^node-chat \d+\.\d+\.\d+/);
  const bad = nodeChat(['connect', 'host:99999'], 'bad');
  assert.is(await bad.exit(), 2);
  assert.match(bad.stderr, 'bad port');
});

e2e.run();
