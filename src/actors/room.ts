// A room actor: the members of one room and every decision of who in it receives what. It
// hands its decisions to the Outbox as deliveries (recipients + event) and never touches a
// socket, so tests drive it as plain code.

import type { LeaveHow, Notice } from '../model/events.js';
import { roomAddress, type ConnId, type MemberRecord, type RoomMsg } from '../model/messages.js';
import { nickKey } from '../model/nicknames.js';
import { LOBBY } from '../model/rooms.js';
import { freshState, isBanned, joinRefusal, type ModeChange, type RoomState } from '../model/moderation.js';
import { applyModes } from './modes.js';
import { only, type Outbox } from './outbox.js';
import { RecipientList } from './recipients.js';
import { Stamps } from './stamps.js';

export interface Topic {
  text: string;
  by: string;
  at: number;
}

export class RoomActor {
  /** conn → nickname, in join order (so /who reads in the order people arrived). */
  private readonly members = new Map<ConnId, string>();
  /** Who broadcasts go to: views of one packed buffer, handed to the gateway as they are. */
  private readonly list = new RecipientList();
  private readonly stamps: Stamps;
  topic: Topic | null = null;
  /** Modes, bans, operators, voices, invitations: see model/moderation.ts. */
  state: RoomState;
  /** Members with IRC user mode +i, as the directory told: NAMES from outside the room leaves them out. */
  private readonly invisible = new Set<ConnId>();
  /** Members a ban matches (kept on a ban, an unban, a rename), so a line costs no mask match. */
  private readonly gagged = new Set<ConnId>();

  constructor(
    readonly name: string,
    private readonly out: Outbox,
  ) {
    this.stamps = new Stamps(() => out.now());
    this.state = freshState(name, out.now());
  }

  get size(): number {
    return this.members.size;
  }

  nicks(): string[] {
    return [...this.members.values()];
  }

  restore(records: readonly MemberRecord[], topic: Topic | null = null, state: RoomState | null = null): void {
    this.members.clear();
    this.list.clear();
    this.gagged.clear();
    this.invisible.clear(); // not restored after a crash, as away messages are not
    this.topic = topic;
    if (state) this.state = state;
    // In the order they joined this room, as before the crash (/who reads the same).
    const here: Array<{ conn: ConnId; nick: string; since: number }> = [];
    for (const r of records) {
      const at = r.rooms.indexOf(this.name);
      if (at >= 0) here.push({ conn: r.conn, nick: r.nick, since: r.since[at] ?? 0 });
    }
    here.sort((a, b) => a.since - b.since);
    for (const m of here) this.add(m.conn, m.nick);
    this.regag();
  }

  receive(msg: RoomMsg): void {
    switch (msg.t) {
      case 'join':
        return this.join(msg);
      case 'say':
      case 'act':
      case 'tagmsg': {
        const member = this.members.get(msg.conn);
        // Not a member: a line from outside (IRC, under -n), or a stale one that followed its sender out.
        // A TAGMSG comes from members only.
        const nick = member ?? (msg.t === 'tagmsg' ? undefined : msg.from);
        if (nick === undefined) return;
        const outside = member === undefined;
        if (outside ? this.state.modes.noOutside || !this.mayOutsiderSpeak(nick) : !this.maySpeak(msg.conn)) {
          // A NOTICE is never answered automatically, a refusal included (IRC); nor is a TAGMSG, which has no text to lose.
          if ((msg.t === 'say' && msg.notice) || msg.t === 'tagmsg') return;
          return this.out.deliver(only(msg.conn), -1, { k: 'notice', notice: { code: 'cannotSpeak', room: this.name } });
        }
        if (msg.t === 'tagmsg') return this.out.deliver(this.all(), msg.conn, { k: 'tagged', room: this.name, ...this.stamps.next(), nick, tags: msg.tags });
        // An outsider is among the recipients as the sender (`except`): it sees its line only if its edge echoes.
        const to = outside ? Int32Array.of(...this.all(), msg.conn) : this.all();
        const tags = msg.tags ? { tags: msg.tags } : {};
        if (msg.t === 'act') return this.out.deliver(to, msg.conn, { k: 'acted', room: this.name, ...this.stamps.next(), nick, text: msg.text, ...tags });
        const notice = msg.notice ? { notice: true } : {};
        return this.out.deliver(to, msg.conn, { k: 'said', room: this.name, ...this.stamps.next(), nick, text: msg.text, ...notice, ...tags });
      }
      case 'who': {
        // IRC NAMES asks about rooms one is not in (telnet asks only its own): from outside, a
        // secret room shows nobody and other rooms leave their invisible members out.
        const inside = this.members.has(msg.conn);
        if (msg.ifMember && !inside) return this.settle(msg.conn);
        const secret = this.state.modes.secret;
        const shown = inside || (!secret && this.invisible.size === 0) ? null : [...this.members.keys()].map((c) => !secret && !this.invisible.has(c));
        const pick = <T>(list: T[]): T[] => (shown === null ? list : list.filter((_, i) => shown[i]));
        const marks = this.state.ops.length + this.state.voiced.length > 0 ? { marks: pick(this.marks()) } : {};
        this.out.deliver(only(msg.conn), -1, { k: 'members', room: this.name, nicks: pick(this.nicks()), ...marks, ...(secret ? { secret } : {}) });
        return this.settle(msg.conn);
      }
      case 'invisible':
        if (!this.members.has(msg.conn)) return;
        if (msg.on) this.invisible.add(msg.conn);
        else this.invisible.delete(msg.conn);
        return;
      case 'away': {
        const nick = this.members.get(msg.conn);
        if (nick === undefined) return;
        const text = msg.text !== undefined ? { text: msg.text } : {};
        return this.out.deliver(this.all(), msg.conn, { k: 'awayChanged', room: this.name, nick, ...text, once: awayOnce(msg.conn, msg.text) });
      }
      case 'setname': {
        const nick = this.members.get(msg.conn);
        if (nick === undefined) return;
        return this.out.deliver(this.all(), -1, { k: 'realnameChanged', room: this.name, nick, real: msg.real, once: msg.once });
      }
      case 'topic':
        return this.setOrTell(msg.conn, msg.text, msg.oper);
      case 'mode':
        return this.mode(msg.conn, msg.changes, msg.oper);
      case 'kick':
        return this.kick(msg.conn, msg.nick, msg.reason, msg.oper);
      case 'invite':
        return this.invite(msg.conn, msg.nick, msg.oper);
      case 'admit': {
        const key = nickKey(msg.nick);
        if (this.state.invited.includes(key)) return;
        this.state.invited.push(key);
        if (this.state.invited.length > 100) this.state.invited.shift(); // bounded: old invitations lapse
        return this.announceState();
      }
      case 'part':
        this.leave(msg.conn, 'part', msg.reason);
        return this.settle(msg.conn);
      case 'move':
        if (!this.members.has(msg.conn)) return this.settle(msg.conn);
        return this.leave(msg.conn, 'moved', undefined, msg); // the new room settles once it has the member
      case 'renamed':
        return this.renamed(msg.conn, msg.from, msg.nick, msg.settle);
      case 'leave':
        return this.leave(msg.conn, 'quit', msg.reason);
      case 'history':
        return this.settle(msg.conn); // the gateway answers from the history it keeps (gateway/history.ts)
    }
  }

  private all(): Int32Array {
    return this.list.view();
  }

  private add(conn: ConnId, nick: string): void {
    this.members.set(conn, nick);
    this.list.add(conn);
  }

  private join(msg: Extract<RoomMsg, { t: 'join' }>): void {
    const { conn, nick } = msg;
    if (this.members.has(conn)) return this.settle(conn); // a retry after a crash, or a join twice
    const fresh = this.members.size === 0 && this.name !== LOBBY;
    if (fresh) {
      // The room did not exist: made anew. A secret room that emptied is public again, for the directory too.
      if (this.state.modes.secret) this.out.send({ to: 'directory', msg: { t: 'secret', conn, room: this.name, on: false } });
      this.state = freshState(this.name, this.out.now());
    }
    const refusal = msg.oper ? null : msg.back ? (isBanned(this.state.bans, nick) ? 'banned' : null) : this.refusal(nick, msg.key);
    if (refusal !== null) {
      this.out.deliver(only(conn), -1, { k: 'notice', notice: { code: 'joinRefused', room: this.name, why: refusal } });
      // A refused move goes back to the room it came from (which settles), so the user is not left in none.
      if (msg.moved && msg.from !== undefined && !msg.back) return this.out.send({ to: roomAddress(msg.from), msg: { t: 'join', conn, nick, moved: true, back: true } });
      return this.settle(conn);
    }
    this.add(conn, nick);
    const key = nickKey(nick);
    const invited = this.state.invited.indexOf(key);
    if (invited >= 0) this.state.invited.splice(invited, 1);
    if (fresh) this.state.ops.push(conn); // the first to join a new room runs it
    if (isBanned(this.state.bans, nick)) this.gagged.add(conn); // a server operator, let in past the ban
    this.out.effect({ t: 'placed', conn, room: this.name, present: true });
    this.out.send({ to: 'directory', msg: { t: 'located', conn, room: this.name, present: true } });
    if (fresh) this.out.send({ to: 'directory', msg: { t: 'status', conn, room: this.name, mark: '@' } });
    if (fresh || invited >= 0) this.announceState();
    this.out.deliver(this.all(), -1, { k: 'joined', room: this.name, ...this.stamps.next(), nick });
    if (msg.moved) this.out.deliver(only(conn), -1, { k: 'roomSize', room: this.name, count: this.members.size });
    if (this.topic) this.out.deliver(only(conn), -1, { k: 'topic', room: this.name, ...this.topic });
    this.settle(conn);
  }

  private refusal(nick: string, key: string | undefined) {
    return joinRefusal(this.state, nick, key, this.members.size, this.state.invited.includes(nickKey(nick)));
  }

  /** The member leaves this room: gone from the chat (quit), out of it (part), or moving to `to`. */
  private leave(conn: ConnId, how: LeaveHow, reason?: string, move?: Extract<RoomMsg, { t: 'move' }>): void {
    const nick = this.members.get(conn);
    if (nick === undefined) return;
    this.forget(conn);
    if (how === 'quit') this.list.bury(conn);
    else this.list.remove(conn);
    this.out.effect({ t: 'placed', conn, room: this.name, present: false });
    // `except`: a quitter is still listed, and its connection may still be open.
    if (this.members.size > 0 || how === 'part') {
      const once = how === 'quit' ? { once: `q${conn}` } : {};
      const event = { k: 'left', room: this.name, ...this.stamps.next(), nick, how, ...(reason ? { reason } : {}), ...once } as const;
      this.out.deliver(how === 'part' ? Int32Array.of(...this.all(), conn) : this.all(), how === 'part' ? -1 : conn, event);
    }
    if (how !== 'quit') this.out.send({ to: 'directory', msg: { t: 'located', conn, room: this.name, present: false } });
    if (move !== undefined) {
      const extra = { ...(move.key !== undefined ? { key: move.key } : {}), ...(move.oper !== undefined ? { oper: move.oper } : {}) };
      this.out.send({ to: roomAddress(move.to), msg: { t: 'join', conn, nick, moved: true, from: this.name, ...extra } });
    }
  }

  /** Out of the members, the list's bookkeeping aside: its status goes with it. */
  private forget(conn: ConnId): void {
    this.members.delete(conn);
    this.gagged.delete(conn);
    this.invisible.delete(conn);
    const op = this.state.ops.indexOf(conn);
    const voice = this.state.voiced.indexOf(conn);
    if (op >= 0) this.state.ops.splice(op, 1);
    if (voice >= 0) this.state.voiced.splice(voice, 1);
    if ((op >= 0 || voice >= 0) && this.members.size > 0) this.announceState();
  }

  private renamed(conn: ConnId, from: string, nick: string, settle: boolean): void {
    if (this.members.has(conn)) {
      this.members.set(conn, nick);
      if (isBanned(this.state.bans, nick)) this.gagged.add(conn);
      else this.gagged.delete(conn);
      this.out.deliver(this.all(), -1, { k: 'renamed', room: this.name, ...this.stamps.next(), from, nick, once: `r${conn}|${nick}` });
    }
    if (settle) this.settle(conn);
  }

  private setOrTell(conn: ConnId, text: string | undefined, oper: string | undefined): void {
    const nick = this.members.get(conn);
    if (text === undefined) {
      if (nick === undefined) return this.refuse(conn, { code: 'notInRoom', room: this.name });
      const event = this.topic ? ({ k: 'topic', room: this.name, ...this.topic } as const) : ({ k: 'noTopic', room: this.name } as const);
      this.out.deliver(only(conn), -1, event);
      return this.settle(conn);
    }
    if (nick === undefined) return this.refuse(conn, { code: 'notInRoom', room: this.name });
    if (this.state.modes.topicLock && oper === undefined && !this.isOp(conn)) return this.refuse(conn, { code: 'notOperator', room: this.name });
    const stamp = this.stamps.next();
    // An empty topic (IRC `TOPIC #c :`) unsets it: announced as set to '', then there is none.
    this.topic = text === '' ? null : { text, by: nick, at: stamp.at };
    this.out.deliver(this.all(), -1, { k: 'topicSet', room: this.name, ...stamp, nick, text });
    this.settle(conn);
  }

  private mode(conn: ConnId, changes: readonly ModeChange[], oper: string | undefined): void {
    const nick = this.members.get(conn) ?? oper;
    if (changes.length === 0) {
      this.out.deliver(only(conn), -1, { k: 'modes', room: this.name, modes: { ...this.state.modes }, created: this.state.created, member: nick !== undefined });
      return this.settle(conn);
    }
    if (changes.length === 1 && changes[0]!.mode === 'b' && changes[0]!.arg === undefined) {
      this.out.deliver(only(conn), -1, { k: 'bans', room: this.name, bans: this.state.bans.map((b) => ({ ...b })) });
      return this.settle(conn);
    }
    if (nick === undefined) return this.refuse(conn, { code: 'notInRoom', room: this.name });
    if (oper === undefined && !this.isOp(conn)) return this.refuse(conn, { code: 'notOperator', room: this.name });
    const named = (target: string): { conn: ConnId; nick: string } | null => {
      const found = this.memberNamed(target);
      return found === null ? null : { conn: found, nick: this.members.get(found)! };
    };
    const result = applyModes(this.state, changes, named, this.out.now(), nick);
    const refusals = result.refusals.map((r) => r(this.name));
    const byDirectory = refusals.filter((n) => n.code === 'notMember');
    for (const n of refusals) if (n.code !== 'notMember') this.out.deliver(only(conn), -1, { k: 'notice', notice: n });
    if (result.applied.length > 0) {
      for (const member of new Set(result.members)) this.out.send({ to: 'directory', msg: { t: 'status', conn: member, room: this.name, mark: this.markOf(member) } });
      if (result.bansChanged) this.regag();
      const secret = result.applied.find((c) => c.mode === 's');
      if (secret) this.out.send({ to: 'directory', msg: { t: 'secret', conn, room: this.name, on: secret.set } });
      this.announceState();
      this.out.deliver(this.all(), -1, { k: 'modeChanged', room: this.name, ...this.stamps.next(), nick, changes: result.applied });
    }
    if (byDirectory.length === 0) return this.settle(conn);
    byDirectory.forEach((n, i) => this.askDirectory(conn, n, i === byDirectory.length - 1));
  }

  private kick(conn: ConnId, target: string, reason: string | undefined, oper: string | undefined): void {
    const by = this.members.get(conn) ?? oper;
    if (by === undefined) return this.refuse(conn, { code: 'notInRoom', room: this.name });
    if (oper === undefined && !this.isOp(conn)) return this.refuse(conn, { code: 'notOperator', room: this.name });
    const victim = this.memberNamed(target);
    if (victim === null) return this.askDirectory(conn, { code: 'notMember', room: this.name, nick: target }, true);
    const nick = this.members.get(victim)!;
    const why = reason ? { reason } : {};
    // Everyone in the room hears it, the kicked member too, before it is out.
    this.out.deliver(this.all(), -1, { k: 'kicked', room: this.name, ...this.stamps.next(), by, nick, ...why });
    this.out.deliver(only(victim), -1, { k: 'notice', notice: { code: 'kicked', room: this.name, by, ...why } });
    this.forget(victim);
    this.list.remove(victim);
    this.out.effect({ t: 'placed', conn: victim, room: this.name, present: false });
    this.out.send({ to: 'directory', msg: { t: 'located', conn: victim, room: this.name, present: false } });
    this.settle(conn);
  }

  private invite(conn: ConnId, target: string, oper: string | undefined): void {
    const by = this.members.get(conn) ?? oper;
    if (by === undefined) return this.refuse(conn, { code: 'notInRoom', room: this.name });
    if (this.state.modes.inviteOnly && oper === undefined && !this.isOp(conn)) return this.refuse(conn, { code: 'notOperator', room: this.name });
    const already = this.memberNamed(target);
    if (already !== null) return this.refuse(conn, { code: 'alreadyMember', room: this.name, nick: this.members.get(already)! });
    // The directory knows whether and where the invitee is: it has this room record the
    // invitation (admit), tells the invitee and the inviter, and settles.
    this.out.send({ to: 'directory', msg: { t: 'invite', conn, room: this.name, by, nick: target } });
  }

  private maySpeak(conn: ConnId): boolean {
    if (this.gagged.has(conn) && !this.isOp(conn) && !this.state.voiced.includes(conn)) return false;
    return !this.state.modes.moderated || this.isOp(conn) || this.state.voiced.includes(conn);
  }

  /** Under -n, whoever is not in the room speaks unless banned or the room is moderated (no voice from outside). */
  private mayOutsiderSpeak(nick: string): boolean {
    return !this.state.modes.moderated && !isBanned(this.state.bans, nick);
  }

  private isOp(conn: ConnId): boolean {
    return this.state.ops.includes(conn);
  }

  /** The member with nickname `nick` (folded as names are), or null. */
  private memberNamed(nick: string): ConnId | null {
    const key = nickKey(nick);
    for (const [conn, name] of this.members) if (name === nick || nickKey(name) === key) return conn;
    return null;
  }

  private markOf(conn: ConnId): string {
    return (this.isOp(conn) ? '@' : '') + (this.state.voiced.includes(conn) ? '+' : '');
  }

  /** Each member's status, in the order of nicks(). */
  marks(): string[] {
    return [...this.members.keys()].map((conn) => this.markOf(conn));
  }

  private regag(): void {
    this.gagged.clear();
    if (this.state.bans.length === 0) return;
    for (const [conn, nick] of this.members) if (isBanned(this.state.bans, nick)) this.gagged.add(conn);
  }

  private announceState(): void {
    const s = this.state;
    this.out.effect({ t: 'roomState', room: this.name, state: { modes: { ...s.modes }, bans: s.bans.map((b) => ({ ...b })), ops: [...s.ops], voiced: [...s.voiced], invited: [...s.invited], created: s.created } });
  }

  /** A name not in the room: the directory, which knows whether it exists at all, answers (and settles, if `settle`). */
  private askDirectory(conn: ConnId, notice: Extract<Notice, { code: 'notMember' }>, settle: boolean): void {
    this.out.send({ to: 'directory', msg: { t: 'notHere', conn, room: this.name, nick: notice.nick, settle } });
  }

  private refuse(conn: ConnId, notice: Notice): void {
    this.out.deliver(only(conn), -1, { k: 'notice', notice });
    this.settle(conn);
  }

  private settle(conn: ConnId): void {
    this.out.effect({ t: 'settled', conn });
  }
}

/**
 * The `once` of a quit is `q<conn>` (a connection quits once; ids are never reused), of a rename
 * `r<conn>|NEWNICK`, of an away `a<conn>|` and its text (none: back): the same in every room
 * announcing it, and the user's next, different happening reads differently (see Once in
 * model/events.ts; an edge remembers the last one per user, the part before '|').
 */
const awayOnce = (conn: ConnId, text: string | undefined): string => `a${conn}|${text ?? ''}`;
