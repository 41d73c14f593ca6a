// Every text a telnet user sees, in one place (what the server itself says and the texts of the
// events and notices other parts hand over as codes). The colours and wording follow the classic
// node-chat; lines end with \r\n because telnet expects a carriage return.

import type { Farewell, Notice } from '../../model/events.js';
import { modeString, type Ban, type JoinRefusal, type ModeChange, type RoomModes } from '../../model/moderation.js';
import { farewellText } from '../reasons.js';
import { MAX_NICK_CHARS, type NickProblem } from '../../model/nicknames.js';
import { LOBBY, MAX_ROOM_CHARS, type RoomProblem } from '../../model/rooms.js';

export const CRLF = '\r\n';

export const GREEN = '\x1b[92m';
export const GREY = '\x1b[90m';
export const CYAN = '\x1b[96m';
export const YELLOW = '\x1b[93m';
export const MAGENTA = '\x1b[95m';
export const RESET = '\x1b[39m';

export { LOBBY };

const grey = (text: string): string => `${GREY}${text}${RESET}${CRLF}`;
const yellow = (text: string): string => `${YELLOW}${text}${RESET}${CRLF}`;

/** Appended to classic join/leave lines outside the lobby, so the line still starts the classic way. */
const inRoom = (room: string): string => (room === LOBBY ? '' : ` ${room}`);

export const NICK_PROMPT = ' > please write your name and press enter: ';

export function banner(others: number): string {
  const count = others === 1 ? '1 other person is' : `${others} other people are`;
  return `${CRLF} > welcome to ${GREEN}node-chat${RESET}!${CRLF} > ${count} connected at this time.${CRLF}${NICK_PROMPT}`;
}

/** An invalid first nickname: why, on a line of its own, then the same prompt again. */
export const nickInvalidPrompt = (why: string): string => `${yellow(` > ${why}`)}${NICK_PROMPT}`;

/**
 * A first nickname someone else has: the classic text, itself a prompt. (The answer that follows
 * starts on a line of its own after the user's Enter; `node-chat connect` in a pipe, where nothing
 * echoes, breaks the line itself.)
 */
export const nickTaken = (_nick: string): string => `${YELLOW} > This nickname is already in use. Please try again:${RESET} `;

const nickInUseText = (nick: string): string => `the nickname ${nick} is already in use`;

export const joined = (nick: string, room: string): string => grey(` > ${nick} joined the room${inRoom(room)}`);

export const left = (nick: string, room: string, reason?: string): string =>
  grey(` > ${nick} left the room${inRoom(room)}${reason ? ` (${reason})` : ''}`);

export const roomSize = (count: number, room: string): string =>
  grey(` > ${count} ${count === 1 ? 'person' : 'people'} in ${room}`);

export const message = (nick: string, text: string): string => `${CYAN} > ${nick}:${RESET} ${text}${CRLF}`;

export const action = (nick: string, text: string): string => grey(` * ${nick} ${text}`);

export const renamed = (from: string, to: string): string => grey(` > ${from} is now known as ${to}`);

export const privateFrom = (from: string, text: string): string => `${MAGENTA} > ${from} (private):${RESET} ${text}${CRLF}`;

export const privateTo = (to: string, text: string): string => grey(` > (to ${to}) ${text}`);

/** A grey informational line to one user (/who, /rooms, /help). */
export const info = (text: string): string => grey(` > ${text}`);

/** A yellow error line to one user. */
export const error = (text: string): string => yellow(` > ${text}`);

export const nickInUse = (nick: string): string => error(nickInUseText(nick));

export const alreadyKnownAs = (nick: string): string => info(`you are already known as ${nick}`);

export const noUser = (nick: string): string => error(`no user named ${nick}`);

export const unknownCommand = (name: string): string => error(`unknown command /${name} (try /help)`);

export const lineTooLong = (max: number): string => error(`line too long (at most ${max} bytes), not sent`);

/** The same at the nickname prompt: the prompt again after it. */
export const nameTooLong = (max: number): string => `${lineTooLong(max)}${NICK_PROMPT}`;

export const topicSet = (nick: string, text: string): string => grey(` > ${nick} set the topic: ${text}`);

/** An IRC user unset the topic (`TOPIC #c :`); telnet's /topic with no text asks instead. */
export const topicCleared = (nick: string): string => grey(` > ${nick} cleared the topic`);

export const topic = (text: string): string => info(`topic: ${text}`);

export const noTopic = (): string => info('no topic is set (/topic TEXT sets one)');

export const topicTooLong = (max: number): string => error(`topic too long (at most ${max} bytes), not set`);

export const alreadyIn = (room: string): string => info(`you are already in ${room}`);

export const inNoRoom = (): string => error('you are in no room: /join ROOM (or /leave for the lobby)');

export const usage = (text: string): string => error(`usage: ${text}`);

export function nickProblem(problem: NickProblem): string {
  switch (problem) {
    case 'empty':
      return 'a nickname needs at least one character';
    case 'tooLong':
      return `nickname too long (at most ${MAX_NICK_CHARS} characters)`;
    case 'space':
      return 'a nickname cannot contain spaces';
    case 'control':
      return 'a nickname cannot contain control or invisible characters';
    case 'invisible':
      return 'a nickname cannot contain characters that show as nothing or as blank';
    case 'marks':
      return 'a nickname cannot start with a combining mark or stack marks four high';
    case 'slash':
      return 'a nickname cannot start with /';
    case 'invalidUtf8':
      return 'a nickname cannot contain invalid characters (send UTF-8)';
    case 'ircChars':
      return 'a nickname cannot contain , * ? ! or @';
    case 'ircStart':
      return 'a nickname cannot start with a digit or with # & : $ +';
  }
}

export function roomProblem(problem: RoomProblem): string {
  switch (problem) {
    case 'empty':
      return 'which room? usage: /join ROOM';
    case 'tooLong':
      return `room name too long (at most ${MAX_ROOM_CHARS} characters)`;
    case 'chars':
      return 'a room name is letters, digits, - and _ only';
  }
}

/** Why the server closes a connection, as its last line (a newcomer's cursor sits after the prompt). */
export const farewell = (why: Farewell, named: boolean): string => (named ? '' : CRLF) + error(farewellText(why));



/** /rooms: one line per room, the lobby first. */
export function roomList(rooms: ReadonlyMap<string, number>): string {
  const names = [...rooms.keys()].filter((r) => r !== LOBBY).sort();
  return [LOBBY, ...names].map((r) => info(`${r} (${rooms.get(r) ?? 0})`)).join('');
}

/** /who: the member list (operators `@alice`, voiced `+bob`), wrapped into several lines when it is long. */
export function whoLines(nicks: readonly string[], width = 400, marks?: readonly string[]): string {
  if (marks) nicks = nicks.map((n, i) => (marks[i] ? marks[i]![0] : '') + n);
  const head = ' > in the room: ';
  let out = '';
  let line = head;
  for (let i = 0; i < nicks.length; i++) {
    const piece = nicks[i] + (i < nicks.length - 1 ? ', ' : '');
    if (line.length + piece.length > width && line !== head) {
      out += grey(line.trimEnd());
      line = ' >   ';
    }
    line += piece;
  }
  return out + grey(line.trimEnd());
}

/** A time as a history line shows it: hours and minutes, in the server's time zone. */
export function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** A past line, in grey with its time: ` [12:03] bob: hi`. */
export const pastMessage = (at: number, nick: string, text: string): string => grey(` [${clock(at)}] ${nick}: ${text}`);

export const pastAction = (at: number, nick: string, text: string): string => grey(` [${clock(at)}] * ${nick} ${text}`);

/** Where history ends and live lines begin. */
export const historyEnd = (): string => grey(' > --- the lines above were sent before (/history N for more) ---');

export const noHistory = (room: string): string => info(`no lines in ${room} yet`);

export const historyReset = (): string => info('the message store restarted empty: older history is lost');

export const HELP: readonly string[] = [
  'commands:',
  '/who            who is in the room',
  '/nick NEW       change your nickname',
  '/me ACTION      say what you are doing',
  '/msg NICK TEXT  a private message to NICK',
  '/join ROOM      move to ROOM (created if new)',
  '/leave          back to the lobby',
  '/rooms          the rooms and how many are in each',
  '/topic [TEXT]   show or set the room\'s topic',
  '/history [N]    the last N lines of the room (20)',
  '/quit [REASON]  leave the chat',
  '/join ROOM KEY  join a room that has a key',
  '/op NICK, /deop NICK, /voice NICK, /devoice NICK   (room operators)',
  '/kick NICK [REASON], /ban MASK, /unban MASK, /invite NICK',
  '/mode [+|-FLAGS [ARGS]]  show or set the room\'s modes (/help modes)',
  '/oper NAME PASSWORD      log in as a server operator',
  '/help           this list',
  '//text          send a line that starts with /',
];

export const help = (): string => HELP.map((line) => grey(` > ${line}`)).join('');

export const MODES_HELP: readonly string[] = [
  'room modes (/mode +FLAGS or -FLAGS, operators only):',
  't  only operators set the topic (new rooms have it)',
  'n  no messages from outside the room (new rooms have it; IRC users may send to a -n room they are not in)',
  'm  moderated: only operators and voiced members speak',
  'i  invite-only: /invite NICK lets someone in',
  's  secret: /rooms, and IRC LIST, NAMES, WHO and WHOIS, show the room only to its members',
  'k KEY    a password to join (/join ROOM KEY)',
  'l COUNT  at most COUNT members',
  'o NICK, v NICK, b MASK: operator, voice, ban (as /op, /voice, /ban)',
];

export const modesHelp = (): string => MODES_HELP.map((line) => grey(` > ${line}`)).join('');

// --- moderation -------------------------------------------------------------------------

const by = (nick: string): string => nick;

export const kicked = (who: string, nick: string, reason?: string): string => grey(` > ${by(who)} kicked ${nick}${reason ? ` (${reason})` : ''}`);

/** One change of a room's modes, in plain words (`alice set the room to moderated`). */
export function modeChange(who: string, c: ModeChange): string {
  const w = by(who);
  switch (c.mode) {
    case 'o':
      return c.set ? `${w} made ${c.arg} an operator` : `${w} took operator status from ${c.arg}`;
    case 'v':
      return c.set ? `${w} gave ${c.arg} a voice` : `${w} took the voice from ${c.arg}`;
    case 'b':
      return c.set ? `${w} banned ${c.arg}` : `${w} lifted the ban on ${c.arg}`;
    case 'm':
      return c.set ? `${w} set the room to moderated` : `${w} set the room to unmoderated`;
    case 'i':
      return c.set ? `${w} made the room invite-only` : `${w} opened the room to everyone`;
    case 's':
      return c.set ? `${w} made the room secret (unlisted)` : `${w} made the room public (listed)`;
    case 't':
      return c.set ? `${w} locked the topic (operators set it)` : `${w} unlocked the topic (anyone sets it)`;
    case 'n':
      return c.set ? `${w} closed the room to messages from outside` : `${w} opened the room to messages from outside`;
    case 'k':
      return c.set ? `${w} set a key on the room` : `${w} removed the room's key`;
    case 'l':
      return c.set ? `${w} limited the room to ${c.arg} members` : `${w} lifted the room's member limit`;
  }
}

export const modeChanged = (who: string, changes: readonly ModeChange[]): string => changes.map((c) => grey(` > ${modeChange(who, c)}`)).join('');

/** What /mode shows: the letters and what they mean. */
export function modesOf(room: string, modes: RoomModes, member: boolean): string {
  const said: string[] = [];
  if (modes.topicLock) said.push('topic set by operators');
  if (modes.noOutside) said.push('no messages from outside');
  if (modes.moderated) said.push('moderated');
  if (modes.inviteOnly) said.push('invite-only');
  if (modes.secret) said.push('secret');
  if (modes.key !== null) said.push(member ? `key ${modes.key}` : 'a key');
  if (modes.limit !== null) said.push(`at most ${modes.limit} members`);
  const { letters } = modeString(modes, member);
  return info(`${room} modes: ${letters}${said.length ? ` (${said.join(', ')})` : ''}`);
}

export function banList(room: string, bans: readonly Ban[]): string {
  if (bans.length === 0) return info(`nobody is banned from ${room}`);
  return info(`banned from ${room}:`) + bans.map((b) => info(`  ${b.mask} (by ${b.by})`)).join('');
}

export const invited = (who: string, room: string): string => info(`${who} invites you to ${room}: /join ${room}`);

export const inviteSent = (nick: string, room: string): string => info(`you invited ${nick} to ${room}`);

function refusal(room: string, why: JoinRefusal): string {
  switch (why) {
    case 'banned':
      return `you are banned from ${room}`;
    case 'inviteOnly':
      return `${room} is invite-only: an operator there can /invite you`;
    case 'badKey':
      return `${room} needs a key: /join ${room} KEY`;
    case 'full':
      return `${room} is full`;
  }
}

/** A notice (a code with its arguments, from the actors or the cluster) in telnet's words. */
export function notice(n: Notice): string {
  switch (n.code) {
    case 'nickInvalid':
      return n.stage === 'claim' ? nickInvalidPrompt(nickProblem(n.problem)) : error(nickProblem(n.problem));
    case 'nickTaken':
      return n.stage === 'claim' ? nickTaken(n.nick) : nickInUse(n.nick);
    case 'nickUnchanged':
      return alreadyKnownAs(n.nick);
    case 'noSuchNick':
      return noUser(n.nick);
    case 'tooManyRooms':
      return error(`you are in too many rooms (at most ${n.max})`);
    case 'storeFailed':
      return error('that could not be done just now (the chat store failed); please try again');
    case 'claimLost':
      return nickInvalidPrompt('the server had a hiccup, please try again');
    case 'hiccup':
      return error('this server had a hiccup: lines sent in the last moment may not have reached you');
    case 'degraded':
      return error('the chat is degraded: its message store is unreachable; your lines will go out when it is back');
    case 'recovered':
      return info(
        n.missed.length === 0 ? 'the chat is back: nothing was missed' : `the chat is back, but some lines in ${n.missed.join(', ')} were missed (older than the store keeps)`,
      );
    case 'missed':
      return info(`some lines in ${n.room} were missed (older than the store keeps)`);
    case 'privatesMissed':
      return info('some private messages to you may have been missed (older than the store keeps)');
    case 'storeReset':
      return error('the message store restarted and lost recent history; lines sent just before may be lost');
    case 'lostTouch':
      return error('this server lost touch with the chat for a while');
    case 'nickLost':
      return error(`your nickname ${n.nick} was taken while this server was away; please reconnect`);
    case 'away':
    case 'invisible':
      return ''; // telnet has no /away, nor user modes
    case 'notOperator':
      return error(`only operators of ${n.room} can do that`);
    case 'notInRoom':
      return error(`you are not in ${n.room}`);
    case 'noSuchRoom':
      return error(`there is no room ${n.room}`);
    case 'notMember':
      return error(`${n.nick} is not in ${n.room}`);
    case 'alreadyMember':
      return error(`${n.nick} is already in ${n.room}`);
    case 'joinRefused':
      return error(refusal(n.room, n.why));
    case 'cannotSpeak':
      return error(`you cannot speak in ${n.room} (it is moderated, or you are banned): not sent`);
    case 'unknownMode':
      return error(`unknown mode ${n.mode} (/help modes)`);
    case 'banListFull':
      return error(`${n.room} has as many bans as it can hold`);
    case 'kicked':
      return error(`you were kicked from ${n.room} by ${n.by}${n.reason ? ` (${n.reason})` : ''}: /join a room to chat again`);
    case 'oper':
      return n.ok ? info('you are now a server operator') : error(n.tooFast ? 'too many operator logins: wait a few seconds' : 'operator login failed');
    case 'notOper':
      return error('only server operators can do that');
    case 'killed':
      return error(`${n.by} disconnected you: ${n.reason}`);
  }
}
