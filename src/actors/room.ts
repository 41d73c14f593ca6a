// A room actor: the members of one room and every decision of who in it receives what. It
// hands its decisions to the Outbox as deliveries (recipients + event) and never touches a
// socket, so tests drive it as plain code.

import type { LeaveHow } from '../model/events.js';
import { roomAddress, type ConnId, type MemberRecord, type RoomMsg } from '../model/messages.js';
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

  constructor(
    readonly name: string,
    private readonly out: Outbox,
  ) {
    this.stamps = new Stamps(() => out.now());
  }

  get size(): number {
    return this.members.size;
  }

  nicks(): string[] {
    return [...this.members.values()];
  }

  restore(records: readonly MemberRecord[], topic: Topic | null = null): void {
    this.members.clear();
    this.list.clear();
    this.topic = topic;
    // In the order they joined this room, as before the crash (/who reads the same).
    const here: Array<{ conn: ConnId; nick: string; since: number }> = [];
    for (const r of records) {
      const at = r.rooms.indexOf(this.name);
      if (at >= 0) here.push({ conn: r.conn, nick: r.nick, since: r.since[at] ?? 0 });
    }
    here.sort((a, b) => a.since - b.since);
    for (const m of here) this.add(m.conn, m.nick);
  }

  receive(msg: RoomMsg): void {
    switch (msg.t) {
      case 'join':
        return this.join(msg.conn, msg.nick, msg.moved === true);
      case 'say':
      case 'act': {
        const nick = this.members.get(msg.conn);
        if (nick === undefined) return;
        if (msg.t === 'act') return this.out.deliver(this.all(), msg.conn, { k: 'acted', room: this.name, ...this.stamps.next(), nick, text: msg.text });
        const notice = msg.notice ? { notice: true } : {};
        return this.out.deliver(this.all(), msg.conn, { k: 'said', room: this.name, ...this.stamps.next(), nick, text: msg.text, ...notice });
      }
      case 'who':
        // Rooms are public: IRC NAMES asks about rooms one is not in (telnet asks only its own).
        this.out.deliver(only(msg.conn), -1, { k: 'members', room: this.name, nicks: this.nicks() });
        return this.settle(msg.conn);
      case 'away': {
        const nick = this.members.get(msg.conn);
        if (nick === undefined) return;
        const text = msg.text !== undefined ? { text: msg.text } : {};
        return this.out.deliver(this.all(), msg.conn, { k: 'awayChanged', room: this.name, nick, ...text, once: awayOnce(msg.conn, msg.text) });
      }
      case 'topic':
        return this.setOrTell(msg.conn, msg.text);
      case 'part':
        this.leave(msg.conn, 'part', msg.reason);
        return this.settle(msg.conn);
      case 'move':
        if (!this.members.has(msg.conn)) return this.settle(msg.conn);
        return this.leave(msg.conn, 'moved', undefined, msg.to); // the new room settles once it has the member
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

  private join(conn: ConnId, nick: string, moved: boolean): void {
    if (this.members.has(conn)) return this.settle(conn); // a retry after a crash, or a join twice
    this.add(conn, nick);
    this.out.effect({ t: 'placed', conn, room: this.name, present: true });
    this.out.send({ to: 'directory', msg: { t: 'located', conn, room: this.name, present: true } });
    this.out.deliver(this.all(), -1, { k: 'joined', room: this.name, ...this.stamps.next(), nick });
    if (moved) this.out.deliver(only(conn), -1, { k: 'roomSize', room: this.name, count: this.members.size });
    if (this.topic) this.out.deliver(only(conn), -1, { k: 'topic', room: this.name, ...this.topic });
    this.settle(conn);
  }

  /** The member leaves this room: gone from the chat (quit), out of it (part), or moving to `to`. */
  private leave(conn: ConnId, how: LeaveHow, reason?: string, to?: string): void {
    const nick = this.members.get(conn);
    if (nick === undefined) return;
    this.members.delete(conn);
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
    if (to !== undefined) this.out.send({ to: roomAddress(to), msg: { t: 'join', conn, nick, moved: true } });
  }

  private renamed(conn: ConnId, from: string, nick: string, settle: boolean): void {
    if (this.members.has(conn)) {
      this.members.set(conn, nick);
      this.out.deliver(this.all(), -1, { k: 'renamed', room: this.name, ...this.stamps.next(), from, nick, once: `r${conn}|${nick}` });
    }
    if (settle) this.settle(conn);
  }

  private setOrTell(conn: ConnId, text: string | undefined): void {
    const nick = this.members.get(conn);
    if (text === undefined) {
      if (nick !== undefined) {
        const event = this.topic ? ({ k: 'topic', room: this.name, ...this.topic } as const) : ({ k: 'noTopic', room: this.name } as const);
        this.out.deliver(only(conn), -1, event);
      }
      return this.settle(conn);
    }
    if (nick === undefined) return this.settle(conn);
    const stamp = this.stamps.next();
    this.topic = { text, by: nick, at: stamp.at };
    this.out.deliver(this.all(), -1, { k: 'topicSet', room: this.name, ...stamp, nick, text });
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
