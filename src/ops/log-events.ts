// Every event the operator's log records, in one place: the gateway's (listeners, connections,
// kicks), the actor system's (restarts, given-up messages, the cluster's health) and the
// process's (start, ready, shutdown). Each has an `event` field to filter on. Only what the
// server decided or saw of a connection is logged: never a line, a private message, a topic or
// a quit message (what users typed).

import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { GatewayObserver, ConnectionView } from '../gateway/observer.js';
import type { KickCause } from '../gateway/counts.js';
import type { SystemEvents } from '../runtime/system.js';

const where = (at: AddressInfo): string => (at.family === 'IPv6' ? `[${at.address}]:${at.port}` : `${at.address}:${at.port}`);

const who = (c: ConnectionView) => ({ conn: c.id, protocol: c.protocol, address: c.address, ...(c.lastNick !== null ? { nick: c.lastNick } : {}) });

const KICKED: Record<KickCause, string> = {
  send_queue: 'not reading (send queue full)',
  flood: 'flooding',
  ping_timeout: 'ping timeout',
  registration_timeout: 'no nickname in time',
};

export function gatewayLog(log: Logger): GatewayObserver {
  return {
    listening: (protocol, at) => log.info({ event: 'listening', protocol, address: at.address, port: at.port }, `${protocol} listener on ${where(at)}`),
    listenerError: (protocol, err) =>
      log.warn({ event: 'listener_error', protocol, ...(err.code ? { code: err.code } : {}), message: err.message }, `${protocol} listener could not accept a connection: ${err.message}`),
    opened: (c) => log.info({ event: 'open', ...who(c) }, `connection ${c.id} opened: ${c.protocol} from ${c.address}`),
    kicked: (c, cause) => {
      const level = cause === 'flood' || cause === 'send_queue' ? 'warn' : 'info';
      log[level]({ event: 'kick', cause, ...who(c) }, `connection ${c.id} disconnected: ${KICKED[cause]}`);
    },
    closed: (c, reason, detail) =>
      log.info(
        { event: 'close', reason, ...who(c), seconds: Math.round(detail.seconds * 1000) / 1000, ...(detail.error !== undefined ? { error: detail.error } : {}) },
        `connection ${c.id} closed (${reason}${detail.error !== undefined ? ` ${detail.error}` : ''}) after ${detail.seconds.toFixed(1)} s`,
      ),
    operLogin: (c, account, outcome) =>
      log[outcome === 'accepted' ? 'info' : 'warn']({ event: 'oper_login', account, outcome, ...who(c) }, `connection ${c.id}: server operator login as "${account}" ${outcome.replace('_', ' ')}`),
    refused: (protocol, address, reason) => log.warn({ event: 'refused', protocol, address, reason }, `${protocol} connection from ${address} refused (${reason})`),
  };
}

export function systemLog(log: Logger): SystemEvents {
  return {
    restarted: (host, why) => log.error({ event: 'actor_restart', host, why }, `${host} restarted (${why})`),
    dropped: (to, type) => log.error({ event: 'message_dropped', to, type }, `gave up a ${type} message to ${to}: it crashed its actor host three times`),
    health: (degraded, missedRooms) =>
      degraded
        ? log.warn({ event: 'cluster_degraded' }, 'cluster degraded: Redis is unreachable; lines wait until it is back')
        : log.info({ event: 'cluster_recovered', missedRooms }, `cluster recovered: Redis is reachable again${missedRooms > 0 ? ` (${missedRooms} rooms missed trimmed lines)` : ''}`),
    storeFailed: (message) => log.error({ event: 'store_failed', message }, `cluster store command failed: ${message}`),
  };
}
