// What one node knows of the shared rooms, and what each logged event means for its own
// connections. Pure: events in, effects out (the same effects a local actor host returns),
// so the gateway cannot tell a cluster from a single process. Tested without Redis.

import { nickKey } from '../model/nicknames.js';
import * as texts from '../edges/telnet/texts.js';
import type { ConnId, Effect } from '../model/messages.js';
import { RecipientList } from '../actors/recipients.js';
import { before, idLess, localConn, type InboxEvent, type RoomEvent } from './events.js';

export interface Local {
  nick: string;
  key: string;
  room: string;
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

export class Replica {
  /** Rooms with at least one of this node's connections in them (or about to be). */
  readonly rooms = new Map<string, Followed>();
  /** This node's named connections, as the logs last said. */
  readonly locals = new Map<ConnId, Local>();
  effects: Effect[] = [];

  constructor(readonly node: string) {}

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
    if (followed.members.size === 0 && followed.expected === 0) this.rooms.delete(room);
  }

  /** Follows `room` from just after `pos`, expecting nothing (a restore). */
  followFrom(room: string, pos: string): void {
    if (!this.rooms.has(room)) this.rooms.set(room, { pos, members: new Map(), list: new RecipientList(), expected: 0 });
  }

  take(): Effect[] {
    const out = this.effects;
    this.effects = [];
    return out;
  }

  apply(roomName: string, id: string, e: RoomEvent): void {
    const room = this.rooms.get(roomName);
    // Not followed, or already applied (a room followed again must never replay its log).
    if (!room || room.pos === null || !idLess(room.pos, id)) return;
    room.pos = id;
    const conn = localConn(e.g, this.node);
    switch (e.t) {
      case 'join':
        if (conn >= 0) {
          room.members.set(conn, e.n);
          room.list.add(conn);
          this.locals.set(conn, { nick: e.n, key: nickKey(e.n), room: roomName });
          if (room.expected > 0) room.expected--;
        }
        this.deliver(this.all(room), -1, texts.joined(e.n, roomName));
        if (conn >= 0) {
          if (e.moved) this.deliver(Int32Array.of(conn), -1, texts.roomSize(e.size, roomName));
          // `named` here, not when the claim's script returns: the log is read on another Redis
          // connection, and the gateway must learn the name no later than the settle.
          else this.effects.push({ t: 'named', conn, nick: e.n });
          this.effects.push({ t: 'placed', conn, room: roomName }, { t: 'settled', conn });
        }
        return;
      case 'leave':
        if (conn >= 0 && e.reaped) {
          // Another node took this node for dead (it stalled) and announced our user's leave. The
          // user is still here: keep them, and let the heartbeat register them again (reassert).
          this.deliver(this.all(room), conn, texts.left(e.n, roomName, e.r));
          return;
        }
        const gone = conn >= 0 && e.to === undefined && this.locals.get(conn)?.room === roomName;
        if (conn >= 0 && room.members.delete(conn)) {
          if (gone) room.list.bury(conn);
          else room.list.remove(conn);
        }
        // `except`: a quitter stays listed, and its connection open until the close that follows.
        if (room.members.size > 0) this.deliver(this.all(room), conn, texts.left(e.n, roomName, e.r));
        if (gone) {
          this.locals.delete(conn);
          this.effects.push({ t: 'placed', conn, room: null }, { t: 'named', conn, nick: null });
          if (e.quit) this.effects.push({ t: 'close', conn }, { t: 'settled', conn });
        }
        if (room.members.size === 0 && room.expected === 0) this.rooms.delete(roomName);
        return;
      case 'msg':
        return this.deliver(this.all(room), conn, texts.message(e.n, e.x));
      case 'act':
        return this.deliver(this.all(room), conn, texts.action(e.n, e.x));
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
        this.deliver(this.all(room), -1, texts.renamed(e.o, e.n));
        if (conn >= 0) this.effects.push({ t: 'settled', conn });
        return;
    }
  }

  applyInbox(e: InboxEvent): void {
    const conn = localConn(e.to, this.node);
    if (conn >= 0 && this.locals.has(conn)) this.deliver(Int32Array.of(conn), -1, texts.privateFrom(e.f, e.x));
  }

  /** One of ours, back in `room` as Redis's own record says (the cluster Worker restarted). */
  restoreMember(roomName: string, conn: ConnId, nick: string): void {
    const room = this.rooms.get(roomName);
    if (!room) return;
    room.members.set(conn, nick);
    room.list.add(conn);
  }

  /** One of ours that the shared state no longer has, and that is closed next: out of every room. */
  drop(conn: ConnId): void {
    this.locals.delete(conn);
    for (const room of this.rooms.values()) if (room.members.delete(conn)) room.list.bury(conn);
  }

  /** Every named connection of this node, for notices about the cluster itself. */
  everyLocal(): Int32Array {
    return Int32Array.from(this.locals.keys());
  }

  deliver(to: Int32Array, except: ConnId, text: string): void {
    if (to.length > 0) this.effects.push({ t: 'deliver', to, except, text });
  }

  private all(room: Followed): Int32Array {
    return room.list.view();
  }
}
