// Numeric replies and other lines to one user (modern.ircdocs.horse "Numerics"): each takes the
// recipient's nick (`*` before it has one) first, as the spec says. Pure: strings out.

import type { Notice, UserInfo } from '../../model/events.js';
import { MAX_MODE_CHANGES, modeString, type Ban, type RoomModes } from '../../model/moderation.js';
import { MAX_NICK_CHARS } from '../../model/nicknames.js';
import { MAX_ROOM_CHARS } from '../../model/rooms.js';
import { joinLine } from './message.js';
import { channel, HOST, NETWORK, SERVER } from './names.js';
import { CRLF, LINE_BYTES } from './render.js';

export interface IrcOptions {
  version: string;
  /** The message of the day's lines; null: none (422). */
  motd: string[] | null;
  maxRooms: number;
  topicBytes: number;
  /** The server password PASS must give; '' for none. */
  password: string;
  /** When the server started, for 003. */
  created: Date;
  /** The server's name in its lines (default node-chat). */
  server?: string;
  /** Most messages one CHATHISTORY answer carries (ISUPPORT CHATHISTORY); 0 or absent: no history. */
  chathistory?: number;
  /** Lines replayed on joining to a client without draft/chathistory (`--irc-autoreplay`). */
  autoreplay?: number;
  /**
   * The IRCv3 sts value this listener advertises (`port=6697` on a plain one, `duration=N` over
   * TLS), or none. Per listener: the same protocol, told what kind of transport it runs on.
   */
  sts?: string;
}

/** One line from the server: `:node-chat <verb> <params…>`. */
export const line = (verb: string, ...params: string[]): string => `${joinLine({ source: SERVER, verb, params, trailing: true })}${CRLF}`;

/** A numeric to `me`. */
export const num = (me: string, code: string, ...params: string[]): string => line(code, me, ...params);

/** Everyone's username as WHO / WHOIS show it: IRC users' own (from USER), telnet users' `telnet`. */
const userOf = (u: UserInfo): string => (u.profile ? `~${u.profile.user}` : 'telnet');
const realOf = (u: UserInfo): string => (u.profile ? u.profile.real : 'a telnet user');

/** The ISUPPORT tokens (005), in lines of at most 13 tokens as clients expect. */
export function isupport(me: string, o: IrcOptions): string {
  const tokens = [
    'AWAYLEN=300',
    // Our folding is NFKC + lower case (model/nicknames.ts); RFC 8265's UsernameCaseMapped
    // (width mapping, lower case, NFC) is the registered mapping closest to it: it folds
    // everything ASCII and fullwidth the same way, and where NFKC folds more (compatibility
    // characters) we only refuse more names as taken, never let two users share one.
    'CASEMAPPING=rfc8265',
    `CHANLIMIT=#:${o.maxRooms}`,
    // Lists, settings with an argument both ways, with one when set, flags (see model/moderation.ts).
    'CHANMODES=b,k,l,imnst',
    `CHANNELLEN=${MAX_ROOM_CHARS + 1}`,
    'CHANTYPES=#',
    'ELIST=',
    `LINELEN=${LINE_BYTES}`,
    `MAXTARGETS=4`,
    `MODES=${MAX_MODE_CHANGES}`,
    `NETWORK=${NETWORK}`,
    `NICKLEN=${MAX_NICK_CHARS}`,
    'PREFIX=(ov)@+',
    'TARGMAX=JOIN:,PART:,PRIVMSG:4,NOTICE:4,TAGMSG:4,NAMES:1,WHOIS:1,ISON:,USERHOST:5',
    `TOPICLEN=${o.topicBytes}`,
    'UTF8ONLY',
    ...(o.chathistory ? [`CHATHISTORY=${o.chathistory}`, 'MSGREFTYPES=msgid,timestamp'] : []),
  ];
  let out = '';
  for (let i = 0; i < tokens.length; i += 13) out += num(me, '005', ...tokens.slice(i, i + 13), 'are supported by this server');
  return out;
}

export interface MoreCounts {
  invisible?: number;
  local?: number;
  peak?: number;
  unknown?: number;
  opers?: number;
}

/**
 * LUSERS 251–255, 265, 266. 251 splits `users` into visible and invisible (+i), which add up to
 * it; 255 and 265 count this server's own users (a cluster node's), 266 everyone's.
 */
export function counts(me: string, users: number, rooms: number, more: MoreCounts = {}): string {
  const peak = Math.max(users, more.peak ?? users);
  const invisible = Math.min(users, Math.max(0, more.invisible ?? 0));
  const local = Math.min(users, more.local ?? users);
  const localPeak = more.local === undefined ? peak : local; // a node keeps no peak of its own
  return (
    num(me, '251', `There are ${users - invisible} users and ${invisible} invisible on 1 servers`) +
    num(me, '252', String(more.opers ?? 0), 'operator(s) online') +
    num(me, '253', String(more.unknown ?? 0), 'unknown connection(s)') +
    num(me, '254', String(rooms), 'channels formed') +
    num(me, '255', `I have ${local} clients and 0 servers`) +
    num(me, '265', String(local), String(localPeak), `Current local users ${local}, max ${localPeak}`) +
    num(me, '266', String(users), String(peak), `Current global users ${users}, max ${peak}`)
  );
}

export function motd(me: string, o: IrcOptions): string {
  if (o.motd === null) return num(me, '422', 'MOTD File is missing');
  return num(me, '375', `- ${SERVER} Message of the day - `) + o.motd.map((l) => num(me, '372', `- ${l}`)).join('') + num(me, '376', 'End of /MOTD command.');
}

/** 001–005, LUSERS and the MOTD: what a client waits for before it joins its channels. */
export function welcome(me: string, o: IrcOptions, users: number, rooms: number, more: MoreCounts = {}): string {
  return (
    num(me, '001', `Welcome to the ${NETWORK} IRC network ${me}!~u@${HOST}`) +
    num(me, '002', `Your host is ${SERVER}, running version node-chat-${o.version}`) +
    num(me, '003', `This server was created ${o.created.toUTCString()}`) +
    num(me, '004', SERVER, `node-chat-${o.version}`, 'iow', 'biklmnostv', 'bklov') +
    isupport(me, o) +
    counts(me, users, rooms, more) +
    motd(me, o)
  );
}

export function whois(me: string, users: UserInfo[], missing: string[], asked: string): string {
  let out = '';
  for (const u of users) {
    out += num(me, '311', u.nick, userOf(u), HOST, '*', realOf(u));
    if (u.rooms.length > 0) out += num(me, '319', u.nick, u.rooms.map((room, i) => `${u.marks?.[i] ?? ''}${channel(room)}`).join(' '));
    out += num(me, '312', u.nick, SERVER, 'node-chat');
    if (u.away !== undefined) out += num(me, '301', u.nick, u.away);
    if (u.oper) out += num(me, '313', u.nick, 'is an IRC operator');
    if (u.address !== undefined) out += num(me, '338', u.nick, u.address, 'is actually using host');
    out += num(me, '317', u.nick, '0', String(Math.floor(u.since / 1000)), 'seconds idle, signon time');
  }
  for (const nick of missing) out += num(me, '401', nick, 'No such nick/channel');
  return out + num(me, '318', users[0]?.nick ?? asked, 'End of /WHOIS list');
}

export function whowas(me: string, users: UserInfo[], missing: string[], asked: string): string {
  let out = '';
  for (const u of users) out += num(me, '314', u.nick, userOf(u), HOST, '*', realOf(u)) + num(me, '312', u.nick, SERVER, new Date(u.since).toUTCString());
  for (const nick of missing) out += num(me, '406', nick, 'There was no such nickname');
  return out + num(me, '369', asked, 'End of WHOWAS');
}

/** The highest status mark, or all of them (multi-prefix). */
export const shownMark = (mark: string, all: boolean): string => (all ? mark : mark.slice(0, 1));

/** WHO: `mask` is what was asked (a channel, or a nick). */
export function who(me: string, users: UserInfo[], mask: string, allMarks = false): string {
  let out = '';
  const room = mask.startsWith('#') ? mask : null;
  for (const u of users) {
    const at = room !== null ? u.rooms.indexOf(room.slice(1)) : 0;
    const shown = room ?? (u.rooms[0] !== undefined ? channel(u.rooms[0]) : '*');
    const flags = (u.away !== undefined ? 'G' : 'H') + (u.oper ? '*' : '') + shownMark(u.marks?.[at] ?? '', allMarks);
    out += num(me, '352', shown, userOf(u), HOST, SERVER, u.nick, flags, `0 ${realOf(u)}`);
  }
  return out + num(me, '315', mask, 'End of WHO list');
}

export function userhost(me: string, users: UserInfo[]): string {
  return num(me, '302', users.map((u) => `${u.nick}=${u.away !== undefined ? '-' : '+'}${userOf(u)}@${HOST}`).join(' '));
}

export function ison(me: string, users: UserInfo[]): string {
  return num(me, '303', users.map((u) => u.nick).join(' '));
}

/**
 * NAMES: 353 lines within 512 bytes each, then 366. With userhost-in-names, nick!user@host. The
 * symbol is `@` for a secret room, `=` for a public one (RFC 2812 3.2.5).
 */
export function names(me: string, room: string, nicks: string[], full: boolean, marks?: readonly string[], allMarks = false, secret = false): string {
  const chan = channel(room);
  const head = `:${SERVER} 353 ${me} ${secret ? '@' : '='} ${chan} :`;
  const budget = LINE_BYTES - Buffer.byteLength(head) - CRLF.length;
  let out = '';
  let row = '';
  for (let i = 0; i < nicks.length; i++) {
    const nick = nicks[i]!;
    const item = shownMark(marks?.[i] ?? '', allMarks) + (full ? `${nick}!~u@${HOST}` : nick);
    if (row !== '' && Buffer.byteLength(row) + 1 + Buffer.byteLength(item) > budget) {
      out += `${head}${row}${CRLF}`;
      row = '';
    }
    row = row === '' ? item : `${row} ${item}`;
  }
  if (row !== '') out += `${head}${row}${CRLF}`;
  return out + num(me, '366', chan, 'End of /NAMES list');
}

export function list(me: string, rooms: Array<[string, number]>, only: ReadonlySet<string> | null): string {
  let out = num(me, '321', 'Channel', 'Users  Name');
  // The lobby is listed while anyone is in it: an empty room does not exist.
  for (const [room, n] of rooms) if (n > 0 && (only === null || only.has(room))) out += num(me, '322', channel(room), String(n), '');
  return out + num(me, '323', 'End of /LIST');
}

/** 324 and 329: a room's modes (the key shown to members only) and when it was made. */
export function modes(me: string, room: string, m: RoomModes, created: number, member: boolean): string {
  const { letters, args } = modeString(m, member);
  return num(me, '324', channel(room), letters, ...args) + num(me, '329', channel(room), String(Math.floor(created / 1000)));
}

export function bans(me: string, room: string, list: readonly Ban[]): string {
  const chan = channel(room);
  return list.map((b) => num(me, '367', chan, b.mask, b.by, String(Math.floor(b.at / 1000)))).join('') + num(me, '368', chan, 'End of channel ban list');
}

const REFUSED = { banned: ['474', '+b'], inviteOnly: ['473', '+i'], badKey: ['475', '+k'], full: ['471', '+l'] } as const;

/** The numeric for a moderation refusal, or null for a notice that is not one. */
export function moderationNumeric(me: string, n: Notice): string | null {
  switch (n.code) {
    case 'notOperator':
      return num(me, '482', channel(n.room), "You're not channel operator");
    case 'notInRoom':
      return num(me, '442', channel(n.room), "You're not on that channel");
    case 'noSuchRoom':
      return num(me, '403', channel(n.room), 'No such channel');
    case 'notMember':
      return num(me, '441', n.nick, channel(n.room), "They aren't on that channel");
    case 'alreadyMember':
      return num(me, '443', n.nick, channel(n.room), 'is already on channel');
    case 'joinRefused': {
      const [code, mode] = REFUSED[n.why];
      return num(me, code, channel(n.room), `Cannot join channel (${mode})`);
    }
    case 'cannotSpeak':
      return num(me, '404', channel(n.room), 'Cannot send to channel');
    case 'unknownMode':
      return num(me, '472', n.mode, 'is unknown mode char to me');
    case 'banListFull':
      return num(me, '478', channel(n.room), '*', 'Channel ban list is full');
    case 'kicked':
      return ''; // the KICK line said it
    case 'oper':
      return n.ok ? num(me, '381', 'You are now an IRC operator') : num(me, '464', n.tooFast ? 'Too many attempts, wait a few seconds' : 'Password incorrect');
    case 'notOper':
      return num(me, '481', "Permission Denied- You're not an IRC operator");
    default:
      return null;
  }
}

export const HELP = [
  'node-chat speaks IRC: JOIN PART PRIVMSG NOTICE NAMES TOPIC LIST WHO WHOIS WHOWAS',
  'MODE KICK INVITE OPER KILL AWAY ISON USERHOST NICK QUIT PING MOTD LUSERS VERSION TIME',
  'INFO HELP, TAGMSG (with message-tags),',
  'and the IRCv3 capabilities in CAP LS. Rooms are channels: the telnet room dev is #dev.',
];
