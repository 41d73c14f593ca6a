// A room actor: the members of one room and every decision of who in it receives what.
// It hands its decisions to the Outbox as deliveries (recipients + text) and never
// touches a socket, so tests drive it as plain code.

import { interpret } from '../protocol/intents.js';
import * as texts from '../protocol/texts.js';
import { roomAddress, type ConnId, type MemberRecord, type RoomMsg } from '../protocol/messages.js';
import { only, type Outbox } from './outbox.js';

export class RoomActor {
  /** conn → nickname, in join order (so /who reads in the order people arrived). */
  private readonly members = new Map<ConnId, string>();
  /**
   * Member ids packed for a fast copy (swap-removed, so unordered), and each id's slot in it.
   * Broadcasts get views of `ids` rather than copies: structured clone copies an ArrayBuffer
   * once per message however many views of it a batch holds, so a batch of k lines, or of k
   * joins in a row, to n members costs one buffer of ids, not k × n. A view must never change
   * under its reader: appending past every view is safe, and any other write first moves `ids`
   * to a fresh buffer (see writable).
   */
  private ids = new Int32Array(16);
  private readonly slot = new Map<ConnId, number>();
  /** The view of every member handed out since membership last changed. */
  private everyone: Int32Array | null = null;
  /** Entries of `ids` some view handed out may show (0: none): writes below it need a fresh buffer. */
  private exposed = 0;

  constructor(
    readonly name: string,
    private readonly out: Outbox,
  ) {}

  get size(): number {
    return this.members.size;
  }

  nicks(): string[] {
    return [...this.members.values()];
  }

  restore(records: readonly MemberRecord[]): void {
    this.members.clear();
    this.slot.clear();
    this.ids = new Int32Array(16);
    this.exposed = 0;
    for (const r of records) if (r.room === this.name) this.add(r.conn, r.nick);
    this.everyone = null;
  }

  receive(msg: RoomMsg): void {
    switch (msg.t) {
      case 'join':
        return this.join(msg.conn, msg.nick, msg.moved === true);
      case 'line':
        return this.line(msg.conn, msg.text);
      case 'renamed':
        return this.renamed(msg.conn, msg.from, msg.nick);
      case 'leave':
        return this.leave(msg.conn);
    }
  }

  private all(): Int32Array {
    if (this.everyone === null) {
      this.everyone = new Int32Array(this.ids.buffer, 0, this.slot.size);
      this.exposed = Math.max(this.exposed, this.slot.size);
    }
    return this.everyone;
  }

  /**
   * `ids`, ready for a write at index `at` (`at` = size: an append). A fresh buffer is sized to
   * the members: structured clone sends a view's whole buffer, so one left large by a crowd that
   * has since gone would cost every later batch its full size. Only growth doubles; a copy made
   * so that a view stays as it was (a leave) is just large enough, since a crowd leaving one by
   * one makes one such copy per leave.
   */
  private writable(at: number): Int32Array {
    const n = this.slot.size;
    const full = at === n && n === this.ids.length;
    if (at < this.exposed || full) {
      const fresh = new Int32Array(Math.max(16, full ? 2 * n : n + 1));
      fresh.set(this.ids.subarray(0, n));
      this.ids = fresh;
      this.exposed = 0;
    }
    return this.ids;
  }

  private add(conn: ConnId, nick: string): void {
    this.members.set(conn, nick);
    this.everyone = null;
    if (this.slot.has(conn)) return;
    const n = this.slot.size;
    this.writable(n)[n] = conn;
    this.slot.set(conn, n);
  }

  private remove(conn: ConnId): void {
    this.members.delete(conn);
    this.everyone = null;
    const at = this.slot.get(conn);
    if (at === undefined) return;
    const last = this.slot.size - 1;
    const ids = this.writable(at);
    const moved = ids[last]!;
    ids[at] = moved;
    this.slot.set(moved, at);
    this.slot.delete(conn);
  }

  private join(conn: ConnId, nick: string, moved: boolean): void {
    this.add(conn, nick);
    this.out.effect({ t: 'placed', conn, room: this.name });
    this.out.send({ to: 'directory', msg: { t: 'located', conn, room: this.name } });
    this.out.deliver(this.all(), -1, texts.joined(nick, this.name));
    if (moved) this.tell(conn, texts.roomSize(this.members.size, this.name));
    this.out.effect({ t: 'settled', conn });
  }

  /** The member leaves this room: gone from the chat, or (`to`) moving to another room. */
  private leave(conn: ConnId, reason?: string, to?: string): void {
    const nick = this.members.get(conn);
    if (nick === undefined) return;
    this.remove(conn);
    this.out.effect({ t: 'placed', conn, room: null });
    if (this.members.size > 0) this.out.deliver(this.all(), -1, texts.left(nick, this.name, reason));
    if (to === undefined) this.out.send({ to: 'directory', msg: { t: 'release', conn } });
    else this.out.send({ to: roomAddress(to), msg: { t: 'join', conn, nick, moved: true } });
  }

  private renamed(conn: ConnId, from: string, nick: string): void {
    if (this.members.has(conn)) {
      this.members.set(conn, nick);
      this.out.deliver(this.all(), -1, texts.renamed(from, nick));
    }
    this.out.effect({ t: 'settled', conn });
  }

  private line(conn: ConnId, text: string): void {
    const nick = this.members.get(conn);
    if (nick === undefined) return;
    const intent = interpret(text, this.name);
    if (intent === null) return;
    switch (intent.kind) {
      case 'say':
        return this.out.deliver(this.all(), conn, texts.message(nick, intent.text));
      case 'action':
        return this.out.deliver(this.all(), conn, texts.action(nick, intent.text));
      case 'who':
        this.tell(conn, texts.whoLines(this.nicks()));
        return this.out.effect({ t: 'settled', conn });
      case 'private':
        return this.out.send({ to: 'directory', msg: { t: 'private', conn, from: nick, target: intent.target, text: intent.text } });
      case 'rename':
        // The directory decides; it answers with `renamed` (which settles) or an error (which settles).
        return this.out.send({ to: 'directory', msg: { t: 'rename', conn, room: this.name, nick: intent.nick } });
      case 'quit':
        this.leave(conn, intent.reason);
        this.out.effect({ t: 'close', conn });
        return this.out.effect({ t: 'settled', conn });
      case 'move':
        return this.leave(conn, undefined, intent.room); // the new room settles once it has the member
      case 'rooms':
        return this.out.send({ to: 'directory', msg: { t: 'rooms', conn } });
      case 'reply':
        this.tell(conn, intent.text);
        if (intent.settle) this.out.effect({ t: 'settled', conn });
        return;
    }
  }

  private tell(conn: ConnId, text: string): void {
    this.out.deliver(only(conn), -1, text);
  }
}
