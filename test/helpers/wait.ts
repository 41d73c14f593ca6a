// Waiting until something has arrived, for every test: text on a socket (TestClient), a
// process's output (fixtures/processes.ts), a tmux pane, or any condition. One loop, so every
// wait behaves the same: it re-checks whenever its source signals that something arrived (or
// polls, for sources that cannot: a tmux pane), gives up at once when the source has ended, and
// its bound only guards against hanging: it is not a timing check. A failure says what was
// awaited and what is there instead.

import { setTimeout as sleep } from 'node:timers/promises';

/** A text to find, a pattern to match, or a test of the whole text. */
export type TextMatch = string | RegExp | ((text: string) => boolean);

export function matches(text: string, match: TextMatch): boolean {
  if (typeof match === 'string') return text.includes(match);
  if (typeof match === 'function') return match(text);
  match.lastIndex = 0; // a /g or /y pattern remembers where it stopped
  return match.test(text);
}

/** A source's "something arrived" signal: waiters sleep until the next wake(). */
export class Arrivals {
  private waiters: Array<() => void> = [];

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves at the next wake(), or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export interface WaitOptions {
  /** Guard against hanging, not a timing check. */
  timeoutMs: number;
  /** The error message on giving up: the source ended first, or the guard ran out. */
  failure: (why: 'ended' | 'timed out') => string;
  /** The source's signal; without it, the condition is polled. */
  arrivals?: Arrivals;
  /** Longest sleep between checks (default 50 ms when polling; unbounded with `arrivals`). */
  pollMs?: number;
  /** The source can give nothing more (socket closed, process exited): fail at once. */
  ended?: () => boolean;
}

export async function waitUntil(ok: () => boolean, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (!ok()) {
    if (opts.ended?.() === true) throw new Error(opts.failure('ended'));
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(opts.failure('timed out'));
    const step = Math.min(left, opts.pollMs ?? (opts.arrivals === undefined ? 50 : left));
    await (opts.arrivals === undefined ? sleep(step) : opts.arrivals.next(step));
  }
}

/** Waits until `read()` matches; returns the text that did. */
export async function waitForText(read: () => string, match: TextMatch, opts: WaitOptions): Promise<string> {
  let text = read();
  await waitUntil(() => matches((text = read()), match), opts);
  return text;
}
