// The one interface the gateway talks to, whatever runs the actors behind it: a pool of
// Workers in this process (ActorPool), or a cluster of processes sharing rooms through Redis
// (src/cluster/). The gateway sends envelopes and applies effects; it never knows which.

import type { ConnId, Effect, Envelope, MemberRecord } from '../model/messages.js';

export interface SystemHooks {
  /** Effects in order; apply them as they come. */
  onEffects(effects: Effect[]): void;
  /** Every named local connection as the gateway knows it (to restore actor state). */
  snapshot(): MemberRecord[];
  /** Connections open on this node (named or not). */
  openHere(): number;
  /** Connections with a barrier line in flight: a system that lost its in-flight work must settle them. */
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
  /** Connections open on other nodes, for the banner's count (0 for a single process). */
  openElsewhere(): number;
  /** Test hook: kill actor host `index` as a crash would. */
  kill(index: number): void;
  close(): Promise<void>;
}

export type SystemFactory = (hooks: SystemHooks) => ActorSystem;
