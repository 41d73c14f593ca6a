// What every framer shares: a sink may say "no more for now" (the connection holds as much as it
// may, see LineSink.line), and the framer then keeps the rest of its chunk, unread, until the
// gateway has room again and calls resume. A push runs to its end before another may start (a
// sink that calls back into its framer must not re-enter it).

import type { Framer, LineSink } from './edge.js';

export abstract class ResumableFramer implements Framer {
  private unread: Buffer | null = null;
  private pushing = false;

  abstract readonly heldBytes: number;

  /** Reads a chunk into lines; on a full sink, hands the rest to keepUnread and returns. */
  protected abstract read(chunk: Uint8Array, sink: LineSink): void;

  get unreadBytes(): number {
    return this.unread ? this.unread.length : 0;
  }

  push(chunk: Uint8Array, sink: LineSink): void {
    this.pushing = true;
    try {
      this.read(chunk, sink);
    } finally {
      this.pushing = false;
    }
  }

  resume(sink: LineSink): void {
    if (this.pushing || this.unread === null) return;
    const rest = this.unread;
    this.unread = null;
    this.push(rest, sink);
  }

  /** What is left of the chunk being read, kept (its own copy: a read is at most one chunk). */
  protected keepUnread(rest: Uint8Array): void {
    if (rest.length > 0) this.unread = Buffer.from(rest);
  }
}
