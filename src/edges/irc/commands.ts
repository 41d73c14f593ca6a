// IRC commands as data: a name, how many parameters it needs, whether it may come before
// registration, and what it reads as (intents for the actors, or lines the edge answers itself).
// Nothing here writes to a socket or decides who receives what.

import type { Reading, Sender } from '../edge.js';
import type { Intent } from '../../model/intents.js';
import type { HistoryRef, HistorySelect } from '../../model/history.js';
import { checkNick, nickKey } from '../../model/nicknames.js';
import { checkRoom } from '../../model/rooms.js';
import { parseModes } from '../../model/moderation.js';
import type { IrcLine } from './message.js';
import { clientTagsOf, type ClientTags } from './client-tags.js';
import { channel, SERVER } from './names.js';
import { CRLF } from './render.js';
import * as r from './replies.js';
import type { IrcSession } from './session.js';
import { splitBytes } from './split.js';

interface Command {
  /** Parameters it cannot do without (461 when fewer). */
  min: number;
  /** Allowed before registration (the others get 451). */
  early?: boolean;
  /** `tags`: the line's tags, unescaped (only PRIVMSG, NOTICE and TAGMSG read them). */
  run(s: IrcSession, p: string[], me: string, from: Sender, tags: Readonly<Record<string, string>>): Reading[];
}

const NOTHING: Reading[] = [];
export const answer = (text: string): Reading => ({ answer: text });
const say = (text: string): Reading[] => [answer(text)];
const ask = (intent: Intent): Reading => ({ intent });

/** `#name` → the room, or null when it is no room name of ours. */
function roomOf(name: string): string | null {
  if (!name.startsWith('#')) return null;
  const check = checkRoom(name);
  return check.ok ? check.room : null;
}

const list = (param: string | undefined): string[] => (param ?? '').split(',').filter((x) => x !== '');

function cap(s: IrcSession, p: string[], me: string): Reading[] {
  const sub = p[0]!.toUpperCase();
  const registered = me !== '*';
  switch (sub) {
    case 'LS': {
      if (!registered) s.capHold = true;
      // CAP LS 302 turns cap-notify on by itself (IRCv3 capability negotiation).
      const v302 = Number(p[1]) >= 302;
      if (v302) s.caps.add('cap-notify');
      return say(r.line('CAP', me, 'LS', s.capList(v302)));
    }
    case 'LIST':
      return say(r.line('CAP', me, 'LIST', [...s.caps].join(' ')));
    case 'REQ': {
      if (!registered) s.capHold = true;
      const wanted = (p[1] ?? '').split(' ').filter((x) => x !== '');
      // All or nothing, as the spec says: one unknown name and the whole request is refused.
      if (wanted.length === 0 || !wanted.every((w) => s.isCap(w.replace(/^-/, '')))) return say(r.line('CAP', me, 'NAK', p[1] ?? ''));
      for (const w of wanted) {
        const name = w.replace(/^-/, '');
        if (!s.isCap(name)) continue;
        if (w.startsWith('-')) s.caps.delete(name);
        else s.caps.add(name);
      }
      s.setCaps();
      return say(r.line('CAP', me, 'ACK', p[1]!));
    }
    case 'END':
      if (registered) return NOTHING;
      s.capHold = false;
      return s.maybeClaim();
    default:
      return say(r.num(me, '410', p[0]!, 'Invalid CAP command'));
  }
}

function nick(s: IrcSession, p: string[], me: string, from: Sender): Reading[] {
  const wanted = p[0]!;
  if (wanted === '') return say(r.num(me, '431', 'No nickname given'));
  const check = checkNick(wanted);
  if (!check.ok || check.nick !== wanted) return say(r.num(me, '432', wanted, 'Erroneous nickname'));
  s.nickTried = wanted;
  if (from.nick === null) {
    if (s.claiming) return NOTHING; // behind the claim's barrier, this is never read; kept for safety
    s.wantNick = wanted;
    return s.maybeClaim();
  }
  if (wanted === from.nick) return NOTHING;
  return [ask({ kind: 'rename', nick: wanted })];
}

function user(s: IrcSession, p: string[], me: string): Reading[] {
  if (me !== '*' || s.claiming) return say(r.num(me, '462', 'You may not reregister'));
  if (p[3] === '' || p[0] === '') return say(r.num(me, '461', 'USER', 'Not enough parameters'));
  // A username is one word of printable characters; what a client sends otherwise is cut to that.
  const name = p[0]!.replace(/[^\x21-\x7e]/g, '').replace(/^~/, '').slice(0, 16) || 'user';
  s.profile = { user: name, real: p[3]!.slice(0, 100) };
  return s.maybeClaim();
}

function join(s: IrcSession, p: string[], me: string, from: Sender): Reading[] {
  if (p[0] === '0') return from.rooms.map((room) => ask({ kind: 'part', room }));
  const out: Reading[] = [];
  let rooms = from.rooms.length;
  const asked = new Set<string>();
  const keys = list(p[1]);
  for (const [i, name] of list(p[0]).entries()) {
    const key = keys[i] !== undefined ? { key: keys[i]! } : {};
    const room = roomOf(name);
    if (room === null) {
      out.push(answer(r.num(me, '403', name, 'No such channel')));
      continue;
    }
    if (from.rooms.includes(room) || asked.has(room)) continue;
    if (rooms >= s.options.maxRooms) {
      out.push(answer(r.num(me, '405', name, 'You have joined too many channels')));
      continue;
    }
    rooms++;
    asked.add(room);
    // The join, then its NAMES (353/366), which every client waits for.
    out.push(ask({ kind: 'join', room, ...key }), ask({ kind: 'who', room, ifMember: true }));
  }
  return out;
}

function part(_s: IrcSession, p: string[], me: string, from: Sender): Reading[] {
  const reason = p[1];
  return list(p[0]).map((name) => {
    const room = roomOf(name);
    if (room === null) return answer(r.num(me, '403', name, 'No such channel'));
    if (!from.rooms.includes(room)) return answer(r.num(me, '442', name, "You're not on that channel"));
    return ask(reason ? { kind: 'part', room, reason } : { kind: 'part', room });
  });
}

/**
 * The client-only tags to relay with a line: only from a client that negotiated message-tags
 * (the spec lets no other send tags; what one does send anyway is not relayed), undefined for none.
 */
function relayedTags(s: IrcSession, tags: Readonly<Record<string, string>>): { tags?: ClientTags } {
  if (!s.caps.has('message-tags')) return {};
  const client = clientTagsOf(tags);
  return client === undefined ? {} : { tags: client };
}

function message(notice: boolean) {
  return (s: IrcSession, p: string[], me: string, from: Sender, lineTags: Readonly<Record<string, string>>): Reading[] => {
    if (p.length === 0 || p[0] === '') return notice ? NOTHING : say(r.num(me, '411', 'No recipient given (PRIVMSG)'));
    const text = p[1];
    if (text === undefined || text === '') return notice ? NOTHING : say(r.num(me, '412', 'No text to send'));
    const tags = relayedTags(s, lineTags);
    const out: Reading[] = [];
    for (const target of list(p[0]).slice(0, 4)) {
      if (target.startsWith('#')) {
        const room = roomOf(target);
        if (room === null) {
          if (!notice) out.push(answer(r.num(me, '403', target, 'No such channel')));
          continue;
        }
        // To a channel one is not on: the room decides (+n, the default, refuses it with 404).
        const outside = from.rooms.includes(room) ? {} : { outside: true };
        const action = !notice && text.startsWith('\x01ACTION') ? text.slice(8).replace(/\x01$/, '').replace(/^ /, '') : null;
        out.push(ask(action !== null ? { kind: 'act', room, text: action, ...tags, ...outside } : notice ? { kind: 'say', room, text, notice: true, ...tags, ...outside } : { kind: 'say', room, text, ...tags, ...outside }));
        continue;
      }
      s.privates.push(notice);
      out.push(ask(notice ? { kind: 'private', target, text, notice: true, ...tags } : { kind: 'private', target, text, ...tags }));
    }
    return out;
  };
}

/**
 * TAGMSG (IRCv3 message-tags): client-only tags and no text, to channels or nicks. A command of
 * the capability: a client without message-tags is told it does not exist (421). One without
 * client-only tags carries nothing, and is dropped as ergo does. Errors as for PRIVMSG.
 */
function tagmsg(s: IrcSession, p: string[], me: string, from: Sender, lineTags: Readonly<Record<string, string>>): Reading[] {
  if (!s.caps.has('message-tags')) return say(r.num(me, '421', 'TAGMSG', 'Unknown command'));
  if (p[0] === '') return say(r.num(me, '411', 'No recipient given (TAGMSG)'));
  const tags = clientTagsOf(lineTags);
  if (tags === undefined) return NOTHING;
  const out: Reading[] = [];
  for (const target of list(p[0]).slice(0, 4)) {
    if (target.startsWith('#')) {
      const room = roomOf(target);
      if (room === null || !from.rooms.includes(room)) out.push(answer(r.num(me, room === null ? '403' : '404', target, room === null ? 'No such channel' : 'Cannot send to channel')));
      else out.push(ask({ kind: 'tagmsg', room, tags }));
      continue;
    }
    // Answered as a private message is (its echo, or 401), in the same queue.
    s.privates.push(false);
    out.push(ask({ kind: 'privateTagmsg', target, tags }));
  }
  return out;
}

function names(_s: IrcSession, p: string[], me: string): Reading[] {
  if (p.length === 0) return say(r.num(me, '366', '*', 'End of /NAMES list'));
  return list(p[0]).map((name) => {
    const room = roomOf(name);
    return room === null ? answer(r.num(me, '366', name, 'End of /NAMES list')) : ask({ kind: 'who', room });
  });
}

function topic(s: IrcSession, p: string[], me: string, from: Sender): Reading[] {
  const name = p[0]!;
  const room = roomOf(name);
  if (room === null) return say(r.num(me, '403', name, 'No such channel'));
  // Asked of a room one is not in, the room answers: 403 if nobody is in it, 442 if others are.
  if (p.length < 2) return [ask({ kind: 'topic', room })];
  // TOPICLEN: a longer topic is cut to it, between characters, as most servers do.
  return [ask({ kind: 'topic', room, text: splitBytes(p[1]!, s.options.topicBytes)[0]! })];
}

function listRooms(s: IrcSession, p: string[]): Reading[] {
  const only = p.length > 0 && p[0] !== '' ? new Set(list(p[0]).map((n) => roomOf(n) ?? '')) : null;
  s.lists.push(only);
  return [ask({ kind: 'rooms' })];
}

function who(_s: IrcSession, p: string[], me: string): Reading[] {
  const mask = p[0] ?? '*';
  if (mask.startsWith('#')) {
    const room = roomOf(mask);
    return room === null ? say(r.num(me, '315', mask, 'End of WHO list')) : [ask({ kind: 'lookup', ask: `who ${channel(room)}`, room })];
  }
  // A mask is searched among nicknames (and nick!user@host as everyone shows it), at most LOOKUP_LIMIT answers.
  if (/[*?!@]/.test(mask) || mask === '0') return [ask({ kind: 'lookup', ask: `who ${mask}`, mask: mask === '0' ? '*' : mask })];
  return [ask({ kind: 'lookup', ask: `who ${mask}`, nicks: [mask] })];
}

function whois(_s: IrcSession, p: string[], me: string): Reading[] {
  const nicks = list(p[p.length - 1]).slice(0, 1);
  if (nicks.length === 0) return say(r.num(me, '431', 'No nickname given'));
  return [ask({ kind: 'lookup', ask: `whois ${nicks[0]}`, nicks })];
}

/**
 * WHOWAS nick [count]: at most `count` entries (newest first) when it is a positive number, all
 * of them otherwise (RFC 1459 §4.5.3: "a non-positive number … a full search"). The count
 * travels in the ask tag (`whowas COUNT NICK`, 0: all), so the answer is cut where it is rendered.
 */
function whowas(_s: IrcSession, p: string[]): Reading[] {
  const nick = p[0]!;
  const n = /^\d{1,9}$/.test(p[1] ?? '') ? Number(p[1]) : 0;
  return [ask({ kind: 'lookup', ask: `whowas ${n} ${nick}`, nicks: [nick], past: true })];
}

function mode(s: IrcSession, p: string[], me: string): Reading[] {
  const target = p[0]!;
  if (target.startsWith('#')) {
    const room = roomOf(target);
    if (room === null) return say(r.num(me, '403', target, 'No such channel'));
    if (p.length === 1) return [ask({ kind: 'mode', room, changes: [] })];
    const { changes, unknown } = parseModes(p[1]!, p.slice(2));
    const out: Reading[] = unknown.map((c) => answer(r.num(me, '472', c, 'is unknown mode char to me')));
    // Lists other than bans (e, I) are not kept: an empty list, as the client asked.
    if (changes.length > 0) out.push(ask({ kind: 'mode', room, changes }));
    return out;
  }
  if (nickKey(target) !== nickKey(me)) return say(r.num(me, '502', "Can't change mode for other users"));
  if (p.length === 1) return say(r.num(me, '221', `+${[...s.userModes].join('')}`));
  // Wallops changes nothing here, but clients set it: it is kept and reported. Invisible is the
  // directory's to know (WHO and NAMES hide by it): it answers, and its notice gives the MODE line.
  let sign = '+';
  let changed = '';
  let lastSign = '';
  let invisible: boolean | null = null;
  for (const c of p[1]!) {
    if (c === '+' || c === '-') {
      sign = c;
      continue;
    }
    if (c !== 'i' && c !== 'w') return say(r.num(me, '501', 'Unknown MODE flag'));
    if (c === 'i') {
      invisible = sign === '+';
      continue;
    }
    if ((sign === '+') === s.userModes.has(c)) continue;
    if (sign === '+') s.userModes.add(c);
    else s.userModes.delete(c);
    changed += (sign !== lastSign ? sign : '') + c;
    lastSign = sign;
  }
  const out: Reading[] = changed === '' ? [] : [answer(`:${me} MODE ${me} :${changed}${CRLF}`)];
  if (invisible !== null && invisible !== s.userModes.has('i')) out.push(ask({ kind: 'invisible', on: invisible }));
  return out;
}

/** `timestamp=2026-12-01T12:03:00.000Z` or `msgid=ID` (MSGREFTYPES); `*` where `star` allows it. */
function historyRef(param: string | undefined): HistoryRef | null {
  if (param === undefined) return null;
  if (param.startsWith('msgid=')) {
    const id = param.slice(6);
    return id !== '' && id.length <= 64 ? { msgid: id } : null;
  }
  if (param.startsWith('timestamp=')) {
    const text = param.slice(10);
    // ISO 8601 in UTC as server-time writes it; milliseconds optional.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text)) return null;
    const at = Date.parse(text);
    return Number.isFinite(at) ? { at } : null;
  }
  return null;
}

/** A FAIL standard reply; what the client sent is echoed as one word each (a trailing `:#a b` would read as two). */
function fail(code: string, ...params: string[]): Reading[] {
  const words = params.slice(0, -1).map((p) => p.replace(/[\s:]/g, '') || '*');
  return say(`FAIL CHATHISTORY ${code} ${words.join(' ')}${words.length > 0 ? ' ' : ''}:${params[params.length - 1]}${CRLF}`);
}

/**
 * CHATHISTORY (IRCv3 draft/chathistory): LATEST, BEFORE, AFTER, AROUND and BETWEEN on a channel
 * the user is in or a nickname (its private conversation), and TARGETS. The edge checks the
 * syntax and the membership; the gateway (or the cluster) answers from the history it keeps.
 */
function chathistory(s: IrcSession, p: string[], _me: string, from: Sender): Reading[] {
  const max = s.options.chathistory ?? 0;
  if (max === 0) return fail('UNKNOWN_COMMAND', 'CHATHISTORY', 'History is off on this server');
  const sub = p[0]!.toUpperCase();
  const limitOf = (param: string | undefined): number | null => {
    if (param === undefined || !/^\d{1,9}$/.test(param)) return null;
    const n = Number(param);
    return n === 0 ? null : Math.min(n, max);
  };
  if (sub === 'TARGETS') {
    const a = historyRef(p[1]);
    const b = historyRef(p[2]);
    const limit = limitOf(p[3]);
    if (a === null || b === null || !('at' in a) || !('at' in b) || limit === null) return fail('INVALID_PARAMS', sub, 'TARGETS takes two timestamps and a limit');
    return [ask({ kind: 'historyTargets', from: Math.min(a.at, b.at), to: Math.max(a.at, b.at), limit })];
  }
  if (!['LATEST', 'BEFORE', 'AFTER', 'AROUND', 'BETWEEN'].includes(sub)) return fail('UNKNOWN_COMMAND', sub, 'Unknown subcommand');
  const target = p[1];
  if (target === undefined || target === '') return fail('INVALID_PARAMS', sub, 'Missing target');
  let select: HistorySelect | null = null;
  if (sub === 'BETWEEN') {
    const a = historyRef(p[2]);
    const b = historyRef(p[3]);
    const limit = limitOf(p[4]);
    if (a !== null && b !== null && limit !== null) select = { dir: 'between', from: a, to: b, limit };
  } else {
    const ref = p[2] === '*' && sub === 'LATEST' ? undefined : historyRef(p[2]);
    const limit = limitOf(p[3]);
    if (ref !== null && limit !== null) {
      if (sub === 'LATEST') select = ref === undefined ? { dir: 'latest', limit } : { dir: 'latest', after: ref, limit };
      else if (ref !== undefined) select = { dir: sub === 'BEFORE' ? 'before' : sub === 'AFTER' ? 'after' : 'around', ref, limit };
    }
  }
  if (select === null) return fail('INVALID_PARAMS', sub, target, 'Invalid message reference or limit');
  const askTag = `${sub} ${target}`;
  if (target.startsWith('#')) {
    const room = roomOf(target);
    if (room === null || !from.rooms.includes(room)) return fail('INVALID_TARGET', sub, target, 'Messages could not be retrieved');
    return [ask({ kind: 'history', ask: askTag, target: room, room: true, select })];
  }
  if (!checkNick(target).ok) return fail('INVALID_TARGET', sub, target, 'Messages could not be retrieved');
  return [ask({ kind: 'history', ask: askTag, target, room: false, select })];
}

function kick(_s: IrcSession, p: string[], me: string): Reading[] {
  const room = roomOf(p[0]!);
  if (room === null) return say(r.num(me, '403', p[0]!, 'No such channel'));
  const reason = p[2] !== undefined && p[2] !== '' ? { reason: p[2].slice(0, 300) } : {};
  return list(p[1]).slice(0, 4).map((nick) => ask({ kind: 'kick', room, nick, ...reason }));
}

function invite(_s: IrcSession, p: string[], me: string): Reading[] {
  const room = roomOf(p[1]!);
  if (room === null) return say(r.num(me, '403', p[1]!, 'No such channel'));
  return [ask({ kind: 'invite', room, nick: p[0]! })];
}

const TABLE: Record<string, Command> = {
  CHATHISTORY: { min: 1, run: chathistory },
  CAP: { min: 1, early: true, run: cap },
  PASS: {
    min: 1,
    early: true,
    run: (s, p, me) => {
      if (me !== '*' || s.claiming) return say(r.num(me, '462', 'You may not reregister'));
      s.pass = p[0]!;
      return NOTHING;
    },
  },
  NICK: { min: 1, early: true, run: nick },
  USER: { min: 4, early: true, run: user },
  PING: { min: 1, early: true, run: (_s, p) => say(`:${SERVER} PONG ${SERVER} :${p[0]}${CRLF}`) },
  PONG: { min: 0, early: true, run: () => NOTHING },
  QUIT: {
    min: 0,
    early: true,
    run: (s, p) => [answer(s.farewell(p[0] ? `Quit: ${p[0]}` : 'Quit')), ask(p[0] ? { kind: 'quit', reason: p[0] } : { kind: 'quit' })],
  },
  JOIN: { min: 1, run: join },
  PART: { min: 1, run: part },
  PRIVMSG: { min: 0, run: message(false) },
  NOTICE: { min: 0, run: message(true) },
  TAGMSG: { min: 1, run: tagmsg },
  NAMES: { min: 0, run: names },
  TOPIC: { min: 1, run: topic },
  LIST: { min: 0, run: listRooms },
  WHO: { min: 0, run: who },
  WHOIS: { min: 1, run: whois },
  WHOWAS: { min: 1, run: whowas },
  ISON: { min: 1, run: (_s, p) => [ask({ kind: 'lookup', ask: 'ison', nicks: p.join(' ').split(' ').filter((x) => x !== '') })] },
  USERHOST: { min: 1, run: (_s, p) => [ask({ kind: 'lookup', ask: 'userhost', nicks: p.join(' ').split(' ').filter((x) => x !== '').slice(0, 5) })] },
  MODE: { min: 1, run: mode },
  KICK: { min: 2, run: kick },
  INVITE: { min: 2, run: invite },
  OPER: { min: 2, run: (_s, p) => [ask({ kind: 'oper', name: p[0]!, password: p[1]! })] },
  KILL: { min: 2, run: (_s, p) => [ask({ kind: 'kill', nick: p[0]!, reason: p[1]!.slice(0, 300) || 'no reason given' })] },
  AWAY: { min: 0, run: (_s, p) => [ask(p[0] ? { kind: 'away', text: p[0].slice(0, 300) } : { kind: 'away' })] },
  MOTD: { min: 0, run: (s, _p, me) => say(r.motd(me, s.options)) },
  LUSERS: { min: 0, run: () => [ask({ kind: 'count' })] },
  VERSION: { min: 0, run: (s, _p, me) => say(r.num(me, '351', `node-chat-${s.options.version}`, SERVER, 'a chat server for telnet and IRC users') + r.isupport(me, s.options)) },
  TIME: { min: 0, run: (_s, _p, me) => say(r.num(me, '391', SERVER, new Date().toUTCString())) },
  INFO: { min: 0, run: (s, _p, me) => say(r.num(me, '371', `node-chat ${s.options.version}: telnet and IRC users in the same rooms`) + r.num(me, '374', 'End of INFO list')) },
  HELP: {
    min: 0,
    run: (_s, p, me) => {
      const subject = p[0] ?? '*';
      return say(r.num(me, '704', subject, r.HELP[0]!) + r.HELP.slice(1).map((l) => r.num(me, '705', subject, l)).join('') + r.num(me, '706', subject, 'End of /HELP'));
    },
  },
  SETNAME: {
    min: 1,
    run: (_s, p) => {
      // As USER's real name: at most 100 characters; an empty one is no name (IRCv3 setname's FAIL).
      if (p[0] === '') return say(`FAIL SETNAME INVALID_REALNAME :Realname is not valid${CRLF}`);
      return [ask({ kind: 'setname', real: p[0]!.slice(0, 100) })];
    },
  },
};

export function readCommand(s: IrcSession, msg: IrcLine, from: Sender): Reading[] {
  const verb = msg.verb.toUpperCase();
  const me = from.nick ?? '*';
  const command = TABLE[verb];
  if (command === undefined) return from.nick === null ? say(r.num(me, '451', 'You have not registered')) : say(r.num(me, '421', verb, 'Unknown command'));
  if (!command.early && from.nick === null) return say(r.num(me, '451', 'You have not registered'));
  if (msg.params.length < command.min) return say(r.num(me, '461', verb, 'Not enough parameters'));
  return command.run(s, msg.params, me, from, msg.tags);
}
