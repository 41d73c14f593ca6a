// What the gateway and delivery count as they go, per protocol: plain integers, bumped where
// the work is already being done (a line framed, a socket written once per flush), and read by
// /metrics only when it is scraped (src/ops/metrics.ts). Nothing here allocates per line or per
// recipient, and nothing here knows Prometheus.

import type { Farewell } from '../model/events.js';

/** Why a connection ended: the first cause the gateway saw wins (a kick, then the peer's FIN, is a kick). */
export type CloseReason =
  /** The user asked (telnet /quit, IRC QUIT). */
  | 'quit'
  /** The peer closed its end (FIN). */
  | 'peer'
  /** The socket failed (ECONNRESET, EPIPE, a keepalive timeout…). */
  | 'error'
  /** More than --send-queue bytes waited for a client that did not read. */
  | 'send_queue'
  /** Throttled longer than --flood-kick seconds. */
  | 'flood'
  /** An IRC client did not answer the server's PING in time. */
  | 'ping_timeout'
  /** No valid nickname within --register-timeout seconds. */
  | 'registration_timeout'
  /** The server is shutting down. */
  | 'shutdown'
  /** A server operator's KILL. */
  | 'killed'
  /** The actors closed it (a cluster node whose user's name was taken while it was away). */
  | 'server';

export const CLOSE_REASONS: readonly CloseReason[] = ['quit', 'peer', 'error', 'send_queue', 'flood', 'ping_timeout', 'registration_timeout', 'shutdown', 'killed', 'server'];

/** Why a new socket was turned away at the door. */
export type RefuseReason = 'full' | 'per_address' | 'shutdown' | 'ids_exhausted';

export const REFUSE_REASONS: readonly RefuseReason[] = ['full', 'per_address', 'shutdown', 'ids_exhausted'];

/** The causes a kick can have: the close reasons the server itself decides on a user's behaviour. */
export type KickCause = Extract<CloseReason, 'send_queue' | 'flood' | 'ping_timeout' | 'registration_timeout'>;

/** The close reason a farewell stands for; null for those that are not a kick of one connection. */
export function kickCause(why: Farewell): KickCause | null {
  switch (why.code) {
    case 'slow':
      return 'send_queue';
    case 'flooding':
      return 'flood';
    case 'pingTimeout':
      return 'ping_timeout';
    case 'registerTimeout':
      return 'registration_timeout';
    default:
      return null;
  }
}

export function refuseReason(why: Farewell): RefuseReason {
  switch (why.code) {
    case 'full':
      return 'full';
    case 'perAddress':
      return 'per_address';
    case 'idsExhausted':
      return 'ids_exhausted';
    default:
      return 'shutdown';
  }
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** One protocol's totals since the process started. */
export class ProtocolCounts {
  /** Connections accepted. */
  opened = 0;
  /** Lines framed (every complete line, at the prompt or not). */
  lines = 0;
  /** Lines over --max-line, dropped whole. */
  tooLong = 0;
  /** Events handed to sockets: one per event per recipient, added once per flush per socket. */
  events = 0;
  /** Bytes handed to sockets (greetings, events, answers, farewells). */
  bytes = 0;
  /** socket.write calls (delivery makes one per socket per flush). */
  writes = 0;
  /** Times a connection went over the flood limit (the start of each throttled stretch). */
  throttles = 0;
  readonly closed: Record<CloseReason, number> = zeros(CLOSE_REASONS);
  readonly refused: Record<RefuseReason, number> = zeros(REFUSE_REASONS);

  constructor(readonly protocol: string) {}
}

/** Every protocol's counts, made the first time a protocol is seen. */
export class GatewayCounts {
  private readonly byProtocol = new Map<string, ProtocolCounts>();

  of(protocol: string): ProtocolCounts {
    let counts = this.byProtocol.get(protocol);
    if (counts === undefined) this.byProtocol.set(protocol, (counts = new ProtocolCounts(protocol)));
    return counts;
  }

  all(): IterableIterator<ProtocolCounts> {
    return this.byProtocol.values();
  }
}
