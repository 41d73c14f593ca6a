// What the gateway knows of each named connection, learned only from the actors' effects
// (`named`, `placed`). The gateway routes by it (which actor gets a connection's next
// line) and restores a restarted actor host from it; it never decides anything itself.

import type { ConnId, MemberRecord } from '../model/messages.js';

interface Known {
  nick: string | null;
  room: string | null;
}

export class MemberMirror {
  private readonly known = new Map<ConnId, Known>();

  get(conn: ConnId): Readonly<Known> | undefined {
    return this.known.get(conn);
  }

  setNick(conn: ConnId, nick: string | null): void {
    this.update(conn, (k) => (k.nick = nick));
  }

  setRoom(conn: ConnId, room: string | null): void {
    this.update(conn, (k) => (k.room = room));
  }

  /** Every named connection, for restoring actor state after a crash. */
  snapshot(): MemberRecord[] {
    const out: MemberRecord[] = [];
    for (const [conn, k] of this.known) if (k.nick !== null) out.push({ conn, nick: k.nick, room: k.room });
    return out;
  }

  private update(conn: ConnId, change: (k: Known) => void): void {
    let k = this.known.get(conn);
    if (!k) {
      k = { nick: null, room: null };
      this.known.set(conn, k);
    }
    change(k);
    if (k.nick === null && k.room === null) this.known.delete(conn);
  }
}
