// Ids for one room's (or one directory's) events: `<ms>-<n>`, the shape of a Redis stream id,
// strictly increasing even when the clock stands still or steps back, so ids are unique within
// the room and sort as its events happened. A room rebuilt after a Worker crash starts again
// from the clock, which has moved past the ids handed out before (unless it stepped back).

import type { MsgId } from '../model/events.js';

export class Stamps {
  private ms = 0;
  private n = 0;

  constructor(private readonly now: () => number) {}

  next(): { id: MsgId; at: number } {
    const t = this.now();
    if (t > this.ms) {
      this.ms = t;
      this.n = 0;
    } else this.n++;
    return { id: `${this.ms}-${this.n}`, at: t };
  }
}
