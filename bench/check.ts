// The checks every receiving connection makes: per sender nothing lost, nothing duplicated,
// nothing reordered; and across receivers of one room, one order of the room's lines.
// Pure: no sockets, no clock, so unit tests drive it line by line.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;

/** Folds one (sender, seq) into an order hash: equal hashes ⇔ (almost surely) equal sequences. */
export function mixOrder(hash: number, sender: number, seq: number): number {
  return Math.imul(Math.imul(hash ^ sender, FNV_PRIME) ^ seq, FNV_PRIME) >>> 0;
}

export interface CheckCounts {
  /** Lines received and counted (duplicates included). */
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Lines from a sender this receiver should not hear (itself, another room, unknown). */
  foreign: number;
}

export function zeroCounts(): CheckCounts {
  return { received: 0, lost: 0, duplicated: 0, reordered: 0, foreign: 0 };
}

export function addCounts(into: CheckCounts, c: CheckCounts): CheckCounts {
  into.received += c.received;
  into.lost += c.lost;
  into.duplicated += c.duplicated;
  into.reordered += c.reordered;
  into.foreign += c.foreign;
  return into;
}

/** One receiving connection's view of the senders it hears. */
export class ReceiverCheck {
  /** Highest seq seen per sender, -1 before any. */
  readonly last: Int32Array;
  /** Order hash of everything received. */
  hash = FNV_OFFSET;
  /** For a reference receiver: the order hash with each sender's own lines left out. */
  readonly without: Uint32Array | null;
  received = 0;
  duplicated = 0;
  reordered = 0;
  foreign = 0;
  /** Seqs skipped over per sender, still possibly on their way (only allocated after a gap). */
  private missing: Map<number, Set<number>> | null = null;
  /** The sender indices this receiver hears: only their `without` hashes are ever compared
   * (with 100 rooms there are 100 senders, of which a receiver hears one or a few). */
  private readonly heard: Int32Array;

  /**
   * @param hears 1 for each sender index this receiver must receive (same room, not itself).
   * @param reference keep per-sender-excluded hashes, so senders (who never hear themselves) can be compared.
   */
  constructor(
    private readonly hears: Uint8Array,
    reference = false,
  ) {
    this.last = new Int32Array(hears.length).fill(-1);
    this.without = reference ? new Uint32Array(hears.length).fill(FNV_OFFSET) : null;
    const heard: number[] = [];
    hears.forEach((h, s) => h === 1 && heard.push(s));
    this.heard = Int32Array.from(heard);
  }

  /** Counts one line; true when it is new (in order, or a late one filling a gap). */
  see(sender: number, seq: number): boolean {
    if (sender >= this.hears.length || this.hears[sender] !== 1) {
      this.foreign++;
      return false;
    }
    this.received++;
    this.hash = mixOrder(this.hash, sender, seq);
    const w = this.without;
    if (w !== null) {
      const heard = this.heard;
      for (let i = 0; i < heard.length; i++) {
        const s = heard[i]!;
        if (s !== sender) w[s] = mixOrder(w[s]!, sender, seq);
      }
    }
    const last = this.last[sender]!;
    if (seq === last + 1) {
      this.last[sender] = seq;
      return true;
    }
    if (seq > last) {
      const gap = this.missingOf(sender);
      for (let q = last + 1; q < seq; q++) gap.add(q);
      this.last[sender] = seq;
      return true;
    }
    const gap = this.missing?.get(sender);
    if (gap !== undefined && gap.delete(seq)) {
      this.reordered++;
      return true;
    }
    this.duplicated++;
    return false;
  }

  /** Has this receiver got every line up to `sent[s] - 1` from every sender it hears? */
  complete(sent: ArrayLike<number>): boolean {
    const hears = this.hears;
    for (let s = 0; s < hears.length; s++) {
      if (hears[s] === 1 && this.last[s]! < sent[s]! - 1) return false;
    }
    return this.missing === null || [...this.missing.values()].every((g) => g.size === 0);
  }

  /** The verdict once senders are done; `sent[s]` = lines sender s sent (seqs 0..sent-1). */
  finish(sent: ArrayLike<number>): CheckCounts {
    let lost = 0;
    const hears = this.hears;
    for (let s = 0; s < hears.length; s++) {
      if (hears[s] !== 1) continue;
      const tail = sent[s]! - 1 - this.last[s]!;
      if (tail > 0) lost += tail;
      const gap = this.missing?.get(s);
      if (gap !== undefined) lost += gap.size;
    }
    return { received: this.received, lost, duplicated: this.duplicated, reordered: this.reordered, foreign: this.foreign };
  }

  private missingOf(sender: number): Set<number> {
    if (this.missing === null) this.missing = new Map();
    let gap = this.missing.get(sender);
    if (gap === undefined) {
      gap = new Set();
      this.missing.set(sender, gap);
    }
    return gap;
  }
}

/** What one receiver reports for the cross-receiver order check (plain data, crosses threads). */
export interface OrderReport {
  conn: number;
  room: string;
  /** Its sender index, -1 for a pure receiver. */
  sender: number;
  hash: number;
  /** Present on reference receivers: hashes with each sender left out. */
  without?: number[];
}

export interface OrderVerdict {
  /** Receivers whose order differs from their room's reference. */
  mismatched: number;
  /** Receivers that could not be compared (a room with no pure receiver to serve as reference). */
  unchecked: number;
  /** A few mismatching connection ids, for the report. */
  examples: number[];
}

/** Every receiver of a room must have seen the room's lines in one order (senders: minus their own). */
export function compareOrders(reports: readonly OrderReport[]): OrderVerdict {
  const rooms = new Map<string, OrderReport[]>();
  for (const r of reports) {
    const list = rooms.get(r.room);
    if (list) list.push(r);
    else rooms.set(r.room, [r]);
  }
  const verdict: OrderVerdict = { mismatched: 0, unchecked: 0, examples: [] };
  const miss = (conn: number): void => {
    verdict.mismatched++;
    if (verdict.examples.length < 5) verdict.examples.push(conn);
  };
  for (const list of rooms.values()) {
    const ref = list.find((r) => r.sender < 0 && r.without !== undefined);
    if (ref === undefined) {
      verdict.unchecked += list.length;
      continue;
    }
    for (const r of list) {
      if (r === ref) continue;
      const expected = r.sender < 0 ? ref.hash : ref.without![r.sender];
      if (r.hash !== expected) miss(r.conn);
    }
  }
  return verdict;
}
