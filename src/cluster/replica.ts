// What one node knows of the shared rooms, and what each logged event means for its own
// connections. Pure: log entries in, effects out (the same effects and events a local actor
// host returns), so the gateway cannot tell a cluster from a single process. Tested without Redis.

import { nickKey } from '../model/nicknames.js';
import type { ChatEvent, ClientTags, LeaveHow, Notice } from '../model/events.js';
import type { ConnId, Effect } from '../model/messages.js';
import { RecipientList } from '../actors/recipients.js';
import { before, idLess, idTime, localConn, tagsOf, type InboxEvent, type LogEvent } from './events.js';

export interface Local {
  nick: string;
  key: string;
  /** The rooms it is in, in the order joined. */
  rooms: string[];
}

interface Followed {
  /** The id of the last event applied: reading resumes after it. Null until the first expected join's id is known. */
  pos: string | null;
  /** This node's connections in the room. */
  members: Map<ConnId, string>;
  /** Who of them broadcasts go to (and maybe some closed for good). */
  list: RecipientList;
  /** Joins of this node's connections written to the log but not read yet: the room stays followed. */
  expected: number;
}

const howOf = (e: Extract<LogEvent, { t: 'leave' }>): LeaveHow => (e.reaped ? 'lost' : e.to !== undefined ? 'moved' : e.part ? 'part' : 'quit');

export class Replica {
  /** Rooms with at least one of this node's connections in them (or about to be). */
  readonly rooms = new Map<string, Followed>();
  /** This node's named connections, as the logs last said. */
  readonly locals = new Map<ConnId, Local>();
  effects: Effect[] = [];
  /**
   * Entries the scripts wrote for this node's connections and the reader has not read yet, per
   * room and id: what they mean for those connections (a settle, a name, a room) must not be
   * lost with them if the log is trimmed before they are read (see apply).
   */
  private readonly ours = new Map<string, Map<string, LogEvent>>();
  /** Rooms whose users must hear that lines were missed, at the next take(). */
  private readonly missedIn = new Set<string>();

  constructor(readonly node: string) {}

  /**
   * A script wrote `e` at `id` in `room` for one of ours. Kept until read, if the reader has not
   * read past it yet (the log is read on another connection, so it may have).
   */
  wrote(room: string, id: string, e: LogEvent): void {
    const followed = this.rooms.get(room);
    if (!followed || followed.pos === null || !idLess(followed.pos, id)) return;
    let mine = this.ours.get(room);
    if (!mine) this.ours.set(room, (mine = new Map()));
    mine.set(id, e);
  }

  /** The store lost its logs (a reset): what was written there for us will not be read, nor missed. */
  forgetWritten(): void {
    this.ours.clear();
  }

  /** Lines of `room` were trimmed before this node read them (the reader saw it): its users are told. */
  trimmed(room: string): void {
    if (this.rooms.has(room)) this.missedIn.add(room);
  }

  /**
   * A join of ours into `room` is about to be written. Called before the script is sent: the log
   * is read on another connection, so the join may be read before the script's answer arrives.
   * Until it is read the room stays followed, even if its last local member leaves meanwhile.
   */
  expect(room: string): void {
    const followed = this.rooms.get(room);
    if (followed) followed.expected++;
    else this.rooms.set(room, { pos: null, members: new Map(), list: new RecipientList(), expected: 1 });
  }

  /**
   * The script answered: the join is at `id`. A room followed only for this join starts reading
   * just before it; true when the reader must be told about a new room.
   */
  written(room: string, id: string): boolean {
    const followed = this.rooms.get(room);
    if (!followed || followed.pos !== null) return false;
    followed.pos = before(id);
    return true;
  }

  /** The expected join will not come (the name was taken, the script failed). */
  unexpect(room: string): void {
    const followed = this.rooms.get(room);
    if (!followed) return;
    if (followed.expected > 0) followed.expected--;
    if (followed.members.size === 0 && followed.expected === 0) this.unfollow(room);
  }

  /** Follows `room` from just after `pos`, expecting nothing (a restore). */
  followFrom(room: string, pos: string): void {
    if (!this.rooms.has(room)) this.rooms.set(room, { pos, members: new Map(), list: new RecipientList(), expected: 0 });
  }

  take(): Effect[] {
    for (const name of this.missedIn) {
      const room = this.rooms.get(name);
      if (room) this.notify(Int32Array.from(room.members.keys()), { code: 'missed', room: name });
    }
    this.missedIn.clear();
    const out = this.effects;
    this.effects = [];
    return out;
  }

  apply(roomName: string, id: string, e: LogEvent): void {
    const room = this.rooms.get(roomName);
    // Not followed, or already applied (a room followed again must never replay its log).
    if (!room || room.pos === null || !idLess(room.pos, id)) return;
    const mine = this.ours.get(roomName);
    if (mine) {
      // Entries of ours before this one that the read did not bring were trimmed unread: what
      // they meant for our connections happens now, as if read (a join settles its joiner, a
      // quit takes the quitter out of the room), and the room's users hear lines were missed.
      const skipped = [...mine.keys()].filter((other) => idLess(other, id)).sort((a, b) => (idLess(a, b) ? -1 : 1));
      for (const other of skipped) {
        const lost = mine.get(other)!;
        mine.delete(other);
        if (!idLess(room.pos, other)) continue;
        this.missedIn.add(roomName);
        this.applyOne(roomName, room, other, lost);
      }
      mine.delete(id);
      if (mine.size === 0) this.ours.delete(roomName);
    }
    if (this.rooms.get(roomName) === room) this.applyOne(roomName, room, id, e);
  }

  private applyOne(roomName: string, room: Followed, id: string, e: LogEvent): void {
    room.pos = id;
    const conn = localConn(e.g, this.node);
    const stamp = { room: roomName, id, at: idTime(id) };
    switch (e.t) {
      case 'join':
        if (conn >= 0) {
          room.members.set(conn, e.n);
          room.list.add(conn);
          const local = this.locals.get(conn);
          if (local) {
            if (!local.rooms.includes(roomName)) local.rooms.push(roomName);
          } else this.locals.set(conn, { nick: e.n, key: nickKey(e.n), rooms: [roomName] });
          if (room.expected > 0) room.expected--;
        }
        this.deliver(this.all(room), -1, { k: 'joined', ...stamp, nick: e.n });
        if (conn >= 0) {
          const me = Int32Array.of(conn);
          // A join rebuilt after a trim (see wrote) does not know the room's size: -1.
          if (e.moved && e.size >= 0) this.deliver(me, -1, { k: 'roomSize', room: roomName, count: e.size });
          if (e.tp) this.deliver(me, -1, { k: 'topic', room: roomName, text: e.tp.x, by: e.tp.n, at: e.tp.at });
          // `named` here, not when the claim's script returns: the log is read on another Redis
          // connection, and the gateway must learn the name no later than the settle.
          if (e.claim) this.effects.push({ t: 'named', conn, nick: e.n });
          this.effects.push({ t: 'placed', conn, room: roomName, present: true });
          if (!e.again) this.effects.push({ t: 'settled', conn });
        }
        return;
      case 'leave': {
        const how = howOf(e);
        // `once`: the same user's quit (or loss) is logged in each of its rooms: one happening (see Once).
        const once = how === 'quit' || how === 'lost' ? { once: `q${e.g}` } : {};
        const event: ChatEvent = { k: 'left', ...stamp, nick: e.n, how, ...(e.r ? { reason: e.r } : {}), ...once };
        if (conn >= 0 && e.reaped) {
          // Another node took this node for dead (it stalled) and announced our user's leave. The
          // user is still here: keep them, and let the heartbeat register them again (reassert).
          this.deliver(this.all(room), conn, event);
          return;
        }
        const mine = conn >= 0 && room.members.delete(conn);
        if (mine) {
          if (how === 'quit') room.list.bury(conn);
          else room.list.remove(conn);
          const local = this.locals.get(conn);
          if (local) local.rooms = local.rooms.filter((r) => r !== roomName);
          this.effects.push({ t: 'placed', conn, room: roomName, present: false });
        }
        // `except`: a quitter stays listed, and its connection may still be open.
        if (how === 'part' && mine) this.deliver(Int32Array.of(...this.all(room), conn), -1, event);
        else if (room.members.size > 0) this.deliver(this.all(room), conn, event);
        if (mine && how === 'part') this.effects.push({ t: 'settled', conn });
        if (room.members.size === 0 && room.expected === 0) this.unfollow(roomName);
        return;
      }
      case 'msg':
        return this.deliver(this.all(room), conn, { k: 'said', ...stamp, nick: e.n, text: e.x, ...(e.no ? { notice: true } : {}), ...(e.tg ? { tags: e.tg } : {}) });
      case 'tag':
        return this.deliver(this.all(room), conn, { k: 'tagged', ...stamp, nick: e.n, tags: e.tg });
      case 'away':
        return this.deliver(this.all(room), conn, { k: 'awayChanged', room: roomName, nick: e.n, ...(e.x !== undefined ? { text: e.x } : {}), once: `a${e.g}|${e.x ?? ''}` });
      case 'real':
        // The member itself too: SETNAME is shown back to its sender.
        return this.deliver(this.all(room), -1, { k: 'realnameChanged', room: roomName, nick: e.n, real: e.x, once: `s${e.g}|${e.o}` });
      case 'act':
        return this.deliver(this.all(room), conn, { k: 'acted', ...stamp, nick: e.n, text: e.x, ...(e.tg ? { tags: e.tg } : {}) });
      case 'topic':
        this.deliver(this.all(room), -1, { k: 'topicSet', ...stamp, nick: e.n, text: e.x });
        if (conn >= 0) this.effects.push({ t: 'settled', conn }); // setting a topic is a barrier
        return;
      case 'ren':
        if (conn >= 0) {
          room.members.set(conn, e.n);
          const local = this.locals.get(conn);
          if (local) {
            local.nick = e.n;
            local.key = nickKey(e.n);
          }
          this.effects.push({ t: 'named', conn, nick: e.n });
        }
        this.deliver(this.all(room), -1, { k: 'renamed', ...stamp, from: e.o, nick: e.n, once: `r${e.g}|${e.n}` });
        if (conn >= 0 && e.s) this.effects.push({ t: 'settled', conn });
        return;
      case 'mode':
        this.deliver(this.all(room), -1, { k: 'modeChanged', ...stamp, nick: e.n, changes: e.c });
        if (conn >= 0 && e.s) this.effects.push({ t: 'settled', conn }); // a mode change is a barrier
        return;
      case 'kick':
        return this.kicked(roomName, room, conn, e, stamp);
    }
  }

  /** Everyone in the room hears it, the kicked member too; then that member is out (on its node). */
  private kicked(roomName: string, room: Followed, conn: ConnId, e: Extract<LogEvent, { t: 'kick' }>, stamp: { room: string; id: string; at: number }): void {
    const why = e.r ? { reason: e.r } : {};
    this.deliver(this.all(room), -1, { k: 'kicked', ...stamp, by: e.by, nick: e.n, ...why });
    if (conn >= 0 && room.members.delete(conn)) {
      this.deliver(Int32Array.of(conn), -1, { k: 'notice', notice: { code: 'kicked', room: roomName, by: e.by, ...why } });
      room.list.remove(conn);
      const local = this.locals.get(conn);
      if (local) local.rooms = local.rooms.filter((r) => r !== roomName);
      this.effects.push({ t: 'placed', conn, room: roomName, present: false });
    }
    const kicker = e.s ? localConn(e.k, this.node) : -1;
    if (kicker >= 0) this.effects.push({ t: 'settled', conn: kicker });
    if (room.members.size === 0 && room.expected === 0) this.unfollow(roomName);
  }

  applyInbox(id: string, e: InboxEvent): void {
    const conn = localConn(e.to, this.node);
    const local = this.locals.get(conn);
    if (conn < 0 || !local) return;
    const me = Int32Array.of(conn);
    switch (e.t) {
      case 'priv':
        // Named by its history id when kept, so the live line and its history carry one msgid.
        return this.deliver(me, -1, { k: 'private', id: e.i ?? id, at: idTime(e.i ?? id), from: e.f, to: local.nick, text: e.x, ...(e.no ? { notice: true } : {}), ...tagsOf(e.tg) });
      case 'ptag': {
        const tags = tagsOf(e.tg).tags;
        return tags === undefined ? undefined : this.deliver(me, -1, { k: 'privateTagged', id, at: idTime(id), from: e.f, to: local.nick, tags });
      }
      case 'inv':
        return this.deliver(me, -1, { k: 'invited', room: e.r, by: e.by, nick: local.nick });
      case 'kill':
        // As the directory does in one process: told why, then closed; its rooms hear the reason as its quit.
        this.deliver(me, -1, { k: 'notice', notice: { code: 'killed', by: e.by, reason: e.r } });
        this.effects.push({ t: 'close', conn, reason: `Killed by ${e.by}: ${e.r}` });
        return;
    }
  }

  /** One of ours, back in `room` as Redis's own record says (the cluster Worker restarted). */
  restoreMember(roomName: string, conn: ConnId, nick: string): void {
    const room = this.rooms.get(roomName);
    if (!room) return;
    room.members.set(conn, nick);
    room.list.add(conn);
  }

  /** One of ours that the shared state no longer has: out of every room, and unnamed. */
  drop(conn: ConnId): void {
    const local = this.locals.get(conn);
    this.locals.delete(conn);
    for (const mine of this.ours.values()) for (const [id, e] of mine) if (localConn(e.g, this.node) === conn) mine.delete(id);
    for (const [name, room] of this.rooms) {
      if (!room.members.delete(conn)) continue;
      room.list.bury(conn);
      this.effects.push({ t: 'placed', conn, room: name, present: false });
    }
    if (local) this.effects.push({ t: 'named', conn, nick: null });
  }

  private unfollow(roomName: string): void {
    this.rooms.delete(roomName);
    this.ours.delete(roomName);
    this.missedIn.delete(roomName);
  }

  /** Every named connection of this node, for notices about the cluster itself. */
  everyLocal(): Int32Array {
    return Int32Array.from(this.locals.keys());
  }

  deliver(to: Int32Array, except: ConnId, event: ChatEvent): void {
    if (to.length > 0) this.effects.push({ t: 'deliver', to, except, event });
  }

  /** A notice to some of this node's users. */
  notify(to: Int32Array, notice: Notice): void {
    this.deliver(to, -1, { k: 'notice', notice });
  }

  /** The sender's copy of a private message the store handed on. */
  privateSent(conn: ConnId, to: string, text: string, more: { notice?: boolean; away?: string; id?: string; at?: number; tags?: ClientTags } = {}): void {
    this.deliver(Int32Array.of(conn), -1, { k: 'privateSent', to, text, ...more });
  }

  private all(room: Followed): Int32Array {
    return room.list.view();
  }
}
