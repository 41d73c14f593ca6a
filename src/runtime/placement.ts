// Which host (Worker) an actor lives on. Pure and stable: every caller computes the same
// answer from the address and the number of hosts, so no table has to be shared.

import { roomOf, type Address } from '../model/messages.js';

/** FNV-1a over UTF-16 code units, finished with a murmur-style avalanche so close names spread. */
function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Rendezvous (highest random weight) hashing: a room goes to the host that scores it highest.
 * Growing the pool from n to n+1 hosts moves only the rooms the new host wins (about 1/(n+1)).
 */
export function hostForRoom(room: string, hosts: number): number {
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i < hosts; i++) {
    const score = hash32(room, i);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

/** The directory is one actor, pinned to host 0. */
export function hostFor(address: Address, hosts: number): number {
  const room = roomOf(address);
  return room === null ? 0 : hostForRoom(room, hosts);
}
