// The one interface the gateway talks to, whatever runs the actors behind it: a pool of
// Workers in this process (ActorPool), or a cluster of processes sharing rooms through Redis
// (src/cluster/). The gateway sends envelopes and applies effects; it never knows which.

import type { ConnId, Effect, Envelope } from '../model/messages.js';
import type { Snapshot } from './host.js';

export interface SystemHooks {
  /** Effects in order; apply them as they come. */
  onEffects(effects: Effect[]): void;
  /** Every named local connection as the gateway knows it, and the rooms' topics (to restore actor state). */
  snapshot(): Snapshot;
  /** Connections open on this node (named or not). */
  openHere(): number;
  /** Connections with a barrier in flight: a system that lost its in-flight work must settle them. */
  awaiting(): ConnId[];
  /** Whether the gateway still holds this connection's socket. */
  isOpen(conn: ConnId): boolean;
}

export interface ActorSystem {
  send(env: Envelope): void;
  /** Envelopes sent but not yet answered: the gateway pauses senders when this runs high. */
  readonly pending: number;
  /** Actor host restarts so far (supervision). */
  readonly restarts: number;
  /**
   * Whether the system keeps rooms' history itself and answers history questions sent to a room
   * (a cluster: each room's log in Redis). Otherwise the gateway keeps it (gateway/history.ts).
   */
  readonly keepsHistory?: boolean;
  /** Connections open on other nodes, for the banner's count (0 for a single process). */
  openElsewhere(): number;
  close(): Promise<void>;
}

export type SystemFactory = (hooks: SystemHooks) => ActorSystem;
