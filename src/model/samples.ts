// What the Workers tell the main thread about themselves for /metrics: plain data that
// structured clone carries as it is (prom-client has no registry across worker_threads on
// Node 20, so each Worker counts in integers and the main thread folds them in at scrape time).

/** One actor host's counts, sent back with every batch's output (see HostOutput). */
export interface HostCounts {
  /** Rooms on this host with at least one member. */
  rooms: number;
  /** Messages its actors handled in this batch, the ones actors sent each other on the host included. */
  handled: number;
}

/** The cluster Worker's answer to a sample (see ClusterApi.sample), taken when /metrics is scraped. */
export interface ClusterSample {
  /** Round trips of the node's heartbeat to Redis since the last sample, in ms (at most one a second, the newest 600 kept). */
  rttMs: number[];
  /** Times either Redis connection was made again after it had been ready, since the Worker started. */
  reconnects: number;
  /** Rooms in the store (cluster-wide), or null while Redis is unreachable. */
  rooms: number | null;
  /**
   * For each room log this node follows: how far the last entry it applied is behind the log's
   * newest one, in ms of the entries' ids (Redis stamps them with its clock). 0: caught up.
   * Empty while Redis is unreachable.
   */
  lagMs: Array<[room: string, ms: number]>;
  /** Redis is unreachable (users were told the chat is degraded). */
  degraded: boolean;
}

/** What an actor system reports of itself, whatever runs it. */
export interface SystemSample {
  /** Rooms with at least one member: held by the actor hosts, or in a cluster's store; null when unknown. */
  rooms: number | null;
  /** Each actor host's last counts, in host order (none in a cluster). */
  hosts: Array<{ rooms: number; handled: number }>;
  /** Messages given up after crashing their host three times (see ActorPool.dropPoison). */
  dropped: number;
  /** Cluster mode only. */
  cluster: ClusterSample | null;
}
