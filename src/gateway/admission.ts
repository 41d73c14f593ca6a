// Whether a new connection may come in: the total cap and the per-address cap.

import type { Config } from '../config.js';

export type Admission = { ok: true } | { ok: false; why: string };

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Connection ids travel in Int32Arrays and are never reused (a room may still list a closed
 * one, see RecipientList): past this, the process refuses rather than hand out a number twice.
 */
export const LAST_CONN_ID = 0x7fffffff;

export function admit(config: Config, open: number, address: string, fromAddress: number, nextId: number): Admission {
  if (nextId > LAST_CONN_ID) return { ok: false, why: 'this server has used up its connection numbers and needs a restart' };
  if (open >= config.maxConnections) return { ok: false, why: `the server is full (${config.maxConnections} connections), try again later` };
  if (!isLoopback(address) && fromAddress >= config.perIp) return { ok: false, why: `too many connections from your address (at most ${config.perIp})` };
  return { ok: true };
}
