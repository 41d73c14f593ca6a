// Delivery: what the gateway writes, and when. Each event is rendered once per protocol that
// has recipients for it, and the bytes are shared by them; runs of broadcasts share one buffer;
// each socket gets one write per flush, whatever number of lines it carries. It owns the
// per-socket output queues and the flush schedule, and nothing about who should receive what
// (that came from the actors) or how an event reads (that is the connection's codec).

import type { ChatEvent } from '../model/events.js';
import type { ConnId, Effect } from '../model/messages.js';
import { encoded, type Codec } from '../edges/edge.js';
import type { Connection } from './connection.js';

export type DeliverEffect = Extract<Effect, { t: 'deliver' }>;

/** A flush longer than this makes the next one wait as long (see flush). */
const LONG_FLUSH_MS = 20;
/**
 * Parts a connection's queue may hold before they are joined into one. Each batch of broadcasts
 * adds one part to every recipient, and while flushes are held back (a join storm) hundreds of
 * batches can arrive: without a bound, ten thousand queues of hundreds of parts each.
 */
const MAX_PARTS = 32;
/** Concatenations kept for reuse within a flush (see Delivery.gathered). */
const GATHERED = 4;

/**
 * Whether `e` may be part of a run of broadcasts (see Delivery.deliverRun): not when it has one
 * recipient (rendered for that recipient: see Session.renderFor), nor when it is a happening
 * announced in several rooms (`once`: each recipient is asked whether it saw it already).
 */
export const joinsRuns = (e: DeliverEffect): boolean => e.to.length > 1 && !('once' in e.event && e.event.once !== undefined);

/** Whether recipient list `b` starts with all of `a` (the same array, or `a` plus newcomers). */
export function extendsList(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length > b.length) return false;
  // Views of one buffer from the same start: `a` is `b`'s first elements, in the same memory.
  // A room appends to the views it hands out (see RoomActor): a join storm's common case.
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One event's bytes per codec, rendered when the first recipient speaking that codec is met. */
class Rendered {
  private codec: Codec | null = null;
  private bytes: Buffer | null = null;
  /** The second codec met, in a slot of its own: a room of two protocols takes no map lookup. */
  private codec2: Codec | null = null;
  private bytes2: Buffer | null = null;
  /** Codecs past the second (IRC capability variants). */
  private others: Map<Codec, Buffer> | null = null;

  constructor(private readonly event: ChatEvent) {}

  for(codec: Codec): Buffer {
    if (codec === this.codec) return this.bytes!;
    if (codec === this.codec2) return this.bytes2!;
    const bytes = (): Buffer => encoded(codec, codec.render(this.event));
    if (this.codec === null) {
      this.codec = codec;
      return (this.bytes = bytes());
    }
    if (this.codec2 === null) {
      this.codec2 = codec;
      return (this.bytes2 = bytes());
    }
    const others = (this.others ??= new Map());
    let found = others.get(codec);
    if (found === undefined) others.set(codec, (found = bytes()));
    return found;
  }
}

/** A run of broadcasts (see deliverRun) in one codec: each event's bytes, back to back in one buffer. */
interface RunBytes {
  all: Buffer;
  /** Where each event's bytes start in `all`. */
  starts: number[];
  /** Each event's length in `all`. */
  lengths: number[];
  /** How many events from each one to the end have bytes in this codec (what a member from there on is counted as receiving). */
  shown: number[];
}

export class Delivery {
  private readonly list: Connection[] = [];
  private scheduled = false;
  /** Under load, the earliest time for the next flush (see flush). */
  private nextFlushAt = 0;
  /**
   * The last concatenations gather made in this flush (their parts, and the bytes), the most
   * recently used first. More than one: the members of a mixed room alternate between two
   * protocols' bytes in the flush list, and each sender among them has bytes of its own; with
   * room for fewer, every sender would push out a protocol's shared copy and the members after
   * it would each make a copy of their own.
   */
  private readonly gathered: Array<{ parts: Buffer[]; data: Buffer }> = [];

  constructor(
    private readonly conns: ReadonlyMap<ConnId, Connection>,
    /** Unsent bytes a connection may hold before `overflow` is called for it. */
    private readonly sendQueue: number,
    /** `bytes`: the cap it went past. */
    private readonly overflow: (conn: Connection, bytes: number) => void,
    /** The clock flushes are timed by (injected, so tests decide it). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  deliver(to: Int32Array, except: ConnId, event: ChatEvent): void {
    const conns = this.conns;
    if (to.length === 1) {
      // One recipient: its session may render it for itself (IRC numerics carry its nick).
      const conn = conns.get(to[0]!);
      if (conn === undefined) return;
      const session = conn.session;
      if (to[0] === except && session.echoes !== true) return;
      if ('once' in event && event.once !== undefined && session.seen?.(event.once) === true) return;
      this.enqueue(conn, encoded(conn.codec, session.renderFor ? session.renderFor(event, conn.nick) : conn.codec.render(event)), 1);
      return;
    }
    const rendered = new Rendered(event); // once per codec, shared by its recipients
    // Read once per delivery: a sender whose protocol echoes its own lines (IRC echo-message) is
    // not skipped; for everyone else the loop is as it was.
    const skip = except >= 0 && conns.get(except)?.session.echoes === true ? -1 : except;
    // Only a happening announced in several rooms carries `once`; the common event costs this one test.
    const once = 'once' in event ? event.once : undefined;
    for (let i = 0; i < to.length; i++) {
      const id = to[i]!;
      if (id === skip) continue;
      const conn = conns.get(id);
      if (conn === undefined) continue;
      if (once !== undefined && conn.session.seen?.(once) === true) continue;
      this.enqueue(conn, rendered.for(conn.codec), 1);
    }
  }

  /** The concatenated bytes of a run in `codec`. */
  private runBytes(effects: DeliverEffect[], codec: Codec): RunBytes {
    const parts: Buffer[] = [];
    const starts: number[] = [];
    const lengths: number[] = [];
    let offset = 0;
    for (const e of effects) {
      const part = encoded(codec, codec.render(e.event));
      parts.push(part);
      starts.push(offset);
      lengths.push(part.length);
      offset += part.length;
    }
    const shown = new Array<number>(effects.length);
    let n = 0;
    for (let k = effects.length - 1; k >= 0; k--) {
      if (lengths[k]! > 0) n++;
      shown[k] = n;
    }
    return { all: Buffer.concat(parts, offset), starts, lengths, shown };
  }

  /**
   * `effects` are deliveries whose recipient lists each extend the one before. The
   * member at index i of the last list gets every line from the first list that reaches index i
   * on: a suffix of one shared buffer, without a copy (senders get theirs without their own lines).
   */
  deliverRun(effects: DeliverEffect[]): void {
    const end = effects.length;
    const conns = this.conns;
    const senders = new Set<ConnId>();
    for (let k = 0; k < end; k++) {
      const except = effects[k]!.except;
      // An echoing sender (IRC echo-message) gets the run whole, as any other member.
      if (except >= 0 && conns.get(except)?.session.echoes !== true) senders.add(except);
    }
    // Rendered per codec when its first recipient is met: the common room speaks one protocol.
    let codec: Codec | null = null;
    let run: RunBytes | null = null;
    // The codec before the current one, kept at hand: members of a mixed room alternate between
    // two protocols, and a swap costs no map lookup. Others wait in `runs`.
    let prevCodec: Codec | null = null;
    let prevRun: RunBytes | null = null;
    let runs: Map<Codec, RunBytes> | null = null;
    const to = effects[end - 1]!.to;
    let first = 0; // the first delivery whose list reaches index i
    for (let i = 0; i < to.length; i++) {
      while (effects[first]!.to.length <= i) first++;
      const id = to[i]!;
      const conn = conns.get(id);
      if (conn === undefined) continue;
      if (conn.codec !== codec) {
        const nextCodec: Codec = conn.codec;
        let next: RunBytes;
        if (nextCodec === prevCodec) next = prevRun!;
        else {
          if (prevCodec !== null) (runs ??= new Map()).set(prevCodec, prevRun!);
          next = runs?.get(nextCodec) ?? this.runBytes(effects, nextCodec);
        }
        prevCodec = codec;
        prevRun = run;
        codec = nextCodec;
        run = next;
      }
      const { all, starts, lengths, shown } = run!;
      if (!senders.has(id)) {
        this.enqueue(conn, first === 0 ? all : all.subarray(starts[first]), shown[first]!);
        continue;
      }
      // A sender gets the stretches of the shared buffer between its own lines, without a copy.
      let stretch = starts[first]!;
      let own = 0;
      for (let k = first; k < end; k++) {
        if (effects[k]!.except !== id) continue;
        if (lengths[k]! > 0) own++;
        if (starts[k]! > stretch) this.enqueue(conn, all.subarray(stretch, starts[k]));
        stretch = starts[k]! + lengths[k]!;
      }
      if (stretch < all.length) this.enqueue(conn, all.subarray(stretch));
      if (!conn.closed && !conn.socket.writableEnded) conn.outEvents += shown[first]! - own;
    }
  }

  /** `events`: how many chat events `bytes` carry (0 for answers, pings and farewells), for the counts. */
  enqueue(conn: Connection, bytes: Buffer, events = 0): void {
    if (bytes.length === 0 || conn.closed || conn.socket.writableEnded) return;
    if (conn.outHeld !== null && this.hold(conn, bytes)) return;
    const out = conn.out;
    out.push(bytes);
    conn.outBytes += bytes.length;
    conn.outEvents += events;
    if (out.length >= MAX_PARTS) {
      // Recipients of the same broadcasts come here one after another with the same parts: they share one copy.
      const joined = this.gather(out, conn.outBytes);
      out.length = 0;
      out.push(joined);
    }
    if (!conn.inFlushList) {
      conn.inFlushList = true;
      this.list.push(conn);
      if (!this.scheduled) this.schedule();
    }
  }

  /** Keeps `bytes` back while the connection waits for its history (false: past the cap, it all goes now). */
  private hold(conn: Connection, bytes: Buffer): boolean {
    conn.outHeld!.push(bytes);
    conn.outHeldBytes += bytes.length;
    if (conn.outHeldBytes <= this.sendQueue) return true;
    this.release(conn);
    return true;
  }

  /** What was held for a connection goes out, in order, after whatever was enqueued before (its history). */
  release(conn: Connection): void {
    const held = conn.outHeld;
    if (held === null) return;
    conn.outHeld = null;
    conn.outHeldBytes = 0;
    for (const bytes of held) this.enqueue(conn, bytes);
  }

  /**
   * The answer to what this user just did (its own join, a /who…): when the next flush is held
   * back (a join storm: flushes cover thousands of sockets and are spaced out), it goes out now
   * instead of waiting for it. Otherwise the flush due this turn takes it with everyone's.
   */
  answer(conn: Connection): void {
    if (this.nextFlushAt > this.now()) this.writeOut(conn, this.sendQueue);
  }

  /** A flush at the end of this loop turn, or when the hold ends; it may find the list emptied by an earlier one. */
  private schedule(): void {
    this.scheduled = true;
    const wait = this.nextFlushAt - this.now();
    if (wait > 0) setTimeout(this.scheduledFlush, wait);
    else setImmediate(this.scheduledFlush);
  }

  private readonly scheduledFlush = (): void => {
    this.scheduled = false;
    if (this.list.length === 0) return;
    if (this.nextFlushAt > this.now()) this.schedule(); // a flush since held the next one back
    else this.flush();
  };

  /**
   * One write per socket per flush, whatever number of lines it carries. A write costs a system
   * call (≈ 3 µs). A flush that took long (thousands of sockets, a join storm) makes the next one
   * wait as long, so the thread spends at most half its time writing and each write carries more
   * lines; ordinary flushes (a room of a thousand: ≈ 3 ms) are followed at once, for latency.
   */
  flush(): void {
    const started = this.now();
    const list = this.list;
    const cap = this.sendQueue;
    for (let i = 0; i < list.length; i++) {
      const conn = list[i]!;
      conn.inFlushList = false;
      this.writeOut(conn, cap);
    }
    list.length = 0;
    this.gathered.length = 0;
    const now = this.now();
    const took = now - started;
    this.nextFlushAt = took > LONG_FLUSH_MS ? now + took : 0;
  }

  /** Writes what is queued for one connection, in one write. */
  writeOut(conn: Connection, cap: number): void {
    if (conn.closed || conn.out.length === 0) return;
    const data = this.gather(conn.out, conn.outBytes);
    // Counted once per socket per flush, not per recipient of each event.
    const counts = conn.counts;
    counts.events += conn.outEvents;
    counts.bytes += data.length;
    counts.writes++;
    conn.out.length = 0;
    conn.outBytes = 0;
    conn.outEvents = 0;
    const socket = conn.socket;
    // write() says false once the socket holds more than its high-water mark: only then is the
    // (not free) writableLength worth reading.
    if (!socket.write(data) && socket.writableLength > cap && !conn.ending) this.overflow(conn, cap);
  }

  /**
   * One buffer for a connection's queued parts. Members of a room get the same parts in the
   * same order (one shared buffer per run of broadcasts), and the flush meets them one after
   * another: they share one concatenation instead of each getting a copy, which during a join
   * storm would be thousands of copies of the same kilobytes per flush.
   */
  private gather(parts: Buffer[], bytes: number): Buffer {
    if (parts.length === 1) return parts[0]!;
    const cache = this.gathered;
    for (let k = 0; k < cache.length; k++) {
      const slot = cache[k]!;
      if (slot.parts.length !== parts.length || slot.data.length !== bytes) continue;
      let same = true;
      for (let i = 0; i < parts.length && same; i++) same = parts[i] === slot.parts[i];
      if (!same) continue;
      // To the front (at most GATHERED entries move): shared copies stay, a sender's own drifts out.
      for (let j = k; j > 0; j--) cache[j] = cache[j - 1]!;
      cache[0] = slot;
      return slot.data;
    }
    const data = Buffer.concat(parts, bytes);
    if (cache.length === GATHERED) cache.pop();
    cache.unshift({ parts: parts.slice(), data });
    return data;
  }
}
