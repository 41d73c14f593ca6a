// --reconnect: how long to wait before attempt n (0-based). Doubles from `base` up to `max`,
// with up to `jitter` of it taken off at random so that many clients dropped by one server
// restart do not all come back in the same millisecond.

export interface BackoffOptions {
  readonly base: number;
  readonly max: number;
  readonly jitter: number; // 0..1
}

export const DEFAULT_BACKOFF: BackoffOptions = { base: 500, max: 30_000, jitter: 0.2 };

export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const full = Math.min(options.max, options.base * 2 ** Math.min(attempt, 30));
  return Math.round(full * (1 - options.jitter * random()));
}
