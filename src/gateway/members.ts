// What the gateway knows of each named connection, learned only from the actors' effects
// (`named`, `placed`, and the topics rooms announce). The gateway routes by it (which actor
// gets a connection's next intent) and restores a restarted actor host from it; it never
// decides anything itself.

import type { ConnId } from '../model/messages.js';
import type { Snapshot } from '../runtime/host.js';
import type { Topic } from '../actors/room.js';
import type { RoomState } from '../model/moderation.js';

interface Known {
  nick: string | null;
  /** The name it had, kept while its rooms still list it after the directory released it. */
  last: string;
  /** In the order joined. */
  rooms: string[];
  /** When it joined each of them (see MemberRecord.since). */
  since: number[];
}

const NOWHERE: readonly string[] = [];

export class MemberMirror {
  private readonly known = new Map<ConnId, Known>();
  /** Local members per room, so a room's topic is forgotten when the last of them leaves. */
  private readonly counts = new Map<string, number>();
  private readonly topics = new Map<string, Topic>();
  private readonly states = new Map<string, RoomState>();
  private joins = 0;

  get(conn: ConnId): Readonly<Known> | undefined {
    return this.known.get(conn);
  }

  nickOf(conn: ConnId): string | null {
    return this.known.get(conn)?.nick ?? null;
  }

  roomsOf(conn: ConnId): readonly string[] {
    return this.known.get(conn)?.rooms ?? NOWHERE;
  }

  setNick(conn: ConnId, nick: string | null): void {
    this.update(conn, (k) => {
      k.nick = nick;
      if (nick !== null) k.last = nick;
    });
  }

  place(conn: ConnId, room: string, present: boolean): void {
    this.update(conn, (k) => {
      const at = k.rooms.indexOf(room);
      if (present === at >= 0) return;
      if (present) {
        k.rooms.push(room);
        k.since.push(++this.joins);
      } else {
        k.rooms.splice(at, 1);
        k.since.splice(at, 1);
      }
      const n = (this.counts.get(room) ?? 0) + (present ? 1 : -1);
      if (n > 0) this.counts.set(room, n);
      else {
        this.counts.delete(room);
        this.topics.delete(room);
        this.states.delete(room);
      }
    });
  }

  setTopic(room: string, topic: Topic): void {
    if (topic.text === '') this.topics.delete(room); // unset (see RoomActor.setOrTell)
    else if (this.counts.has(room)) this.topics.set(room, topic);
  }

  /** Rooms with at least one member here (for stats). */
  get rooms(): number {
    return this.counts.size;
  }

  /** A room's moderation as it last announced it (it comes before the join that makes a room, so kept whatever the count). */
  setState(room: string, state: RoomState): void {
    this.states.set(room, state);
  }

  /** Named connections (for stats). */
  get named(): number {
    let n = 0;
    for (const k of this.known.values()) if (k.nick !== null) n++;
    return n;
  }

  /** Every named connection (and any its rooms still list), and the topics of their rooms, for restoring actor state after a crash. */
  snapshot(): Snapshot {
    const members: Snapshot['members'] = [];
    for (const [conn, k] of this.known) {
      if (k.nick !== null) members.push({ conn, nick: k.nick, rooms: [...k.rooms], since: [...k.since] });
      else if (k.rooms.length > 0) members.push({ conn, nick: k.last, rooms: [...k.rooms], since: [...k.since], released: true });
    }
    for (const room of this.states.keys()) if (!this.counts.has(room)) this.states.delete(room); // announced by a room nobody stayed in
    return { members, topics: [...this.topics], states: [...this.states] };
  }

  private update(conn: ConnId, change: (k: Known) => void): void {
    let k = this.known.get(conn);
    if (!k) {
      k = { nick: null, last: '', rooms: [], since: [] };
      this.known.set(conn, k);
    }
    change(k);
    if (k.nick === null && k.rooms.length === 0) this.known.delete(conn);
  }
}
