// One IRC connection as the edge sees it: registration (CAP, PASS, NICK, USER), the capabilities
// it negotiated (hence its codec variant), and what it asked that is still to be answered. Its
// commands are read by the table in commands.ts; events for it alone are rendered here, with
// the nick the actors last gave it, since numerics name their recipient.

import type { Farewell } from '../../model/events.js';
import { farewellText } from '../reasons.js';
import type { ChatEvent, HistoryTarget, Notice } from '../../model/events.js';
import type { Profile } from '../../model/intents.js';
import type { Codec, Reading, Sender, Session } from '../edge.js';
import { CAPS, isCap, variantOf, type Cap } from './caps.js';
import { answer, readCommand } from './commands.js';
import { IrcFramer } from './framer.js';
import { parseLine } from './message.js';
import { channel, SERVER, source } from './names.js';
import { codecFor, CRLF, messageLines, renderBroadcast, safe, tagmsgLine } from './render.js';
import * as r from './replies.js';

/** How many happenings (see seen) a session remembers: its users' recent quits, renames, aways. */
const SEEN_MEMORY = 256;

export class IrcSession implements Session {
  readonly framer = new IrcFramer();
  codec: Codec = codecFor(0);
  readonly caps = new Set<Cap>();
  /** CAP LS or REQ before registration holds it until CAP END. */
  capHold = false;
  /** What NICK, USER and PASS gave before registration. */
  wantNick: string | null = null;
  profile: Profile | null = null;
  pass: string | null = null;
  /** The claim is with the directory: its answer (welcome, or a refusal) is still to come. */
  claiming = false;
  /** The nickname last asked for (NICK), named in 432 / 433. */
  nickTried = '';
  /** Private messages sent, oldest first, each answered once (privateSent or noSuchNick): whether it was a NOTICE (never answered with an error). */
  readonly privates: boolean[] = [];
  /** LIST questions in flight, oldest first: the channels asked about (null: all). */
  readonly lists: Array<ReadonlySet<string> | null> = [];
  readonly userModes = new Set<string>();
  private readonly happenings = new Map<string, string>();
  private batches = 0;

  constructor(readonly options: r.IrcOptions) {}

  get echoes(): boolean {
    return this.caps.has('echo-message');
  }

  greeting(): string {
    return '';
  }

  read(text: string, from: Sender): Reading[] {
    const msg = parseLine(text);
    if (msg === null) return [];
    return readCommand(this, msg, from);
  }

  lineTooLong(): string {
    return r.num(this.nickTried || '*', '417', 'Input line was too long');
  }

  farewell(why: Farewell | string): string {
    return `ERROR :Closing link: ${typeof why === 'string' ? why : farewellText(why)}${CRLF}`;
  }

  ping(): string {
    return `PING :${SERVER}${CRLF}`;
  }

  /**
   * A quit, rename or away announced in several rooms reaches this connection once per room it
   * shares with that user: the first copy is shown. Remembered per user (the part of `once`
   * before '|'), so the same user's next, different happening is shown again. (A rename and its
   * undoing interleaved across two rooms could show a copy twice: renames are barriers, so the
   * second one starts only after the first room has announced the first.)
   */
  seen(once: string): boolean {
    const bar = once.indexOf('|');
    const who = bar < 0 ? once : once.slice(0, bar);
    if (this.happenings.get(who) === once) return true;
    this.happenings.delete(who);
    this.happenings.set(who, once);
    if (this.happenings.size > SEEN_MEMORY) this.happenings.delete(this.happenings.keys().next().value!);
    return false;
  }

  /** Capabilities changed: the codec variant follows (the gateway picks it up after the line). */
  setCaps(): void {
    this.codec = codecFor(variantOf(this.caps));
  }

  /**
   * CAP LS: ours that are on here (draft/chathistory only with history). sts is listed only where
   * capabilities carry values (CAP LS 302): without its value it says nothing. It is never one to
   * REQ (isCap does not know it), as the spec asks.
   */
  capList(values: boolean): string {
    const caps = CAPS.filter((c) => this.isCap(c)).join(' ');
    return values && this.options.sts !== undefined ? `${caps} sts=${this.options.sts}` : caps;
  }

  /** Ours, and on here: draft/chathistory only when the server keeps history. */
  isCap(name: string): name is Cap {
    return isCap(name) && (name !== 'draft/chathistory' || (this.options.chathistory ?? 0) > 0);
  }

  /**
   * Lines it is shown on joining a room: none for a client that asks with CHATHISTORY itself;
   * `--irc-autoreplay` for the others (after its JOIN: a client shows a channel's lines only once
   * it has joined it).
   */
  joinReplay(): number {
    return this.caps.has('draft/chathistory') ? 0 : (this.options.autoreplay ?? 0);
  }

  readonly replayAfterJoin = true;

  /** A new batch reference, unique on this connection. */
  private batchId(): string {
    return `h${++this.batches}`;
  }

  /** Claims the nickname once NICK and USER are in and CAP negotiation (if any) has ended. */
  maybeClaim(): Reading[] {
    if (this.claiming || this.capHold || this.wantNick === null || this.profile === null) return [];
    if (this.options.password !== '' && this.pass !== this.options.password) {
      return [answer(r.num('*', '464', 'Password incorrect') + this.farewell('bad password')), { intent: { kind: 'quit', reason: 'bad password' } }];
    }
    this.claiming = true;
    this.nickTried = this.wantNick;
    return [{ intent: { kind: 'claim', nick: this.wantNick, enter: null, profile: this.profile } }];
  }

  renderFor(event: ChatEvent, nick: string | null): string {
    const me = nick ?? '*';
    const bits = variantOf(this.caps);
    switch (event.k) {
      case 'welcome':
        this.claiming = false;
        return r.welcome(event.nick, this.options, event.users ?? 1, event.rooms ?? 1, event);
      case 'nickChanged':
        return `:${source(event.from)} NICK ${event.nick}${CRLF}`;
      case 'roomSize':
        return '';
      case 'topic':
        if (event.text === '') return r.num(me, '331', channel(event.room), 'No topic is set');
        return r.num(me, '332', channel(event.room), event.text) + r.num(me, '333', channel(event.room), event.by, String(Math.floor(event.at / 1000)));
      case 'noTopic':
        return r.num(me, '331', channel(event.room), 'No topic is set');
      case 'members':
        return r.names(me, event.room, event.nicks, this.caps.has('userhost-in-names'), event.marks, this.caps.has('multi-prefix'), event.secret === true);
      case 'modes':
        return r.modes(me, event.room, event.modes, event.created, event.member);
      case 'bans':
        return r.bans(me, event.room, event.bans);
      case 'invited':
        return `:${source(event.by)} INVITE ${me} ${channel(event.room)}${CRLF}`;
      case 'inviteSent':
        return r.num(me, '341', event.nick, channel(event.room));
      case 'rooms':
        return r.list(me, event.rooms, this.lists.shift() ?? null);
      case 'counts':
        return r.counts(me, event.users, event.rooms, event);
      case 'users':
        return this.users(me, event.ask, event);
      case 'private':
        return messageLines(bits, event.at, event.id, event.from, event.notice ? 'NOTICE' : 'PRIVMSG', me, event.text, false, event.tags);
      case 'privateSent': {
        this.privates.shift();
        const echo = this.echoes ? messageLines(bits, event.at, event.id, me, event.notice ? 'NOTICE' : 'PRIVMSG', event.to, event.text, false, event.tags) : '';
        return echo + (event.away !== undefined ? r.num(me, '301', event.to, event.away) : '');
      }
      case 'privateTagged':
        if (event.echo !== true) return tagmsgLine(bits, event.at, event.id, event.from, me, event.tags);
        this.privates.shift();
        return this.echoes ? tagmsgLine(bits, event.at, event.id, me, event.to, event.tags) : '';
      case 'notice':
        return this.notice(me, event.notice);
      case 'history':
        return this.history(event, bits);
      case 'historyTargets':
        return this.targets(me, event.targets);
      default:
        return renderBroadcast(event, bits);
    }
  }

  /**
   * A conversation's past: for CHATHISTORY, in a `chathistory` batch when `batch` is on (each
   * line tagged with it); on joining (`join`), as plain lines. With the session's own tags
   * (server-time, message-tags), so a line reads as it did live, msgid included.
   */
  private history(e: Extract<ChatEvent, { k: 'history' }>, bits: number): string {
    const space = e.ask.indexOf(' ');
    const sub = space < 0 ? e.ask : e.ask.slice(0, space);
    const target = space < 0 ? e.target : e.ask.slice(space + 1);
    if (e.refused) return `FAIL CHATHISTORY INVALID_TARGET ${sub} ${target} :Messages could not be retrieved${CRLF}`;
    let body = '';
    for (const line of e.events) {
      if (line.k === 'private') body += messageLines(bits, line.at, line.id, line.from, line.notice ? 'NOTICE' : 'PRIVMSG', line.to, line.text, false, line.tags);
      else body += renderBroadcast(line, bits);
    }
    const reset = e.reset ? r.line('NOTE', 'CHATHISTORY', 'HISTORY_RESET', target, 'The message store restarted empty: history before this is lost') : '';
    if (e.ask === 'join' || !this.caps.has('batch')) return reset + body;
    const id = this.batchId();
    return `${reset}:${SERVER} BATCH +${id} chathistory ${target}${CRLF}${inBatch(body, id)}:${SERVER} BATCH -${id}${CRLF}`;
  }

  /** CHATHISTORY TARGETS: each conversation and its latest line's time, in a `draft/chathistory-targets` batch. */
  private targets(_me: string, targets: HistoryTarget[]): string {
    let body = '';
    for (const t of targets) body += `:${SERVER} CHATHISTORY TARGETS ${'room' in t ? channel(t.room) : t.nick} ${new Date(t.at).toISOString()}${CRLF}`;
    if (!this.caps.has('batch')) return body;
    const id = this.batchId();
    return `:${SERVER} BATCH +${id} draft/chathistory-targets${CRLF}${inBatch(body, id)}:${SERVER} BATCH -${id}${CRLF}`;
  }

  private users(me: string, ask: string, e: Extract<ChatEvent, { k: 'users' }>): string {
    const space = ask.indexOf(' ');
    const kind = space < 0 ? ask : ask.slice(0, space);
    const arg = space < 0 ? '' : ask.slice(space + 1);
    switch (kind) {
      case 'whois':
        return r.whois(me, e.users, e.missing, arg);
      case 'whowas': {
        // `COUNT NICK` (see WHOWAS in commands.ts): COUNT 0 is all of them.
        const sp = arg.indexOf(' ');
        const count = Number(arg.slice(0, sp));
        return r.whowas(me, count > 0 ? e.users.slice(0, count) : e.users, e.missing, arg.slice(sp + 1));
      }
      case 'who':
        return r.who(me, e.users, arg, this.caps.has('multi-prefix'));
      case 'ison':
        return r.ison(me, e.users);
      case 'userhost':
        return r.userhost(me, e.users);
      default:
        return '';
    }
  }

  private notice(me: string, n: Notice): string {
    switch (n.code) {
      case 'nickInvalid':
        if (n.stage === 'claim') this.claiming = false;
        return r.num(me, '432', this.nickTried, 'Erroneous nickname');
      case 'nickTaken':
        if (n.stage === 'claim') this.claiming = false;
        return r.num(me, '433', n.nick, 'Nickname is already in use');
      case 'nickUnchanged':
        return '';
      case 'noSuchNick':
        return this.privates.shift() === true ? '' : r.num(me, '401', n.nick, 'No such nick/channel');
      case 'tooManyRooms':
        return r.num(me, '405', '*', 'You have joined too many channels');
      case 'away':
        return n.away ? r.num(me, '306', 'You have been marked as being away') : r.num(me, '305', 'You are no longer marked as being away');
      case 'claimLost':
        // The actors restarted with the claim in flight: the client picks another nick, or sends this one again.
        this.claiming = false;
        return r.num(me, '433', this.nickTried, 'The server had a hiccup, please try again');
      case 'invisible':
        if (n.on === this.userModes.has('i')) return '';
        if (n.on) this.userModes.add('i');
        else this.userModes.delete('i');
        return `:${me} MODE ${me} :${n.on ? '+' : '-'}i${CRLF}`;
      case 'oper':
        if (!n.ok || this.userModes.has('o')) return r.moderationNumeric(me, n)!;
        // Accepted: the user mode +o follows 381 (modern.ircdocs.horse OPER), and 221 shows it from now on.
        this.userModes.add('o');
        return r.moderationNumeric(me, n)! + `:${me} MODE ${me} :+o${CRLF}`;
      case 'killed':
        return `:${source(n.by)} KILL ${me} :${safe(n.reason)}${CRLF}` + this.farewell(`Killed (${n.by} (${safe(n.reason)}))`);
      default:
        return r.moderationNumeric(me, n) ?? r.line('NOTICE', me, noticeText(n));
    }
  }
}

/** Every line of `body` tagged as part of batch `id`. */
function inBatch(body: string, id: string): string {
  if (body === '') return '';
  return body
    .split(CRLF)
    .slice(0, -1)
    .map((l) => (l.startsWith('@') ? `@batch=${id};${l.slice(1)}` : `@batch=${id} ${l}`) + CRLF)
    .join('');
}

function noticeText(n: Notice): string {
  switch (n.code) {
    case 'storeFailed':
      return 'That could not be done just now (the chat store failed); please try again';
    case 'hiccup':
      return 'This server had a hiccup: lines sent in the last moment may not have reached you';
    case 'degraded':
      return 'The chat is degraded: its message store is unreachable; your lines will go out when it is back';
    case 'recovered':
      return n.missed.length === 0 ? 'The chat is back: nothing was missed' : `The chat is back, but some lines in ${n.missed.map(channel).join(', ')} were missed`;
    case 'storeReset':
      return 'The message store restarted and lost recent history';
    case 'lostTouch':
      return 'This server lost touch with the chat for a while';
    case 'nickLost':
      return `Your nickname ${n.nick} was taken while this server was away; please reconnect`;
    default:
      return n.code;
  }
}
