// A real telnet session: Debian's `telnet` runs inside a private tmux server, talks to our
// server (a child process, as a user would start it), and chats with a raw TCP client.
// The pane is read with capture-pane -e, which keeps colours, so the test sees what a user's
// terminal shows. telnet and tmux are required: CI installs both (apt-get install telnet tmux).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startListening } from '../bench/child.js';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { waitForText } from './helpers/wait.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const SOCKET = `node-chat-e2e-telnet-${process.pid}`;
const SESSION = 'chat';
const ENV = { ...process.env, TERM: 'xterm-256color', LANG: 'C.UTF-8' };

let server: ChildProcess | undefined;
let tmuxStarted = false;
let clients: TestClient[] = [];

function missing(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status !== 0;
}

/** Runs a command on our own tmux server (-L: its own socket, -f /dev/null: no user config). */
function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', env: ENV });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The pane as the user sees it, with colours (SGR sequences) kept. */
const pane = (): string => tmux('capture-pane', '-p', '-e', '-J', '-t', SESSION);

/** Polls the pane (tmux cannot signal a change) until it matches; returns what it showed. */
function waitPane(match: RegExp, ms = 10_000): Promise<string> {
  return waitForText(pane, match, { timeoutMs: ms, failure: () => `the telnet pane never showed ${match}; it shows:\n${pane()}` });
}

async function startServer(): Promise<number> {
  const started = await startListening(process.execPath, [MAIN, '--port', '0', '--host', '127.0.0.1'], { name: 'the server' });
  server = started.child;
  return started.port;
}

const telnet = suite('e2e: a real telnet client in tmux');

telnet.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  if (tmuxStarted) {
    // Only our own tmux server, then its socket file (tmux leaves it behind here).
    const path = spawnSync('tmux', ['-L', SOCKET, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8', env: ENV }).stdout.trim();
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { env: ENV });
    if (path.endsWith(`/${SOCKET}`)) rmSync(path, { force: true });
    tmuxStarted = false;
  }
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  server = undefined;
});

telnet('connects, chooses a name, chats both ways in colour, and leaves with ^] quit', async () => {
  for (const tool of ['telnet', 'tmux']) {
    if (missing(tool)) assert.unreachable(`\`${tool}\` is not installed: this test needs Debian's telnet and tmux (apt-get update && apt-get install -y telnet tmux)`);
  }
  const port = await startServer();
  const bob = await TestClient.named(port, 'bob');
  clients.push(bob);

  tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '30', `telnet 127.0.0.1 ${port}`);
  tmuxStarted = true;
  tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on'); // keep the pane readable after telnet exits
  await waitPane(/please write your name and press enter:/);
  assert.match(pane(), '1 other person is connected at this time.');

  tmux('send-keys', '-t', SESSION, 'alice', 'Enter');
  await waitPane(/alice joined the room/);
  await bob.waitFor(texts.joined('alice', 'lobby'));

  bob.send('hello alice\r\n');
  const shown = await waitPane(/> bob:.* hello alice/);
  assert.ok(shown.includes('\x1b[96m'), `bob's name is cyan on alice's terminal:\n${JSON.stringify(shown)}`);
  assert.ok(shown.includes('\x1b[90m'), `the join notice is grey:\n${JSON.stringify(shown)}`);

  tmux('send-keys', '-t', SESSION, 'hi bob, from telnet', 'Enter');
  await bob.waitFor(texts.message('alice', 'hi bob, from telnet'));

  tmux('send-keys', '-t', SESSION, '/who', 'Enter');
  await waitPane(/in the room: bob, alice/);

  tmux('send-keys', '-t', SESSION, 'C-]');
  await waitPane(/telnet> ?$/m);
  tmux('send-keys', '-t', SESSION, 'quit', 'Enter');
  await bob.waitFor(texts.left('alice', 'lobby'));
  const final = await waitPane(/Connection closed/);
  if (process.env.SHOW_PANE) console.log(final);
  assert.not.match(bob.text, 'alice left the room (', 'a plain leave, no reason');
});

telnet.run();
