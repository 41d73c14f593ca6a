// The operator's log: a real server process with JSON lines on stdout records its start,
// listeners, connections opening and closing (protocol, address, reason), kicks with their cause,
// actor restarts and shutdown, and no text any user typed ever appears in it. The terminal
// formatter and the level filter, as units.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import * as texts from '../src/edges/telnet/texts.js';
import { createLog } from '../src/ops/log.js';
import { prettyLine } from '../src/ops/pretty.js';
import { gatewayLog } from '../src/ops/log-events.js';
import { TestClient } from './helpers/client.js';
import { ircUser } from './helpers/irc.js';
import { startNode, type NodeProcess } from './helpers/node-process.js';
import { waitUntil } from './helpers/wait.js';

type Record = { level: string; time: string; event: string; msg: string; [k: string]: unknown };

/** What users type below: none of it may reach the log. */
const SECRETS = {
  line: 'xyzzy-said-in-the-room',
  private: 'plugh-sent-privately',
  topic: 'frotz-set-as-topic',
  irc: 'gnusto-said-over-irc',
  quit: 'rezrov-given-as-quit-reason',
  crash: 'poison-yoho-line',
};

let node: NodeProcess | null = null;
let clients: TestClient[] = [];

const e2e = suite('log: a server process, JSON lines on stdout');
e2e.after.each(async () => {
  delete process.env.NODE_CHAT_TEST_CRASH_ON;
  for (const c of clients) c.close();
  clients = [];
  await node?.kill();
  node = null;
});

e2e('start, listeners, connections, kicks, a restart and shutdown are logged; what users typed is not', async () => {
  process.env.NODE_CHAT_TEST_CRASH_ON = SECRETS.crash; // a line with exactly this text throws in its actor host
  node = await startNode(['--irc-port', '0', '--http-port', '0', '--register-timeout', '3', '--log-level', 'info']);
  const ircPort = Number(/IRC on port (\d+)/.exec(node.output())?.[1]);
  const alice = await TestClient.named(node.port, 'alice');
  const bob = await TestClient.named(node.port, 'bob');
  const carol = await ircUser(ircPort, 'carol');
  const silent = await TestClient.connect(node.port);
  clients.push(alice, bob, carol, silent);
  carol.send('JOIN #lobby\r\n');
  await carol.waitFor(/ 366 carol #lobby /);
  alice.send(`${SECRETS.line}\r\n/msg bob ${SECRETS.private}\r\n/topic ${SECRETS.topic}\r\n`);
  carol.send(`PRIVMSG #lobby :${SECRETS.irc}\r\n`);
  await bob.waitFor(texts.message('carol', SECRETS.irc));
  await bob.waitFor(SECRETS.private);
  await bob.waitFor(SECRETS.topic);
  alice.send(`${SECRETS.crash}\r\nafter the crash\r\n`);
  await bob.waitFor(texts.message('alice', 'after the crash'));
  carol.send(`QUIT :${SECRETS.quit}\r\n`);
  await carol.waitClosed();
  await silent.waitClosed(10_000); // no nickname in 3 s: kicked
  bob.send('/quit\r\n');
  await bob.waitClosed();
  // Closed on the server's side too (its close is logged) before the shutdown counts who is left.
  const n = node;
  await waitUntil(() => /"event":"close"[^\n]*"nick":"bob"/.test(n.output()), { timeoutMs: 5000, failure: () => `no close logged for bob:\n${n.output()}` });
  node.child.kill('SIGTERM');
  const [code] = (await once(node.child, 'exit')) as [number | null];
  assert.is(code, 0, 'exits 0 after SIGTERM');

  const out = node.output();
  if (process.env.SHOW_LOG) console.log(out);
  for (const secret of Object.values(SECRETS)) assert.not.match(out, secret, `"${secret}" is not in the log`);
  const lines = out.split('\n').filter((l) => l !== '');
  const records = lines.map((l) => JSON.parse(l) as Record); // every line is one JSON object
  for (const r of records) {
    assert.type(r.event, 'string', `an event name: ${JSON.stringify(r)}`);
    assert.type(r.msg, 'string');
    assert.ok(!Number.isNaN(Date.parse(r.time)), 'an ISO time');
    assert.ok(['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(r.level), `a level label: ${r.level}`);
  }
  const events = (name: string): Record[] => records.filter((r) => r.event === name);
  assert.is(records[0]!.event, 'start');
  assert.equal(events('listening').map((r) => r.protocol), ['telnet', 'irc', 'http']);
  assert.is(events('listening')[0]!.port, node.port);
  assert.is(events('ready').length, 1);
  const opened = events('open');
  assert.equal(opened.map((r) => r.protocol).sort(), ['irc', 'telnet', 'telnet', 'telnet']);
  assert.ok(opened.every((r) => r.address === '127.0.0.1' || r.address === '::ffff:127.0.0.1'), 'with the address');
  const closed = new Map(events('close').map((r) => [r.nick ?? `#${String(r.conn)}`, r]));
  assert.is(closed.get('bob')?.reason, 'quit');
  assert.is(closed.get('carol')?.reason, 'quit');
  assert.is(closed.get('carol')?.protocol, 'irc');
  const kicks = events('kick');
  assert.equal(kicks.map((r) => r.cause), ['registration_timeout']);
  assert.is(records.find((r) => r.event === 'close' && r.conn === kicks[0]!.conn)?.reason, 'registration_timeout');
  assert.ok(events('actor_restart').length >= 3, 'each crash of the host');
  assert.equal(
    events('message_dropped').map((r) => [r.to, r.type, r.level]),
    [['room:lobby', 'say', 'error']],
  );
  // Alice was still connected at the shutdown: told, and closed for that reason.
  assert.is(events('shutdown')[0]!.users, 1);
  assert.is(closed.get('alice')?.reason, 'shutdown');
  assert.is(records[records.length - 1]!.event, 'stopped');
});

const units = suite('log: formatting and levels');

/** A pino stream that keeps the lines (a Writable, so pino writes to it synchronously). */
function sink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return {
    lines,
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  };
}

units('a terminal line: time, level, message and fields, with no control character from any value', () => {
  const json = JSON.stringify({ level: 'warn', time: '2026-12-01T12:34:56.789Z', pid: 1, hostname: 'h', event: 'kick', cause: 'flood', nick: 'evil\u001b[2J\u009b31m', msg: 'connection 7 \u001b[31mdisconnected' });
  const line = prettyLine(json + '\n');
  assert.is(line.split('\n').length, 2, 'one line');
  assert.ok(line.startsWith('12:34:56.789 WARN  connection 7 '), line);
  assert.match(line, 'cause=flood');
  assert.not.match(line, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no control characters but its newline');
  assert.not.match(line, 'pid=', 'the head fields are not repeated');
  assert.is(prettyLine('not json\u001b]0;title\u0007\n'), 'not json\uFFFD]0;title\uFFFD\n');
});

units('levels: at warn, info events are not written; the gateway events land with their fields', () => {
  const { lines, stream } = sink();
  const log = createLog({ level: 'warn', stream });
  const events = gatewayLog(log.logger);
  const conn = { id: 3, protocol: 'telnet', address: '10.0.0.1', lastNick: 'ann' };
  events.opened(conn);
  events.kicked(conn, 'flood');
  events.closed(conn, 'flood', { seconds: 1.5 });
  assert.is(lines.length, 1, 'only the kick, a warning');
  const r = JSON.parse(lines[0]!) as Record;
  assert.equal([r.level, r.event, r.cause, r.conn, r.protocol, r.address, r.nick], ['warn', 'kick', 'flood', 3, 'telnet', '10.0.0.1', 'ann']);
});

e2e.run();
units.run();
