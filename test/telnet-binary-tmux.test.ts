// Issue #14 with the real client: two Debian `telnet` sessions in a private tmux server (UTF-8
// locale) chat through our server in Cyrillic, CJK, fullwidth and emoji. Before binary mode,
// telnet took each typed byte with the top bit set for the control key without it: "ｃ" (…83)
// became Ctrl-C, "ѝ" (…9d) its ^] escape, and the fullwidth nickname was refused.
// Alice's telnet goes through a recording relay, so the test also sees the negotiation itself.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as net from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { WAIT_MS } from './fixtures/processes.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const SOCKET = `node-chat-telnet-binary-${process.pid}`;
const ENV = { ...process.env, TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const IAC = 0xff, DONT = 0xfe, DO = 0xfd, WILL = 0xfb, WONT = 0xfc, BINARY = 0, SGA = 3, TIMING_MARK = 6;

let server: ChildProcess | undefined;
let relay: net.Server | undefined;
const relayed: net.Socket[] = [];
let tmuxStarted = false;
/** What alice's telnet sent (toServer) and received (toClient), byte for byte. */
const wire = { toServer: Buffer.alloc(0), toClient: Buffer.alloc(0) };

const missing = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0;

/** Our own tmux server (-L: its own socket, -f /dev/null: no user config, -u: UTF-8). */
function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-u', '-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', env: ENV });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const pane = (session: string): string => tmux('capture-pane', '-p', '-J', '-t', session);

async function waitPane(session: string, match: string | RegExp): Promise<string> {
  const test = (text: string): boolean => (typeof match === 'string' ? text.includes(match) : match.test(text));
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const text = pane(session);
    if (test(text)) return text;
    if (Date.now() > deadline) {
      throw new Error(`${session}'s pane never showed ${String(match)}; it shows:\n${text}\n(alice's telnet sent ${wire.toServer.toString('hex')})`);
    }
    await sleep(50);
  }
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen; alice's telnet received ${wire.toClient.toString('hex')}`);
    await sleep(20);
  }
}

/** Types literal UTF-8 text (-l), then Enter. */
function type(session: string, text: string): void {
  tmux('send-keys', '-t', session, '-l', text);
  tmux('send-keys', '-t', session, 'Enter');
}

async function startServer(): Promise<number> {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--host', '127.0.0.1', '--flood-rate', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+):(\d+)/.exec(out);
      if (m) resolve(Number(m[2]));
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening: ${out}`)));
  });
}

/** A relay on 127.0.0.1 to `port` that records both directions into `wire`. */
async function startRelay(port: number): Promise<number> {
  relay = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    relayed.push(client, upstream);
    client.on('data', (d: Buffer) => {
      wire.toServer = Buffer.concat([wire.toServer, d]);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      wire.toClient = Buffer.concat([wire.toClient, d]);
      client.write(d);
    });
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => {});
      a.on('close', () => b.destroy());
    }
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  const address = relay.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Where `bytes` first occurs in `buf`, or -1. */
const find = (buf: Buffer, ...bytes: number[]): number => buf.indexOf(Uint8Array.of(...bytes));

const telnet = suite('e2e: non-ASCII text through Debian telnet in tmux (issue #14)');

telnet.after.each(async () => {
  if (tmuxStarted) {
    // Only our own tmux server, then its socket file (tmux leaves it behind here).
    const path = spawnSync('tmux', ['-L', SOCKET, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8', env: ENV }).stdout.trim();
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { env: ENV });
    if (path.endsWith(`/${SOCKET}`)) rmSync(path, { force: true });
    tmuxStarted = false;
  }
  for (const s of relayed.splice(0)) s.destroy();
  if (relay) await new Promise<void>((resolve) => relay!.close(() => resolve()));
  relay = undefined;
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
  }
  server = undefined;
});

telnet('Cyrillic, CJK, a fullwidth nickname and emoji reach the other user intact; backspace over a character', async () => {
  for (const tool of ['telnet', 'tmux']) {
    if (missing(tool)) assert.unreachable(`\`${tool}\` is not installed: this test needs Debian's telnet and tmux (apt-get update && apt-get install -y telnet tmux)`);
  }
  const port = await startServer();
  const relayPort = await startRelay(port);

  tmux('new-session', '-d', '-s', 'bob', '-x', '120', '-y', '40', `telnet 127.0.0.1 ${port}`);
  tmuxStarted = true;
  tmux('set-option', '-t', 'bob', 'remain-on-exit', 'on'); // keep a pane readable if telnet exits
  tmux('new-session', '-d', '-s', 'alice', '-x', '120', '-y', '40', `telnet 127.0.0.1 ${relayPort}`);
  tmux('set-option', '-t', 'alice', 'remain-on-exit', 'on');

  await waitPane('bob', 'please write your name and press enter:');
  type('bob', 'bob');
  await waitPane('bob', '> bob joined the room');
  await waitPane('alice', 'please write your name and press enter:');

  // Line mode (telnet's default here): each line goes when Enter is pressed.
  type('alice', 'ａｌｉｃｉａ');
  await waitPane('bob', '> ａｌｉｃｉａ joined the room');
  type('alice', 'как у вас');
  await waitPane('bob', '> ａｌｉｃｉａ: как у вас');
  type('bob', '日本語 🎉');
  await waitPane('alice', '> bob: 日本語 🎉');
  type('alice', 'ѝ, 🎉 and ｃ');
  await waitPane('bob', '> ａｌｉｃｉａ: ѝ, 🎉 and ｃ');
  assert.not.match(pane('alice'), 'telnet>', 'ѝ did not drop alice to the telnet> prompt');

  // The negotiation as it went: our IAC DO BINARY first, telnet's IAC WILL BINARY back, and no
  // answer to that answer (the old server said DONT BINARY here).
  assert.is(find(wire.toClient, IAC, DO, BINARY), 0, `the server's first bytes: ${wire.toClient.subarray(0, 8).toString('hex')}`);
  assert.ok(find(wire.toServer, IAC, WILL, BINARY) >= 0, `telnet answers WILL BINARY: ${wire.toServer.toString('hex')}`);
  assert.is(wire.toClient.lastIndexOf(Uint8Array.of(IAC, DO, BINARY)), 0, 'DO BINARY is never sent again');
  assert.is(find(wire.toClient, IAC, DONT, BINARY), -1);

  // Ctrl-C still works: telnet sends IAC IP, IAC DO TIMING-MARK and drops what it receives until
  // the answer comes back (so bob speaks only once it has), then shows output again.
  tmux('send-keys', '-t', 'alice', 'C-c');
  await until('IAC WONT TIMING-MARK to alice', () => find(wire.toClient, IAC, WONT, TIMING_MARK) >= 0);
  type('bob', 'after ctrl-c');
  await waitPane('alice', '> bob: after ctrl-c');

  // Character mode, as a user would ask for it: telnet sends DO SGA (and DO ECHO, refused: it
  // echoes itself). The server agrees to SUPPRESS-GO-AHEAD, so telnet stays in character mode and
  // sends each key as it is typed, backspace included: the server erases the whole multi-byte
  // character it follows. What bob sees has it gone, and the rest intact.
  tmux('send-keys', '-t', 'alice', 'C-]');
  await waitPane('alice', /telnet> ?$/m);
  type('alice', 'mode character');
  await until('IAC WILL SGA to alice', () => find(wire.toClient, IAC, WILL, SGA) >= 0);
  const typedFrom = wire.toServer.length;
  tmux('send-keys', '-t', 'alice', '-l', 'до 日');
  tmux('send-keys', '-t', 'alice', 'BSpace');
  tmux('send-keys', '-t', 'alice', '-l', '本語 ok');
  tmux('send-keys', '-t', 'alice', 'Enter');
  const shown = await waitPane('bob', '> ａｌｉｃｉａ: до 本語 ok');
  assert.not.match(shown, '日本語 ok', 'the erased character is gone');
  const typed = wire.toServer.subarray(typedFrom);
  const erase = Math.max(typed.indexOf(0x7f), typed.indexOf(0x08));
  assert.ok(erase > 0 && typed.subarray(0, erase).includes(Buffer.from('日')), `the erase key went to the server after 日 (character mode): ${typed.toString('hex')}`);

  const final = pane('bob');
  if (process.env.SHOW_PANE) console.log(`${pane('alice')}\n---\n${final}\n--- alice's telnet sent ${wire.toServer.toString('hex')}\n--- and received ${wire.toClient.toString('hex')}`);
  assert.not.match(final, '\ufffd', 'nothing garbled on bob\'s screen');
  assert.not.match(final, 'invalid characters');
});

telnet.run();
