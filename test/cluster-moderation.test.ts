// Moderation in cluster mode: two nodes (ClusterSystems driven as plain code, see TestNode) on
// one real Redis, each with its own users. What the room actor decides in one process, the
// scripts decide in the store: operators, kicks, bans, +m +i +k +l, invitations, topic lock,
// kills across nodes, and the state outliving a node that dies. Events, not strings.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { keys } from '../src/cluster/keys.js';
import { FOLDED_TAIL, MODERATION_LUA } from '../src/cluster/moderation-lua.js';
import type { ClusterSystem } from '../src/cluster/redis-system.js';
import type { ChatEvent } from '../src/model/events.js';
import type { ConnId } from '../src/model/messages.js';
import { maskOf, matchMask, parseModes } from '../src/model/moderation.js';
import { nickKey } from '../src/model/nicknames.js';
import { TestNode } from './helpers/cluster-node.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let admin: Redis;
let nodes: TestNode[] = [];

const s = suite('cluster moderation: two nodes, one store');
s.before.each(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
s.after.each(async () => {
  await Promise.all(nodes.map((n) => n.close().catch(() => {})));
  nodes = [];
  admin.disconnect();
  await redis.stop();
});

function node(id: string): TestNode {
  const n = new TestNode({ url: redis.url, retention: 1000, node: id });
  nodes.push(n);
  return n;
}

/** Named, in no room (as an IRC user starts). */
async function named(n: TestNode, conn: ConnId, nick: string): Promise<void> {
  n.claim(conn, nick, null);
  await n.settled(conn);
}

/** Sends a barrier `msg` to `room` and waits for its settle. */
async function ask(n: TestNode, room: string, msg: Parameters<TestNode['room']>[1]): Promise<void> {
  const before = n.count(msg.conn, 'settled');
  n.room(room, msg, true);
  await n.settled(msg.conn, before + 1);
}

const join = (n: TestNode, conn: ConnId, nick: string, room: string, key?: string) => ask(n, room, { t: 'join', conn, nick, ...(key !== undefined ? { key } : {}) });
const mode = (n: TestNode, conn: ConnId, room: string, flags: string, ...args: string[]) => ask(n, room, { t: 'mode', conn, changes: parseModes(flags, args).changes });

function last<K extends ChatEvent['k']>(n: TestNode, conn: ConnId, k: K): Extract<ChatEvent, { k: K }> | undefined {
  return n.events(conn).filter((e): e is Extract<ChatEvent, { k: K }> => e.k === k).at(-1);
}
const refusals = (n: TestNode, conn: ConnId): string[] =>
  n.events(conn).flatMap((e) => (e.k === 'notice' && e.notice.code === 'joinRefused' ? [e.notice.why] : []));
const inRoom = async (room: string, gid: string): Promise<boolean> => (await admin.hexists(keys.members(room), gid)) === 1;

s('the first to join a new room runs it; an operator on node A kicks a user of node B, and bans it so it cannot come back through B', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'dev');
  assert.equal(await admin.smembers(keys.ops('dev')), ['A:1'], 'alice, the first, is the operator; bob is not');
  await ask(b, 'dev', { t: 'who', conn: 1 });
  assert.equal(last(b, 1, 'members'), { k: 'members', room: 'dev', nicks: ['alice', 'bob'], marks: ['@', ''] });

  await ask(b, 'dev', { t: 'kick', conn: 1, nick: 'alice' });
  assert.equal(b.notices(1).at(-1), 'notOperator', 'bob may not kick');
  await ask(a, 'dev', { t: 'kick', conn: 1, nick: 'BOB', reason: 'spam' });
  await b.until(() => b.notices(1).includes('kicked'), 'bob told he was kicked');
  const kicked = last(b, 1, 'kicked')!;
  assert.equal([kicked.by, kicked.nick, kicked.reason], ['alice', 'bob', 'spam'], 'bob heard his kick, on node B');
  assert.equal([last(a, 1, 'kicked')?.nick, last(a, 1, 'kicked')?.id], ['bob', kicked.id], 'and alice the same event, by the same id');
  assert.ok(b.effects.some((e) => e.t === 'placed' && e.conn === 1 && e.room === 'dev' && !e.present), "B's gateway learns bob is out");
  assert.not.ok(await inRoom('dev', 'B:1'));

  await mode(a, 1, 'dev', '+b', 'b*');
  assert.equal(last(a, 1, 'modeChanged')?.changes, [{ set: true, mode: 'b', arg: 'b*!*@*' }]);
  await join(b, 1, 'bob', 'dev');
  assert.equal(refusals(b, 1), ['banned'], 'banned: bob cannot rejoin through node B');
  assert.not.ok(await inRoom('dev', 'B:1'));
  b.room('dev', { t: 'mode', conn: 1, changes: [{ set: true, mode: 'b' }] }, true);
  await b.until(() => last(b, 1, 'bans') !== undefined, 'the ban list, from node B');
  assert.equal(last(b, 1, 'bans')!.bans.map((x) => [x.mask, x.by]), [['b*!*@*', 'alice']]);
});

s('a banned member who is still in the room cannot speak; a NOTICE is refused silently; voice lets it speak', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'dev');
  await mode(a, 1, 'dev', '+b', 'bob');
  b.room('dev', { t: 'say', conn: 1, text: 'still here' });
  await b.until(() => b.notices(1).includes('cannotSpeak'), 'bob refused');
  b.room('dev', { t: 'say', conn: 1, text: 'a notice', notice: true });
  await mode(a, 1, 'dev', '+v', 'bob');
  b.room('dev', { t: 'say', conn: 1, text: 'with a voice' });
  await a.until(() => a.events(1).some((e) => e.k === 'said' && e.text === 'with a voice'), 'bob heard on A');
  assert.is(b.notices(1).filter((c) => c === 'cannotSpeak').length, 1, 'one refusal: none for the NOTICE');
  assert.not.ok(a.events(1).some((e) => e.k === 'said' && e.nick === 'bob' && e.text !== 'with a voice'), 'nothing bob said while banned reached alice');
});

s('+m across nodes: only operators and voiced members speak', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'dev');
  await mode(a, 1, 'dev', '+m');
  await b.until(() => last(b, 1, 'modeChanged') !== undefined, 'B hears +m');
  assert.equal(last(b, 1, 'modeChanged'), { ...last(a, 1, 'modeChanged')!, nick: 'alice', changes: [{ set: true, mode: 'm' }] });
  b.room('dev', { t: 'say', conn: 1, text: 'muted' });
  await b.until(() => b.notices(1).includes('cannotSpeak'), 'bob refused under +m');
  await mode(a, 1, 'dev', '+v', 'bob');
  b.room('dev', { t: 'act', conn: 1, text: 'speaks' });
  await a.until(() => a.events(1).some((e) => e.k === 'acted' && e.text === 'speaks'), 'voiced bob heard');
  await mode(a, 1, 'dev', '-v', 'bob');
  b.room('dev', { t: 'say', conn: 1, text: 'muted again' });
  await b.until(() => b.notices(1).filter((c) => c === 'cannotSpeak').length === 2, 'refused again');
  a.room('dev', { t: 'say', conn: 1, text: 'ops speak' });
  await b.until(() => b.events(1).some((e) => e.k === 'said' && e.text === 'ops speak'), 'the operator speaks');
});

s('+i with INVITE, +k and +l across nodes; an invitation is used up by the join and lets one past +k and +l', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await named(b, 2, 'carol');
  await join(a, 1, 'alice', 'dev');
  await mode(a, 1, 'dev', '+i');
  await join(b, 1, 'bob', 'dev');
  assert.equal(refusals(b, 1), ['inviteOnly']);
  await ask(b, 'dev', { t: 'invite', conn: 1, nick: 'carol' });
  assert.equal(b.notices(1).at(-1), 'notInRoom', 'only a member invites');
  await ask(a, 'dev', { t: 'invite', conn: 1, nick: 'Bob' });
  assert.equal(last(a, 1, 'inviteSent'), { k: 'inviteSent', room: 'dev', nick: 'bob' });
  await b.until(() => last(b, 1, 'invited') !== undefined, 'bob hears of the invitation on B');
  assert.equal(last(b, 1, 'invited'), { k: 'invited', room: 'dev', by: 'alice', nick: 'bob' });
  await join(b, 1, 'bob', 'dev');
  assert.ok(await inRoom('dev', 'B:1'), 'invited, bob is in');
  assert.is(await admin.zcard(keys.invited('dev')), 0, 'the invitation is used up');
  await ask(a, 'dev', { t: 'invite', conn: 1, nick: 'bob' });
  assert.equal(a.notices(1).at(-1), 'alreadyMember');
  await ask(a, 'dev', { t: 'invite', conn: 1, nick: 'nobody' });
  assert.equal(a.notices(1).at(-1), 'noSuchNick');
  assert.is(await admin.zcard(keys.invited('dev')), 0, 'a name nobody has is not invited');

  await mode(a, 1, 'dev', '-i+k', 'sesame');
  await join(b, 2, 'carol', 'dev');
  await join(b, 2, 'carol', 'dev', 'wrong');
  assert.equal(refusals(b, 2), ['badKey', 'badKey']);
  b.room('dev', { t: 'mode', conn: 2, changes: [] }, true);
  await b.until(() => last(b, 2, 'modes') !== undefined, 'the modes, asked from outside');
  assert.is(last(b, 2, 'modes')!.modes.key, 'sesame', 'the store keeps the key (the edge hides it from non-members)');
  assert.is(last(b, 2, 'modes')!.member, false);
  await mode(a, 1, 'dev', '-k');
  await mode(a, 1, 'dev', '+l', '2');
  await join(b, 2, 'carol', 'dev');
  assert.equal(refusals(b, 2), ['badKey', 'badKey', 'full'], '+l 2 with two in');
  await ask(a, 'dev', { t: 'invite', conn: 1, nick: 'carol' });
  await join(b, 2, 'carol', 'dev');
  assert.ok(await inRoom('dev', 'B:2'), 'an invitation lets carol past the limit');
});

s('a refused move stays in the room it came from; a server operator gets past every mode', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'lobby');
  await mode(a, 1, 'dev', '+k', 'sesame');
  await ask(b, 'lobby', { t: 'move', conn: 1, to: 'dev' });
  assert.equal(refusals(b, 1), ['badKey']);
  assert.ok(await inRoom('lobby', 'B:1'), 'still in the lobby');
  assert.not.ok(b.events(1).some((e) => e.k === 'left'), 'no leave was logged');
  await ask(b, 'lobby', { t: 'move', conn: 1, to: 'dev', key: 'sesame' });
  assert.ok(await inRoom('dev', 'B:1'));
  assert.not.ok(await inRoom('lobby', 'B:1'));
  await named(b, 2, 'root');
  await mode(a, 1, 'dev', '+i');
  await ask(b, 'dev', { t: 'join', conn: 2, nick: 'root', oper: 'root' });
  assert.ok(await inRoom('dev', 'B:2'), 'a server operator is not refused');
  await ask(b, 'dev', { t: 'kick', conn: 2, nick: 'alice', oper: 'root' });
  await a.until(() => a.notices(1).includes('kicked'), 'the server operator kicked the room operator');
});

s('topic lock: only operators set the topic under +t; -t opens it', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'dev');
  await ask(b, 'dev', { t: 'topic', conn: 1, text: 'mine' });
  assert.equal(b.notices(1).at(-1), 'notOperator', '+t is on by default in a new room');
  await ask(a, 'dev', { t: 'topic', conn: 1, text: 'ours' });
  await b.until(() => last(b, 1, 'topicSet') !== undefined, 'the topic on B');
  await mode(a, 1, 'dev', '-t');
  await ask(b, 'dev', { t: 'topic', conn: 1, text: 'mine now' });
  await a.until(() => last(a, 1, 'topicSet')?.text === 'mine now', 'bob set it after -t');
  // The lobby has no creator and an open topic.
  await join(b, 1, 'bob', 'lobby');
  await ask(b, 'lobby', { t: 'topic', conn: 1, text: 'open' });
  assert.is(last(b, 1, 'topicSet')?.text, 'open');
});

s('operator status goes with the member who leaves; the room\'s state goes when it empties', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'dev');
  await mode(a, 1, 'dev', '+ov+mb', 'bob', 'bob', 'eve');
  assert.equal((await admin.smembers(keys.ops('dev'))).sort(), ['A:1', 'B:1']);
  await ask(b, 'dev', { t: 'part', conn: 1 });
  assert.equal(await admin.smembers(keys.ops('dev')), ['A:1'], 'bob is no operator once gone');
  assert.equal(await admin.smembers(keys.voiced('dev')), []);
  await join(b, 1, 'bob', 'dev');
  assert.equal(await admin.smembers(keys.ops('dev')), ['A:1'], 'and does not get it back by rejoining');
  a.release(1);
  b.release(1);
  await b.until(() => b.count(1, 'named') >= 2, 'bob released');
  await a.until(() => a.count(1, 'named') >= 2, 'alice released');
  for (const key of [keys.modes('dev'), keys.bans('dev'), keys.ops('dev'), keys.voiced('dev'), keys.invited('dev')]) assert.is(await admin.exists(key), 0, `${key} is gone`);
  await named(b, 2, 'carol');
  await join(b, 2, 'carol', 'dev');
  assert.equal(await admin.smembers(keys.ops('dev')), ['B:2'], 'the room made anew: its first joiner runs it, with none of the old modes');
  b.room('dev', { t: 'mode', conn: 2, changes: [] }, true);
  await b.until(() => last(b, 2, 'modes') !== undefined, 'modes');
  assert.equal(last(b, 2, 'modes')!.modes, { topicLock: true, noOutside: true, moderated: false, inviteOnly: false, secret: false, key: null, limit: null });
});

s('modes survive the death of the node whose operator set them: the state is in the store', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'dev');
  await mode(a, 1, 'dev', '+kb', 'sesame', 'eve');
  (a.system as ClusterSystem).crash();
  // B reaps A once A's liveness key expires: alice leaves the room, bob stays in it.
  await b.until(() => b.events(1).some((e) => e.k === 'left' && e.how === 'lost'), 'alice reaped', 10_000);
  const c = node('C');
  await named(c, 1, 'carol');
  await join(c, 1, 'carol', 'dev');
  assert.equal(refusals(c, 1), ['badKey'], 'the key set on the dead node still holds, on a third');
  await named(c, 2, 'eve');
  await join(c, 2, 'eve', 'dev', 'sesame');
  assert.equal(refusals(c, 2), ['banned'], 'so does the ban');
  await join(c, 1, 'carol', 'dev', 'sesame');
  assert.ok(await inRoom('dev', 'C:1'));
});

s('KILL across nodes: a server operator on A disconnects a user of B, whose rooms hear why', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'root');
  await named(b, 1, 'bob');
  a.send({ to: 'directory', msg: { t: 'kill', conn: 1, nick: 'bob', reason: 'enough', oper: false }, barrier: true });
  await a.settled(1, 2);
  assert.equal(a.notices(1).at(-1), 'notOper');
  a.send({ to: 'directory', msg: { t: 'kill', conn: 1, nick: 'BOB', reason: 'enough', oper: true }, barrier: true });
  await a.settled(1, 3);
  await b.until(() => b.effects.some((e) => e.t === 'close' && e.conn === 1), "bob's node closes him");
  assert.equal(
    b.effects.find((e) => e.t === 'close'),
    { t: 'close', conn: 1, reason: 'Killed by root: enough' },
  );
  assert.ok(b.events(1).some((e) => e.k === 'notice' && e.notice.code === 'killed' && e.notice.by === 'root'), 'bob is told');
  a.send({ to: 'directory', msg: { t: 'kill', conn: 1, nick: 'nobody', reason: 'x', oper: true }, barrier: true });
  await a.settled(1, 4);
  assert.equal(a.notices(1).at(-1), 'noSuchNick');
});

s('WHOIS marks come from the store', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await join(b, 1, 'bob', 'dev');
  await join(b, 1, 'bob', 'ops');
  await mode(a, 1, 'dev', '+v', 'bob');
  a.send({ to: 'directory', msg: { t: 'lookup', conn: 1, ask: 'whois', nicks: ['bob', 'alice'] }, barrier: true });
  await a.until(() => last(a, 1, 'users') !== undefined, 'the lookup');
  const [bob, alice] = last(a, 1, 'users')!.users;
  assert.equal([bob?.rooms, bob?.marks], [['dev', 'ops'], ['+', '@']]);
  assert.equal([alice?.rooms, alice?.marks], [['dev'], ['@']]);
});

s('a user mask folded in TS is its nickname key and the folded tail; the Lua glob matches as matchMask does', async () => {
  for (const nick of ['alice', 'ALICE', 'ａｌｉｃｅ', 'bi11', 'Zoë', 'Straße', 'ǅemal', '日本語', 'a\u0301b']) {
    assert.is(nickKey(maskOf(nick)), nickKey(nick) + FOLDED_TAIL, nick);
  }
  const glob = `local P = 'nc:'\nlocal LOBBY = 'lobby'\n${MODERATION_LUA}\nreturn glob(chars(ARGV[1]), chars(ARGV[2])) and 1 or 0`;
  const alphabet = fc.constantFrom('a', 'b', '*', '?', 'é', '日', '!', '@');
  await fc.assert(
    fc.asyncProperty(fc.array(alphabet, { maxLength: 8 }), fc.array(alphabet, { maxLength: 10 }), async (m, t) => {
      const [mask, target] = [nickKey(m.join('')), nickKey(t.join(''))];
      const lua = (await admin.eval(glob, 0, mask, target)) === 1;
      assert.is(lua, matchMask(mask, target), `${mask} against ${target}`);
    }),
    { numRuns: 300 },
  );
});

/** Asks the directory (a barrier: it settles) and returns the answer of kind `k`. */
async function askDirectory<K extends ChatEvent['k']>(n: TestNode, msg: Extract<Parameters<TestNode['send']>[0], { to: 'directory' }>['msg'], k: K) {
  const before = n.count(msg.conn, 'settled');
  n.send({ to: 'directory', msg, barrier: true });
  await n.settled(msg.conn, before + 1);
  return last(n, msg.conn, k)!;
}
const listed = async (n: TestNode, conn: ConnId): Promise<string[]> =>
  (await askDirectory(n, { t: 'rooms', conn }, 'rooms')).rooms.filter(([, count]) => count > 0).map(([r]) => r).sort();

s('+s across nodes: a secret room is listed, named in WHOIS and shown by NAMES and WHO only to its members, on any node', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  await mode(a, 1, 'dev', '+s');
  assert.is(await admin.hget(keys.modes('dev'), 's'), '1');
  await ask(a, 'dev', { t: 'mode', conn: 1, changes: [] });
  assert.is(last(a, 1, 'modes')!.modes.secret, true, 'MODE #dev shows it');
  assert.equal(await listed(a, 1), ['dev'], 'alice, in it, sees it listed');
  assert.equal(await listed(b, 1), [], 'bob, on B and outside it, does not');
  await ask(b, 'dev', { t: 'who', conn: 1 });
  assert.equal(last(b, 1, 'members'), { k: 'members', room: 'dev', nicks: [], secret: true }, 'NAMES from outside: nobody');
  await ask(a, 'dev', { t: 'who', conn: 1 });
  assert.equal(last(a, 1, 'members'), { k: 'members', room: 'dev', nicks: ['alice'], marks: ['@'], secret: true });
  assert.equal((await askDirectory(b, { t: 'lookup', conn: 1, ask: 'who', room: 'dev' }, 'users')).users, [], 'WHO #dev from outside');
  const whois = await askDirectory(b, { t: 'lookup', conn: 1, ask: 'whois', nicks: ['alice'] }, 'users');
  assert.equal([whois.users[0]?.nick, whois.users[0]?.rooms, whois.users[0]?.marks], ['alice', [], undefined], "WHOIS from outside: not her secret room");
  assert.equal((await askDirectory(a, { t: 'lookup', conn: 1, ask: 'whois', nicks: ['alice'] }, 'users')).users[0]?.rooms, ['dev']);

  await join(b, 1, 'bob', 'dev');
  assert.equal(await listed(b, 1), ['dev'], 'a member now, on B');
  assert.equal((await askDirectory(b, { t: 'lookup', conn: 1, ask: 'whois', nicks: ['alice'] }, 'users')).users[0]?.rooms, ['dev']);
  await mode(a, 1, 'dev', '-s');
  await ask(b, 'dev', { t: 'part', conn: 1 });
  assert.equal(await listed(b, 1), ['dev'], 'public again');

  await mode(a, 1, 'dev', '+s');
  await ask(a, 'dev', { t: 'part', conn: 1 });
  assert.is(await admin.hget(keys.modes('dev'), 's'), null, 'an emptied room forgets it');
  await join(b, 1, 'bob', 'dev');
  assert.equal(await listed(a, 1), ['dev'], 'made anew by its next joiner: public');
});

s('-n across nodes: +n (the default) refuses a line from outside; after -n a user of node B outside the room is heard on node A', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await join(a, 1, 'alice', 'dev');
  b.room('dev', { t: 'say', conn: 1, text: 'knock', from: 'bob' });
  await b.until(() => b.notices(1).includes('cannotSpeak'), 'bob refused under +n');
  b.room('dev', { t: 'say', conn: 1, text: 'psst', notice: true, from: 'bob' });
  b.room('nowhere', { t: 'say', conn: 1, text: 'anyone?', from: 'bob' });
  await b.until(() => b.notices(1).includes('noSuchRoom'), 'a room nobody is in');
  assert.is(b.notices(1).filter((c) => c === 'cannotSpeak').length, 1, 'the NOTICE is refused silently');
  await mode(a, 1, 'dev', '-n');
  assert.equal(last(a, 1, 'modeChanged')?.changes, [{ set: false, mode: 'n' }]);
  assert.is(await admin.hget(keys.modes('dev'), 'n'), '0');
  b.room('dev', { t: 'say', conn: 1, text: 'hello from B', from: 'bob' });
  b.room('dev', { t: 'act', conn: 1, text: 'waves', from: 'bob' });
  await a.until(() => a.events(1).some((e) => e.k === 'acted' && e.nick === 'bob'), 'alice hears bob on A');
  const heard = a.events(1).filter((e) => (e.k === 'said' || e.k === 'acted') && e.nick === 'bob').map((e) => (e as { text: string }).text);
  assert.equal(heard, ['hello from B', 'waves'], 'what bob said from outside, once each; nothing refused before');
  b.room('dev', { t: 'say', conn: 1, text: 'stale' });
  await mode(a, 1, 'dev', '+m');
  b.room('dev', { t: 'say', conn: 1, text: 'moderated?', from: 'bob' });
  await b.until(() => b.notices(1).filter((c) => c === 'cannotSpeak').length === 2, '+m refuses outsiders');
  assert.not.ok(a.events(1).some((e) => e.k === 'said' && (e.text === 'stale' || e.text === 'moderated?')), 'a line without `from` from a non-member, or refused, reaches nobody');
  assert.not.ok(await inRoom('dev', 'B:1'), 'speaking from outside does not join');
});

s('LUSERS across nodes: every node counts the +i users of all, its own users apart, and the rooms with someone in them', async () => {
  const [a, b] = [node('A'), node('B')];
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await named(b, 2, 'carol');
  const counts = async () => {
    const c = await askDirectory(a, { t: 'count', conn: 1 }, 'counts');
    return { users: c.users, invisible: c.invisible, local: c.local, rooms: c.rooms };
  };
  assert.equal(await counts(), { users: 3, invisible: 0, local: 1, rooms: 0 }, 'nobody in the lobby: no channel formed');
  await askDirectory(b, { t: 'invisible', conn: 1, on: true }, 'notice');
  await askDirectory(b, { t: 'invisible', conn: 2, on: true }, 'notice');
  await join(a, 1, 'alice', 'dev');
  assert.equal(await counts(), { users: 3, invisible: 2, local: 1, rooms: 1 });
  b.release(2);
  for (let i = 0; i < 100 && (await admin.hexists(keys.conns('B'), 'B:2')) === 1; i++) await new Promise((r) => setTimeout(r, 50)); // the leave's script, run by B
  assert.is(await admin.sismember(keys.invisible, 'B:2'), 0, 'released in the same script that took carol out');
  assert.equal(await counts(), { users: 2, invisible: 1, local: 1, rooms: 1 }, 'carol left: no longer counted');
});

s.run();
