// Deadlines that all lie the same time after their start (a newcomer has so long to choose a
// nickname): a FIFO of connection ids and one timer, instead of a timer per connection. An
// armed Node timer costs a few kilobytes of heap per connection; an entry here costs two
// numbers. Entries are never cancelled: whoever is due is checked by the caller, who ignores
// those that have since registered or gone.

import type { ConnId } from '../protocol/messages.js';

export class Deadlines {
  private readonly ids: ConnId[] = [];
  private readonly due: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly afterMs: number,
    private readonly onDue: (id: ConnId) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.ids.length - this.head;
  }

  add(id: ConnId): void {
    this.ids.push(id);
    this.due.push(this.now() + this.afterMs);
    if (this.timer === null) this.arm();
  }

  /** Calls onDue for everyone whose time has come (the timer does this; tests call it directly). */
  expire(): void {
    const now = this.now();
    while (this.head < this.ids.length && this.due[this.head]! <= now) {
      const id = this.ids[this.head]!;
      this.head++;
      this.onDue(id);
    }
    // Drop the consumed front now and then, so the arrays hold only what is still pending.
    if (this.head === this.ids.length) {
      this.ids.length = this.due.length = this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids.splice(0, this.head);
      this.due.splice(0, this.head);
      this.head = 0;
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.head === this.ids.length) return;
    const wait = Math.max(0, this.due[this.head]! - this.now());
    this.timer = setTimeout(this.fire, Math.ceil(wait));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.expire();
    this.arm();
  };
}
