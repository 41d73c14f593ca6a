// Whether a new connection may come in: the total cap and the per-address cap.

import type { Config } from '../config.js';
import type { Farewell } from '../model/events.js';

export type Admission = { ok: true } | { ok: false; why: Farewell };

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Connection ids travel in Int32Arrays and are never reused (a room may still list a closed
 * one, see RecipientList): past this, the process refuses rather than hand out a number twice.
 */
export const LAST_CONN_ID = 0x7fffffff;

export function admit(config: Config, open: number, address: string, fromAddress: number, nextId: number): Admission {
  if (nextId > LAST_CONN_ID) return { ok: false, why: { code: 'idsExhausted' } };
  if (open >= config.maxConnections) return { ok: false, why: { code: 'full', max: config.maxConnections } };
  if (!isLoopback(address) && fromAddress >= config.perIp) return { ok: false, why: { code: 'perAddress', max: config.perIp } };
  return { ok: true };
}
