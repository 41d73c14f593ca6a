// The directory: the one registry of nicknames, so names are unique across every room. It
// lives on host 0 (see runtime/placement.ts): one owner means a claim is decided in one place,
// in one order, without locks; rooms ask it by message and it answers by message.

import { checkNick, nickKey } from '../model/nicknames.js';
import { maskOf, matchMask, normalizeMask } from '../model/moderation.js';
import { LOBBY } from '../model/rooms.js';
import { roomAddress, type ConnId, type DirectoryMsg, type MemberRecord } from '../model/messages.js';
import type { ClientTags, Notice, UserInfo } from '../model/events.js';
import type { Profile } from '../model/intents.js';
import { only, type Outbox } from './outbox.js';
import { Stamps } from './stamps.js';

interface Entry {
  nick: string;
  key: string;
  /** The rooms the user is in, as they last told us, in the order joined. */
  rooms: Set<string>;
  /** Its status in rooms where it has one ('@', '+', '@+'), as the rooms told us. */
  marks?: Map<string, string>;
  profile?: Profile;
  away?: string;
  /** IRC user mode +i: hidden from WHO masks and from WHO / NAMES of its rooms for those sharing none. */
  invisible?: boolean;
  /** When it took its name (server time). */
  since: number;
}

/** Users a mask lookup returns at most: WHO * on a big server must not be a flood of its own. */
export const LOOKUP_LIMIT = 200;

/** Names recently given up, for IRC WHOWAS: enough to answer, little enough to keep. */
const PAST_NAMES = 100;

export class Directory {
  private readonly owners = new Map<string, ConnId>();
  private readonly names = new Map<ConnId, Entry>();
  /** Members per room, kept in step with `names` so /rooms costs the number of rooms. */
  private readonly counts = new Map<string, number>();
  /** Private messages' ids. */
  private readonly stamps: Stamps;
  /** The most users there have been at once (IRC LUSERS' max). */
  private peak = 0;
  /** Named users with user mode +i (IRC LUSERS' invisible), kept in step with their entries. */
  private invisibles = 0;
  /** Names given up, oldest first (at most PAST_NAMES). */
  private readonly past: Array<{ key: string; info: UserInfo }> = [];
  /** Rooms set +s, as they told us: shown (LIST, /rooms, WHO, WHOIS) only to their members. */
  private readonly secret = new Set<string>();

  constructor(private readonly out: Outbox) {
    this.counts.set(LOBBY, 0);
    this.stamps = new Stamps(() => out.now());
  }

  get size(): number {
    return this.names.size;
  }

  nickOf(conn: ConnId): string | undefined {
    return this.names.get(conn)?.nick;
  }

  ownerOf(nick: string): ConnId | undefined {
    return this.owners.get(nickKey(nick));
  }

  restore(records: readonly MemberRecord[]): void {
    this.owners.clear();
    this.names.clear();
    this.counts.clear();
    this.secret.clear();
    this.invisibles = 0; // +i is not restored after a crash (see README)
    this.counts.set(LOBBY, 0);
    for (const r of records) {
      if (r.released) continue;
      this.set(r.conn, r.nick, nickKey(r.nick));
      for (const room of r.rooms) this.locate(r.conn, room, true);
    }
  }

  receive(msg: DirectoryMsg): void {
    switch (msg.t) {
      case 'claim':
        return this.claim(msg.conn, msg.nick, msg.enter, msg.profile);
      case 'lookup':
        this.out.deliver(only(msg.conn), -1, { k: 'users', ask: msg.ask, ...(msg.mask !== undefined ? this.matching(msg.mask, msg.conn) : this.lookup(msg.nicks, msg.room, msg.past === true, msg.conn)) });
        return this.settle(msg.conn);
      case 'count':
        this.out.deliver(only(msg.conn), -1, { k: 'counts', users: this.names.size, invisible: this.invisibles, rooms: this.formed(), peak: this.peak });
        return this.settle(msg.conn);
      case 'away':
        return this.away(msg.conn, msg.text);
      case 'setname':
        return this.setname(msg.conn, msg.real);
      case 'invisible':
        return this.invisible(msg.conn, msg.on);
      case 'rename':
        return this.rename(msg.conn, msg.nick);
      case 'private':
        return this.private(msg.conn, msg.target, msg.text, msg.notice === true, msg.tags);
      case 'tagmsg':
        return this.tagmsg(msg.conn, msg.target, msg.tags);
      case 'located': {
        const entry = this.names.get(msg.conn);
        const joined = msg.present && entry !== undefined && !entry.rooms.has(msg.room);
        this.locate(msg.conn, msg.room, msg.present);
        // An away user who joins: the room's members hear it after the join (IRCv3 away-notify).
        if (joined && entry.away !== undefined) this.out.send({ to: roomAddress(msg.room), msg: { t: 'away', conn: msg.conn, text: entry.away } });
        // The room's NAMES for outsiders must leave an invisible joiner out.
        if (joined && entry.invisible) this.out.send({ to: roomAddress(msg.room), msg: { t: 'invisible', conn: msg.conn, on: true } });
        return;
      }
      case 'rooms': {
        const rooms = this.secret.size === 0 ? [...this.counts] : [...this.counts].filter(([room]) => this.visible(room, msg.conn));
        this.out.deliver(only(msg.conn), -1, { k: 'rooms', rooms });
        return this.settle(msg.conn);
      }
      case 'secret':
        // Only a room in being is secret: its emptying (see locate) forgets it.
        if (msg.on && this.counts.has(msg.room)) this.secret.add(msg.room);
        else this.secret.delete(msg.room);
        return;
      case 'release':
        return this.release(msg.conn);
      case 'invite':
        return this.invite(msg.conn, msg.room, msg.by, msg.nick);
      case 'status':
        return this.status(msg.conn, msg.room, msg.mark);
      case 'notHere': {
        const exists = this.owners.has(nickKey(msg.nick));
        const notice: Notice = exists ? { code: 'notMember', room: msg.room, nick: msg.nick } : { code: 'noSuchNick', nick: msg.nick };
        this.out.deliver(only(msg.conn), -1, { k: 'notice', notice });
        if (msg.settle) this.settle(msg.conn);
        return;
      }
      case 'kill':
        return this.kill(msg.conn, msg.nick, msg.reason, msg.oper);
      case 'history':
      case 'targets':
        // One process's gateway answers these from the history it keeps and never sends them here;
        // should one come, its asker gets an empty answer rather than wait for ever.
        this.out.deliver(only(msg.conn), -1, msg.t === 'history' ? { k: 'history', ask: msg.ask, target: msg.target, events: [] } : { k: 'historyTargets', targets: [] });
        return this.settle(msg.conn);
    }
  }

  /** Marks and secret rooms as rooms announced them, restored from the rooms' states after a crash. */
  restoreMarks(states: ReadonlyArray<[room: string, state: { ops: number[]; voiced: number[]; modes?: { secret?: boolean } }]>): void {
    for (const [room, state] of states) {
      if (state.modes?.secret === true && this.counts.has(room)) this.secret.add(room);
      for (const conn of new Set([...state.ops, ...state.voiced])) this.status(conn, room, (state.ops.includes(conn) ? '@' : '') + (state.voiced.includes(conn) ? '+' : ''));
    }
  }

  private invite(conn: ConnId, room: string, by: string, target: string): void {
    const owner = this.owners.get(nickKey(target));
    if (owner === undefined) return this.refuse(conn, { code: 'noSuchNick', nick: target });
    const nick = this.names.get(owner)!.nick;
    // Recorded before the invitee hears of it, so a join that follows the INVITE finds it.
    this.out.send({ to: roomAddress(room), msg: { t: 'admit', conn: owner, nick } });
    this.out.deliver(only(owner), -1, { k: 'invited', room, by, nick });
    this.out.deliver(only(conn), -1, { k: 'inviteSent', room, nick });
    this.settle(conn);
  }

  private status(conn: ConnId, room: string, mark: string): void {
    const entry = this.names.get(conn);
    if (!entry) return;
    if (mark === '') entry.marks?.delete(room);
    else (entry.marks ??= new Map()).set(room, mark);
  }

  private kill(conn: ConnId, target: string, reason: string, oper: boolean): void {
    const killer = this.names.get(conn);
    if (!killer) return this.settle(conn);
    if (!oper) return this.refuse(conn, { code: 'notOper' });
    const owner = this.owners.get(nickKey(target));
    if (owner === undefined) return this.refuse(conn, { code: 'noSuchNick', nick: target });
    this.out.deliver(only(owner), -1, { k: 'notice', notice: { code: 'killed', by: killer.nick, reason } });
    // Its rooms hear of it as a quit, with the reason, once the gateway closes the connection.
    this.out.effect({ t: 'close', conn: owner, reason: `Killed by ${killer.nick}: ${reason}` });
    this.settle(conn);
  }

  private claim(conn: ConnId, text: string, enter: string | null, profile?: Profile): void {
    if (this.names.has(conn)) return this.settle(conn); // a stale retry: already named
    const check = checkNick(text);
    if (!check.ok) return this.refuse(conn, { code: 'nickInvalid', stage: 'claim', problem: check.problem });
    if (this.owners.has(check.key)) return this.refuse(conn, { code: 'nickTaken', stage: 'claim', nick: check.nick });
    this.set(conn, check.nick, check.key);
    if (profile) this.names.get(conn)!.profile = profile;
    this.out.effect({ t: 'named', conn, nick: check.nick });
    this.out.deliver(only(conn), -1, { k: 'welcome', nick: check.nick, users: this.names.size, rooms: this.formed(), invisible: this.invisibles });
    // The room settles the connection once it has announced the join.
    if (enter !== null) this.out.send({ to: roomAddress(enter), msg: { t: 'join', conn, nick: check.nick } });
    else this.settle(conn);
  }

  private rename(conn: ConnId, wanted: string): void {
    const current = this.names.get(conn);
    if (!current) return this.settle(conn);
    const check = checkNick(wanted);
    if (!check.ok) return this.refuse(conn, { code: 'nickInvalid', stage: 'rename', problem: check.problem });
    const owner = this.owners.get(check.key);
    if (owner !== undefined && owner !== conn) return this.refuse(conn, { code: 'nickTaken', stage: 'rename', nick: check.nick });
    if (check.nick === current.nick) return this.refuse(conn, { code: 'nickUnchanged', nick: check.nick });
    this.owners.delete(current.key);
    const from = current.nick;
    this.set(conn, check.nick, check.key);
    this.out.effect({ t: 'named', conn, nick: check.nick });
    // Every room the user is in announces it; the first one settles. The gateway hands these to
    // the rooms' hosts before it acts on the settle, so the user's next line, in whichever room,
    // is behind the rename there.
    let first = true;
    for (const room of current.rooms) {
      this.out.send({ to: roomAddress(room), msg: { t: 'renamed', conn, from, nick: check.nick, settle: first } });
      first = false;
    }
    if (first) {
      // In no room, nobody else hears of it.
      this.out.deliver(only(conn), -1, { k: 'nickChanged', from, nick: check.nick });
      this.settle(conn);
    }
  }

  private private(conn: ConnId, target: string, text: string, notice: boolean, tags: ClientTags | undefined): void {
    const sender = this.names.get(conn);
    const owner = this.owners.get(nickKey(target));
    if (!sender) return this.settle(conn);
    if (owner === undefined) return this.refuse(conn, { code: 'noSuchNick', nick: target });
    const addressee = this.names.get(owner)!;
    const to = addressee.nick;
    const { id, at } = this.stamps.next();
    const flag = notice ? { notice: true } : {};
    const tagged = tags ? { tags } : {};
    this.out.deliver(only(owner), -1, { k: 'private', id, at, from: sender.nick, to, text, ...flag, ...tagged });
    const away = addressee.away !== undefined && !notice ? { away: addressee.away } : {};
    this.out.deliver(only(conn), -1, { k: 'privateSent', to, text, ...flag, ...away, id, at, ...tagged });
    this.settle(conn);
  }

  /** Tags alone to one user (IRC TAGMSG): as a private message, without an away reply (nobody reads a TAGMSG). */
  private tagmsg(conn: ConnId, target: string, tags: ClientTags): void {
    const sender = this.names.get(conn);
    const owner = this.owners.get(nickKey(target));
    if (!sender) return this.settle(conn);
    if (owner === undefined) return this.refuse(conn, { code: 'noSuchNick', nick: target });
    const to = this.names.get(owner)!.nick;
    const { id, at } = this.stamps.next();
    this.out.deliver(only(owner), -1, { k: 'privateTagged', id, at, from: sender.nick, to, tags });
    this.out.deliver(only(conn), -1, { k: 'privateTagged', id, at, from: sender.nick, to, tags, echo: true });
    this.settle(conn);
  }

  /**
   * The users named (or in `room`: the invisible left out unless `asker` is in it too), or the
   * names given up recently (`past`). A user asked for by name is shown, invisible or not.
   */
  private lookup(nicks: string[] | undefined, room: string | undefined, past: boolean, asker: ConnId): { users: UserInfo[]; missing: string[] } {
    const users: UserInfo[] = [];
    const missing: string[] = [];
    if (room !== undefined) {
      const inside = this.names.get(asker)?.rooms.has(room) === true;
      // From outside, a secret room shows nobody.
      if (!inside && this.secret.has(room)) return { users, missing };
      // A scan of every user: asked for by IRC WHO #room, a command people type, not one per line.
      for (const e of this.names.values()) if (e.rooms.has(room) && (inside || !e.invisible)) users.push(this.info(e, asker));
      return { users, missing };
    }
    for (const nick of nicks ?? []) {
      const key = nickKey(nick);
      if (past) {
        const found = this.past.filter((p) => p.key === key).reverse();
        if (found.length === 0) missing.push(nick);
        else users.push(...found.map((p) => p.info));
        continue;
      }
      const owner = this.owners.get(key);
      if (owner === undefined) missing.push(nick);
      else users.push(this.info(this.names.get(owner)!, asker));
    }
    return { users, missing };
  }

  /**
   * Users whose nickname matches `mask`, at most LOOKUP_LIMIT (a scan: asked for by WHO with a
   * mask, a command people type); an invisible one only if it shares a room with `asker` (or is it).
   */
  private matching(mask: string, asker: ConnId): { users: UserInfo[]; missing: string[] } {
    const users: UserInfo[] = [];
    const pattern = mask.includes('!') || mask.includes('@') ? normalizeMask(mask) : mask;
    const me = this.names.get(asker);
    const shares = (e: Entry): boolean => e === me || (me !== undefined && [...e.rooms].some((r) => me.rooms.has(r)));
    for (const e of this.names.values()) {
      if (users.length >= LOOKUP_LIMIT) break;
      if (matchMask(pattern, pattern === mask ? e.nick : maskOf(e.nick)) && (!e.invisible || shares(e))) users.push(this.info(e, asker));
    }
    return { users, missing: [] };
  }

  /** What `asker` may know of a user: its secret rooms only if `asker` is in them too. */
  private info(e: Entry, asker: ConnId): UserInfo {
    const all = [...e.rooms];
    const rooms = this.secret.size === 0 ? all : all.filter((r) => this.visible(r, asker));
    const marks = e.marks && e.marks.size > 0 && rooms.some((r) => e.marks!.has(r)) ? { marks: rooms.map((r) => e.marks!.get(r) ?? '') } : {};
    return { nick: e.nick, ...(e.profile ? { profile: e.profile } : {}), rooms, ...marks, ...(e.away !== undefined ? { away: e.away } : {}), since: e.since };
  }

  /** Whether `asker` may see that `room` exists: it is not secret, or `asker` is in it. */
  private visible(room: string, asker: ConnId): boolean {
    return !this.secret.has(room) || this.names.get(asker)?.rooms.has(room) === true;
  }

  private away(conn: ConnId, text: string | undefined): void {
    const entry = this.names.get(conn);
    if (!entry) return this.settle(conn);
    if (text === undefined) delete entry.away;
    else entry.away = text;
    this.out.deliver(only(conn), -1, { k: 'notice', notice: { code: 'away', away: text !== undefined } });
    for (const room of entry.rooms) this.out.send({ to: roomAddress(room), msg: text === undefined ? { t: 'away', conn } : { t: 'away', conn, text } });
    this.settle(conn);
  }

  /**
   * A new real name: kept for WHOIS, and announced in each of the user's rooms (to the user too,
   * once: the rooms' copies share a token), or to the user alone in none.
   */
  private setname(conn: ConnId, real: string): void {
    const entry = this.names.get(conn);
    if (!entry) return this.settle(conn);
    if (entry.profile) entry.profile = { ...entry.profile, real };
    const once = `s${conn}|${this.stamps.next().id}`; // unique: the same name set twice is shown twice
    if (entry.rooms.size === 0) this.out.deliver(only(conn), -1, { k: 'realnameChanged', nick: entry.nick, real, once });
    for (const room of entry.rooms) this.out.send({ to: roomAddress(room), msg: { t: 'setname', conn, real, once } });
    this.settle(conn);
  }

  /** IRC user mode i: kept here for WHO, and told to the user's rooms for their NAMES. */
  private invisible(conn: ConnId, on: boolean): void {
    const entry = this.names.get(conn);
    if (!entry) return this.settle(conn);
    if (on !== (entry.invisible === true)) this.invisibles += on ? 1 : -1;
    if (on) entry.invisible = true;
    else delete entry.invisible;
    for (const room of entry.rooms) this.out.send({ to: roomAddress(room), msg: { t: 'invisible', conn, on } });
    this.out.deliver(only(conn), -1, { k: 'notice', notice: { code: 'invisible', on } });
    this.settle(conn);
  }

  private release(conn: ConnId): void {
    const entry = this.names.get(conn);
    if (!entry) return;
    for (const room of [...entry.rooms]) this.locate(conn, room, false);
    this.remember(entry);
    if (entry.invisible) this.invisibles--;
    this.names.delete(conn);
    this.owners.delete(entry.key);
    this.out.effect({ t: 'named', conn, nick: null });
  }

  private remember(e: Entry): void {
    this.past.push({ key: e.key, info: { nick: e.nick, ...(e.profile ? { profile: e.profile } : {}), rooms: [], since: this.out.now() } });
    if (this.past.length > PAST_NAMES) this.past.shift();
  }

  private set(conn: ConnId, nick: string, key: string): void {
    const entry = this.names.get(conn);
    if (entry) {
      this.remember(entry);
      entry.nick = nick;
      entry.key = key;
    } else {
      this.names.set(conn, { nick, key, rooms: new Set(), since: this.out.now() });
      this.peak = Math.max(this.peak, this.names.size);
    }
    this.owners.set(key, conn);
  }

  private locate(conn: ConnId, room: string, present: boolean): void {
    const entry = this.names.get(conn);
    if (!entry || entry.rooms.has(room) === present) return;
    if (present) {
      entry.rooms.add(room);
      this.counts.set(room, (this.counts.get(room) ?? 0) + 1);
      return;
    }
    entry.rooms.delete(room);
    entry.marks?.delete(room);
    const n = (this.counts.get(room) ?? 1) - 1;
    if (n > 0 || room === LOBBY) this.counts.set(room, n);
    else {
      this.counts.delete(room);
      this.secret.delete(room); // emptied: its next joiner makes it anew, public
    }
  }

  /** Rooms with someone in them (IRC 254): the lobby is kept in `counts` even when empty. */
  private formed(): number {
    return this.counts.size - (this.counts.get(LOBBY) === 0 ? 1 : 0);
  }

  /** Members per room, as the directory knows them (for tests). */
  roomCounts(): ReadonlyMap<string, number> {
    return this.counts;
  }

  private refuse(conn: ConnId, notice: Notice): void {
    this.out.deliver(only(conn), -1, { k: 'notice', notice });
    this.settle(conn);
  }

  private settle(conn: ConnId): void {
    this.out.effect({ t: 'settled', conn });
  }
}
