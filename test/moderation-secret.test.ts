// Secret rooms (+s) in the actors, as events: the room and the directory on different hosts
// (as Workers place them), so the room's word to the directory is what hides it. A secret room
// shows itself, its members and its name in a user's rooms only to those in it.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Harness, HostGroup } from './helpers/actors.js';
import { freshState, modeString, parseModes } from '../src/model/moderation.js';
import { applyModes } from '../src/actors/modes.js';
import type { ChatEvent } from '../src/model/events.js';
import type { ConnId } from '../src/model/messages.js';
import { hostFor } from '../src/runtime/placement.js';

const HOSTS = 3;
/** A room placed on another host than the directory's, so every word between them crosses hosts. */
const ROOM = ['dev', 'ops', 'team', 'alpha', 'beta', 'gamma'].find((r) => hostFor(`room:${r}`, HOSTS) !== hostFor('directory', HOSTS))!;

function first<K extends ChatEvent['k']>(h: HostGroup | Harness, conn: ConnId, k: K): Extract<ChatEvent, { k: K }> | undefined {
  return h.events(conn).find((e): e is Extract<ChatEvent, { k: K }> => e.k === k);
}
const roomsSeen = (h: HostGroup, conn: ConnId): string[] => {
  h.intent(conn, { kind: 'rooms' });
  // An empty lobby is kept (with 0) and never listed: only rooms with someone in them count.
  return (first(h, conn, 'rooms')?.rooms ?? []).filter(([, n]) => n > 0).map(([r]) => r).sort();
};
const lookup = (h: HostGroup, conn: ConnId, ask: Omit<Extract<Parameters<HostGroup['intent']>[1], { kind: 'lookup' }>, 'kind' | 'ask'>) => {
  h.intent(conn, { kind: 'lookup', ask: 'x', ...ask });
  return first(h, conn, 'users')!;
};

/** ann (1) makes ROOM and sets it +s; ben (2) stays in the lobby. */
function secretRoom(): HostGroup {
  const h = new HostGroup(HOSTS);
  h.claim(1, 'ann');
  h.claim(2, 'ben');
  h.line(1, `/join ${ROOM}`);
  h.line(1, '/mode +s');
  return h;
}

const rules = suite('secret rooms: the rules (pure)');
rules('+s is a flag: parsed, applied once, shown in the mode string; new rooms are not secret', () => {
  assert.equal(parseModes('+s', []), { changes: [{ set: true, mode: 's' }], unknown: [] });
  const state = freshState('dev', 0);
  assert.is(state.modes.secret, false);
  const none = () => null;
  assert.equal(applyModes(state, [{ set: true, mode: 's' }], none, 0, 'ann').applied, [{ set: true, mode: 's' }]);
  assert.equal(applyModes(state, [{ set: true, mode: 's' }], none, 0, 'ann').applied, [], 'already secret: nothing to announce');
  assert.is(modeString(state.modes, true).letters, '+nst');
  assert.equal(applyModes(state, [{ set: false, mode: 's' }], none, 0, 'ann').applied, [{ set: false, mode: 's' }]);
  assert.is(modeString(state.modes, true).letters, '+nt');
});
rules.run();

const hide = suite('secret rooms: hidden from those not in them');
hide('/rooms (IRC LIST) lists a secret room to its members only; -s lists it again', () => {
  const h = secretRoom();
  assert.equal(roomsSeen(h, 1), [ROOM, 'lobby'].sort(), 'ann, in it, sees it');
  assert.equal(roomsSeen(h, 2), ['lobby'], 'ben does not');
  h.line(1, '/mode -s');
  assert.equal(roomsSeen(h, 2), [ROOM, 'lobby'].sort());
});
hide('NAMES from outside shows nobody (and says the room is secret); members see everyone', () => {
  const h = secretRoom();
  h.intent(2, { kind: 'who', room: ROOM });
  assert.equal(first(h, 2, 'members'), { k: 'members', room: ROOM, nicks: [], marks: [], secret: true });
  h.intent(1, { kind: 'who', room: ROOM });
  assert.equal(first(h, 1, 'members'), { k: 'members', room: ROOM, nicks: ['ann'], marks: ['@'], secret: true });
});
hide('WHO #room from outside finds nobody; WHOIS and WHO masks leave the room out of a user\'s rooms for outsiders', () => {
  const h = secretRoom();
  assert.equal(lookup(h, 2, { room: ROOM }).users, [], 'WHO #room from outside');
  assert.equal(lookup(h, 1, { room: ROOM }).users.map((u) => u.nick), ['ann'], 'WHO #room from inside');
  assert.equal(lookup(h, 2, { nicks: ['ann'] }).users[0]!.rooms, [], 'WHOIS ann, asked by ben');
  assert.equal(lookup(h, 2, { nicks: ['ann'] }).users[0]!.marks, undefined, 'no mark for a room not shown');
  assert.equal(lookup(h, 1, { nicks: ['ann'] }).users[0]!.rooms, [ROOM], 'WHOIS ann, asked by ann');
  assert.equal(lookup(h, 2, { mask: 'a*' }).users[0]!.rooms, [], 'WHO a*, asked by ben');
  h.line(2, `/join ${ROOM}`);
  assert.equal(lookup(h, 2, { nicks: ['ann'] }).users[0]!.rooms, [ROOM], 'ben, now in it, sees it');
  assert.equal(roomsSeen(h, 2), [ROOM], 'ben moved there: the lobby is empty');
});
hide('an emptied secret room is forgotten: made anew by its next joiner, it is public', () => {
  const h = secretRoom();
  h.line(1, '/join lobby');
  h.claim(3, 'cat');
  h.line(3, `/join ${ROOM}`);
  assert.equal(roomsSeen(h, 2), [ROOM, 'lobby'].sort(), 'listed again');
  h.line(3, '/mode');
  assert.is(first(h, 3, 'modes')!.modes.secret, false);
  // And when its last member quits rather than leaves.
  h.line(3, '/mode +s');
  assert.equal(roomsSeen(h, 2), ['lobby']);
  h.leave(3);
  h.line(2, `/join ${ROOM}`);
  assert.equal(roomsSeen(h, 1), [ROOM, 'lobby'].sort());
});
hide('after a crash, a host rebuilt from the rooms\' last states keeps a secret room secret', () => {
  const h = new Harness();
  const members = [
    { conn: 1, nick: 'ann', rooms: [ROOM], since: [1] },
    { conn: 2, nick: 'ben', rooms: ['lobby'], since: [2] },
  ];
  const state = freshState(ROOM, 0);
  state.modes.secret = true;
  state.ops.push(1);
  h.host.restore({ members, topics: [], states: [[ROOM, state]] });
  h.mirror.learn(members.flatMap((m) => [{ t: 'named' as const, conn: m.conn, nick: m.nick }, ...m.rooms.map((room) => ({ t: 'placed' as const, conn: m.conn, room, present: true }))]));
  h.intent(2, { kind: 'rooms' });
  assert.equal((first(h, 2, 'rooms')?.rooms ?? []).filter(([, n]) => n > 0).map(([r]) => r), ['lobby'], 'still unlisted');
  h.intent(2, { kind: 'who', room: ROOM });
  assert.equal(first(h, 2, 'members')?.nicks, []);
  h.intent(1, { kind: 'who', room: ROOM });
  assert.equal(first(h, 1, 'members')?.nicks, ['ann']);
});
hide.run();
