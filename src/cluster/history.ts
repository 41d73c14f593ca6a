// History in a cluster: a room's read from its log (a Redis Stream), a private conversation's
// from its own stream (see private-lua.ts), so it is the same on every node, survives a node's
// restart, and names each line by its stream id, as live delivery does. Reads are bounded: pages
// of entries from the bound nearest the question, no further than all a stream holds
// (`--retention` entries of a room's log, `--history` of a conversation), stopping as soon as
// enough lines are found.

import type { Redis } from 'ioredis';
import { idKey, isLine, select, type HistoryRef, type HistorySelect, type Kept } from '../model/history.js';
import { idTime, tagsOf, type LogEvent } from './events.js';
import { keys } from './keys.js';

/** The entries one read asks for; pages repeat until enough lines are found. */
const PAGE = 200;

/** How a stream's entry (its id and JSON) reads as a line of history; null: not a line. */
type LineOf = (id: string, json: string | undefined) => Kept | null;

/** A private line as its conversation's stream keeps it (written by keepPrivate in private-lua.ts). */
interface KeptPrivate {
  f: string;
  to: string;
  x: string;
  no?: 1;
  /** Client-only tags, as JSON text. */
  tg?: string;
}

/** A conversation's entry as the model's private line; null for anything unreadable. */
function privateOf(id: string, json: string | undefined): Kept | null {
  if (json === undefined) return null;
  let e: KeptPrivate;
  try {
    e = JSON.parse(json) as KeptPrivate;
  } catch {
    return null;
  }
  if (typeof e.f !== 'string' || typeof e.to !== 'string' || typeof e.x !== 'string') return null;
  return { k: 'private', id, at: idTime(id), from: e.f, to: e.to, text: e.x, ...(e.no ? { notice: true } : {}), ...tagsOf(e.tg) };
}

/** A room log's entry as the model's event, when it is a line (a chat line or an action); null otherwise. */
function lineOf(room: string, id: string, json: string | undefined): Kept | null {
  if (json === undefined) return null;
  let e: LogEvent;
  try {
    e = JSON.parse(json) as LogEvent;
  } catch {
    return null;
  }
  const at = idTime(id);
  if (e.t === 'msg') return { k: 'said', room, id, at, nick: e.n, text: e.x, ...(e.no ? { notice: true } : {}), ...(e.tg ? { tags: e.tg } : {}) };
  if (e.t === 'act') return { k: 'acted', room, id, at, nick: e.n, text: e.x, ...(e.tg ? { tags: e.tg } : {}) };
  return null;
}

/** A bound as XRANGE takes it: exclusive of a message (`(id`), or of a time's whole millisecond. */
function bound(ref: HistoryRef, side: 'start' | 'end'): string {
  if ('msgid' in ref) {
    const k = idKey(ref.msgid) ?? [0, 0];
    return `(${k[0]}-${k[1]}`;
  }
  // After a time: from the next millisecond on; before it: up to the millisecond before.
  return side === 'start' ? `${Math.max(0, Math.floor(ref.at) + 1)}-0` : `(${Math.max(0, Math.floor(ref.at))}-0`;
}

type Range = [string, string[]][];

/** A stream to read history from: its key, and how its entries read. */
interface Source {
  key: string;
  lineOf: LineOf;
}

/** Up to `want` lines from one end of a range of a stream, paging as XRANGE / XREVRANGE write bounds. */
async function read(redis: Redis, src: Source, from: string, to: string, want: number, budget: number, reverse: boolean): Promise<Kept[]> {
  const out: Kept[] = [];
  while (out.length < want && budget > 0) {
    const count = Math.min(PAGE, budget);
    const page = (await (reverse ? redis.xrevrange(src.key, from, to, 'COUNT', count) : redis.xrange(src.key, from, to, 'COUNT', count))) as Range;
    budget -= page.length;
    for (const [id, fields] of page) {
      const line = src.lineOf(id, fields[1]);
      if (line !== null && out.length < want) out.push(line);
    }
    if (page.length < PAGE) break;
    from = `(${page[page.length - 1]![0]}`;
  }
  return out;
}

/** Up to `want` lines reading forwards from `start` (exclusive bounds as XRANGE writes them) to `end`. */
const forwards = (redis: Redis, src: Source, start: string, end: string, want: number, budget: number): Promise<Kept[]> => read(redis, src, start, end, want, budget, false);

/** Up to `want` lines reading backwards from `end` to `start`, oldest first. */
const backwards = async (redis: Redis, src: Source, end: string, start: string, want: number, budget: number): Promise<Kept[]> => (await read(redis, src, end, start, want, budget, true)).reverse();

const roomSource = (room: string): Source => ({ key: keys.log(room), lineOf: (id, json) => lineOf(room, id, json) });

/**
 * The lines `q` selects from `room`'s log, at most `retention` entries read. `reset`: a message
 * id asked about is older than the store's epoch (Redis restarted empty since), so what came
 * between it and the restart is lost and the answer says so.
 */
export const readHistory = (redis: Redis, room: string, q: HistorySelect, retention: number): Promise<{ events: Kept[]; reset: boolean }> => readStream(redis, roomSource(room), q, retention);

/** The lines `q` selects from the private conversation `pair` (keys.pairOf), at most `kept` entries read; `reset` as above. */
export const readPrivate = (redis: Redis, pair: string, q: HistorySelect, kept: number): Promise<{ events: Kept[]; reset: boolean }> => readStream(redis, { key: keys.pm(pair), lineOf: privateOf }, q, kept);

/**
 * The newest line of a room's log, or of a conversation, if it is later than `since` (ms): the
 * read stops there (null: none, or none in the `budget` newest entries).
 */
export async function newestLine(redis: Redis, of: { room: string } | { pair: string }, since: number, budget: number): Promise<Kept | null> {
  const src = 'room' in of ? roomSource(of.room) : { key: keys.pm(of.pair), lineOf: privateOf };
  return (await backwards(redis, src, '+', bound({ at: since }, 'start'), 1, budget))[0] ?? null;
}

async function readStream(redis: Redis, src: Source, q: HistorySelect, retention: number): Promise<{ events: Kept[]; reset: boolean }> {
  const epochAt = Number((await redis.get(keys.epochAt)) ?? 0);
  const refs = q.dir === 'latest' ? (q.after ? [q.after] : []) : q.dir === 'between' ? [q.from, q.to] : [q.ref];
  const reset = refs.some((r) => 'msgid' in r && (idKey(r.msgid)?.[0] ?? Infinity) < epochAt);
  const n = q.limit;
  let events: Kept[];
  switch (q.dir) {
    case 'latest':
      events = await backwards(redis, src, '+', q.after ? bound(q.after, 'start') : '-', n, retention);
      break;
    case 'before':
      events = await backwards(redis, src, bound(q.ref, 'end'), '-', n, retention);
      break;
    case 'after':
      events = await forwards(redis, src, bound(q.ref, 'start'), '+', n, retention);
      break;
    case 'around': {
      // Half before the reference, the rest from it on (the referenced line included).
      const half = Math.floor(n / 2);
      const startAt = 'msgid' in q.ref ? (bound(q.ref, 'start').slice(1)) : `${Math.floor(q.ref.at)}-0`;
      const earlier = await backwards(redis, src, `(${startAt}`, '-', half, retention);
      const later = await forwards(redis, src, startAt, '+', n - earlier.length, retention);
      events = [...earlier, ...later];
      break;
    }
    case 'between': {
      // Everything between, read once (bounded), then counted from the first bound.
      const [a, b] = [q.from, q.to];
      const ka = 'msgid' in a ? (idKey(a.msgid) ?? [0, 0]) : [a.at, -1];
      const kb = 'msgid' in b ? (idKey(b.msgid) ?? [0, 0]) : [b.at, -1];
      const fwd = ka[0]! !== kb[0]! ? ka[0]! < kb[0]! : ka[1]! <= kb[1]!;
      const [lo, hi] = fwd ? [a, b] : [b, a];
      const all = await forwards(redis, src, bound(lo, 'start'), bound(hi, 'end'), retention, retention);
      events = select(all, { dir: 'between', from: a, to: b, limit: n });
      break;
    }
  }
  return { events: events.filter(isLine), reset };
}
