// A terminal test in tmux: `node-chat connect` runs in a real pseudo-terminal; a line arriving while
// the user is half-way through typing goes above the input, and the input (and cursor) survive.
// tmux runs on its own socket (-L, unique name) and only that server is killed at the end.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { BIN, WAIT_MS } from './fixtures/processes.js';
import { waitUntil } from './helpers/wait.js';

const SOCKET = `node-chat-test-${process.pid}`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const screen = (): string[] => tmux('capture-pane', '-p', '-t', 'chat').replace(/\n+$/, '').split('\n');
const cursor = (): [number, number] => {
  const [x, y] = tmux('display-message', '-p', '-t', 'chat', '#{cursor_x} #{cursor_y}').trim().split(' ').map(Number);
  return [x ?? -1, y ?? -1];
};

/** Polls (tmux cannot signal a change) until `ok` holds; fails with what the screen shows. */
function until(what: string, ok: () => boolean): Promise<void> {
  return waitUntil(ok, { timeoutMs: WAIT_MS, failure: () => `${what}: not seen; screen:\n${screen().join('\n')}` });
}

const tty = suite('the terminal client in tmux');

let server: net.Server | undefined;
let peer: net.Socket | undefined;
let received = '';
let ended = false;

tty.before(async () => {
  server = net.createServer((socket) => {
    peer = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('end', () => {
      ended = true;
      socket.end();
    });
    socket.write('\r\n > welcome to \x1b[92mnode-chat\x1b[39m!\r\n > please write your name and press enter: ');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
});

tty.after(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { encoding: 'utf8' });
  peer?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

tty('an incoming line does not clobber half-typed input', async () => {
  // Checked here, not in `before`: uvu 0.5.6 swallows errors thrown in hooks.
  const version = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  assert.ok(!version.error, 'tmux is not installed: this test needs it (apt-get install -y tmux; .ci/run installs it)');
  const address = server?.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} connect 127.0.0.1:${port}`;
  tmux('new-session', '-d', '-s', 'chat', '-x', '80', '-y', '20', command);

  // The server's prompt (no line end) shows as the input prompt.
  await until('the nickname prompt', () => screen().some((l) => l.includes('please write your name and press enter:')));
  tmux('send-keys', '-t', 'chat', '-l', 'alice');
  tmux('send-keys', '-t', 'chat', 'Enter');
  await until('the nickname at the server', () => received.includes('alice\r\n'));
  peer?.write('\x1b[90m > alice joined the room\x1b[39m\r\n');
  await until('the join line', () => screen().some((l) => l === ' > alice joined the room'));

  tmux('send-keys', '-t', 'chat', '-l', 'half typ');
  await until('the half-typed input', () => screen().at(-1) === 'half typ');
  peer?.write('\x1b[96m > bob:\x1b[39m an incoming line\r\n');
  await until('the incoming line', () => screen().some((l) => l === ' > bob: an incoming line'));

  const lines = screen();
  assert.is(lines.at(-1), 'half typ', 'the input line is intact, below the new line');
  assert.is(lines.at(-2), ' > bob: an incoming line');
  assert.equal(cursor(), [8, lines.length - 1], 'the cursor is still after the typed text');

  // Typing goes on where it was: the server gets the whole line.
  tmux('send-keys', '-t', 'chat', '-l', 'ed');
  tmux('send-keys', '-t', 'chat', 'Enter');
  await until('the finished line at the server', () => received.includes('half typed\r\n'));

  // The colours reached the terminal (it is a TTY) but nothing else did.
  const coloured = tmux('capture-pane', '-p', '-e', '-t', 'chat');
  assert.match(coloured, /\x1b\[[0-9;]*m > bob:/);

  // Ctrl-D on the empty line leaves cleanly: the connection ends.
  tmux('send-keys', '-t', 'chat', 'C-d');
  await until('the client leaving', () => ended);
});

tty.run();
