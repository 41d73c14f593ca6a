// The one interface the gateway talks to, whatever runs the actors behind it: a pool of
// Workers in this process (ActorPool), or a cluster of processes sharing rooms through Redis
// (src/cluster/). The gateway sends envelopes and applies effects; it never knows which.

import type { ConnId, Effect, Envelope } from '../model/messages.js';
import type { Snapshot } from './host.js';
import type { SystemSample } from '../model/samples.js';

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
  /**
   * Calls `fn` once everything sent so far has been answered and its effects applied, with what
   * that work sent on to other actors: what lets a PONG come after the lines before its PING.
   * Absent: the system cannot tell (a cluster's lines come back through Redis), and answers go at once.
   */
  afterSent?(fn: () => void): void;
  /** Actor host restarts so far (supervision). */
  readonly restarts: number;
  /**
   * Whether the system keeps rooms' history itself and answers history questions sent to a room
   * (a cluster: each room's log in Redis). Otherwise the gateway keeps it (gateway/history.ts).
   */
  readonly keepsHistory?: boolean;
  /** Connections open on other nodes, for the banner's count (0 for a single process). */
  openElsewhere(): number;
  /** What it reports of itself for /metrics (asked when scraped). */
  sample?(): Promise<SystemSample>;
  /** Null while it serves as it should; otherwise why not (a cluster node that lost Redis). Absent: always serving. */
  health?(): string | null;
  close(): Promise<void>;
}

/** What an actor system tells the operator's log (src/ops/log-events.ts). None of it is a user's text. */
export interface SystemEvents {
  /** An actor host (`host`: "actor host 0") or the cluster Worker died and was started again. */
  restarted(host: string, why: string): void;
  /** A message that crashed its host every time was given up (`to`: its actor, `type`: its kind). */
  dropped(to: string, type: string): void;
  /** Cluster: Redis became unreachable (degraded), or reachable again (`missedRooms`: rooms whose lines were trimmed meanwhile). */
  health(degraded: boolean, missedRooms: number): void;
  /** Cluster: a store command failed (Redis's message). */
  storeFailed(message: string): void;
}

export const quietEvents: SystemEvents = { restarted: () => {}, dropped: () => {}, health: () => {}, storeFailed: () => {} };

export type SystemFactory = (hooks: SystemHooks) => ActorSystem;
