// Deadlines that all lie the same time after their start (a newcomer has so long to choose a
// nickname): one map in arrival order, hence in deadline order, and one timer, instead of a
// timer per connection. An armed Node timer costs a few kilobytes per connection; an entry
// here costs a map slot, and leaves as soon as its connection registers or goes.

import type { ConnId } from '../model/messages.js';

export class Deadlines {
  /** id → when it is due, in the order added (so earliest first). */
  private readonly due = new Map<ConnId, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly afterMs: number,
    private readonly onDue: (id: ConnId) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.due.size;
  }

  add(id: ConnId): void {
    this.due.set(id, this.now() + this.afterMs);
    if (this.timer === null) this.arm();
  }

  /** It no longer has a deadline (it registered, or it is gone). */
  delete(id: ConnId): void {
    this.due.delete(id);
  }

  /** Calls onDue for everyone whose time has come (the timer does this; tests call it directly). */
  expire(): void {
    const now = this.now();
    for (const [id, at] of this.due) {
      if (at > now) break;
      this.due.delete(id);
      this.onDue(id);
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    for (const at of this.due.values()) {
      this.timer = setTimeout(this.fire, Math.ceil(Math.max(0, at - this.now())));
      this.timer.unref();
      return;
    }
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.expire();
    this.arm();
  };
}
