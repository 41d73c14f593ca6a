import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as texts from '../src/edges/telnet/texts.js';
import { Harness, inboxOf, kinds } from './helpers/actors.js';

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
  assert.equal(h.to(1), [texts.joined('bob', 'lobby')]);
  assert.equal(h.to(2), [texts.joined('bob', 'lobby')]);
  assert.equal(kinds(effects, 2), ['named', 'placed', 'settled']);
});
naming('a taken name, under any case or width, gets the taken prompt and settles', () => {
  const h = room();
  for (const name of ['alice', 'ALICE', 'Alice', 'ａｌｉｃｅ']) {
    const effects = h.claim(9, name);
    assert.equal(h.to(9), [texts.nickTaken()], name);
    assert.equal(h.to(1), [], 'nobody else hears of it');
    assert.equal(kinds(effects, 9), ['settled']);
  }
});
naming('an invalid name says why and prompts again', () => {
  const h = new Harness();
  const cases: Array<[string, RegExp]> = [
    ['x'.repeat(33), /too long \(at most 32 characters\)/],
    ['two words', /spaces/],
    ['/slash', /cannot start with \//],
    ['zero\u200bwidth', /control or invisible/],
    ['bad\ufffdbytes', /invalid characters/],
  ];
  for (const [name, why] of cases) {
    h.claim(5, name);
    const [text] = h.to(5);
    assert.ok(why.test(text!), `${name}: ${text}`);
    assert.ok(text!.endsWith(texts.NICK_PROMPT), 'then the same prompt');
  }
});
naming('32 code points is fine even when it is more bytes', () => {
  const h = new Harness();
  h.claim(1, '😀'.repeat(32));
  assert.equal(h.to(1), [texts.joined('😀'.repeat(32), 'lobby')]);
});
naming.run();

const talk = suite('room actor: lines and commands');
talk('a line goes to everyone else, never back to the sender', () => {
  const h = room();
  h.line(1, 'hello there');
  assert.equal(h.to(1), []);
  assert.equal(h.to(2), [texts.message('alice', 'hello there')]);
  assert.equal(h.to(3), [texts.message('alice', 'hello there')]);
});
talk('blank lines are ignored', () => {
  const h = room();
  h.line(1, '   ');
  assert.equal(h.effects, []);
});
talk('//text sends the literal /text', () => {
  const h = room();
  h.line(1, '//shrug');
  assert.equal(h.to(2), [texts.message('alice', '/shrug')]);
});
talk('/who goes to the asker only, in join order', () => {
  const h = room();
  h.line(2, '/who');
  assert.equal([...h.inbox().keys()], [2]);
  assert.equal(h.to(2), [texts.whoLines(['alice', 'bob', 'carol'])]);
  assert.match(h.to(2)[0]!, / > in the room: alice, bob, carol/);
});
talk('/who wraps a long list over several lines', () => {
  const out = texts.whoLines(Array.from({ length: 100 }, (_, i) => `member${i}`));
  assert.ok(out.split('\r\n').length > 3);
});
talk('/me reaches everyone else', () => {
  const h = room();
  h.line(1, '/me waves');
  assert.equal(h.to(1), []);
  assert.equal(h.to(2), [texts.action('alice', 'waves')]);
});
talk('/msg reaches only the target (any case) and echoes to the sender', () => {
  const h = room();
  h.line(1, '/msg BOB psst, a secret');
  assert.equal(h.to(2), [texts.privateFrom('alice', 'psst, a secret')]);
  assert.equal(h.to(1), [texts.privateTo('bob', 'psst, a secret')]);
  assert.equal(h.to(3), []);
});
talk('/msg to nobody says so to the sender alone', () => {
  const h = room();
  h.line(1, '/msg dave hi');
  assert.equal([...h.inbox().keys()], [1]);
  assert.equal(h.to(1), [texts.noUser('dave')]);
});
talk('/nick renames: everyone sees it, the old name is free at once', () => {
  const h = room();
  const effects = h.line(1, '/nick alicia');
  for (const c of [1, 2, 3]) assert.equal(h.to(c), [texts.renamed('alice', 'alicia')]);
  assert.equal(kinds(effects, 1), ['named', 'settled']);
  h.claim(4, 'alice');
  assert.equal(h.to(4), [texts.joined('alice', 'lobby')]);
  h.line(1, 'hi');
  assert.equal(h.to(2), [texts.message('alicia', 'hi')]);
});
talk('/nick to a taken or invalid name: an error to the renamer only, and it settles', () => {
  const h = room();
  for (const wanted of ['BOB', 'two words', '']) {
    const effects = h.line(1, `/nick ${wanted}`);
    assert.equal([...h.inbox().keys()], [1], wanted);
    assert.match(h.to(1)[0]!, texts.YELLOW);
    assert.equal(kinds(effects, 1), ['settled']);
  }
});
talk('/nick may change only the case of one\'s own name', () => {
  const h = room();
  h.line(1, '/nick Alice');
  assert.equal(h.to(2), [texts.renamed('alice', 'Alice')]);
});
talk('/quit: one leave line with the reason to the rest, then close', () => {
  const h = room();
  const effects = h.line(2, '/quit off to bed');
  assert.equal(h.to(2), []);
  assert.equal(h.to(1), [texts.left('bob', 'lobby', 'off to bed')]);
  assert.equal(kinds(effects, 2), ['placed', 'close', 'settled', 'named']);
  h.claim(4, 'bob');
  assert.equal(h.to(4), [texts.joined('bob', 'lobby')], 'the name is free again');
});
talk('a closed connection: the rest see it leave, the name is free', () => {
  const h = room();
  h.leave(3);
  assert.equal(h.to(1), [texts.left('carol', 'lobby')]);
  assert.equal(inboxOf(h.effects).get(3), undefined, 'not even addressed to the one who left');
  h.claim(4, 'Carol');
  assert.equal(h.to(4), [texts.joined('Carol', 'lobby')]);
});
talk('/help to the asker only; unknown commands say so', () => {
  const h = room();
  h.line(1, '/help');
  assert.equal([...h.inbox().keys()], [1]);
  assert.match(h.to(1)[0]!, /\/msg NICK TEXT/);
  h.line(1, '/dance now');
  assert.equal(h.to(1), [texts.unknownCommand('dance')]);
  assert.equal([...h.inbox().keys()], [1]);
});
talk('command names are case-insensitive', () => {
  const h = room();
  h.line(1, '/WHO');
  assert.match(h.to(1)[0]!, /in the room/);
});
talk.run();

const order = suite('room actor: ordering');
order('one batch: every member gets the room\'s lines in one order, each sender\'s in the order sent', () => {
  const h = room();
  const batch = [];
  for (let i = 0; i < 50; i++) for (const c of [1, 2, 3]) batch.push({ to: 'room:lobby' as const, msg: { t: 'line' as const, conn: c, text: `${c}:${i}` } });
  h.run(...batch);
  const all = batch.map((b) => b.msg.text);
  for (const c of [1, 2, 3]) {
    const nick = ['alice', 'bob', 'carol'][c - 1]!;
    const expected = all.filter((t) => !t.startsWith(`${c}:`)).map((t) => texts.message(['alice', 'bob', 'carol'][Number(t[0]) - 1]!, t));
    assert.equal(h.to(c), expected, nick);
  }
});
order('broadcasts in a batch share one recipients array (cloned once across threads)', () => {
  const h = room();
  const effects = h.run(
    { to: 'room:lobby', msg: { t: 'line', conn: 1, text: 'a' } },
    { to: 'room:lobby', msg: { t: 'line', conn: 2, text: 'b' } },
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
  fresh.host.restore([
    { conn: 1, nick: 'alice', room: 'lobby' },
    { conn: 2, nick: 'bob', room: 'lobby' },
  ]);
  fresh.claim(5, 'BOB');
  assert.equal(fresh.to(5), [texts.nickTaken()]);
  fresh.line(2, 'hi');
  assert.equal(fresh.to(1), [texts.message('bob', 'hi')]);
  void h;
});
restore('a rename replayed into a rebuilt room still says who it was', () => {
  const fresh = new Harness();
  fresh.host.restore([
    { conn: 1, nick: 'robert', room: 'lobby' }, // the directory's new name reached the gateway before the crash
    { conn: 2, nick: 'carol', room: 'lobby' },
  ]);
  fresh.run({ to: 'room:lobby', msg: { t: 'renamed', conn: 1, from: 'bob', nick: 'robert' } });
  assert.equal(fresh.to(2), [texts.renamed('bob', 'robert')]);
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
  const lists = [2, 3, 4].map((c) => h.claim(c, `n${c}`).find((e) => e.t === 'deliver')!) as Array<{ to: Int32Array }>;
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
  assert.equal(h.to(n), [texts.left(`n${n - 1}`, 'lobby')]);
});
views('a room restored after handing out lists leaves those lists as they were', () => {
  const h = new Harness();
  for (let c = 1; c <= 5; c++) h.claim(c, `n${c}`);
  const before = (h.line(1, 'x').find((e) => e.t === 'deliver') as { to: Int32Array }).to;
  const seen = [...before];
  h.host.restore([
    { conn: 7, nick: 'g', room: 'lobby' },
    { conn: 8, nick: 'h', room: 'lobby' },
  ]);
  h.line(7, 'after');
  assert.equal([...before], seen);
  assert.equal(h.to(8), [texts.message('g', 'after')]);
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
      const last = effects.find((e) => e.t === 'deliver' && e.text === texts.message(`n${c}`, 'hi')) as { to: Int32Array } | undefined;
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
