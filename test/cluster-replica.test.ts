import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { after, before, idLess, localConn } from '../src/cluster/events.js';
import { trimmedRead } from '../src/cluster/liveness.js';
import { Replica } from '../src/cluster/replica.js';
import { LOBBY } from '../src/model/rooms.js';
import { ev, eventsOf, kinds, shape } from './helpers/actors.js';
import type { Effect } from '../src/model/messages.js';

/** Who gets which events, in shape. */
const got = (effects: Effect[], conn: number) => eventsOf(effects).get(conn)?.map(shape);

const ids = suite('cluster: stream ids and gids');
ids('before() is the id just below, so an exclusive XREAD starts at the id itself', () => {
  assert.is(before('5-3'), '5-2');
  assert.is(before('5-0'), '4-18446744073709551615');
  assert.is(before('0-0'), '0-0');
  assert.ok(idLess(before('1700000000000-0'), '1700000000000-0'));
  assert.ok(idLess('9-99', '10-0'), 'compared as numbers, not text');
});
ids('after() is the id just above; before() and after() undo each other', () => {
  assert.is(after('5-2'), '5-3');
  assert.is(after('4-18446744073709551615'), '5-0');
  assert.is(after(before('1700000000000-0')), '1700000000000-0');
});
ids('a read was trimmed when the log\'s oldest entry lies past the next id after the position', () => {
  assert.not.ok(trimmedRead('5-3', '1-0'), 'the position is still in the log');
  assert.not.ok(trimmedRead('5-3', '5-3'), 'the position is the oldest entry');
  assert.not.ok(trimmedRead(before('9-0'), '9-0'), 'the expected join is the oldest entry');
  assert.ok(trimmedRead(before('9-0'), '9-1'), 'the expected join is gone');
  assert.ok(trimmedRead('5-3', '7-0'));
  assert.not.ok(trimmedRead('0-0', '7-0'), 'a log followed from its start');
});
ids('a gid is local only to its own node', () => {
  assert.is(localConn('abc:12', 'abc'), 12);
  assert.is(localConn('abcd:12', 'abc'), -1);
  assert.is(localConn('xyz:12', 'abc'), -1);
});
ids.run();

/** Node "n1" with local connections 1 (alice) and 2 (bob) in the lobby; carol is on node n2. */
function replica(): Replica {
  const r = new Replica('n1');
  r.followFrom('lobby', '0-0');
  r.apply('lobby', '1-0', { t: 'join', g: 'n1:1', n: 'alice', size: 1, claim: 1 });
  r.apply('lobby', '2-0', { t: 'join', g: 'n1:2', n: 'bob', size: 2, claim: 1 });
  r.apply('lobby', '3-0', { t: 'join', g: 'n2:7', n: 'carol', size: 3, claim: 1 });
  r.take();
  return r;
}

const events = suite('cluster: what a logged event means for this node');
events('a local claim names, places and settles the joiner; every local member sees it, with the entry id as its id', () => {
  const r = new Replica('n1');
  r.followFrom('lobby', '0-0');
  r.apply('lobby', '1700000000123-4', { t: 'join', g: 'n1:1', n: 'alice', size: 1, claim: 1 });
  const effects = r.take();
  assert.equal(kinds(effects, 1), ['named', 'placed', 'settled']);
  assert.equal(eventsOf(effects).get(1), [{ k: 'joined', room: LOBBY, id: '1700000000123-4', at: 1700000000123, nick: 'alice' }]);
});
events('a join (another room) places and settles without naming; the topic found there comes after it', () => {
  const r = replica();
  r.followFrom('dev', '0-0');
  r.apply('dev', '1-0', { t: 'join', g: 'n1:1', n: 'alice', size: 1, tp: { x: 'plans', n: 'carol', at: 5 } });
  const effects = r.take();
  assert.equal(kinds(effects, 1), ['placed', 'settled']);
  assert.equal(got(effects, 1), [ev.joined('alice', 'dev'), ev.topic('plans', 'carol', 'dev')]);
  assert.equal(r.locals.get(1)?.rooms, [LOBBY, 'dev'], 'in both rooms now');
});
events('a registration again after the store lost it settles nothing (nobody waits on it)', () => {
  const r = new Replica('n1');
  r.followFrom('lobby', '0-0');
  r.apply('lobby', '1-0', { t: 'join', g: 'n1:1', n: 'alice', size: 1, again: 1 });
  assert.equal(kinds(r.take(), 1), ['placed']);
});
events('a line from another node reaches every local member; a local sender does not get its own', () => {
  const r = replica();
  r.apply('lobby', '4-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'hi' });
  r.apply('lobby', '5-0', { t: 'msg', g: 'n1:1', n: 'alice', x: 'yo' });
  const effects = r.take();
  assert.equal(got(effects, 1), [ev.said('carol', 'hi')]);
  assert.equal(got(effects, 2), [ev.said('carol', 'hi'), ev.said('alice', 'yo')]);
});
events('a quit: the rest see the leave with its reason; the quitter is out of the room', () => {
  const r = replica();
  r.apply('lobby', '4-0', { t: 'leave', g: 'n1:2', n: 'bob', r: 'bye', quit: 1 });
  const effects = r.take();
  assert.equal(got(effects, 1), [ev.left('bob', LOBBY, 'quit', 'bye')]);
  assert.equal(got(effects, 2), undefined);
  assert.equal(kinds(effects, 2), ['placed']);
  assert.equal(r.locals.get(2)?.rooms, []);
});
events('a part: the parter sees it too, and is settled; it stays in its other rooms', () => {
  const r = replica();
  r.followFrom('dev', '0-0');
  r.apply('dev', '1-0', { t: 'join', g: 'n1:2', n: 'bob', size: 1 });
  r.take();
  r.apply('lobby', '4-0', { t: 'leave', g: 'n1:2', n: 'bob', part: 1 });
  const effects = r.take();
  assert.equal(got(effects, 2), [ev.left('bob', LOBBY, 'part')]);
  assert.equal(got(effects, 1), [ev.left('bob', LOBBY, 'part')]);
  assert.equal(kinds(effects, 2), ['placed', 'settled']);
  assert.equal(r.locals.get(2)?.rooms, ['dev']);
});
events('a move: the old room sees a leave, the mover stays named and is settled by the join', () => {
  const r = replica();
  r.followFrom('dev', '0-0');
  r.apply('lobby', '4-0', { t: 'leave', g: 'n1:1', n: 'alice', to: 'dev' });
  r.apply('dev', '1-0', { t: 'join', g: 'n1:1', n: 'alice', moved: 1, size: 1 });
  const effects = r.take();
  assert.equal(got(effects, 2), [ev.left('alice', LOBBY, 'moved')]);
  assert.equal(got(effects, 1), [ev.joined('alice', 'dev'), ev.roomSize(1, 'dev')]);
  assert.equal(kinds(effects, 1), ['placed', 'placed', 'settled']);
  assert.equal(r.locals.get(1)?.rooms, ['dev']);
  // Still connected, now elsewhere: the old room's lines must not reach the mover.
  r.apply('lobby', '5-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'lobby only' });
  const after = r.take();
  assert.equal(got(after, 2), [ev.said('carol', 'lobby only')]);
  assert.equal(got(after, 1), undefined);
});
events('a user the shared state lost is dropped: out of the room it was in, which is no longer followed if empty', () => {
  const r = replica();
  r.drop(1);
  assert.not.ok(r.locals.has(1));
  assert.equal(kinds(r.take(), 1), ['placed', 'named']);
  r.apply('lobby', '4-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'hi' });
  const [line] = r.take().filter((e) => e.t === 'deliver') as Array<{ to: Int32Array }>;
  assert.equal([...line!.to].filter((id) => id !== 1), [2], 'bob still gets lines (1 may stay listed: it is closed next)');
  r.apply('lobby', '5-0', { t: 'leave', g: 'n1:2', n: 'bob', quit: 1 });
  assert.not.ok(r.rooms.has('lobby'), 'its last local member gone, the room is not followed');
});
events('a room with no local member left is no longer followed', () => {
  const r = replica();
  r.apply('lobby', '4-0', { t: 'leave', g: 'n1:1', n: 'alice', quit: 1 });
  r.apply('lobby', '5-0', { t: 'leave', g: 'n1:2', n: 'bob', quit: 1 });
  assert.not.ok(r.rooms.has('lobby'));
});
events('a rename: everyone local sees it; the renamer is renamed, and settled by the entry that says so', () => {
  const r = replica();
  r.apply('lobby', '4-0', { t: 'ren', g: 'n1:1', o: 'alice', n: 'alicia', s: 1 });
  const effects = r.take();
  assert.equal(got(effects, 2), [ev.renamed('alice', 'alicia')]);
  assert.equal(kinds(effects, 1), ['named', 'settled']);
  assert.is(r.locals.get(1)?.nick, 'alicia');
  r.apply('lobby', '5-0', { t: 'ren', g: 'n1:1', o: 'alicia', n: 'al' });
  assert.equal(kinds(r.take(), 1), ['named'], 'another room\'s entry of the same rename does not settle again');
});
events('our entries trimmed before they were read take effect when a later entry is read, and the room hears lines were missed', () => {
  const r = replica();
  r.expect('dev');
  r.written('dev', '10-0');
  r.wrote('dev', '10-0', { t: 'join', g: 'n1:1', n: 'alice', size: -1 });
  r.wrote('lobby', '4-0', { t: 'ren', g: 'n1:2', o: 'bob', n: 'bobby', s: 1 });
  r.wrote('lobby', '5-0', { t: 'leave', g: 'n1:1', n: 'alice', quit: 1 });
  r.apply('dev', '12-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'in dev' });
  r.apply('lobby', '9-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'in lobby' });
  const effects = r.take();
  assert.equal(kinds(effects, 1), ['placed', 'settled', 'placed'], 'alice joined dev (settled), then left the lobby');
  assert.equal(kinds(effects, 2), ['named', 'settled'], 'bob renamed and settled');
  const inDev = (e: Record<string, unknown>) => e.room === 'dev' || (e.notice as { room?: string } | undefined)?.room === 'dev';
  assert.equal(got(effects, 1)?.filter(inDev), [ev.joined('alice', 'dev'), ev.said('carol', 'in dev', 'dev'), ev.notice({ code: 'missed', room: 'dev' })]);
  assert.equal(got(effects, 2)?.slice(-2), [ev.said('carol', 'in lobby'), ev.notice({ code: 'missed', room: LOBBY })]);
  assert.is(r.rooms.get(LOBBY)?.members.has(1), false, 'the quitter is out of the room');
});
events('our entries read as usual are not applied twice', () => {
  const r = replica();
  r.wrote('lobby', '4-0', { t: 'ren', g: 'n1:2', o: 'bob', n: 'bobby', s: 1 });
  r.apply('lobby', '4-0', { t: 'ren', g: 'n1:2', o: 'bob', n: 'bobby', s: 1 });
  r.apply('lobby', '5-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'hi' });
  const effects = r.take();
  assert.equal(kinds(effects, 2), ['named', 'settled']);
  assert.not.ok(eventsOf(effects).get(2)?.some((e) => e.k === 'notice'));
});
events('a topic set on another node reaches every local member', () => {
  const r = replica();
  r.apply('lobby', '4-0', { t: 'topic', g: 'n2:7', n: 'carol', x: 'news' });
  const effects = r.take();
  for (const c of [1, 2]) assert.equal(got(effects, c), [ev.topicSet('carol', 'news')]);
});
events('a topic set here settles its setter once read back (setting one is a barrier)', () => {
  const r = replica();
  r.apply('lobby', '4-0', { t: 'topic', g: 'n1:1', n: 'alice', x: 'plans' });
  const effects = r.take();
  assert.equal(kinds(effects, 1), ['settled']);
  assert.equal(got(effects, 1), [ev.topicSet('alice', 'plans')]);
});
events('a private message reaches only its local target', () => {
  const r = replica();
  r.applyInbox('9-0', { t: 'priv', to: 'n1:2', f: 'carol', x: 'psst' });
  r.applyInbox('9-1', { t: 'priv', to: 'n1:99', f: 'carol', x: 'nobody home' });
  assert.equal([...eventsOf(r.take())].map(([c, es]) => [c, es.map(shape)]), [[2, [ev.private('carol', 'bob', 'psst')]]]);
});
events('events of rooms this node does not follow are ignored', () => {
  const r = replica();
  r.apply('elsewhere', '1-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'hi' });
  assert.equal(r.take(), []);
});
events('a join still on its way keeps the room followed when the last local member leaves first', () => {
  const r = new Replica('n1');
  r.followFrom('lobby', '0-0');
  r.apply('lobby', '1-0', { t: 'join', g: 'n1:2', n: 'bob', size: 1, claim: 1 });
  r.expect('lobby'); // alice's claim is on its way; the reader is still at 1-0
  r.apply('lobby', '2-0', { t: 'leave', g: 'n1:2', n: 'bob', quit: 1 });
  assert.ok(r.rooms.has('lobby'), 'still followed');
  r.take();
  r.apply('lobby', '3-0', { t: 'join', g: 'n1:1', n: 'alice', size: 1, claim: 1 });
  assert.equal(kinds(r.take(), 1), ['named', 'placed', 'settled']);
});
events('a leave another node announced for our user (we stalled) keeps them here, named', () => {
  const r = replica();
  r.apply('lobby', '4-0', { t: 'leave', g: 'n1:1', n: 'alice', reaped: 1 });
  const effects = r.take();
  assert.equal(kinds(effects, 1), []);
  assert.ok(r.locals.has(1));
  assert.equal(got(effects, 2), [ev.left('alice', LOBBY, 'lost')]);
});
events('a join read before its script answered: no refollow from the old position, no replay', () => {
  const r = new Replica('n1');
  r.followFrom('dev', '0-0');
  r.apply('dev', '1-0', { t: 'join', g: 'n1:2', n: 'bob', size: 1, moved: 1 });
  r.expect('dev'); // alice's /join dev is sent
  r.apply('dev', '2-0', { t: 'join', g: 'n1:1', n: 'alice', size: 2, moved: 1 }); // read before the answer
  r.apply('dev', '3-0', { t: 'leave', g: 'n1:1', n: 'alice', to: 'lobby' });
  r.apply('dev', '4-0', { t: 'leave', g: 'n1:2', n: 'bob', to: 'lobby' });
  assert.not.ok(r.rooms.has('dev'), 'nobody of ours left, nothing expected: unfollowed');
  assert.not.ok(r.written('dev', '2-0'), 'the late answer does not follow the room again');
  assert.not.ok(r.rooms.has('dev'));
});
events('a room expected from scratch starts reading just before its join', () => {
  const r = new Replica('n1');
  r.expect('dev');
  assert.is(r.rooms.get('dev')?.pos, null, 'not read until the id is known');
  assert.ok(r.written('dev', '7-3'));
  assert.is(r.rooms.get('dev')?.pos, '7-2');
  r.unexpect('lobby');
});
events('an event at or before the position is never applied twice', () => {
  const r = replica();
  r.apply('lobby', '3-0', { t: 'msg', g: 'n2:7', n: 'carol', x: 'again' });
  assert.equal(r.take(), []);
});
events('a claim that failed stops expecting its room', () => {
  const r = new Replica('n1');
  r.expect('lobby');
  r.unexpect('lobby');
  assert.not.ok(r.rooms.has('lobby'));
});
events('a crowd of ours joining then leaving: lists are views of one buffer, never a copy per person', () => {
  // Each join and each leave is told to every local member. Copying the members for each would
  // be n²/2 ids through structured clone (here 2 MB each way); a view per event costs nothing.
  const r = new Replica('n1');
  r.followFrom('lobby', '0-0');
  const n = 1000;
  const buffers = new Set<ArrayBufferLike>();
  const listed = (effects: ReturnType<Replica['take']>): Int32Array[] => effects.flatMap((e) => (e.t === 'deliver' ? [e.to] : []));
  for (let c = 1; c <= n; c++) r.apply('lobby', `${c}-0`, { t: 'join', g: `n1:${c}`, n: `u${c}`, size: c });
  for (const to of listed(r.take())) buffers.add(to.buffer);
  for (let c = 1; c < n; c++) {
    r.apply('lobby', `${n + c}-0`, { t: 'leave', g: `n1:${c}`, n: `u${c}`, quit: 1 });
    const [to] = listed(r.take());
    buffers.add(to!.buffer);
    assert.equal([...to!].filter((id) => id > c).sort((a, b) => a - b), Array.from({ length: n - c }, (_, i) => c + 1 + i), 'every member still here');
    assert.ok(to!.length <= 2 * (n - c) + 1, `after ${c} leaves: ${to!.length} listed for ${n - c} members`);
  }
  const bytes = [...buffers].reduce((sum, b) => sum + b.byteLength, 0);
  assert.ok(bytes <= 4 * 8 * n, `${bytes} bytes of ids in ${buffers.size} buffers`);
});
events.run();
