// Every text a telnet user sees, in one place (what the server itself says and the texts of the
// events and notices other parts hand over as codes). The colours and wording follow the classic
// node-chat; lines end with \r\n because telnet expects a carriage return.

import type { Farewell, Notice } from '../../model/events.js';
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

/** /who: the member list, wrapped into several lines when it is long. */
export function whoLines(nicks: readonly string[], width = 400): string {
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
  '/help           this list',
  '//text          send a line that starts with /',
];

export const help = (): string => HELP.map((line) => grey(` > ${line}`)).join('');

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
      return ''; // telnet has no /away
  }
}
