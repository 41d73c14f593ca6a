import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostFor, hostForRoom } from '../src/runtime/placement.js';
import { checkRoom } from '../src/model/rooms.js';
import * as texts from '../src/edges/telnet/texts.js';
import { Harness, HostGroup, kinds } from './helpers/actors.js';

const placement = suite('placement');
placement('stable: the same room always lands on the same host (fixed expected values)', () => {
  // The gateway and every Worker compute placement on their own: it may depend on nothing but
  // the name and the host count (no per-process seed). Fixed values make a change of the hash
  // show here; changing it on purpose means updating them.
  const counts = [1, 2, 3, 4, 8];
  const expected: Record<string, number[]> = {
    lobby: [0, 1, 1, 1, 1],
    dev: [0, 1, 1, 1, 4],
    games: [0, 0, 2, 2, 2],
    x: [0, 1, 1, 3, 3],
    r000: [0, 1, 2, 2, 2],
    r001: [0, 0, 0, 0, 0],
    'dev-ops_2': [0, 0, 0, 0, 0],
    ['a'.repeat(32)]: [0, 0, 2, 3, 3],
  };
  for (const [room, hosts] of Object.entries(expected)) {
    assert.equal(counts.map((n) => hostForRoom(room, n)), hosts, `${room} over ${counts.join(', ')} hosts`);
  }
});
placement('the directory is pinned to host 0', () => {
  for (const n of [1, 2, 3, 8]) assert.is(hostFor('directory', n), 0);
});
placement('balanced: 10,000 names spread within 10% of even over 2, 3 and 8 hosts', () => {
  for (const hosts of [2, 3, 8]) {
    const counts = new Array<number>(hosts).fill(0);
    for (let i = 0; i < 10_000; i++) counts[hostForRoom(`room-${i}`, hosts)]!++;
    const even = 10_000 / hosts;
    for (const c of counts) assert.ok(Math.abs(c - even) < even * 0.1, `${hosts} hosts: ${counts.join(', ')}`);
  }
});
placement('growing the pool moves only the rooms the new host wins', () => {
  let moved = 0;
  for (let i = 0; i < 10_000; i++) {
    const before = hostForRoom(`r${i}`, 3);
    const after = hostForRoom(`r${i}`, 4);
    if (before !== after) {
      moved++;
      assert.is(after, 3, 'a room only ever moves to the new host');
    }
  }
  assert.ok(moved > 1500 && moved < 3500, `moved ${moved} of 10,000 (about a quarter expected)`);
});
placement.run();

const names = suite('room names');
names('letters, digits, - and _; a leading # is ignored; case-insensitive', () => {
  assert.equal(checkRoom('#Dev-Ops_2'), { ok: true, room: 'dev-ops_2' });
  for (const bad of ['', '#', 'has space', 'ünï', 'a'.repeat(33), 'semi;colon']) assert.is(checkRoom(bad).ok, false, bad);
});
names.run();

/** alice (1) and bob (2) in the lobby, over `hosts` hosts. */
function group(hosts: number): HostGroup {
  const g = new HostGroup(hosts);
  g.claim(1, 'alice');
  g.claim(2, 'bob');
  return g;
}

const moves = suite('rooms: moving between rooms');
for (const hosts of [1, 3]) {
  moves(`/join: the old room sees the leave, the new one the join, the joiner the head count (${hosts} hosts)`, () => {
    const g = group(hosts);
    g.claim(3, 'carol');
    g.line(3, '/join dev');
    const effects = g.line(1, '/join #DEV');
    assert.equal(g.to(2), [texts.left('alice', 'lobby')]);
    assert.equal(g.to(3), [texts.joined('alice', 'dev')]);
    assert.equal(g.to(1), [texts.joined('alice', 'dev'), texts.roomSize(2, 'dev')]);
    assert.equal(kinds(effects, 1), ['placed', 'placed', 'settled']);
    assert.match(texts.joined('alice', 'dev'), ' > alice joined the room dev');
  });
  moves(`rooms are apart: a line in one room never reaches another (${hosts} hosts)`, () => {
    const g = group(hosts);
    g.line(1, '/join dev');
    g.line(1, 'in dev');
    assert.equal(g.to(2), []);
    g.line(2, 'in lobby');
    assert.equal(g.to(1), []);
  });
  moves(`/msg and /nick work across rooms (${hosts} hosts)`, () => {
    const g = group(hosts);
    g.line(1, '/join dev');
    g.line(2, '/msg ALICE hi from the lobby');
    assert.equal(g.to(1), [texts.privateFrom('bob', 'hi from the lobby')]);
    g.line(2, '/nick Alice', 'lobby');
    assert.match(g.to(2)[0]!, 'already in use');
  });
  moves(`/rooms lists every room with its count, lobby first; empty rooms vanish (${hosts} hosts)`, () => {
    const g = group(hosts);
    g.line(1, '/join zeta');
    g.line(2, '/rooms');
    assert.equal(g.to(2), [texts.roomList(new Map([['lobby', 1], ['zeta', 1]]))]);
    assert.match(g.to(2)[0]!, ' > lobby (1)');
    g.line(1, '/leave', 'zeta');
    assert.equal(g.to(1), [texts.joined('alice', 'lobby'), texts.roomSize(2, 'lobby')]);
    g.line(2, '/rooms');
    assert.equal(g.to(2), [texts.roomList(new Map([['lobby', 2]]))]);
    g.line(1, '/join zeta');
    g.leave(1);
    g.line(2, '/rooms');
    assert.equal(g.to(2), [texts.info('lobby (1)')]);
  });
}
moves('a bad room name or a bare /join: an error, and the user stays put', () => {
  const h = new Harness();
  h.claim(1, 'alice');
  h.claim(2, 'bob');
  for (const arg of ['', 'no!room', '#']) {
    h.line(1, `/join ${arg}`.trimEnd());
    assert.equal(h.effects, [], 'the edge answers by itself');
    assert.match(h.to(1)[0]!, texts.YELLOW);
  }
  h.line(1, '/join lobby');
  assert.equal(h.to(1), [texts.info('you are already in lobby')]);
  h.line(1, 'still here');
  assert.equal(h.to(2), [texts.message('alice', 'still here')]);
});
moves('/who lists the current room only', () => {
  const g = group(2);
  g.line(1, '/join dev');
  g.line(1, '/who', 'dev');
  assert.equal(g.to(1), [texts.whoLines(['@alice'])]);
});
moves.run();
