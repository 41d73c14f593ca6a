// A single process's history: each room's recent events and each private conversation's recent
// lines, kept on the main thread as the gateway delivers them (once per event, never per
// recipient), so they outlive an actor Worker's crash. Bounded three ways: events per
// conversation, bytes per conversation, and bytes in all (past that, the conversation written
// to longest ago loses its oldest events first). Lost on restart: a cluster reads Redis instead.

import type { ClientTags, RoomEvent } from '../model/events.js';
import { isLine, type Kept, type PrivateLine } from '../model/history.js';
import type { ConnId } from '../model/messages.js';

export interface HistoryLimits {
  /** Events one conversation keeps (`--history`). */
  events: number;
  /** Bytes one conversation keeps (`--history-room-bytes`). */
  conversationBytes: number;
  /** Bytes every conversation together keeps (`--history-bytes`). */
  totalBytes: number;
}

/**
 * What an event costs here, estimated on the high side: an object with its fields (about 100
 * bytes in V8) and its strings at two bytes a character (V8 keeps ASCII at one; the rest at two).
 */
export function keptBytes(e: Kept): number {
  let chars = e.id.length;
  switch (e.k) {
    case 'said':
    case 'acted':
      chars += e.nick.length + e.text.length + e.room.length + tagChars(e.tags);
      break;
    case 'topicSet':
      chars += e.nick.length + e.text.length + e.room.length;
      break;
    case 'private':
      chars += e.from.length + e.to.length + e.text.length + tagChars(e.tags);
      break;
    case 'joined':
      chars += e.nick.length + e.room.length;
      break;
    case 'left':
      chars += e.nick.length + e.room.length + (e.reason?.length ?? 0) + (e.once?.length ?? 0);
      break;
    case 'renamed':
      chars += e.from.length + e.nick.length + e.room.length + (e.once?.length ?? 0);
      break;
  }
  return 100 + 2 * chars;
}

/** A line's client-only tags (up to 4 KB of them): each key and value, and a field's cost. */
function tagChars(tags: ClientTags | undefined): number {
  if (tags === undefined) return 0;
  let chars = 0;
  for (const key in tags) chars += 16 + key.length + tags[key]!.length;
  return chars;
}

/** One conversation's events, oldest first; the oldest go first when it is full. */
class Ring {
  private items: Kept[] = [];
  private head = 0;
  bytes = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(e: Kept, bytes: number): void {
    this.items.push(e);
    this.bytes += bytes;
  }

  /** Drops the oldest event; its bytes. */
  shift(): number {
    const e = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as Kept; // let it go now; compacted below
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const bytes = keptBytes(e);
    this.bytes -= bytes;
    return bytes;
  }

  /** The newest `n` events that `keep` accepts, oldest first, read from the end (no copy of the rest). */
  newest(n: number, keep: (e: Kept) => boolean): Kept[] {
    const out: Kept[] = [];
    for (let i = this.items.length - 1; i >= this.head && out.length < n; i--) if (keep(this.items[i]!)) out.push(this.items[i]!);
    return out.reverse();
  }

  /** Every event `keep` accepts, oldest first. */
  all(keep: (e: Kept) => boolean): Kept[] {
    const out: Kept[] = [];
    for (let i = this.head; i < this.items.length; i++) if (keep(this.items[i]!)) out.push(this.items[i]!);
    return out;
  }

  /** The newest event `keep` accepts. */
  last(keep: (e: Kept) => boolean): Kept | undefined {
    for (let i = this.items.length - 1; i >= this.head; i--) if (keep(this.items[i]!)) return this.items[i];
    return undefined;
  }
}

const roomKey = (room: string): string => `#${room}`;
const pairKey = (a: ConnId, b: ConnId): string => (a <= b ? `${a}:${b}` : `${b}:${a}`);

export class HistoryStore {
  /** Every conversation, the one written to longest ago first (re-inserted on each write). */
  private readonly rings = new Map<string, Ring>();
  /** Each connection's private conversations: the other party's connection. */
  private readonly partners = new Map<ConnId, Set<ConnId>>();
  private total = 0;
  /** The conversation written to last: already at the end of `rings`. */
  private lastKey = '';

  constructor(readonly limits: HistoryLimits) {}

  /** Bytes held by every conversation's events (estimated as keptBytes does): the figure for /metrics. */
  get bytes(): number {
    return this.total;
  }

  /** Events held in all. */
  get events(): number {
    let n = 0;
    for (const ring of this.rings.values()) n += ring.size;
    return n;
  }

  /** A room event as delivered (once per event). */
  record(e: RoomEvent): void {
    this.keep(roomKey(e.room), e);
  }

  /** A private message from connection `from` to `to` (both may be one: a message to oneself). */
  recordPrivate(from: ConnId, to: ConnId, line: PrivateLine): void {
    this.keep(pairKey(from, to), line);
    this.partner(from, to);
    this.partner(to, from);
  }

  /** The newest `n` lines of a room that `keep` accepts, oldest first. */
  newest(room: string, n: number, keep: (e: Kept) => boolean = isLine): Kept[] {
    return this.rings.get(roomKey(room))?.newest(n, keep) ?? [];
  }

  /** Every event of a room that `keep` accepts, oldest first. */
  lines(room: string, keep: (e: Kept) => boolean = isLine): Kept[] {
    return this.rings.get(roomKey(room))?.all(keep) ?? [];
  }

  /** Every line of `conn`'s private conversation with `other`, oldest first. */
  privateLines(conn: ConnId, other: ConnId): Kept[] {
    return this.rings.get(pairKey(conn, other))?.all(isLine) ?? [];
  }

  /** The connections `conn` has a private conversation with. */
  partnersOf(conn: ConnId): ReadonlySet<ConnId> {
    return this.partners.get(conn) ?? NONE;
  }

  /** The time of a room's newest line, or of a private conversation's; undefined when it has none. */
  latest(room: string): number | undefined {
    return this.rings.get(roomKey(room))?.last(isLine)?.at;
  }

  latestPrivate(conn: ConnId, other: ConnId): number | undefined {
    return this.rings.get(pairKey(conn, other))?.last(isLine)?.at;
  }

  /**
   * The connection is gone for good (ids are never reused): its private conversations go too,
   * since nobody can ask for them again, and a later holder of its nickname must not read them.
   */
  forget(conn: ConnId): void {
    const others = this.partners.get(conn);
    if (others === undefined) return;
    this.partners.delete(conn);
    for (const other of others) {
      this.partners.get(other)?.delete(conn);
      if (this.partners.get(other)?.size === 0) this.partners.delete(other);
      const key = pairKey(conn, other);
      const ring = this.rings.get(key);
      if (ring === undefined) continue;
      this.total -= ring.bytes;
      this.drop(key);
    }
  }

  private drop(key: string): void {
    this.rings.delete(key);
    if (key === this.lastKey) this.lastKey = '';
  }

  private partner(a: ConnId, b: ConnId): void {
    let set = this.partners.get(a);
    if (set === undefined) this.partners.set(a, (set = new Set()));
    set.add(b);
  }

  private keep(key: string, e: Kept): void {
    let ring = this.rings.get(key);
    if (ring === undefined || key !== this.lastKey) {
      // To the end: written last (a busy room's run of lines costs no re-insertion).
      if (ring === undefined) ring = new Ring();
      else this.rings.delete(key);
      this.rings.set(key, ring);
      this.lastKey = key;
    }
    const bytes = keptBytes(e);
    ring.push(e, bytes);
    this.total += bytes;
    const { events, conversationBytes, totalBytes } = this.limits;
    // One event is always kept, even one over the byte caps: a conversation's last line is history too.
    while (ring.size > 1 && (ring.size > events || ring.bytes > conversationBytes)) this.total -= ring.shift();
    while (this.total > totalBytes) {
      const [oldestKey, oldest] = this.rings.entries().next().value as [string, Ring];
      if (oldest === ring && ring.size <= 1) break;
      this.total -= oldest.shift();
      if (oldest.size === 0) this.drop(oldestKey);
    }
  }
}

const NONE: ReadonlySet<ConnId> = new Set();
