// Who a room's broadcasts go to, as one Int32Array of connection ids handed to the gateway.
// Built for the two costs a big room pays: structured clone copies a buffer once per batch
// however many views of it the batch holds, so lists are views of one buffer, not copies;
// and a crowd joining or leaving must not copy the list once per person.

import type { ConnId } from '../model/messages.js';

export class RecipientList {
  /**
   * Listed ids, packed (swap-removed, so unordered). A view handed out must never change under
   * its reader: appending past every view is safe, and any other write first moves `ids` to a
   * fresh buffer (see writable).
   */
  private ids = new Int32Array(16);
  /** Each listed id's index in `ids`. */
  private readonly slot = new Map<ConnId, number>();
  /**
   * Listed ids of connections closed for good (see bury): they stay, so a crowd leaving costs
   * no copy per leave, until they outnumber the members (see compact). The gateway drops what
   * is addressed to a connection it no longer has, and never reuses an id.
   */
  private readonly gone = new Set<ConnId>();
  /** The view handed out since the list last changed. */
  private current: Int32Array | null = null;
  /** Entries of `ids` some view handed out may show (0: none): writes below it need a fresh buffer. */
  private exposed = 0;

  /** Members listed: the departed not counted. */
  get members(): number {
    return this.slot.size - this.gone.size;
  }

  /**
   * Every member once, and maybe connections closed for good (never more of those than members).
   * The same view until the list changes, so a batch of broadcasts clones one buffer.
   */
  view(): Int32Array {
    if (this.current === null) {
      this.current = new Int32Array(this.ids.buffer, 0, this.slot.size);
      this.exposed = Math.max(this.exposed, this.slot.size);
    }
    return this.current;
  }

  add(id: ConnId): void {
    if (this.slot.has(id)) {
      this.gone.delete(id); // listed already, as a member or a tombstone: a member now
      return;
    }
    this.current = null;
    const n = this.slot.size;
    this.writable(n)[n] = id;
    this.slot.set(id, n);
  }

  /** The member lives on elsewhere (another room): out of the list, at the cost of a copy if it was handed out. */
  remove(id: ConnId): void {
    const at = this.slot.get(id);
    if (at === undefined) return;
    this.gone.delete(id);
    this.current = null;
    const last = this.slot.size - 1;
    const ids = this.writable(at);
    const moved = ids[last]!;
    ids[at] = moved;
    this.slot.set(moved, at);
    this.slot.delete(id);
    if (this.gone.size > this.members) this.compact();
  }

  /** The member's connection is closed for good: it stays listed, as a tombstone, until compact. */
  bury(id: ConnId): void {
    if (!this.slot.has(id)) return;
    this.gone.add(id);
    if (this.gone.size > this.members) this.compact();
  }

  clear(): void {
    this.slot.clear();
    this.gone.clear();
    this.ids = new Int32Array(16);
    this.current = null;
    this.exposed = 0;
  }

  /**
   * `ids`, ready for a write at index `at` (`at` = listed: an append). A fresh buffer is sized to
   * what is listed: structured clone sends a view's whole buffer, so one left large by a crowd
   * that has since gone would cost every later batch its full size. Only growth doubles; a copy
   * made so that a view stays as it was (a move to another room) is just large enough, since a
   * crowd moving out one by one makes one such copy per move.
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

  /**
   * The members alone, in a fresh buffer. Run once the departed outnumber them, so each copy of
   * the members is paid for by as many leaves: a crowd of n leaving one by one copies about n
   * ids in all, not n²/2.
   */
  private compact(): void {
    const fresh = new Int32Array(Math.max(16, this.members));
    const listed = this.slot.size;
    let k = 0;
    for (let i = 0; i < listed; i++) {
      const id = this.ids[i]!;
      if (this.gone.has(id)) continue;
      fresh[k] = id;
      this.slot.set(id, k++);
    }
    for (const id of this.gone) this.slot.delete(id);
    this.gone.clear();
    this.ids = fresh;
    this.exposed = 0;
    this.current = null;
  }
}
