import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LOBBY } from '../src/model/rooms.js';
import { Harness, ev, eventsOf, kinds } from './helpers/actors.js';
import { MemberMirror } from '../src/gateway/members.js';
import type { Effect } from '../src/model/messages.js';

/** A harness with alice (1), bob (2) and carol (3) already in the lobby. */
function room(): Harness {
  const h = new Harness();
  h.claim(1, 'alice');
  h.claim(2, 'bob');
  h.claim(3, 'carol');
  return h;
}

const naming = suite('room actor: choosing a nickname');
naming('an accepted name joins the lobby: everyone, the joiner included, sees it', () => {
  const h = new Harness();
  h.claim(1, 'alice');
  const effects = h.claim(2, 'bob');
  assert.equal(h.got(1), [ev.joined('bob')]);
  assert.equal(h.got(2), [ev.welcome('bob'), ev.joined('bob')]);
  assert.equal(kinds(effects, 2), ['named', 'placed', 'settled']);
});
naming('a taken name, under any case or width, is refused with the name and settles', () => {
  const h = room();
  for (const name of ['alice', 'ALICE', 'Alice', 'ａｌｉｃｅ']) {
    const effects = h.claim(9, name);
    assert.equal(h.got(9), [ev.notice({ code: 'nickTaken', stage: 'claim', nick: name })], name);
    assert.equal(h.got(1), [], 'nobody else hears of it');
    assert.equal(kinds(effects, 9), ['settled']);
  }
});
naming('an invalid name says which rule it breaks', () => {
  const h = new Harness();
  const cases: Array<[string, string]> = [
    ['x'.repeat(33), 'tooLong'],
    ['two words', 'space'],
    ['/slash', 'slash'],
    ['zero\u200bwidth', 'control'],
    ['bad\ufffdbytes', 'invalidUtf8'],
  ];
  for (const [name, problem] of cases) {
    const effects = h.claim(5, name);
    assert.equal(h.got(5), [ev.notice({ code: 'nickInvalid', stage: 'claim', problem })], name);
    assert.equal(kinds(effects, 5), ['settled']);
  }
});
naming('32 code points is fine even when it is more bytes', () => {
  const h = new Harness();
  h.claim(1, '😀'.repeat(32));
  assert.equal(h.got(1), [ev.welcome('😀'.repeat(32)), ev.joined('😀'.repeat(32))]);
});
naming.run();

const talk = suite('room actor: lines and commands');
talk('a line goes to everyone else, never back to the sender', () => {
  const h = room();
  h.line(1, 'hello there');
  assert.equal(h.got(1), []);
  assert.equal(h.got(2), [ev.said('alice', 'hello there')]);
  assert.equal(h.got(3), [ev.said('alice', 'hello there')]);
});
talk('every event of a room carries a stamp: ids unique and increasing, times from the clock', () => {
  const h = room();
  const stamps: Array<{ id: string; at: number }> = [];
  for (const text of ['a', 'b', 'c']) {
    h.line(1, text);
    const [e] = h.events(2) as Array<{ id: string; at: number }>;
    stamps.push(e!);
  }
  const ids = stamps.map((s) => s.id);
  assert.is(new Set(ids).size, 3);
  for (let i = 1; i < stamps.length; i++) {
    assert.ok(stamps[i]!.at > stamps[i - 1]!.at, 'the stepping clock moved');
    assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  }
  assert.match(ids[0]!, /^\d+-\d+$/);
});
talk('ids stay unique when the clock stands still', () => {
  const h = new Harness(0, 1, () => 42);
  h.claim(1, 'alice');
  h.claim(2, 'bob');
  const seen = new Set<string>();
  for (let i = 0; i < 5; i++) {
    h.line(1, `line ${i}`);
    const [e] = h.events(2) as Array<{ id: string; at: number }>;
    assert.is(e!.at, 42);
    seen.add(e!.id);
  }
  assert.is(seen.size, 5);
});
talk('//text sends the literal /text', () => {
  const h = room();
  h.line(1, '//shrug');
  assert.equal(h.got(2), [ev.said('alice', '/shrug')]);
});
talk('/who goes to the asker only, in join order', () => {
  const h = room();
  const effects = h.line(2, '/who');
  assert.equal(h.receivers(), [2]);
  assert.equal(h.got(2), [ev.members(['alice', 'bob', 'carol'])]);
  assert.equal(kinds(effects, 2), ['settled']);
});
talk('/me reaches everyone else', () => {
  const h = room();
  h.line(1, '/me waves');
  assert.equal(h.got(1), []);
  assert.equal(h.got(2), [ev.acted('alice', 'waves')]);
});
talk('/msg reaches only the target (any case) and tells the sender who got it', () => {
  const h = room();
  const effects = h.line(1, '/msg BOB psst, a secret');
  assert.equal(h.got(2), [ev.private('alice', 'bob', 'psst, a secret')]);
  assert.equal(h.got(1), [ev.privateSent('bob', 'psst, a secret')]);
  assert.equal(h.got(3), []);
  assert.equal(kinds(effects, 1), ['settled']);
});
talk('/msg to nobody says so to the sender alone', () => {
  const h = room();
  h.line(1, '/msg dave hi');
  assert.equal(h.receivers(), [1]);
  assert.equal(h.got(1), [ev.notice({ code: 'noSuchNick', nick: 'dave' })]);
});
talk('/nick renames: everyone sees it, the old name is free at once', () => {
  const h = room();
  const effects = h.line(1, '/nick alicia');
  for (const c of [1, 2, 3]) assert.equal(h.got(c), [ev.renamed('alice', 'alicia')]);
  assert.equal(kinds(effects, 1), ['named', 'settled']);
  h.claim(4, 'alice');
  assert.equal(h.got(4), [ev.welcome('alice'), ev.joined('alice')]);
  h.line(1, 'hi');
  assert.equal(h.got(2), [ev.said('alicia', 'hi')]);
});
talk('/nick to a taken or invalid name: a refusal to the renamer only, and it settles', () => {
  const h = room();
  const cases: Array<[string, Record<string, unknown>]> = [
    ['BOB', { code: 'nickTaken', stage: 'rename', nick: 'BOB' }],
    ['two words', { code: 'nickInvalid', stage: 'rename', problem: 'space' }],
    ['alice', { code: 'nickUnchanged', nick: 'alice' }],
  ];
  for (const [wanted, notice] of cases) {
    const effects = h.line(1, `/nick ${wanted}`);
    assert.equal(h.receivers(), [1], wanted);
    assert.equal(h.got(1), [ev.notice(notice)], wanted);
    assert.equal(kinds(effects, 1), ['settled']);
  }
});
talk('/nick may change only the case of one\'s own name', () => {
  const h = room();
  h.line(1, '/nick Alice');
  assert.equal(h.got(2), [ev.renamed('alice', 'Alice')]);
});
talk('/quit: one leave with the reason to the rest; the name is free', () => {
  const h = room();
  const effects = h.line(2, '/quit off to bed');
  assert.equal(h.got(2), []);
  assert.equal(h.got(1), [ev.left('bob', LOBBY, 'quit', 'off to bed')]);
  assert.equal(kinds(effects, 2), ['placed', 'named']);
  h.claim(4, 'bob');
  assert.equal(h.got(4), [ev.welcome('bob'), ev.joined('bob')], 'the name is free again');
});
talk('a closed connection: the rest see it leave, the name is free', () => {
  const h = room();
  h.leave(3);
  assert.equal(h.got(1), [ev.left('carol')]);
  assert.equal(eventsOf(h.effects).get(3), undefined, 'not even addressed to the one who left');
  h.claim(4, 'Carol');
  assert.equal(h.got(4), [ev.welcome('Carol'), ev.joined('Carol')]);
});
talk('what the edge answers by itself never reaches the actors', () => {
  const h = room();
  for (const line of ['/help', '/dance now', '/me', '/msg bob', '/nick', '/join no!room', '/join lobby']) {
    h.line(1, line);
    assert.equal(h.effects, [], line);
    assert.is(h.to(1).length, 1, line);
  }
});
talk('command names are case-insensitive', () => {
  const h = room();
  h.line(1, '/WHO');
  assert.equal(h.got(1), [ev.members(['alice', 'bob', 'carol'])]);
});
talk.run();

const topics = suite('room actor: topics');
topics('/topic TEXT: everyone, the setter included, sees who set it', () => {
  const h = room();
  const effects = h.line(1, '/topic release on friday');
  for (const c of [1, 2, 3]) assert.equal(h.got(c), [ev.topicSet('alice', 'release on friday')]);
  assert.equal(kinds(effects, 1), ['settled'], 'a barrier: the setter\'s next answer comes after its own topic line');
});
topics('/topic asks: the topic with who set it, or that there is none', () => {
  const h = room();
  h.line(2, '/topic');
  assert.equal(h.got(2), [ev.noTopic()]);
  h.line(1, '/topic hello');
  const effects = h.line(2, '/topic');
  assert.equal(h.got(2), [ev.topic('hello', 'alice')]);
  assert.equal(kinds(effects, 2), ['settled']);
});
topics('a joiner sees the topic after its join; a room that empties forgets it', () => {
  const h = room();
  h.line(1, '/join dev');
  h.line(1, '/topic dev talk', 'dev');
  const effects = h.line(2, '/join dev');
  assert.equal(h.got(2), [ev.joined('bob', 'dev'), ev.roomSize(2, 'dev'), ev.topic('dev talk', 'alice', 'dev')]);
  assert.equal(kinds(effects, 2), ['placed', 'placed', 'settled']);
  h.line(1, '/leave', 'dev');
  h.line(2, '/leave', 'dev');
  h.line(3, '/join dev');
  assert.equal(h.got(3), [ev.joined('carol', 'dev'), ev.roomSize(1, 'dev')]);
});
topics('an empty topic (IRC TOPIC #c :) unsets it: everyone sees it cleared, then there is none to ask for or to join to', () => {
  const h = room();
  h.line(1, '/join dev');
  h.line(2, '/join dev');
  h.line(1, '/topic dev talk', 'dev');
  h.intent(1, { kind: 'topic', room: 'dev', text: '' });
  for (const c of [1, 2]) assert.equal(h.got(c), [ev.topicSet('alice', '', 'dev')]);
  h.intent(2, { kind: 'topic', room: 'dev' });
  assert.equal(h.got(2), [ev.noTopic('dev')]);
  h.line(3, '/join dev');
  assert.equal(h.got(3), [ev.joined('carol', 'dev'), ev.roomSize(3, 'dev')], 'no empty topic on joining');
});
topics.run();

const many = suite('room actor: several rooms per connection');
many('a join keeps the other rooms; a part leaves one; a line goes to its room only', () => {
  const h = room();
  h.intent(1, { kind: 'join', room: 'dev' });
  assert.equal(h.got(1), [ev.joined('alice', 'dev')]);
  assert.equal(h.mirror.rooms.get(1), [LOBBY, 'dev']);
  h.intent(2, { kind: 'join', room: 'dev' });
  h.intent(1, { kind: 'say', room: 'dev', text: 'in dev' });
  assert.equal(h.got(2), [ev.said('alice', 'in dev', 'dev')]);
  assert.equal(h.got(3), [], 'carol is not in dev');
  const effects = h.intent(1, { kind: 'part', room: 'dev', reason: 'later' });
  assert.equal(h.got(1), [ev.left('alice', 'dev', 'part', 'later')], 'the parter sees its own part');
  assert.equal(h.got(2), [ev.left('alice', 'dev', 'part', 'later')]);
  assert.equal(kinds(effects, 1), ['placed', 'settled']);
  assert.equal(h.mirror.rooms.get(1), [LOBBY]);
});
many('a rename is announced once in each room, and settles once', () => {
  const h = room();
  h.intent(1, { kind: 'join', room: 'dev' });
  h.intent(2, { kind: 'join', room: 'dev' });
  const effects = h.intent(1, { kind: 'rename', nick: 'al' });
  assert.equal(h.got(2), [ev.renamed('alice', 'al'), ev.renamed('alice', 'al', 'dev')]);
  assert.equal(h.got(3), [ev.renamed('alice', 'al')]);
  assert.equal(kinds(effects, 1).filter((k) => k === 'settled').length, 1);
});
many('a disconnect is announced once in each room the user was in', () => {
  const h = room();
  h.intent(1, { kind: 'join', room: 'dev' });
  h.intent(2, { kind: 'join', room: 'dev' });
  h.leave(1);
  assert.equal(h.got(2), [ev.left('alice'), ev.left('alice', 'dev')]);
  assert.equal(h.got(3), [ev.left('alice')]);
  h.claim(9, 'alice');
  assert.equal(h.got(9), [ev.welcome('alice'), ev.joined('alice')], 'the name is free');
});
many('/rooms counts every membership', () => {
  const h = room();
  h.intent(1, { kind: 'join', room: 'dev' });
  h.line(2, '/rooms');
  const [rooms] = h.events(2) as Array<{ rooms: Array<[string, number]> }>;
  assert.equal(new Map(rooms!.rooms), new Map([[LOBBY, 3], ['dev', 1]]));
});
many('a user in no room who renames hears of it alone', () => {
  const h = room();
  h.intent(1, { kind: 'part', room: LOBBY });
  const effects = h.intent(1, { kind: 'rename', nick: 'al' });
  assert.equal(h.receivers(), [1]);
  assert.equal(h.got(1), [{ k: 'nickChanged', from: 'alice', nick: 'al' }]);
  assert.equal(kinds(effects, 1), ['named', 'settled']);
});
many('a question to a room that no longer exists still settles its sender', () => {
  const h = room();
  const effects = h.run({ to: 'room:gone', msg: { t: 'who', conn: 1 }, barrier: true });
  assert.equal(kinds(effects, 1), ['settled']);
});
many('an IRC-style claim enters no room: welcomed, named, settled, and in no room', () => {
  const h = room();
  const effects = h.claim(7, 'ircuser', null);
  assert.equal(h.got(7), [ev.welcome('ircuser')]);
  assert.equal(h.receivers(), [7], 'nobody else hears of it');
  assert.equal(kinds(effects, 7), ['named', 'settled']);
  assert.equal(h.mirror.rooms.get(7), undefined);
  h.intent(7, { kind: 'join', room: 'dev' });
  assert.equal(h.got(7), [ev.joined('ircuser', 'dev')]);
});
many.run();

const order = suite('room actor: ordering');
order('one batch: every member gets the room\'s lines in one order, each sender\'s in the order sent', () => {
  const h = room();
  const batch = [];
  for (let i = 0; i < 50; i++) for (const c of [1, 2, 3]) batch.push({ to: 'room:lobby' as const, msg: { t: 'say' as const, conn: c, text: `${c}:${i}` } });
  h.run(...batch);
  const all = batch.map((b) => b.msg.text);
  for (const c of [1, 2, 3]) {
    const nick = ['alice', 'bob', 'carol'][c - 1]!;
    const expected = all.filter((t) => !t.startsWith(`${c}:`)).map((t) => ev.said(['alice', 'bob', 'carol'][Number(t[0]) - 1]!, t));
    assert.equal(h.got(c), expected, nick);
  }
});
order('broadcasts in a batch share one recipients array (cloned once across threads)', () => {
  const h = room();
  const effects = h.run(
    { to: 'room:lobby', msg: { t: 'say', conn: 1, text: 'a' } },
    { to: 'room:lobby', msg: { t: 'say', conn: 2, text: 'b' } },
  );
  const arrays = effects.flatMap((e) => (e.t === 'deliver' ? [e.to] : []));
  assert.is(arrays.length, 2);
  assert.ok(arrays[0] === arrays[1]);
});
order.run();

const restore = suite('room actor: restore');
restore('a host rebuilt from member records behaves as before', () => {
  const h = room();
  const fresh = new Harness();
  const members = [
    { conn: 1, nick: 'alice', rooms: ['lobby', 'dev'], since: [1, 3] },
    { conn: 2, nick: 'bob', rooms: ['lobby'], since: [2] },
  ];
  fresh.host.restore({ members, topics: [['dev', { text: 'kept', by: 'alice', at: 5 }]] });
  fresh.mirror.learn(members.flatMap((m) => [{ t: 'named' as const, conn: m.conn, nick: m.nick }, ...m.rooms.map((room) => ({ t: 'placed' as const, conn: m.conn, room, present: true }))]));
  fresh.claim(5, 'BOB');
  assert.equal(fresh.got(5), [ev.notice({ code: 'nickTaken', stage: 'claim', nick: 'BOB' })]);
  fresh.line(2, 'hi');
  assert.equal(fresh.got(1), [ev.said('bob', 'hi')]);
  fresh.intent(1, { kind: 'topic', room: 'dev' });
  assert.equal(fresh.got(1), [ev.topic('kept', 'alice', 'dev')], 'the topic came back with the room');
  void h;
});
restore('a rename replayed into a rebuilt room still says who it was', () => {
  const fresh = new Harness();
  fresh.host.restore({
    members: [
      { conn: 1, nick: 'robert', rooms: ['lobby'], since: [0] }, // the directory's new name reached the gateway before the crash
      { conn: 2, nick: 'carol', rooms: ['lobby'], since: [0] },
    ],
    topics: [],
  });
  fresh.run({ to: 'room:lobby', msg: { t: 'renamed', conn: 1, from: 'bob', nick: 'robert', settle: true } });
  assert.equal(fresh.got(2), [ev.renamed('bob', 'robert')]);
});
restore('a rebuilt room lists its members in the order they joined it, not the order they were named', () => {
  const h = new Harness();
  const mirror = new MemberMirror();
  const learn = (effects: Effect[]): void => {
    for (const e of effects) {
      if (e.t === 'named') mirror.setNick(e.conn, e.nick);
      if (e.t === 'placed') mirror.place(e.conn, e.room, e.present);
      if (e.t === 'roomState') mirror.setState(e.room, e.state);
    }
  };
  for (const [c, n] of [[1, 'ann'], [2, 'ben'], [3, 'cat']] as const) learn(h.claim(c, n));
  for (const c of [3, 1, 2]) learn(h.intent(c, { kind: 'join', room: 'dev' }));
  h.intent(1, { kind: 'who', room: 'dev' });
  // cat made the room: its operator, before the crash and after.
  const members = { ...ev.members(['cat', 'ann', 'ben'], 'dev'), marks: ['@', '', ''] };
  assert.equal(h.got(1), [members]);
  const fresh = new Harness();
  fresh.host.restore(mirror.snapshot());
  fresh.run({ to: 'room:dev', msg: { t: 'who', conn: 1 }, barrier: true });
  assert.equal(fresh.got(1), [members]);
});
restore.run();

const views = suite('room actor: recipient lists');
views('a recipient list handed out never changes, whatever the room does next', () => {
  // Lists are views of the room's packed ids (so a batch clones one buffer): each must keep
  // showing exactly the members it was made for while later joins, leaves and moves happen.
  const h = new Harness();
  const taken: Array<{ to: Int32Array; ids: number[] }> = [];
  const keep = (effects: ReturnType<Harness['run']>): void => {
    for (const e of effects) if (e.t === 'deliver' && e.to.length > 1) taken.push({ to: e.to, ids: [...e.to] });
  };
  for (let c = 1; c <= 40; c++) keep(h.claim(c, `n${c}`));
  keep(h.line(5, 'hello'));
  for (const c of [3, 17, 40, 1]) keep(h.leave(c));
  for (let c = 41; c <= 60; c++) keep(h.claim(c, `n${c}`));
  keep(h.line(41, '/join elsewhere'));
  keep(h.line(2, 'after the move'));
  assert.ok(taken.length > 60);
  for (const { to, ids } of taken) assert.equal([...to], ids);
  const last = taken[taken.length - 1]!;
  assert.is(new Set(last.to).size, last.to.length, 'nobody listed twice');
  assert.is([...last.to].filter((id) => !h.isGone(id)).length, 40 + 20 - 4 - 1, 'everyone still in the lobby');
});
views('joins in a row share one buffer, each list a prefix of the next', () => {
  const h = new Harness();
  h.claim(1, 'a');
  const lists = [2, 3, 4].map((c) => h.claim(c, `n${c}`).find((e) => e.t === 'deliver' && e.event.k === 'joined')!) as Array<{ to: Int32Array }>;
  for (let i = 1; i < lists.length; i++) {
    assert.is(lists[i]!.to.buffer, lists[0]!.to.buffer);
    assert.equal([...lists[i]!.to].slice(0, lists[i - 1]!.to.length), [...lists[i - 1]!.to]);
  }
});
views('a list sent after a crowd left is about the size of who is left, not of the crowd', () => {
  // A view is cloned with its whole buffer: one sized for a thousand would cost every later batch.
  const h = new Harness();
  for (let c = 1; c <= 1000; c++) h.claim(c, `n${c}`);
  for (let c = 11; c <= 1000; c++) h.leave(c);
  const line = h.line(1, 'still here').find((e) => e.t === 'deliver') as { to: Int32Array };
  assert.equal([...line.to].filter((id) => !h.isGone(id)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(line.to.length <= 2 * 10, `the departed never outnumber the members (${line.to.length} listed)`);
  assert.ok(line.to.buffer.byteLength <= 4 * 64, `a small buffer (${line.to.buffer.byteLength} bytes)`);
});
views('a crowd leaving one by one shares its lists: the ids copied add up to about the crowd, not its square', () => {
  // Each leave is told to everyone left. Copying the remaining ids for each would be n²/2 ids
  // (here 2 MB) through structured clone; the departed stay listed until they outnumber the rest.
  const h = new Harness();
  const n = 1000;
  for (let c = 1; c <= n; c++) h.claim(c, `n${c}`);
  const buffers = new Set<ArrayBufferLike>();
  for (let c = 1; c < n; c++) {
    const left = h.leave(c).find((e) => e.t === 'deliver') as { to: Int32Array; except: number };
    buffers.add(left.to.buffer);
    const listed = [...left.to];
    assert.equal(listed.filter((id) => id > c).sort((a, b) => a - b), Array.from({ length: n - c }, (_, i) => c + 1 + i), 'every member still here');
    for (const id of listed) if (id <= c) assert.ok(h.isGone(id), `${id} is listed, and is either a member or gone`);
    assert.ok(left.to.length <= 2 * (n - c) + 1, `leave ${c}: ${left.to.length} listed for ${n - c} members`);
  }
  const bytes = [...buffers].reduce((sum, b) => sum + b.byteLength, 0);
  assert.ok(bytes <= 4 * 4 * n, `${bytes} bytes of ids in ${buffers.size} buffers`);
  assert.equal(h.got(n), [ev.left(`n${n - 1}`)]);
});
views('a room restored after handing out lists leaves those lists as they were', () => {
  const h = new Harness();
  for (let c = 1; c <= 5; c++) h.claim(c, `n${c}`);
  const before = (h.line(1, 'x').find((e) => e.t === 'deliver') as { to: Int32Array }).to;
  const seen = [...before];
  h.host.restore({
    members: [
      { conn: 7, nick: 'g', rooms: ['lobby'], since: [0] },
      { conn: 8, nick: 'h', rooms: ['lobby'], since: [0] },
    ],
    topics: [],
  });
  h.run({ to: 'room:lobby', msg: { t: 'say', conn: 7, text: 'after' } });
  assert.equal([...before], seen);
  assert.equal(h.got(8), [ev.said('g', 'after')]);
});
views('random joins, leaves, moves and lines: every list is the room and the departed, and stays so', () => {
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let trial = 0; trial < 40; trial++) {
    const h = new Harness();
    // As at the gateway, a connection that closes never comes back: a new one gets a new id.
    const live: number[] = [];
    let nextId = 1;
    const inLobby = new Set<number>();
    const taken: Array<{ to: Int32Array; ids: number[] }> = [];
    for (let step = 0; step < 300; step++) {
      const op = rnd(10);
      let effects;
      let c: number;
      if (live.length < 40 && (live.length === 0 || op < 2)) {
        c = nextId++;
        effects = h.claim(c, `n${c}`);
        live.push(c);
        inLobby.add(c);
      } else {
        const at = rnd(live.length);
        c = live[at]!;
        if (op < 4 && inLobby.has(c)) {
          effects = h.leave(c);
          live.splice(at, 1);
          inLobby.delete(c);
        } else if (op < 5 && inLobby.has(c)) {
          effects = h.line(c, '/join elsewhere');
          inLobby.delete(c);
        } else if (op < 6 && !inLobby.has(c)) {
          effects = h.line(c, '/join lobby', 'elsewhere');
          inLobby.add(c);
        } else if (inLobby.has(c)) effects = h.line(c, 'hi');
        else continue;
      }
      for (const e of effects) {
        if (e.t !== 'deliver' || e.to.length < 2) continue;
        taken.push({ to: e.to, ids: [...e.to] });
      }
      const last = effects.find((e) => e.t === 'deliver' && e.event.k === 'said' && e.event.nick === `n${c}`) as { to: Int32Array } | undefined;
      if (last) {
        assert.equal([...last.to].filter((id) => !h.isGone(id)).sort((a, b) => a - b), [...inLobby].sort((a, b) => a - b), 'a line reaches exactly the lobby');
        assert.is(new Set(last.to).size, last.to.length, 'nobody listed twice');
        assert.ok(last.to.length <= 2 * inLobby.size, 'the departed never outnumber the members');
      }
    }
    for (const { to, ids } of taken) assert.equal([...to], ids, 'never changed after it was handed out');
  }
});
views.run();
