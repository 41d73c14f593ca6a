// What a user may ask of a conversation's past, and how a question selects from it: plain data
// and pure functions, the same for every protocol (telnet /history, IRC CHATHISTORY) and for
// every store (the gateway's memory in a single process, a room's Redis Stream in a cluster).

import type { ClientTags, MsgId, RoomEvent } from './events.js';

/** A point in a conversation: one event (by its id), or a server time (ms since the epoch). */
export type HistoryRef = { msgid: MsgId } | { at: number };

/**
 * Which events: the IRCv3 chathistory selections. Bounds are exclusive; `limit` is how many at
 * most, counted from the bound nearest the question (BEFORE: the last ones before `ref`).
 */
export type HistorySelect =
  /** The newest `limit`; with `after`, only those past it. */
  | { dir: 'latest'; after?: HistoryRef; limit: number }
  | { dir: 'before'; ref: HistoryRef; limit: number }
  | { dir: 'after'; ref: HistoryRef; limit: number }
  /** Up to `limit` centred on `ref`: half before it, the rest from it on. */
  | { dir: 'around'; ref: HistoryRef; limit: number }
  /** Between two bounds, counted from `from` (which may be the later one). */
  | { dir: 'between'; from: HistoryRef; to: HistoryRef; limit: number };

/** A private message as a conversation keeps it (the `private` event, from the addressee's side). */
export interface PrivateLine {
  k: 'private';
  id: MsgId;
  at: number;
  from: string;
  to: string;
  text: string;
  notice?: boolean;
  tags?: ClientTags;
}

/**
 * What a conversation's history holds: a room's events, or the lines of a private conversation.
 * A line keeps its client-only tags (an IRC `+draft/reply` still points at its message when
 * replayed); tags sent alone (TAGMSG) are not kept (see the `tagged` event).
 */
export type Kept = RoomEvent | PrivateLine;

/** The kinds a conversation's history shows: lines and actions (and topics, to telnet users). */
export const isLine = (e: Kept): boolean => e.k === 'said' || e.k === 'acted' || e.k === 'private';

/**
 * `<ms>-<n>` as a pair of numbers, so ids compare as the events happened (a Redis stream id, or a
 * room's stamps). A piece of a split IRC line carries `<id>:<n>`: the event's id is before ':'.
 * null for anything else: hostile input names no event.
 */
export function idKey(id: string): [number, number] | null {
  const colon = id.indexOf(':');
  const bare = colon < 0 ? id : id.slice(0, colon);
  const m = /^(\d{1,16})-(\d{1,16})$/.exec(bare);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Negative when `e` is before `ref`, 0 at it (its event, or its exact time), positive after. */
function versus(e: Kept, ref: HistoryRef): number {
  if ('at' in ref) return e.at - ref.at;
  const a = idKey(e.id);
  const b = idKey(ref.msgid);
  if (a === null || b === null) return 0;
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

/** Where `ref` falls as a time, to tell which of BETWEEN's bounds is the later. */
const when = (ref: HistoryRef): [number, number] => ('at' in ref ? [ref.at, -1] : (idKey(ref.msgid) ?? [0, 0]));

/** The first index whose event is not before `ref` (events in order). */
function firstAtOrAfter(events: readonly Kept[], ref: HistoryRef): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (versus(events[mid]!, ref) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose event is after `ref`. */
function firstAfter(events: readonly Kept[], ref: HistoryRef): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (versus(events[mid]!, ref) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The events `q` selects from `events` (in the order they happened; the result too). `events`
 * holds only what the asker may see (lines, say): limits count what is shown.
 */
export function select<E extends Kept>(events: readonly E[], q: HistorySelect): E[] {
  const limit = Math.max(0, Math.floor(q.limit));
  if (limit === 0) return [];
  const newest = (from: number, to: number): E[] => events.slice(Math.max(from, to - limit), to);
  const oldest = (from: number, to: number): E[] => events.slice(from, Math.min(to, from + limit));
  switch (q.dir) {
    case 'latest':
      return newest(q.after ? firstAfter(events, q.after) : 0, events.length);
    case 'before':
      return newest(0, firstAtOrAfter(events, q.ref));
    case 'after':
      return oldest(firstAfter(events, q.ref), events.length);
    case 'around': {
      const centre = firstAtOrAfter(events, q.ref);
      const before = Math.floor(limit / 2);
      const start = Math.max(0, centre - before);
      return events.slice(start, Math.min(events.length, start + limit));
    }
    case 'between': {
      const [a, b] = [when(q.from), when(q.to)];
      const forwards = a[0] !== b[0] ? a[0] < b[0] : a[1] <= b[1];
      const [lo, hi] = forwards ? [q.from, q.to] : [q.to, q.from];
      const from = firstAfter(events, lo);
      const to = firstAtOrAfter(events, hi);
      if (to <= from) return [];
      return forwards ? oldest(from, to) : newest(from, to);
    }
  }
}
