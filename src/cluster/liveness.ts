// What a node asks Redis to stay known alive and to learn what the store lost: the heartbeat
// (a liveness key with a short expiry, the node's load, and whether its users are still
// registered), the store's epoch (a fresh one means Redis came back empty), and which followed
// room logs were trimmed past the point this node had read. Queries only: ClusterSystem decides
// what to tell users and what to register again.

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { idLess } from './events.js';
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
  await redis.set(keys.epoch, randomBytes(8).toString('hex'), 'NX');
  return (await redis.get(keys.epoch)) ?? '';
}

/** Rooms whose log was trimmed past the point this node had read (`pos`: last id applied). */
export async function trimmedPast(redis: Redis, rooms: ReadonlyMap<string, { pos: string | null }>): Promise<string[]> {
  const missed: string[] = [];
  for (const [room, followed] of rooms) {
    const info = (await redis.xinfo('STREAM', keys.log(room)).catch(() => null)) as unknown[] | null;
    if (!info) continue;
    const at = info.indexOf('max-deleted-entry-id');
    const maxDeleted = at >= 0 ? String(info[at + 1]) : '0-0';
    if (followed.pos !== null && idLess(followed.pos, maxDeleted)) missed.push(room);
  }
  return missed;
}
