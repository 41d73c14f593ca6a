// The directory: the one registry of nicknames, so names are unique across every room.
// It lives on host 0 (see placement.ts): one owner means a claim is decided in one place,
// in one order, without locks; rooms ask it by message and it answers by message.

import { checkNick, nickKey } from '../model/nicknames.js';
import { LOBBY } from '../edges/telnet/texts.js';
import * as texts from '../edges/telnet/texts.js';
import { roomAddress, type ConnId, type DirectoryMsg, type MemberRecord } from '../model/messages.js';
import { only, type Outbox } from './outbox.js';

interface Entry {
  nick: string;
  key: string;
  /** The room the user is in, as its room last told us; null between rooms. */
  room: string | null;
}

export class Directory {
  private readonly owners = new Map<string, ConnId>();
  private readonly names = new Map<ConnId, Entry>();
  /** Members per room, kept in step with `names` so /rooms costs the number of rooms. */
  private readonly counts = new Map<string, number>();

  constructor(private readonly out: Outbox) {
    this.counts.set(LOBBY, 0);
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
    this.counts.set(LOBBY, 0);
    for (const r of records) {
      this.set(r.conn, r.nick, nickKey(r.nick));
      this.locate(r.conn, r.room);
    }
  }

  receive(msg: DirectoryMsg): void {
    switch (msg.t) {
      case 'claim':
        return this.claim(msg.conn, msg.text);
      case 'rename':
        return this.rename(msg.conn, msg.room, msg.nick);
      case 'private':
        return this.private(msg.conn, msg.from, msg.target, msg.text);
      case 'located':
        return this.locate(msg.conn, msg.room);
      case 'rooms':
        this.out.deliver(only(msg.conn), -1, texts.roomList(this.counts));
        return this.settle(msg.conn);
      case 'release':
        return this.release(msg.conn);
    }
  }

  private claim(conn: ConnId, text: string): void {
    if (this.names.has(conn)) return this.settle(conn); // a stale retry: already named
    const check = checkNick(text);
    if (!check.ok) {
      this.out.deliver(only(conn), -1, texts.nickInvalidPrompt(check.why));
      return this.settle(conn);
    }
    if (this.owners.has(check.key)) {
      this.out.deliver(only(conn), -1, texts.nickTaken());
      return this.settle(conn);
    }
    this.set(conn, check.nick, check.key);
    this.out.effect({ t: 'named', conn, nick: check.nick });
    // The room settles the connection once it has announced the join.
    this.out.send({ to: roomAddress(LOBBY), msg: { t: 'join', conn, nick: check.nick } });
  }

  private rename(conn: ConnId, room: string, wanted: string): void {
    const current = this.names.get(conn);
    if (!current) return this.settle(conn);
    const check = checkNick(wanted);
    if (!check.ok) {
      this.out.deliver(only(conn), -1, texts.error(check.why));
      return this.settle(conn);
    }
    const owner = this.owners.get(check.key);
    if (owner !== undefined && owner !== conn) {
      this.out.deliver(only(conn), -1, texts.nickInUse(check.nick));
      return this.settle(conn);
    }
    if (check.nick === current.nick) {
      this.out.deliver(only(conn), -1, texts.alreadyKnownAs(check.nick));
      return this.settle(conn);
    }
    this.owners.delete(current.key);
    const from = current.nick;
    this.set(conn, check.nick, check.key);
    this.out.effect({ t: 'named', conn, nick: check.nick });
    this.out.send({ to: roomAddress(room), msg: { t: 'renamed', conn, from, nick: check.nick } });
  }

  private private(conn: ConnId, from: string, target: string, text: string): void {
    const owner = this.owners.get(nickKey(target));
    if (owner === undefined) this.out.deliver(only(conn), -1, texts.noUser(target));
    else {
      this.out.deliver(only(owner), -1, texts.privateFrom(from, text));
      this.out.deliver(only(conn), -1, texts.privateTo(this.names.get(owner)!.nick, text));
    }
    this.settle(conn);
  }

  private release(conn: ConnId): void {
    const entry = this.names.get(conn);
    if (!entry) return;
    this.locate(conn, null);
    this.names.delete(conn);
    this.owners.delete(entry.key);
    this.out.effect({ t: 'named', conn, nick: null });
  }

  private set(conn: ConnId, nick: string, key: string): void {
    const entry = this.names.get(conn);
    if (entry) {
      entry.nick = nick;
      entry.key = key;
    } else this.names.set(conn, { nick, key, room: null });
    this.owners.set(key, conn);
  }

  private locate(conn: ConnId, room: string | null): void {
    const entry = this.names.get(conn);
    if (!entry || entry.room === room) return;
    if (entry.room !== null) {
      const n = (this.counts.get(entry.room) ?? 1) - 1;
      if (n > 0 || entry.room === LOBBY) this.counts.set(entry.room, n);
      else this.counts.delete(entry.room);
    }
    entry.room = room;
    if (room !== null) this.counts.set(room, (this.counts.get(room) ?? 0) + 1);
  }

  /** Members per room, as the directory knows them (for tests). */
  roomCounts(): ReadonlyMap<string, number> {
    return this.counts;
  }

  private settle(conn: ConnId): void {
    this.out.effect({ t: 'settled', conn });
  }
}
