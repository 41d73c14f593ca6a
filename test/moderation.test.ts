// Moderation in the actors, as events: who runs a room, what each mode lets through, kicks,
// bans, invitations and server operators. Lines are typed as telnet users type them.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Harness, ev } from './helpers/actors.js';
import { matchMask, normalizeMask, parseModes } from '../src/model/moderation.js';
import { renderTelnet } from '../src/edges/telnet/render.js';

/** ann (1) makes #dev; ben (2) and cat (3) come after. */
function devRoom(): Harness {
  const h = new Harness();
  h.claim(1, 'ann');
  h.claim(2, 'ben');
  h.claim(3, 'cat');
  h.line(1, '/join dev');
  h.line(2, '/join dev');
  h.line(3, '/join dev');
  return h;
}

const notices = (h: Harness, conn: number): unknown[] => h.events(conn).filter((e) => e.k === 'notice').map((e) => (e as { notice: unknown }).notice);

const rules = suite('moderation rules (pure)');
rules('masks: made whole, matched folded as nicknames are', () => {
  assert.is(normalizeMask('bob'), 'bob!*@*');
  assert.is(normalizeMask('*@host'), '*!*@host');
  assert.is(normalizeMask('bob!x'), 'bob!x@*');
  assert.ok(matchMask('bob!*@*', 'BOB!~u@node-chat'));
  assert.ok(matchMask('b?b!*@*', 'bob!~u@node-chat'));
  assert.ok(matchMask('*', 'anything'));
  assert.ok(matchMask('ｂｏｂ!*@*', 'bob!~u@node-chat'), 'fullwidth folds');
  assert.not.ok(matchMask('bob!*@*', 'bobby!~u@node-chat'));
  assert.not.ok(matchMask('*!*@elsewhere', 'bob!~u@node-chat'));
  // No catastrophic backtracking: many stars against a long non-match returns at once.
  assert.not.ok(matchMask('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)));
});
rules('mode strings: arguments taken in order, unknown letters apart', () => {
  assert.equal(parseModes('+ov-v', ['bob', 'cat', 'dan']), {
    changes: [{ set: true, mode: 'o', arg: 'bob' }, { set: true, mode: 'v', arg: 'cat' }, { set: false, mode: 'v', arg: 'dan' }],
    unknown: [],
  });
  assert.equal(parseModes('+kl', ['pw', '5']), { changes: [{ set: true, mode: 'k', arg: 'pw' }, { set: true, mode: 'l', arg: '5' }], unknown: [] });
  assert.equal(parseModes('-lk', []), { changes: [{ set: false, mode: 'l' }, { set: false, mode: 'k' }], unknown: [] });
  assert.equal(parseModes('b', []), { changes: [{ set: true, mode: 'b' }], unknown: [] });
  assert.equal(parseModes('+xo', []), { changes: [], unknown: ['x'] });
});
rules.run();

const ops = suite('moderation: room operators');
ops('the first to join a new room is its operator; /who marks it; the lobby has none', () => {
  const h = devRoom();
  h.line(2, '/who');
  assert.equal(h.got(2), [{ ...ev.members(['ann', 'ben', 'cat'], 'dev'), marks: ['@', '', ''] }]);
  assert.equal(h.to(2), ['\x1b[90m > in the room: @ann, ben, cat\x1b[39m\r\n']);
  const lobby = new Harness();
  lobby.claim(1, 'ann');
  lobby.line(1, '/who');
  assert.equal(lobby.got(1), [ev.members(['ann'])]);
});
ops('an operator gives and takes operator status and voice; everyone hears it in plain words', () => {
  const h = devRoom();
  h.line(1, '/op ben');
  assert.equal(h.got(3), [{ k: 'modeChanged', room: 'dev', nick: 'ann', changes: [{ set: true, mode: 'o', arg: 'ben' }] }]);
  assert.equal(h.to(3), ['\x1b[90m > ann made ben an operator\x1b[39m\r\n']);
  h.line(2, '/voice cat');
  assert.equal(h.to(1), ['\x1b[90m > ben gave cat a voice\x1b[39m\r\n']);
  h.line(2, '/deop ann');
  assert.equal(h.to(3), ['\x1b[90m > ben took operator status from ann\x1b[39m\r\n']);
  h.line(2, '/who');
  assert.equal(h.got(2), [{ ...ev.members(['ann', 'ben', 'cat'], 'dev'), marks: ['', '@', '+'] }]);
});
ops('a member who is no operator changes nothing and is told why', () => {
  const h = devRoom();
  for (const line of ['/op ben', '/kick ann', '/ban ann', '/mode +m']) {
    h.line(2, line);
    assert.equal(h.receivers(), [2], line);
    assert.equal(notices(h, 2), [{ code: 'notOperator', room: 'dev' }], line);
  }
  assert.equal(h.to(2), ['\x1b[93m > only operators of dev can do that\x1b[39m\r\n']);
});
ops('a change that changes nothing is not announced; status of someone not in the room is refused', () => {
  const h = devRoom();
  h.line(1, '/mode +t');
  assert.equal(h.receivers(), []);
  h.line(1, '/op zed');
  assert.equal(notices(h, 1), [{ code: 'noSuchNick', nick: 'zed' }], 'nobody has that name (IRC 401)');
  h.claim(4, 'dan');
  h.line(1, '/op dan');
  assert.equal(notices(h, 1), [{ code: 'notMember', room: 'dev', nick: 'dan' }], 'in the chat, not in the room (IRC 441)');
  assert.ok(h.effects.some((e) => e.t === 'settled' && e.conn === 1), 'the directory settles it, after its answer');
});
ops('operator status goes with the member: leaving and coming back, one is no operator', () => {
  const h = devRoom();
  h.line(1, '/leave');
  h.line(1, '/join dev');
  h.line(1, '/who');
  assert.equal(h.got(1), [ev.members(['ben', 'cat', 'ann'], 'dev')], 'nobody marked');
});
ops('an emptied room is made anew: its next first joiner runs it, with fresh modes', () => {
  const h = new Harness();
  h.claim(1, 'ann');
  h.claim(2, 'ben');
  h.line(1, '/join dev');
  h.line(1, '/mode +m');
  h.line(1, '/leave');
  h.line(2, '/join dev');
  h.line(2, '/mode');
  assert.equal(h.got(2), [{ k: 'modes', room: 'dev', modes: { topicLock: true, noOutside: true, moderated: false, inviteOnly: false, secret: false, key: null, limit: null }, created: (h.events(2)[0] as { created: number }).created, member: true }]);
  h.line(2, '/who');
  assert.equal((h.got(2)[0] as { marks: string[] }).marks, ['@']);
});
ops.run();

const modes = suite('moderation: modes');
modes('+t: only operators set the topic (new rooms have it; the lobby does not)', () => {
  const h = devRoom();
  h.line(2, '/topic mine');
  assert.equal(notices(h, 2), [{ code: 'notOperator', room: 'dev' }]);
  h.line(1, '/topic ours');
  assert.equal(h.got(2), [ev.topicSet('ann', 'ours', 'dev')]);
  h.line(1, '/mode -t');
  h.line(2, '/topic mine');
  assert.equal(h.got(3), [ev.topicSet('ben', 'mine', 'dev')]);
  const lobby = new Harness();
  lobby.claim(1, 'ann');
  lobby.line(1, '/topic hello');
  assert.equal(lobby.got(1), [ev.topicSet('ann', 'hello')]);
});
modes('+m: only operators and voiced members speak; the others are told, nobody else hears', () => {
  const h = devRoom();
  h.line(1, '/mode +m');
  assert.equal(h.to(2), ['\x1b[90m > ann set the room to moderated\x1b[39m\r\n']);
  h.line(2, 'hello?');
  assert.equal(h.receivers(), [2]);
  assert.equal(notices(h, 2), [{ code: 'cannotSpeak', room: 'dev' }]);
  h.line(1, '/voice ben');
  h.line(2, 'now?');
  assert.equal(h.got(3), [ev.said('ben', 'now?', 'dev')]);
  h.line(1, 'and me');
  assert.equal(h.got(3), [ev.said('ann', 'and me', 'dev')]);
  h.line(3, '/me waves');
  assert.equal(h.receivers(), [3]);
});
modes('+i: only the invited join, once each; +k needs the key; +l counts members', () => {
  const h = devRoom();
  h.claim(4, 'dan');
  h.line(1, '/mode +i');
  h.line(4, '/join dev');
  assert.equal(notices(h, 4), [{ code: 'joinRefused', room: 'dev', why: 'inviteOnly' }]);
  assert.equal(h.mirror.rooms.get(4), ['lobby'], 'a refused move goes back to where it came from');
  h.line(2, '/invite dan');
  assert.equal(notices(h, 2), [{ code: 'notOperator', room: 'dev' }], 'under +i, only operators invite');
  h.line(1, '/invite dan');
  assert.equal(h.got(4), [{ k: 'invited', room: 'dev', by: 'ann', nick: 'dan' }]);
  assert.equal(h.got(1), [{ k: 'inviteSent', room: 'dev', nick: 'dan' }]);
  h.line(4, '/join dev');
  assert.equal(h.mirror.rooms.get(4), ['dev']);
  h.line(4, '/leave');
  h.line(4, '/join dev');
  assert.equal(notices(h, 4), [{ code: 'joinRefused', room: 'dev', why: 'inviteOnly' }], 'an invitation is used up');

  h.line(1, '/mode -i+k sesame');
  h.line(4, '/join dev');
  assert.equal(notices(h, 4), [{ code: 'joinRefused', room: 'dev', why: 'badKey' }]);
  h.line(4, '/join dev wrong');
  assert.equal(notices(h, 4), [{ code: 'joinRefused', room: 'dev', why: 'badKey' }]);
  h.line(4, '/join dev sesame');
  assert.equal(h.mirror.rooms.get(4), ['dev']);
  h.line(4, '/leave');

  h.line(1, '/mode -k sesame');
  h.line(1, '/mode +l 3');
  h.line(4, '/join dev');
  assert.equal(notices(h, 4), [{ code: 'joinRefused', room: 'dev', why: 'full' }]);
  h.line(3, '/leave');
  h.line(4, '/join dev');
  assert.equal(h.mirror.rooms.get(4), ['dev']);
});
modes('an invitation of a name nobody has is refused (401) and lets nobody in later', () => {
  const h = devRoom();
  h.line(1, '/mode +i');
  h.line(1, '/invite eve');
  assert.equal(notices(h, 1), [{ code: 'noSuchNick', nick: 'eve' }]);
  h.claim(5, 'eve');
  h.line(5, '/join dev');
  assert.equal(notices(h, 5), [{ code: 'joinRefused', room: 'dev', why: 'inviteOnly' }]);
});
modes('/mode shows the modes, the key only to members', () => {
  const h = devRoom();
  h.line(1, '/mode +k pw');
  h.line(2, '/mode');
  assert.equal(h.to(2), ['\x1b[90m > dev modes: +ntk (topic set by operators, no messages from outside, key pw)\x1b[39m\r\n']);
  assert.equal(h.host.handle([{ to: 'room:dev', msg: { t: 'mode', conn: 9, changes: [] }, barrier: true }]).effects.flatMap((e) => (e.t === 'deliver' ? [renderTelnet(e.event)] : [])), [
    '\x1b[90m > dev modes: +ntk (topic set by operators, no messages from outside, a key)\x1b[39m\r\n',
  ]);
});
modes('+n (new rooms have it) refuses a line from outside; -n lets it in, but not past +m or a ban', () => {
  const h = devRoom();
  h.claim(4, 'dan'); // in the lobby, not in dev
  const outside = (text: string, notice = false) => h.intent(4, { kind: 'say', room: 'dev', text, outside: true, ...(notice ? { notice } : {}) });
  outside('knock knock');
  assert.equal(h.receivers(), [4]);
  assert.equal(notices(h, 4), [{ code: 'cannotSpeak', room: 'dev' }], '+n: refused (IRC 404)');
  outside('a notice', true);
  assert.equal(h.receivers(), [], 'a NOTICE is refused silently');
  h.line(1, '/mode -n');
  assert.equal(h.got(2), [{ k: 'modeChanged', room: 'dev', nick: 'ann', changes: [{ set: false, mode: 'n' }] }]);
  outside('hello from outside');
  assert.equal(h.got(1), [ev.said('dan', 'hello from outside', 'dev')], 'the members hear it from dan');
  assert.equal(h.receivers().sort(), [1, 2, 3], 'and dan gets no copy (its edge would echo it, if asked)');
  h.intent(4, { kind: 'act', room: 'dev', text: 'waves', outside: true });
  assert.equal(h.got(3), [ev.acted('dan', 'waves', 'dev')]);
  h.line(1, '/mode +m');
  outside('moderated?');
  assert.equal(notices(h, 4), [{ code: 'cannotSpeak', room: 'dev' }], '+m: no voice from outside');
  h.line(1, '/mode -m');
  h.line(1, '/ban dan');
  outside('banned?');
  assert.equal(notices(h, 4), [{ code: 'cannotSpeak', room: 'dev' }], 'a ban holds outside too');
  h.intent(4, { kind: 'say', room: 'nowhere', text: 'anyone?', outside: true });
  assert.equal(notices(h, 4), [{ code: 'noSuchRoom', room: 'nowhere' }], 'a room nobody is in: no such channel (403)');
  h.line(2, '/join lobby');
  h.intent(2, { kind: 'say', room: 'dev', text: 'a stale line, not from outside' });
  assert.equal(h.receivers(), [], 'a line without `outside` from a non-member is dropped, as before');
});
modes.run();

const kicks = suite('moderation: kick and ban');
kicks('a kick: everyone hears it, the kicked member too, and it is out of the room', () => {
  const h = devRoom();
  h.line(1, '/kick ben spam');
  const kicked = { k: 'kicked', room: 'dev', by: 'ann', nick: 'ben', reason: 'spam' };
  assert.equal(h.got(3), [kicked]);
  assert.equal(h.got(2), [kicked, ev.notice({ code: 'kicked', room: 'dev', by: 'ann', reason: 'spam' })]);
  assert.equal(h.to(3), ['\x1b[90m > ann kicked ben (spam)\x1b[39m\r\n']);
  assert.equal(h.mirror.rooms.get(2), []);
  h.line(3, 'bye ben');
  assert.equal(h.receivers(), [1], 'ben is out (and a sender does not get its own line)');
  h.line(1, '/kick ben');
  assert.equal(notices(h, 1), [{ code: 'notMember', room: 'dev', nick: 'ben' }]);
});
kicks('a ban keeps a user out, and silent if it is still in; unban lets it back', () => {
  const h = devRoom();
  h.line(1, '/ban cat');
  assert.equal(h.to(2), ['\x1b[90m > ann banned cat!*@*\x1b[39m\r\n']);
  h.line(3, 'can I?');
  assert.equal(notices(h, 3), [{ code: 'cannotSpeak', room: 'dev' }]);
  h.line(1, '/kick cat');
  h.line(3, '/join dev');
  assert.equal(notices(h, 3), [{ code: 'joinRefused', room: 'dev', why: 'banned' }]);
  h.line(1, '/invite cat');
  h.line(3, '/join dev');
  assert.equal(notices(h, 3), [{ code: 'joinRefused', room: 'dev', why: 'banned' }], 'an invitation does not beat a ban');
  h.line(1, '/bans');
  assert.equal(h.got(1), [{ k: 'bans', room: 'dev', bans: [{ mask: 'cat!*@*', by: 'ann', at: (h.events(1)[0] as { bans: Array<{ at: number }> }).bans[0]!.at }] }]);
  h.line(1, '/unban cat');
  h.line(3, '/join dev');
  assert.equal(h.mirror.rooms.get(3), ['dev']);
});
kicks('a ban follows the name: a banned member who renames may speak, one who renames into a ban may not', () => {
  const h = devRoom();
  h.line(1, '/ban c*');
  h.line(3, '/nick zed');
  h.line(3, 'free');
  assert.equal(h.got(2), [ev.said('zed', 'free', 'dev')]);
  h.line(2, '/nick carl');
  h.line(2, 'gagged');
  assert.equal(h.receivers(), [2]);
});
kicks.run();

const opers = suite('moderation: server operators');
opers('a server operator moderates any room, the lobby included, without being its operator', () => {
  const h = devRoom();
  h.mirror.opers.add(3);
  h.line(3, '/kick ann behave');
  assert.equal(h.got(2), [{ k: 'kicked', room: 'dev', by: 'cat', nick: 'ann', reason: 'behave' }]);
  const lobby = new Harness();
  lobby.claim(1, 'ann');
  lobby.claim(2, 'ben');
  lobby.line(2, '/mode +m');
  assert.equal(notices(lobby, 2), [{ code: 'notOperator', room: 'lobby' }], 'the lobby has no creator');
  lobby.mirror.opers.add(2);
  lobby.line(2, '/mode +m');
  assert.equal(lobby.got(1), [{ k: 'modeChanged', room: 'lobby', nick: 'ben', changes: [{ set: true, mode: 'm' }] }]);
});
opers('kill: only a server operator; the user is told, then closed with the reason its rooms hear', () => {
  const h = devRoom();
  h.line(2, '/kill cat go');
  assert.equal(notices(h, 2), [{ code: 'notOper' }]);
  h.mirror.opers.add(2);
  const effects = h.line(2, '/kill cat go away');
  assert.equal(notices(h, 3), [{ code: 'killed', by: 'ben', reason: 'go away' }]);
  assert.ok(effects.some((e) => e.t === 'close' && e.conn === 3 && e.reason === 'Killed by ben: go away'));
  h.line(2, '/kill nobody x');
  assert.equal(notices(h, 2), [{ code: 'noSuchNick', nick: 'nobody' }]);
});
opers.run();
