// History end to end over real sockets, in a single process: what a telnet joiner is shown and
// /history, that it outlives an actor Worker's crash, IRC draft/chathistory (its ISUPPORT, cap,
// batches, bounds by msgid and time, refusals, private conversations, TARGETS) and the replay on
// joining for IRC clients without it.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';
import type { Config } from '../src/config.js';
import type { ActorPool } from '../src/runtime/pool.js';

let server: IrcServer;
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const telnet = async (nick: string): Promise<TestClient> => keep(await TestClient.named(server.port, nick));
const irc = async (nick: string, caps: string[] = []): Promise<TestClient> => keep(await ircUser(server.ircPort, nick, caps));
const plain = (c: TestClient): string => c.text.replace(/\x1b\[\d+m/g, '');

function e2e(name: string, overrides: Partial<Config> = {}) {
  const s = suite(name);
  s.before.each(async () => {
    server = await startIrcServer(overrides);
  });
  s.after.each(async () => {
    for (const c of clients) c.close();
    clients = [];
    await server.close();
  });
  return s;
}

const HH_MM = '\\[\\d\\d:\\d\\d\\]';

const tel = e2e('history: telnet', { historyOnJoin: 3 });
tel('a joiner sees the last lines in grey with their times, the separator, then its join and live lines', async () => {
  const bob = await telnet('bob');
  for (let i = 1; i <= 5; i++) bob.send(`line ${i}\r\n`);
  bob.send('/me waves\r\n');
  const alice = await telnet('alice');
  bob.send('live one\r\n');
  await alice.waitFor('live one');
  const text = plain(alice);
  assert.match(text, new RegExp(` ${HH_MM} bob: line 4\\r\\n ${HH_MM} bob: line 5\\r\\n ${HH_MM} \\* bob waves\\r\\n > --- the lines above were sent before \\(/history N for more\\) ---\\r\\n > alice joined the room\\r\\n > bob: live one\\r\\n`));
  assert.not.match(text, 'line 3', 'three lines, as --history-on-join says');
  assert.match(alice.text, '\x1b[90m [', 'in grey');
});
tel('/history N shows more to the asker alone; an empty room shows nothing on joining', async () => {
  const bob = await telnet('bob');
  bob.send('/join quiet\r\n');
  await bob.waitFor('> 1 person in quiet');
  assert.not.match(plain(bob), 'sent before', 'no lines, no separator');
  bob.send('/leave\r\n');
  await bob.waitFor('> 1 person in lobby');
  for (let i = 1; i <= 5; i++) bob.send(`line ${i}\r\n`);
  const alice = await telnet('alice');
  await bob.waitFor('alice joined the room');
  alice.clear();
  bob.clear();
  alice.send('/history 10\r\n');
  await alice.waitFor('sent before');
  const text = plain(alice);
  for (let i = 1; i <= 5; i++) assert.match(text, `bob: line ${i}`);
  assert.not.match(text, 'joined', 'lines and actions, not joins');
  await TestClient.settle();
  assert.is(bob.text, '', 'to the asker alone');
  alice.send('/join empty\r\n/history\r\n');
  await alice.waitFor('> no lines in empty yet');
});
tel('history lives on the main thread: it outlives a crash of the Worker the room was on', async () => {
  const bob = await telnet('bob');
  bob.send('before the crash\r\n');
  const watcher = await telnet('watcher');
  await watcher.waitFor('bob: before the crash');
  assert.ok((server.gateway.system as ActorPool).kill(0), 'a Worker to kill');
  const carol = await telnet('carol');
  await carol.waitFor('bob: before the crash');
  assert.ok(server.gateway.historyBytes() > 0);
});
tel.run();

const CAPS = ['batch', 'server-time', 'message-tags', 'echo-message', 'draft/chathistory'];
const ch = e2e('history: IRC draft/chathistory', { history: 100 });

/** Sends ten lines to #dev and returns their msgids and times, as echoed. */
async function tenLines(c: TestClient): Promise<Array<{ msgid: string; time: string; text: string }>> {
  c.send('JOIN #dev\r\n');
  await c.waitFor(' 366 ');
  const out: Array<{ msgid: string; time: string; text: string }> = [];
  for (let i = 0; i < 10; i++) {
    c.clear();
    c.send(`PRIVMSG #dev :message ${i}\r\n`);
    await c.waitFor(`:message ${i}\r\n`);
    const m = /@time=([^;]+);msgid=(\S+) /.exec(c.text)!;
    out.push({ time: m[1]!, msgid: m[2]!, text: `message ${i}` });
    await new Promise((r) => setTimeout(r, 3)); // distinct times, so timestamp bounds name one line
  }
  return out;
}

/** The texts of a CHATHISTORY answer, checked to be one chathistory batch whose every line carries its tag. */
async function historyOf(c: TestClient, command: string, target = '#dev'): Promise<string[]> {
  c.clear();
  c.send(`${command}\r\n`);
  await c.waitFor(/BATCH -\S+\r\n/);
  const got = lines(c);
  const open = /^:\S+ BATCH \+(\S+) chathistory (\S+)$/.exec(got[0]!);
  assert.ok(open, got[0]);
  assert.is(open![2], target);
  assert.is(got[got.length - 1], `:${got[0]!.split(' ')[0]!.slice(1)} BATCH -${open![1]}`);
  const inner = got.slice(1, -1);
  for (const l of inner) assert.ok(l.startsWith(`@batch=${open![1]};time=`), l);
  return inner.map((l) => l.slice(l.indexOf(' :', l.indexOf('PRIVMSG')) + 2));
}

ch('ISUPPORT and CAP LS say so; LATEST, BEFORE, AFTER, AROUND, BETWEEN by msgid and by time', async () => {
  const raw = keep(await TestClient.connect(server.ircPort));
  raw.send('CAP LS 302\r\n');
  await raw.waitFor('CAP * LS');
  assert.match(raw.text, 'draft/chathistory');
  const c = await irc('bar', CAPS);
  assert.match(c.text, 'CHATHISTORY=100');
  assert.match(c.text, 'MSGREFTYPES=msgid,timestamp');
  const m = await tenLines(c);
  const texts = m.map((x) => x.text);
  assert.equal(await historyOf(c, 'CHATHISTORY LATEST #dev * 20'), texts);
  assert.equal(await historyOf(c, 'CHATHISTORY LATEST #dev * 5'), texts.slice(-5));
  assert.equal(await historyOf(c, `CHATHISTORY LATEST #dev msgid=${m[4]!.msgid} 20`), texts.slice(5));
  assert.equal(await historyOf(c, `CHATHISTORY BEFORE #dev msgid=${m[6]!.msgid} 20`), texts.slice(0, 6));
  assert.equal(await historyOf(c, `CHATHISTORY BEFORE #dev timestamp=${m[6]!.time} 2`), texts.slice(4, 6));
  assert.equal(await historyOf(c, `CHATHISTORY AFTER #dev timestamp=${m[3]!.time} 3`), texts.slice(4, 7));
  assert.equal(await historyOf(c, `CHATHISTORY AROUND #dev msgid=${m[7]!.msgid} 3`), texts.slice(6, 9));
  assert.equal(await historyOf(c, `CHATHISTORY BETWEEN #dev msgid=${m[9]!.msgid} msgid=${m[0]!.msgid} 3`), texts.slice(6, 9));
  assert.equal(await historyOf(c, `CHATHISTORY BETWEEN #dev timestamp=${m[0]!.time} timestamp=${m[9]!.time} 20`), texts.slice(1, 9));
  // A replayed line reads as it did live: same msgid, same time.
  c.clear();
  c.send('CHATHISTORY LATEST #dev * 1\r\n');
  await c.waitFor('BATCH -');
  assert.match(c.text, `time=${m[9]!.time};msgid=${m[9]!.msgid} :bar!~u@node-chat PRIVMSG #dev :message 9`);
});
ch('refusals: a channel one is not in, bad references and limits, an unknown subcommand', async () => {
  const other = await irc('qux');
  other.send('JOIN #real\r\n');
  await other.waitFor(' 366 ');
  const c = await irc('bar', CAPS);
  const failOf = async (line: string, code: RegExp): Promise<void> => {
    c.clear();
    c.send(`${line}\r\n`);
    await c.waitFor(code);
  };
  await failOf('CHATHISTORY LATEST #nonexistent * 10', /^FAIL CHATHISTORY INVALID_TARGET LATEST #nonexistent :/m);
  await failOf('CHATHISTORY LATEST #real * 10', /^FAIL CHATHISTORY INVALID_TARGET LATEST #real :/m);
  await failOf('CHATHISTORY BEFORE #real * 10', /^FAIL CHATHISTORY INVALID_PARAMS BEFORE #real :/m);
  await failOf('CHATHISTORY LATEST #real * 0', /^FAIL CHATHISTORY INVALID_PARAMS LATEST #real :/m);
  await failOf('CHATHISTORY AFTER #real timestamp=yesterday 5', /^FAIL CHATHISTORY INVALID_PARAMS AFTER #real :/m);
  await failOf('CHATHISTORY DANCE #real * 10', /^FAIL CHATHISTORY UNKNOWN_COMMAND DANCE :/m);
  await failOf('CHATHISTORY', / 461 bar CHATHISTORY :/);
  await failOf('CHATHISTORY LATEST :#a b', /^FAIL CHATHISTORY INVALID_PARAMS LATEST #ab :/m); // what it echoes stays one word
});
ch('only lines: joins, topics and parts are kept but not replayed', async () => {
  const c = await irc('bar', CAPS);
  c.send('JOIN #dev\r\nTOPIC #dev :a topic\r\nPRIVMSG #dev :hello\r\n');
  await c.waitFor(':hello\r\n');
  assert.equal(await historyOf(c, 'CHATHISTORY LATEST #dev * 100'), ['hello']);
});
ch('a private conversation, from either side; another pair does not see it', async () => {
  const a = await irc('anna', CAPS);
  const b = await irc('bert', CAPS);
  const z = await irc('zoe', CAPS);
  a.send('PRIVMSG bert :hi bert\r\n');
  await b.waitFor(':hi bert');
  b.send('PRIVMSG anna :hi anna\r\n');
  await a.waitFor(':hi anna');
  z.send('PRIVMSG anna :psst\r\n');
  await a.waitFor(':psst');
  assert.equal(await historyOf(a, 'CHATHISTORY LATEST bert * 10', 'bert'), ['hi bert', 'hi anna']);
  assert.equal(await historyOf(b, 'CHATHISTORY LATEST ANNA * 10', 'ANNA'), ['hi bert', 'hi anna']);
  assert.equal(await historyOf(z, 'CHATHISTORY LATEST bert * 10', 'bert'), []);
  // TARGETS: each conversation with its latest line's time, earliest first.
  a.clear();
  a.send('CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z timestamp=2262-01-01T00:00:00.000Z 10\r\n');
  await a.waitFor('BATCH -');
  const targets = lines(a).flatMap((l) => / CHATHISTORY TARGETS (\S+) \d{4}-\d\d-\d\dT\S+Z$/.exec(l)?.[1] ?? []);
  assert.equal(targets, ['bert', 'zoe']);
  assert.match(lines(a)[0]!, / BATCH \+\S+ draft\/chathistory-targets$/);
});
ch('a conversation goes with its connection: a later holder of the name does not read it', async () => {
  const a = await irc('anna', CAPS);
  const b = await irc('bert', CAPS);
  a.send('PRIVMSG bert :secret\r\n');
  await b.waitFor(':secret');
  a.send('QUIT\r\n');
  await a.waitClosed();
  // The name is free once its release is through: ISON says so.
  for (;;) {
    b.clear();
    b.send('ISON anna\r\n');
    await b.waitFor(' 303 ');
    if (/ 303 bert :\r\n/.test(b.text)) break;
    await TestClient.settle(20);
  }
  const again = await irc('anna', CAPS);
  assert.equal(await historyOf(again, 'CHATHISTORY LATEST bert * 10', 'bert'), []);
  assert.equal(await historyOf(b, 'CHATHISTORY LATEST anna * 10', 'anna'), []);
});
ch.run();

const replay = e2e('history: IRC replay on joining', { ircAutoreplay: 2 });
replay('a client without draft/chathistory gets the last lines after its JOIN, with @time under server-time; one with it gets none', async () => {
  const tom = await telnet('tom');
  for (let i = 1; i <= 3; i++) tom.send(`line ${i}\r\n`);
  const old = await irc('old', ['server-time']);
  old.send('JOIN #lobby\r\n');
  await old.waitFor(' 366 ');
  const got = lines(old);
  const join = got.findIndex((l) => l.endsWith('JOIN #lobby'));
  const replayed = got.filter((l) => l.includes('PRIVMSG #lobby'));
  assert.is(replayed.length, 2);
  assert.ok(got.indexOf(replayed[0]!) > join, 'after its JOIN');
  assert.match(replayed[0]!, /^@time=\S+ :tom!~u@node-chat PRIVMSG #lobby :line 2$/);
  assert.match(replayed[1]!, /PRIVMSG #lobby :line 3$/);
  const modern = await irc('modern', CAPS);
  modern.send('JOIN #lobby\r\n');
  await modern.waitFor(' 366 ');
  assert.not.match(modern.text, 'PRIVMSG #lobby', 'it asks with CHATHISTORY itself');
});
replay.run();
