// What a room's log holds: events, as plain data, one JSON field per stream entry (short keys:
// every entry is kept `--retention` times over). A node turns them into the model's events for
// its own connections (replica.ts); the order of the log is the room's one order, and an
// entry's stream id is the event's id on every node.

import type { ClientTags } from '../model/events.js';
import type { ModeChange } from '../model/moderation.js';

/** A connection's cluster-wide id: "<node>:<local id>". */
export type Gid = string;

/** A room's topic as the log carries it: text, who set it, when (ms). */
export interface LoggedTopic {
  x: string;
  n: string;
  at: number;
}

export type LogEvent =
  /**
   * `claim`: the user's first room (it is named by this); `moved`: from another room in one step;
   * `again`: registered again after the store lost it (nobody waits on it). `tp`: the room's
   * topic as the joiner found it.
   */
  | { t: 'join'; g: Gid; n: string; size: number; claim?: 1; moved?: 1; again?: 1; tp?: LoggedTopic }
  /** `quit`: gone from the chat; `to`: moved there; `part`: left this room only; `reaped`: its node was taken for dead. */
  | { t: 'leave'; g: Gid; n: string; r?: string; quit?: 1; to?: string; part?: 1; reaped?: 1 }
  /** `no`: an IRC NOTICE; `tg`: its client-only tags (IRC), relayed with it. */
  | { t: 'msg'; g: Gid; n: string; x: string; no?: 1; tg?: ClientTags }
  /**
   * Client-only tags alone (IRC TAGMSG): in the log only to reach every node in the room's order;
   * never replayed (history reads lines only).
   */
  | { t: 'tag'; g: Gid; n: string; tg: ClientTags }
  /** Away with `x`, or back (IRC AWAY); not part of what a room replays. */
  | { t: 'away'; g: Gid; n: string; x?: string }
  /** A new real name `x` (IRC SETNAME); `o`: the happening's token, the same in each of the user's rooms. Not replayed. */
  | { t: 'real'; g: Gid; n: string; x: string; o: string }
  | { t: 'act'; g: Gid; n: string; x: string; tg?: ClientTags }
  /** `s`: this room's entry settles the rename (the first of the user's rooms). */
  | { t: 'ren'; g: Gid; o: string; n: string; s?: 1 }
  | { t: 'topic'; g: Gid; n: string; x: string }
  /** `n` (a member, or a server operator from outside) changed modes: `c`, those that took effect; `s`: `g` is a member and settles on reading it. */
  | { t: 'mode'; g: Gid; n: string; c: ModeChange[]; s?: 1 }
  /** `by` put member `g` (`n`) out; `k`: the kicker, who settles on reading it when `s` (a member). */
  | { t: 'kick'; g: Gid; n: string; by: string; k: Gid; r?: string; s?: 1 };

export type InboxEvent =
  /** `i`: the line's id in its conversation's history (its msgid), when the conversation is kept. */
  /** `tg`: its client-only tags as JSON text (the Lua script hands them on without reading them). */
  | { t: 'priv'; to: Gid; f: string; x: string; no?: 1; i?: string; tg?: string }
  /** Client-only tags alone (IRC TAGMSG) to `to` (`tg` as JSON text); never kept in history. */
  | { t: 'ptag'; to: Gid; f: string; tg: string }
  /** `by` invited `to` into room `r`. */
  | { t: 'inv'; to: Gid; r: string; by: string }
  /** A server operator `by` disconnects `to`, saying `r`. */
  | { t: 'kill'; to: Gid; by: string; r: string };

/**
 * Client-only tags from their JSON text in an inbox entry or a kept private line: `{}` for none,
 * or for anything that is not an object of strings (an entry is never trusted to crash a node).
 */
export function tagsOf(json: string | undefined): { tags?: ClientTags } {
  if (json === undefined || json === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const entries = Object.entries(value);
    if (entries.length === 0 || !entries.every(([k, v]) => k.startsWith('+') && typeof v === 'string')) return {};
    return { tags: value as ClientTags };
  } catch {
    return {};
  }
}

/** A stream id's time part: when Redis logged the entry (ms since the epoch). */
export const idTime = (id: string): number => Number(id.slice(0, id.indexOf('-')));

export const gidOf = (node: string, conn: number): Gid => `${node}:${conn}`;

/** The local connection id of a gid, or -1 when it lives on another node. */
export function localConn(gid: Gid, node: string): number {
  return gid.length > node.length && gid.startsWith(node) && gid[node.length] === ':' ? Number(gid.slice(node.length + 1)) : -1;
}

export const nodeOfGid = (gid: Gid): string => gid.slice(0, gid.lastIndexOf(':'));

/** The stream id just before `id`, so that XREAD (which is exclusive) starts at `id` itself. */
export function before(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  if (seq !== '0') return `${ms}-${BigInt(seq) - 1n}`;
  return ms === '0' ? '0-0' : `${BigInt(ms) - 1n}-18446744073709551615`;
}

/** The stream id just after `id`: the first one a log could hold past it. */
export function after(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  return BigInt(seq) === 18446744073709551615n ? `${BigInt(ms) + 1n}-0` : `${ms}-${BigInt(seq) + 1n}`;
}

/** Stream ids compare as (ms, seq) pairs. */
export function idLess(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am < bm || (am === bm && as < bs);
}
