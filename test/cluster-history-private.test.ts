// Private conversations' history in a cluster, against a real Redis: kept in Redis by the script
// that hands the line to the addressee's node, so either side on any node reads the same lines
// with the msgids they were delivered with; TARGETS names conversations and rooms; a node's
// restart keeps them, the user's own leave ends them, a rename takes them along, and a store that
// restarted empty says history was reset.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { keys, pairOf } from '../src/cluster/keys.js';
import { ENTRY_OVERHEAD, MAX_CORRESPONDENTS } from '../src/cluster/private-lua.js';
import { clusterSystem } from '../src/cluster/remote.js';
import { scriptCalls, type Scripted } from '../src/cluster/scripts.js';
import type { Envelope } from '../src/model/messages.js';
import type { SystemFactory } from '../src/runtime/system.js';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let nodes: IrcServer[] = [];
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const CAPS = ['batch', 'server-time', 'message-tags', 'echo-message', 'draft/chathistory'];
const EVER = 'timestamp=2020-01-01T00:00:00.000Z timestamp=2262-01-01T00:00:00.000Z';

async function node(system: SystemFactory = clusterSystem({ url: redis.url, retention: 10_000 })): Promise<IrcServer> {
  const n = await startIrcServer({}, system);
  nodes.push(n);
  return n;
}

/**
 * A node whose store records what it is sent and closes a little late: its users' goodbyes on
 * shutdown reach Redis as leaves before the node's own departure does (as they do for whoever's
 * socket closed first), so a shutdown's leave must be one that keeps the conversations.
 */
function slowToClose(sent: Envelope[]): SystemFactory {
  return (hooks) => {
    const inner = clusterSystem({ url: redis.url, retention: 10_000 })(hooks);
    const send = inner.send.bind(inner);
    const close = inner.close.bind(inner);
    inner.send = (env) => (sent.push(env), send(env));
    inner.close = async () => {
      await TestClient.settle(100);
      return close();
    };
    return inner;
  };
}

async function closeNode(n: IrcServer): Promise<void> {
  await n.close();
  nodes = nodes.filter((x) => x !== n);
}

/** A line as live delivery and history both render it: tags but the batch's, the prefix, the command. */
const bare = (l: string): string => l.replace(/^@batch=[^;]+;/, '@');

/** The PRIVMSG lines of a CHATHISTORY answer, once its batch closed (and anything else it said). */
async function history(c: TestClient, command: string): Promise<{ lines: string[]; text: string }> {
  c.clear();
  c.send(`${command}\r\n`);
  await c.waitFor(/BATCH -\S+\r\n/, 10_000);
  return { lines: lines(c).filter((l) => l.includes(' PRIVMSG ')).map(bare), text: c.text };
}

/** Sends `text` from `from` to `nick` and waits for `to` to get it: the echo (with its msgid) and what `to` got. */
async function say(from: TestClient, nick: string, to: TestClient, text: string): Promise<{ echo: string; got: string }> {
  from.clear();
  to.clear();
  from.send(`PRIVMSG ${nick} :${text}\r\n`);
  await from.waitFor(`:${text}\r\n`, 10_000);
  await to.waitFor(`:${text}\r\n`, 10_000);
  const find = (c: TestClient): string => lines(c).find((l) => l.endsWith(` :${text}`))!;
  return { echo: find(from), got: find(to) };
}

const msgid = (line: string): string => /msgid=([^; ]+)/.exec(line)![1]!;

async function targets(c: TestClient): Promise<string[]> {
  c.clear();
  c.send(`CHATHISTORY TARGETS ${EVER} 10\r\n`);
  await c.waitFor(/BATCH -\S+\r\n/, 10_000);
  return lines(c).flatMap((l) => / CHATHISTORY TARGETS (\S+) \d{4}-\d\d-\d\dT\S+Z$/.exec(l)?.[1] ?? []);
}

/** Waits until `nick` is free (its holder's release is through), asking on `c`. */
async function freed(c: TestClient, nick: string): Promise<void> {
  for (;;) {
    c.clear();
    c.send(`ISON ${nick}\r\n`);
    await c.waitFor(' 303 ');
    if (!new RegExp(` 303 \\S+ :${nick}\\r\\n`, 'i').test(c.text)) return;
    await TestClient.settle(20);
  }
}

const pm = suite('cluster: private conversations kept in Redis');
pm.before.each(async () => {
  redis = await startRedis();
});
pm.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
  await redis.stop();
});

pm('alice on one node, bob on another: the same lines, with the msgids delivered, from either side', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', CAPS));
  const bo = keep(await ircUser(two.ircPort, 'bob', CAPS));
  const sent: Array<{ echo: string; got: string }> = [];
  for (let i = 0; i < 3; i++) sent.push(await say(al, 'bob', bo, `to bob ${i}`));
  for (let i = 0; i < 2; i++) sent.push(await say(bo, 'alice', al, `to alice ${i}`));
  // What the addressee got live carries the msgid of the sender's echo: one id on both nodes.
  for (const s of sent) assert.is(msgid(s.got), msgid(s.echo));
  const live = sent.map((s) => s.got); // as delivered
  const fromAlice = await history(al, 'CHATHISTORY LATEST bob * 10');
  const fromBob = await history(bo, 'CHATHISTORY LATEST ALICE * 10');
  assert.equal(fromAlice.lines, live, 'node one: every line, as delivered');
  assert.equal(fromBob.lines, live, 'node two: the same, msgids and times too');
  const id = (i: number): string => msgid(sent[i]!.got);
  assert.equal((await history(bo, `CHATHISTORY BEFORE alice msgid=${id(3)} 2`)).lines, live.slice(1, 3));
  assert.equal((await history(al, `CHATHISTORY AFTER bob msgid=${id(1)} 10`)).lines, live.slice(2));
  assert.equal((await history(al, `CHATHISTORY AROUND bob msgid=${id(2)} 3`)).lines, live.slice(1, 4));
  assert.equal((await history(bo, `CHATHISTORY BETWEEN alice msgid=${id(4)} msgid=${id(0)} 2`)).lines, live.slice(2, 4));
  assert.equal((await history(al, 'CHATHISTORY LATEST bob * 2')).lines, live.slice(3));
  // Someone else's conversation is not theirs to read.
  const eve = keep(await ircUser(two.ircPort, 'eve', CAPS));
  assert.equal((await history(eve, 'CHATHISTORY LATEST bob * 10')).lines, []);
  assert.equal((await history(eve, 'CHATHISTORY LATEST alice * 10')).lines, []);
});

pm('TARGETS: the rooms one is in with lines and the conversations one had, earliest first', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', CAPS));
  const bo = keep(await ircUser(two.ircPort, 'bob', CAPS));
  const zoe = keep(await ircUser(two.ircPort, 'zoe', CAPS));
  al.send('JOIN #dev\r\nJOIN #quiet\r\n');
  await al.waitFor(/ 366 alice #quiet /);
  al.send('PRIVMSG #dev :hello dev\r\n');
  await al.waitFor(':hello dev\r\n');
  await TestClient.settle(5); // distinct milliseconds: the order TARGETS gives is by time
  await say(al, 'bob', bo, 'hi bob');
  await TestClient.settle(5);
  await say(zoe, 'alice', al, 'psst');
  assert.equal(await targets(al), ['#dev', 'bob', 'zoe'], 'a room without lines is no target');
  assert.equal(await targets(bo), ['alice'], 'the other side, on the other node');
  // The window bounds them.
  const after = new Date(Date.now() + 60_000).toISOString();
  al.clear();
  al.send(`CHATHISTORY TARGETS timestamp=${after} timestamp=2262-01-01T00:00:00.000Z 10\r\n`);
  await al.waitFor(/BATCH -\S+\r\n/, 10_000);
  assert.not.match(al.text, / CHATHISTORY TARGETS \S+ \d/);
  // And the limit.
  al.clear();
  al.send(`CHATHISTORY TARGETS ${EVER} 2\r\n`);
  await al.waitFor(/BATCH -\S+\r\n/, 10_000);
  assert.equal(lines(al).flatMap((l) => / CHATHISTORY TARGETS (\S+) /.exec(l)?.[1] ?? []), ['#dev', 'bob']);
});

pm('a node restart keeps the conversation; its users come back to it under their names', async () => {
  const envelopes: Envelope[] = [];
  const [one, two] = [await node(slowToClose(envelopes)), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', CAPS));
  const bo = keep(await ircUser(two.ircPort, 'bob', CAPS));
  const sent = [await say(al, 'bob', bo, 'before the restart'), await say(bo, 'alice', al, 'me too')];
  const live = sent.map((s) => s.got);
  await closeNode(one); // alice's node shuts down: she did not leave
  await al.waitClosed();
  assert.ok(envelopes.some((e) => e.msg.t === 'release' && e.msg.stays === true), 'her goodbye said so');
  await freed(bo, 'alice');
  const three = await node();
  const back = keep(await ircUser(three.ircPort, 'alice', CAPS));
  assert.equal((await history(back, 'CHATHISTORY LATEST bob * 10')).lines, live, 'on the new node');
  assert.equal((await history(bo, 'CHATHISTORY LATEST alice * 10')).lines, live, 'and on the one that stayed');
  assert.equal(await targets(back), ['bob']);
});

pm('a user who leaves takes its conversations along; a rename keeps them under the new name', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', CAPS));
  const bo = keep(await ircUser(two.ircPort, 'bob', CAPS));
  const first = await say(al, 'bob', bo, 'between us');
  // bob becomes bobby: the conversation is bobby's now, and nobody's under "bob".
  bo.send('NICK bobby\r\n');
  await bo.waitFor(/NICK :?bobby\r\n/);
  assert.equal((await history(al, 'CHATHISTORY LATEST bobby * 10')).lines, [first.got]);
  assert.equal((await history(bo, 'CHATHISTORY LATEST alice * 10')).lines, [first.got]);
  assert.equal(await targets(bo), ['alice']);
  const other = keep(await ircUser(two.ircPort, 'bob', CAPS));
  assert.equal((await history(other, 'CHATHISTORY LATEST alice * 10')).lines, [], 'the next "bob" reads nothing');
  // alice quits: whoever is "alice" next reads nothing, and bobby's side is gone too.
  al.send('QUIT\r\n');
  await al.waitClosed();
  await freed(bo, 'alice');
  const next = keep(await ircUser(one.ircPort, 'alice', CAPS));
  assert.equal((await history(next, 'CHATHISTORY LATEST bobby * 10')).lines, []);
  assert.equal((await history(bo, 'CHATHISTORY LATEST alice * 10')).lines, []);
  assert.equal(await targets(next), []);
  assert.equal(await targets(bo), []);
});

pm('Redis restarted empty: asking after a private line it lost says history was reset', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', CAPS));
  const bo = keep(await ircUser(two.ircPort, 'bob', CAPS));
  const old = msgid((await say(al, 'bob', bo, 'before')).got);
  await redis.restart();
  await al.waitFor('restarted and lost recent history', 15_000);
  await bo.waitFor('restarted and lost recent history', 15_000);
  await TestClient.settle(20); // distinct milliseconds: the new line comes after the epoch began
  // Registered again by their nodes: once a line goes through, the store knows both.
  for (;;) {
    al.clear();
    al.send('PRIVMSG bob :after\r\n');
    await al.waitFor(/:after\r\n| 401 /, 10_000);
    if (!/ 401 /.test(al.text)) break;
    await TestClient.settle(50);
  }
  await bo.waitFor(':after\r\n', 10_000);
  const answer = await history(bo, `CHATHISTORY AFTER alice msgid=${old} 10`);
  assert.match(answer.text, 'NOTE CHATHISTORY HISTORY_RESET alice');
  assert.equal(answer.lines.length, 1);
  assert.match(answer.lines[0]!, ':after');
  assert.not.match(answer.text, ':before\r\n');
});

pm.run();

// The bounds, one script call at a time.
let client: Redis;
let scripts: Scripted;
let seq = 1000;
const TTL = 60_000;
const bounds = suite('cluster: what a private conversation keeps in Redis');
bounds.before.each(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  scripts = scriptCalls(client);
});
bounds.after.each(async () => {
  client.disconnect();
  await redis.stop();
});

const enter = (gid: string, nick: string) => scripts.ncEnter(gid, ++seq, gid.split(':')[0]!, 'lobby', nick, nick, '0', 1000);
const send = (gid: string, to: string, text: string, lines: number, bytes: number) => scripts.ncPrivate(gid, ++seq, to, text, 1000, '0', lines, bytes, TTL, '', '0');
const kept = async (a: string, b: string): Promise<string[]> => (await client.xrange(keys.pm(pairOf(a, b)), '-', '+')).map(([, f]) => (JSON.parse(f[1]!) as { x: string }).x);
const cost = (from: string, to: string, x: string): number => JSON.stringify({ f: from, to, x }).length + ENTRY_OVERHEAD;

bounds('at most --history lines and --history-room-bytes bytes (one line always), counted as kept', async () => {
  await enter('A:1', 'alice');
  await enter('B:1', 'bob');
  for (let i = 0; i < 5; i++) assert.match((await send('A:1', 'bob', `line ${i}`, 3, 1 << 20))!, /^bob\t\d+-\d+$/);
  assert.equal(await kept('alice', 'bob'), ['line 2', 'line 3', 'line 4'], 'the newest three');
  assert.equal(await kept('bob', 'alice'), ['line 2', 'line 3', 'line 4'], 'one conversation, whichever side names it');
  assert.is(Number(await client.get(keys.pmBytes(pairOf('alice', 'bob')))), 3 * cost('alice', 'bob', 'line 0'));
  // Bytes: room for two lines of this size, not three.
  const text = 'x'.repeat(200);
  const two = 2 * cost('bob', 'alice', text);
  for (let i = 0; i < 3; i++) await send('B:1', 'alice', text, 100, two + 1);
  assert.equal(await kept('alice', 'bob'), [text, text]);
  assert.is(Number(await client.get(keys.pmBytes(pairOf('alice', 'bob')))), two);
  // One line bigger than the cap is still kept, alone.
  await send('B:1', 'alice', text, 100, 10);
  assert.equal(await kept('alice', 'bob'), [text]);
  // With 0 lines nothing is kept, and the answer names the addressee alone.
  assert.is(await send('A:1', 'bob', 'unkept', 0, 1 << 20), 'bob');
  assert.equal(await kept('alice', 'bob'), [text]);
});

bounds('every key of a conversation expires after its last line; TARGETS scores are its newest line', async () => {
  await enter('A:1', 'alice');
  await enter('B:1', 'bob');
  const answer = (await send('A:1', 'bob', 'hi', 10, 1 << 20))!;
  const at = Number(answer.split('\t')[1]!.split('-')[0]);
  const pair = pairOf('alice', 'bob');
  for (const key of [keys.pm(pair), keys.pmBytes(pair), keys.pmWith('alice'), keys.pmWith('bob')]) {
    const ttl = await client.pttl(key);
    assert.ok(ttl > 0 && ttl <= TTL, `${key} expires (${ttl} ms)`);
  }
  assert.is(Number(await client.zscore(keys.pmWith('alice'), 'bob')), at);
  assert.is(Number(await client.zscore(keys.pmWith('bob'), 'alice')), at);
});

bounds(`a name keeps ${MAX_CORRESPONDENTS} conversations: past them, the one written to longest ago goes, for both sides`, async () => {
  await enter('A:1', 'alice');
  for (let i = 0; i <= MAX_CORRESPONDENTS; i++) {
    await enter(`B:${i}`, `u${i}`);
    await send('A:1', `u${i}`, `to u${i}`, 10, 1 << 20);
  }
  assert.is(await client.zcard(keys.pmWith('alice')), MAX_CORRESPONDENTS);
  assert.is(await client.zscore(keys.pmWith('alice'), 'u0'), null);
  assert.is(await client.zscore(keys.pmWith('u0'), 'alice'), null);
  assert.equal(await kept('alice', 'u0'), []);
  assert.equal(await kept('alice', `u${MAX_CORRESPONDENTS}`), [`to u${MAX_CORRESPONDENTS}`]);
});

bounds('a leave forgets the name\'s conversations only when asked, and only for the name\'s holder', async () => {
  await enter('A:1', 'alice');
  await enter('B:1', 'bob');
  await send('A:1', 'bob', 'hi', 10, 1 << 20);
  // A node shutting down: the user stays in the conversation.
  assert.ok(await scripts.ncLeave('A:1', ++seq, 'A', 'alice', '', 1000, '0'));
  assert.equal(await kept('alice', 'bob'), ['hi']);
  // Back, and leaving for good.
  await enter('A:2', 'alice');
  assert.ok(await scripts.ncLeave('A:2', ++seq, 'A', 'alice', '', 1000, '1'));
  assert.equal(await kept('alice', 'bob'), []);
  assert.is(await client.exists(keys.pmWith('alice'), keys.pmWith('bob'), keys.pmBytes(pairOf('alice', 'bob'))), 0);
});
bounds.run();
