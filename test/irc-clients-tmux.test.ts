// Real IRC clients against our IRC listener: Debian's irssi and weechat, each in tmux (its own
// socket, -L, killed at the end), chatting with a telnet user: connect, join #lobby, lines both
// ways, /join #dev, /part, /nick, /msg, /quit. Then `node-chat irc`, our own client.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as texts from '../src/edges/telnet/texts.js';
import { BIN } from './fixtures/processes.js';
import { TestClient } from './helpers/client.js';
import { startIrcServer, type IrcServer } from './helpers/irc.js';
import { waitUntil } from './helpers/wait.js';

const SOCKET = `node-chat-irc-${process.pid}`;
const WAIT = 15_000;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const screen = (name: string): string => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-200');
const type = (name: string, line: string): void => {
  tmux('send-keys', '-t', name, '-l', line);
  tmux('send-keys', '-t', name, 'Enter');
};
const onScreen = (name: string, text: string | RegExp): Promise<void> =>
  waitUntil(() => (typeof text === 'string' ? screen(name).includes(text) : text.test(screen(name))), {
    timeoutMs: WAIT,
    failure: () => `${String(text)} not on ${name}'s screen:\n${screen(name)}`,
  });

let server: IrcServer;
let tom: TestClient;
let home: string;

const clients = suite('real IRC clients in tmux with a telnet user');
clients.before.each(async () => {
  server = await startIrcServer();
  tom = await TestClient.named(server.port, 'tom');
  home = mkdtempSync(path.join(tmpdir(), 'node-chat-irc-'));
});
clients.after.each(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { encoding: 'utf8' });
  tom.close();
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

/** The same session whatever the client: `nick` joins, chats with tom, moves about, and quits. */
async function converse(name: string, nick: string): Promise<void> {
  type(name, '/join #lobby');
  await tom.waitFor(texts.joined(nick, 'lobby'), WAIT);
  tom.send(`hi ${nick}, from telnet\r\n`);
  await onScreen(name, `hi ${nick}, from telnet`);
  type(name, 'hello tom, from IRC');
  await tom.waitFor(texts.message(nick, 'hello tom, from IRC'), WAIT);
  type(name, '/join #dev');
  await onScreen(name, /has joined #dev/);
  tom.send('/join dev\r\n');
  await tom.waitFor(texts.roomSize(2, 'dev'), WAIT);
  await onScreen(name, /tom.*(has )?joined/);
  type(name, '/part #dev');
  await tom.waitFor(texts.left(nick, 'dev'), WAIT).catch(() => tom.waitFor(`> ${nick} left the room dev`, WAIT));
  tom.send('/leave\r\n');
  await tom.waitFor(texts.roomSize(2, 'lobby'), WAIT);
  type(name, `/nick ${nick}2`);
  await tom.waitFor(texts.renamed(nick, `${nick}2`), WAIT);
  type(name, '/msg tom psst');
  await tom.waitFor(texts.privateFrom(`${nick}2`, 'psst'), WAIT);
  type(name, '/query tom'); // the answer shows in the conversation's own window
  await TestClient.settle(300);
  tom.send(`/msg ${nick}2 back to you\r\n`);
  await onScreen(name, 'back to you');
  type(name, '/quit see you');
  await tom.waitFor(texts.left(`${nick}2`, 'lobby', 'see you'), WAIT);
}

clients('irssi: connect, #lobby, both ways, /join #dev, /part, /nick, /msg, /quit', async () => {
  assert.ok(!spawnSync('irssi', ['--version']).error, 'irssi is not installed (.ci/run installs it)');
  tmux('new-session', '-d', '-s', 'irssi', '-x', '160', '-y', '50', `irssi --home=${home} -n alice -c 127.0.0.1 -p ${server.ircPort}`);
  await onScreen('irssi', /Welcome to the node-chat IRC network/);
  await converse('irssi', 'alice');
});

clients('weechat: connect, #lobby, both ways, /join #dev, /part, /nick, /msg, /quit', async () => {
  assert.ok(!spawnSync('weechat', ['--version']).error, 'weechat is not installed (.ci/run installs weechat-curses)');
  const run = [`/server add local 127.0.0.1/${server.ircPort} -notls`, '/set irc.server.local.nicks bob', '/set irc.server.local.autoconnect off', '/connect local'].join(';');
  tmux('new-session', '-d', '-s', 'weechat', '-x', '160', '-y', '50', `weechat --dir ${home} -r ${JSON.stringify(run)}`);
  await onScreen('weechat', /Welcome to the node-chat IRC network/);
  await converse('weechat', 'bob');
});

clients('node-chat irc: our own client against our own server', async () => {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} irc 127.0.0.1:${server.ircPort} --nick carol --join '#lobby'`;
  tmux('new-session', '-d', '-s', 'ours', '-x', '120', '-y', '30', command);
  await tom.waitFor(texts.joined('carol', 'lobby'), WAIT);
  tom.send('hi carol\r\n');
  await onScreen('ours', 'hi carol');
  type('ours', 'hello from node-chat irc');
  await tom.waitFor(texts.message('carol', 'hello from node-chat irc'), WAIT);
  type('ours', '/me waves');
  await tom.waitFor(texts.action('carol', 'waves'), WAIT);
  type('ours', '/quit done');
  await tom.waitFor(texts.left('carol', 'lobby', 'done'), WAIT);
});

clients.run();
