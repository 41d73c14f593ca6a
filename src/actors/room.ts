// A room actor: the members of one room and every decision of who in it receives what.
// It hands its decisions to the Outbox as deliveries (recipients + text) and never
// touches a socket, so tests drive it as plain code.

import { interpret } from '../model/intents.js';
import * as texts from '../edges/telnet/texts.js';
import { roomAddress, type ConnId, type MemberRecord, type RoomMsg } from '../model/messages.js';
import { only, type Outbox } from './outbox.js';
import { RecipientList } from './recipients.js';

export class RoomActor {
  /** conn → nickname, in join order (so /who reads in the order people arrived). */
  private readonly members = new Map<ConnId, string>();
  /** Who broadcasts go to: views of one packed buffer, handed to the gateway as they are. */
  private readonly list = new RecipientList();

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
    this.list.clear();
    for (const r of records) if (r.room === this.name) this.add(r.conn, r.nick);
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
    return this.list.view();
  }

  private add(conn: ConnId, nick: string): void {
    this.members.set(conn, nick);
    this.list.add(conn);
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
    this.members.delete(conn);
    if (to === undefined) this.list.bury(conn);
    else this.list.remove(conn);
    this.out.effect({ t: 'placed', conn, room: null });
    // `except`: a quitter is still listed, and its connection still open until the close that follows.
    if (this.members.size > 0) this.out.deliver(this.all(), conn, texts.left(nick, this.name, reason));
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
