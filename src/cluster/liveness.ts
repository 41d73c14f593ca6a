// What a node asks Redis to stay known alive and to learn what the store lost: the heartbeat
// (a liveness key with a short expiry, the node's load, and whether its users are still
// registered), the store's epoch (a fresh one means Redis came back empty), and which followed
// room logs (or its inbox) were trimmed past the point this node had read. Queries only: ClusterSystem decides
// what to tell users and what to register again.

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { after, idLess } from './events.js';
import { keys } from './keys.js';

export const HEARTBEAT_MS = 1000;
/** A node not heard from for this long is dead; its users' leaves are announced. */
export const ALIVE_MS = 3000;

export interface Beat {
  /** Connections open on the other nodes (for the greeting's count). */
  elsewhere: number;
  /** This node's users are gone from the shared state: it was reaped while stalled, or Redis lost its data. */
  lost: boolean;
}

export async function heartbeat(redis: Redis, node: string, openHere: number): Promise<Beat> {
  const replies = await redis
    .multi()
    .set(keys.alive(node), '1', 'PX', ALIVE_MS)
    .sadd(keys.nodes, node)
    .hset(keys.load, node, openHere)
    .hgetall(keys.load)
    .exists(keys.conns(node))
    .getdel(keys.reaped(node))
    .exec();
  const load = (replies?.[3]?.[1] ?? {}) as Record<string, string>;
  const elsewhere = Object.entries(load).reduce((n, [other, open]) => (other === node ? n : n + Number(open)), 0);
  return { elsewhere, lost: replies?.[4]?.[1] === 0 || replies?.[5]?.[1] === '1' };
}

/**
 * Whether Redis refused a command (or a MULTI holding one) for being over `maxmemory`. Then no
 * node can renew its liveness key either, so a missing key does not mean a dead node.
 */
export function refusedForMemory(err: unknown): boolean {
  const said = [err, ...((err as { previousErrors?: unknown[] } | null)?.previousErrors ?? [])];
  return said.some((e) => /\bOOM\b/.test(String(e)));
}

/** The store's epoch, set by whoever asks first after it started empty. */
export async function storeEpoch(redis: Redis): Promise<string> {
  if ((await redis.set(keys.epoch, randomBytes(8).toString('hex'), 'NX')) === 'OK') {
    // This node began the epoch: it notes when (Redis's clock, as stream ids), for history's
    // "reset" answers (see keys.epochAt). Only here, so every other call costs what it did.
    const [seconds, micros] = await redis.time();
    await redis.set(keys.epochAt, String(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)), 'NX');
  }
  return (await redis.get(keys.epoch)) ?? '';
}

/** The oldest entry's id still in a stream, from `XRANGE key - + COUNT 1` ('0-0' when empty). */
export function oldestOf(range: unknown): string {
  return Array.isArray(range) && Array.isArray(range[0]) ? String(range[0][0]) : '0-0';
}

/**
 * Whether a log whose oldest entry is now `oldest` may have lost entries this node had not read
 * (it had read up to `from`). Trimming deletes the oldest entries first, so nothing was lost if
 * `from` itself is still there, or if `oldest` is the very next id. (Redis 7.0 leaves XINFO's
 * max-deleted-entry-id at 0-0 when it trims: only XDEL moves it, so it cannot say.) When the trim
 * stopped exactly at `from` and its successor came a while later, one notice too many is given:
 * the node was `retention` entries behind by then. From 0-0 (a log followed from its start: a
 * store that restarted empty) nothing older was ever this node's to read.
 */
export function trimmedRead(from: string, oldest: string): boolean {
  return from !== '0-0' && idLess(after(from), oldest);
}

/** Rooms whose log was trimmed past the point this node had read (`pos`: last id applied). */
export async function trimmedPast(redis: Redis, rooms: ReadonlyMap<string, { pos: string | null }>): Promise<string[]> {
  const missed: string[] = [];
  for (const [room, followed] of rooms) {
    const oldest = oldestOf(await redis.xrange(keys.log(room), '-', '+', 'COUNT', 1).catch(() => null));
    if (followed.pos !== null && trimmedRead(followed.pos, oldest)) missed.push(room);
  }
  return missed;
}
