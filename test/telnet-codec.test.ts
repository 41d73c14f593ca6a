// The telnet edge byte for byte: every event as the classic texts render it, and every line as
// the slash-command reader reads it. The strings are written out literally, so a change to a
// text shows here as a failing test, not as a quiet change on every telnet user's screen.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatEvent, Notice } from '../src/model/events.js';
import { readTelnetLine } from '../src/edges/telnet/parser.js';
import { renderTelnet } from '../src/edges/telnet/render.js';
import { telnetEdge } from '../src/edges/telnet/edge.js';

// History lines show the server's local time: pinned to UTC here, so the bytes below are the same everywhere.
process.env.TZ = 'UTC';

const GREY = '\x1b[90m';
const CYAN = '\x1b[96m';
const YELLOW = '\x1b[93m';
const MAGENTA = '\x1b[95m';
const GREEN = '\x1b[92m';
const RESET = '\x1b[39m';
const grey = (t: string): string => `${GREY}${t}${RESET}\r\n`;
const yellow = (t: string): string => `${YELLOW}${t}${RESET}\r\n`;
const PROMPT = ' > please write your name and press enter: ';

const at = { id: '1700000000000-0', at: 1_700_000_000_000 };
const notice = (n: Notice): ChatEvent => ({ k: 'notice', notice: n });

const render = suite('telnet codec: events as the classic texts');
const cases: Array<[string, ChatEvent, string]> = [
  ['a join in the lobby', { k: 'joined', room: 'lobby', ...at, nick: 'alice' }, grey(' > alice joined the room')],
  ['a join elsewhere names the room', { k: 'joined', room: 'dev', ...at, nick: 'alice' }, grey(' > alice joined the room dev')],
  ['a leave', { k: 'left', room: 'lobby', ...at, nick: 'bob', how: 'quit' }, grey(' > bob left the room')],
  ['a quit with a reason', { k: 'left', room: 'dev', ...at, nick: 'bob', how: 'quit', reason: 'off to bed' }, grey(' > bob left the room dev (off to bed)')],
  ['a move away', { k: 'left', room: 'lobby', ...at, nick: 'bob', how: 'moved' }, grey(' > bob left the room')],
  ['a part (IRC) reads as a leave', { k: 'left', room: 'dev', ...at, nick: 'bob', how: 'part', reason: 'bye' }, grey(' > bob left the room dev (bye)')],
  ['a user whose node died', { k: 'left', room: 'lobby', ...at, nick: 'bob', how: 'lost' }, grey(' > bob left the room (connection lost)')],
  ['a line', { k: 'said', room: 'lobby', ...at, nick: 'alice', text: 'hello' }, `${CYAN} > alice:${RESET} hello\r\n`],
  ['an action', { k: 'acted', room: 'lobby', ...at, nick: 'alice', text: 'waves' }, grey(' * alice waves')],
  ['a rename', { k: 'renamed', room: 'lobby', ...at, from: 'alice', nick: 'alicia' }, grey(' > alice is now known as alicia')],
  ['a topic set', { k: 'topicSet', room: 'lobby', ...at, nick: 'alice', text: 'friday' }, grey(' > alice set the topic: friday')],
  ['a topic unset (IRC TOPIC #c :)', { k: 'topicSet', room: 'lobby', ...at, nick: 'alice', text: '' }, grey(' > alice cleared the topic')],
  ['the topic', { k: 'topic', room: 'lobby', text: 'friday', by: 'alice', at: 1 }, grey(' > topic: friday')],
  ['no topic', { k: 'noTopic', room: 'lobby' }, grey(' > no topic is set (/topic TEXT sets one)')],
  ['the size of a room moved to', { k: 'roomSize', room: 'dev', count: 1 }, grey(' > 1 person in dev')],
  ['the size, plural', { k: 'roomSize', room: 'dev', count: 3 }, grey(' > 3 people in dev')],
  ['who is in the room', { k: 'members', room: 'lobby', nicks: ['alice', 'bob'] }, grey(' > in the room: alice, bob')],
  ['the rooms, the lobby first', { k: 'rooms', rooms: [['zeta', 1], ['dev', 2], ['lobby', 3]] }, grey(' > lobby (3)') + grey(' > dev (2)') + grey(' > zeta (1)')],
  ['the rooms, an empty lobby listed', { k: 'rooms', rooms: [['dev', 2]] }, grey(' > lobby (0)') + grey(' > dev (2)')],
  ['a private message', { k: 'private', ...at, from: 'alice', to: 'bob', text: 'psst' }, `${MAGENTA} > alice (private):${RESET} psst\r\n`],
  ['its copy to the sender', { k: 'privateSent', to: 'bob', text: 'psst' }, grey(' > (to bob) psst')],
  ['the welcome (the banner said it)', { k: 'welcome', nick: 'alice' }, ''],
  ['an invalid first name', notice({ code: 'nickInvalid', stage: 'claim', problem: 'space' }), yellow(' > a nickname cannot contain spaces') + PROMPT],
  ['an invalid new name', notice({ code: 'nickInvalid', stage: 'rename', problem: 'tooLong' }), yellow(' > nickname too long (at most 32 characters)')],
  ['a taken first name: the classic text, a prompt itself', notice({ code: 'nickTaken', stage: 'claim', nick: 'ALICE' }), `${YELLOW} > This nickname is already in use. Please try again:${RESET} `],
  ['a taken new name', notice({ code: 'nickTaken', stage: 'rename', nick: 'BOB' }), yellow(' > the nickname BOB is already in use')],
  ['the same name', notice({ code: 'nickUnchanged', nick: 'alice' }), grey(' > you are already known as alice')],
  ['nobody by that name', notice({ code: 'noSuchNick', nick: 'dave' }), yellow(' > no user named dave')],
  ['the store failed', notice({ code: 'storeFailed' }), yellow(' > that could not be done just now (the chat store failed); please try again')],
  ['degraded', notice({ code: 'degraded' }), yellow(' > the chat is degraded: its message store is unreachable; your lines will go out when it is back')],
  ['back, nothing missed', notice({ code: 'recovered', missed: [] }), grey(' > the chat is back: nothing was missed')],
  ['back, some missed', notice({ code: 'recovered', missed: ['dev', 'ops'] }), grey(' > the chat is back, but some lines in dev, ops were missed (older than the store keeps)')],
  ['too many rooms', notice({ code: 'tooManyRooms', max: 20 }), yellow(' > you are in too many rooms (at most 20)')],
  ['a claim lost in a crash', notice({ code: 'claimLost' }), yellow(' > the server had a hiccup, please try again') + PROMPT],
  ['a hiccup', notice({ code: 'hiccup' }), yellow(' > this server had a hiccup: lines sent in the last moment may not have reached you')],
  ['the store restarted empty', notice({ code: 'storeReset' }), yellow(' > the message store restarted and lost recent history; lines sent just before may be lost')],
  ['lost touch', notice({ code: 'lostTouch' }), yellow(' > this server lost touch with the chat for a while')],
  ['a name lost while away', notice({ code: 'nickLost', nick: 'alice' }), yellow(' > your nickname alice was taken while this server was away; please reconnect')],
  ['lines trimmed from a log', notice({ code: 'missed', room: 'dev' }), grey(' > some lines in dev were missed (older than the store keeps)')],
  ['private messages trimmed', notice({ code: 'privatesMissed' }), grey(' > some private messages to you may have been missed (older than the store keeps)')],
  ['a rename in no room (IRC only; telnet users are always in one)', { k: 'nickChanged', from: 'al', nick: 'alice' }, grey(' > al is now known as alice')],
  [
    'history: past lines in grey with their time (the server\'s), then where live lines begin',
    {
      k: 'history',
      ask: 'join',
      target: 'lobby',
      events: [
        { k: 'said', room: 'lobby', id: '1700000000000-0', at: Date.UTC(2026, 11, 1, 12, 3), nick: 'bob', text: 'hi \x1b[2Jthere' },
        { k: 'joined', room: 'lobby', id: '1700000000001-0', at: Date.UTC(2026, 11, 1, 12, 4), nick: 'carol' },
        { k: 'acted', room: 'lobby', id: '1700000000002-0', at: Date.UTC(2026, 11, 1, 9, 5), nick: 'carol', text: 'waves' },
      ],
    },
    grey(' [12:03] bob: hi there') + grey(' [09:05] * carol waves') + grey(' > --- the lines above were sent before (/history N for more) ---'),
  ],
  ['history on joining a room without lines: nothing', { k: 'history', ask: 'join', target: 'dev', events: [] }, ''],
  ['/history in a room without lines says so', { k: 'history', ask: 'telnet', target: 'dev', events: [] }, grey(' > no lines in dev yet')],
  [
    'history after the store restarted empty says so first',
    { k: 'history', ask: 'telnet', target: 'dev', events: [{ k: 'said', room: 'dev', id: '1-0', at: Date.UTC(2026, 0, 1, 0, 0), nick: 'a', text: 'b' }], reset: true },
    grey(' > the message store restarted empty: older history is lost') + grey(' [00:00] a: b') + grey(' > --- the lines above were sent before (/history N for more) ---'),
  ],
];
for (const [name, event, bytes] of cases) render(name, () => assert.is(renderTelnet(event), bytes));
render('a long member list wraps into several lines', () => {
  const out = renderTelnet({ k: 'members', room: 'lobby', nicks: Array.from({ length: 100 }, (_, i) => `member${i}`) });
  assert.ok(out.split('\r\n').length > 3);
  assert.ok(out.startsWith(`${GREY} > in the room: member0, member1`));
});
render.run();

const read = suite('telnet codec: lines as intents, or answers of its own');
const named: { nick: string | null; rooms: string[] } = { nick: 'alice', rooms: ['dev'] };
const intentOf = (line: string, from = named) => {
  const r = readTelnetLine(line, from, { topicBytes: 20 });
  return r !== null && 'intent' in r ? r.intent : r;
};
const answerOf = (line: string, from = named): string | undefined => {
  const r = readTelnetLine(line, from, { topicBytes: 20 });
  return r !== null && 'answer' in r ? r.answer : undefined;
};
read('the first line is the nickname, and enters the lobby', () => {
  assert.equal(intentOf('alice', { nick: null, rooms: [] }), { kind: 'claim', nick: 'alice', enter: 'lobby' });
  assert.equal(intentOf('/who', { nick: null, rooms: [] }), { kind: 'claim', nick: '/who', enter: 'lobby' }, 'the directory refuses it');
});
read('a blank line at the prompt: why, and the prompt again; later, nothing', () => {
  assert.is(answerOf('   ', { nick: null, rooms: [] }), yellow(' > a nickname needs at least one character') + PROMPT);
  assert.is(intentOf('   '), null);
});
read('chat goes to the current room; // sends a literal slash', () => {
  assert.equal(intentOf('hello'), { kind: 'say', room: 'dev', text: 'hello' });
  assert.equal(intentOf('//shrug'), { kind: 'say', room: 'dev', text: '/shrug' });
});
read('commands, case-insensitive', () => {
  assert.equal(intentOf('/WHO'), { kind: 'who', room: 'dev' });
  assert.equal(intentOf('/me waves'), { kind: 'act', room: 'dev', text: 'waves' });
  assert.equal(intentOf('/msg bob  see you'), { kind: 'private', target: 'bob', text: 'see you' });
  assert.equal(intentOf('/nick alicia'), { kind: 'rename', nick: 'alicia' });
  assert.equal(intentOf('/quit'), { kind: 'quit' });
  assert.equal(intentOf('/quit lunch'), { kind: 'quit', reason: 'lunch' });
  assert.equal(intentOf('/join #Ops'), { kind: 'move', from: 'dev', to: 'ops' });
  assert.equal(intentOf('/leave'), { kind: 'move', from: 'dev', to: 'lobby' });
  assert.equal(intentOf('/rooms'), { kind: 'rooms' });
  assert.equal(intentOf('/topic'), { kind: 'topic', room: 'dev' });
  assert.equal(intentOf('/topic ship it'), { kind: 'topic', room: 'dev', text: 'ship it' });
});
read('a telnet user in no room (a move given up): /join gets back, what needs no room works, the rest says how', () => {
  const nowhere = { nick: 'alice', rooms: [] };
  assert.equal(intentOf('/join dev', nowhere), { kind: 'join', room: 'dev' });
  assert.equal(intentOf('/leave', nowhere), { kind: 'join', room: 'lobby' });
  assert.equal(intentOf('/quit', nowhere), { kind: 'quit' });
  assert.equal(intentOf('/msg bob hi', nowhere), { kind: 'private', target: 'bob', text: 'hi' });
  assert.equal(intentOf('/nick al', nowhere), { kind: 'rename', nick: 'al' });
  assert.equal(intentOf('/rooms', nowhere), { kind: 'rooms' });
  for (const line of ['hello', '/who', '/me waves', '/topic']) assert.is(answerOf(line, nowhere), yellow(' > you are in no room: /join ROOM (or /leave for the lobby)'), line);
});
read('what the edge answers by itself, byte for byte', () => {
  assert.is(answerOf('/me'), yellow(' > usage: /me ACTION'));
  assert.is(answerOf('/msg bob'), yellow(' > usage: /msg NICK TEXT'));
  assert.is(answerOf('/nick'), yellow(' > usage: /nick NEWNAME'));
  assert.is(answerOf('/join'), yellow(' > which room? usage: /join ROOM'));
  assert.is(answerOf('/join no!room'), yellow(' > a room name is letters, digits, - and _ only'));
  assert.is(answerOf(`/join ${'r'.repeat(33)}`), yellow(' > room name too long (at most 32 characters)'));
  assert.is(answerOf('/join dev'), grey(' > you are already in dev'));
  assert.is(answerOf('/dance now'), yellow(' > unknown command /dance (try /help)'));
  assert.is(answerOf(`/topic ${'é'.repeat(11)}`), yellow(' > topic too long (at most 20 bytes), not set'), 'counted in bytes');
  const help = answerOf('/help')!;
  assert.ok(help.startsWith(grey(' > commands:')));
  assert.match(help, grey(" > /topic [TEXT]   show or set the room's topic"));
  assert.match(help, grey(' > //text          send a line that starts with /'));
  assert.match(help, grey(' > /history [N]    the last N lines of the room (20)'));
});
read('/history [N]: the room\'s last lines (20, at most what a room keeps); off without history', () => {
  const withHistory = (line: string) => readTelnetLine(line, named, { topicBytes: 20, history: 50 });
  const select = (line: string) => {
    const r = withHistory(line);
    return r !== null && 'intent' in r && r.intent.kind === 'history' ? r.intent : null;
  };
  assert.equal(select('/history'), { kind: 'history', ask: 'telnet', target: 'dev', room: true, select: { dir: 'latest', limit: 20 } });
  assert.equal(select('/HISTORY 5')?.select, { dir: 'latest', limit: 5 });
  assert.equal(select('/history 5000')?.select, { dir: 'latest', limit: 50 });
  assert.equal(withHistory('/history lots'), { answer: yellow(' > usage: /history [N]') });
  assert.is(answerOf('/history'), yellow(' > history is off on this server'));
});
read.run();

const edge = suite('telnet codec: the session');
edge('the greeting, the cap on a line before and after a name, the farewell', () => {
  const s = telnetEdge({ topicBytes: 300, maxLine: 4096 }).open();
  assert.is(s.greeting(1), `\r\n > welcome to ${GREEN}node-chat${RESET}!\r\n > 1 other person is connected at this time.\r\n${PROMPT}`);
  assert.is(s.greeting(2), `\r\n > welcome to ${GREEN}node-chat${RESET}!\r\n > 2 other people are connected at this time.\r\n${PROMPT}`);
  assert.is(s.lineTooLong(4096, true), yellow(' > line too long (at most 4096 bytes), not sent'));
  assert.is(s.lineTooLong(4096, false), yellow(' > line too long (at most 4096 bytes), not sent') + PROMPT, 'at the prompt, the prompt again');
  assert.is(s.farewell({ code: 'shutdown' }, true), yellow(' > the server is shutting down, goodbye'));
  assert.is(s.farewell({ code: 'registerTimeout', seconds: 60 }, false), `\r\n${yellow(' > no nickname chosen in 60 seconds, goodbye')}`, 'after the prompt, on a line of its own');
  assert.is(s.farewell({ code: 'flooding' }, true), yellow(' > flooding: too many lines for too long, goodbye'));
  assert.is(s.farewell({ code: 'slow', bytes: 1048576 }, true), yellow(' > you fell more than 1048576 bytes behind, goodbye'));
  assert.is(s.farewell({ code: 'full', max: 2 }, true), yellow(' > the server is full (2 connections), try again later'));
  assert.is(s.farewell({ code: 'perAddress', max: 16 }, true), yellow(' > too many connections from your address (at most 16)'));
  assert.is(s.farewell({ code: 'idsExhausted' }, true), yellow(' > this server has used up its connection numbers and needs a restart'));
});
edge.run();
