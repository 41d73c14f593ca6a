// /metrics: every node-chat metric, in prom-client's text format. Nothing here runs on the chat's
// hot path: the gateway and delivery count in plain integers as they go (gateway/counts.ts),
// the actor hosts and the cluster Worker report plain data (model/samples.ts), and each metric
// reads those when it is scraped (prom-client's `collect`). The README's "Metrics and logs"
// lists the same names.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CLOSE_REASONS, REFUSE_REASONS, type GatewayCounts, type ProtocolCounts } from '../gateway/counts.js';
import type { ConnectionStates, GatewayStats } from '../gateway/gateway.js';
import type { ActorSystem } from '../runtime/system.js';
import type { SystemSample } from '../model/samples.js';

/** What the metrics read: a Gateway has all of it. */
export interface MetricsSource {
  readonly counts: GatewayCounts;
  readonly system: ActorSystem;
  readonly roomsHere: number;
  readonly backloggedConnections: number;
  connectionStates(): Map<string, ConnectionStates>;
  stats(): GatewayStats;
  /** Bytes a single process's history keeps (estimated; gateway/history.ts); 0 in a cluster, whose history is in Redis. */
  historyBytes?(): number;
}

/** What an HTTP listener serves at /metrics (the web edge's provider hook). */
export interface MetricsProvider {
  readonly contentType: string;
  text(): Promise<string>;
}

export interface MetricsOptions {
  /** Log lines dropped because stdout did not keep up (see ops/log.ts). */
  logDropped?: () => number;
  /** Node's process metrics and event-loop lag (prom-client's defaults); off in tests that count exactly. */
  processMetrics?: boolean;
  /** A cluster node: the Redis and room-log metrics too. */
  cluster?: boolean;
}

/** Round trips to Redis: from a fraction of a millisecond on loopback to seconds when it struggles. */
const RTT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(source: MetricsSource, options: MetricsOptions = {}): MetricsProvider {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry }); // nodejs_eventloop_lag_seconds and the rest
  /** The actor system's sample for this scrape (taken once, read by every metric below). */
  let sample: SystemSample | null = null;

  /** A counter whose value is a total kept elsewhere, per protocol (set at scrape: reset, then added). */
  const perProtocol = (name: string, help: string, read: (c: ProtocolCounts) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['protocol'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of source.counts.all()) this.inc({ protocol: c.protocol }, read(c));
      },
    });
  };
  const total = (name: string, help: string, read: () => number | null): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const v = read();
        if (v !== null) this.inc(v);
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number | null): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const v = read();
        if (v !== null) this.set(v);
      },
    });
  };

  new Gauge({
    name: 'nodechat_connections',
    help: 'Connections open now, by protocol and state (registering: no nickname yet; named; closing)',
    labelNames: ['protocol', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [protocol, s] of source.connectionStates()) {
        this.set({ protocol, state: 'registering' }, s.registering);
        this.set({ protocol, state: 'named' }, s.named);
        this.set({ protocol, state: 'closing' }, s.closing);
      }
    },
  });
  perProtocol('nodechat_connections_opened_total', 'Connections accepted', (c) => c.opened);
  new Counter({
    name: 'nodechat_disconnects_total',
    help: 'Connections closed, by protocol and reason (send_queue, flood, ping_timeout and registration_timeout are kicks)',
    labelNames: ['protocol', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of source.counts.all()) for (const reason of CLOSE_REASONS) this.inc({ protocol: c.protocol, reason }, c.closed[reason]);
    },
  });
  new Counter({
    name: 'nodechat_connections_refused_total',
    help: 'New connections turned away, by protocol and reason (full, per_address, shutdown, ids_exhausted)',
    labelNames: ['protocol', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of source.counts.all()) for (const reason of REFUSE_REASONS) this.inc({ protocol: c.protocol, reason }, c.refused[reason]);
    },
  });
  perProtocol('nodechat_lines_received_total', 'Lines received (framed), at the nickname prompt or after', (c) => c.lines);
  perProtocol('nodechat_lines_too_long_total', 'Lines over --max-line, dropped whole', (c) => c.tooLong);
  perProtocol('nodechat_events_delivered_total', 'Chat events handed to sockets, one per event per recipient', (c) => c.events);
  perProtocol('nodechat_bytes_written_total', 'Bytes handed to sockets', (c) => c.bytes);
  perProtocol('nodechat_socket_writes_total', 'Socket writes (one per socket per flush, whatever number of events it carries)', (c) => c.writes);
  perProtocol('nodechat_throttles_total', 'Times a connection went over the flood limit and was no longer read for a while', (c) => c.throttles);

  gauge('nodechat_named_users', 'Users with a nickname connected to this node', () => source.stats().named);
  gauge('nodechat_rooms_here', 'Rooms with at least one member connected to this node', () => source.roomsHere);
  gauge('nodechat_rooms', 'Rooms with at least one member (single process: held by the actor hosts; cluster: in the shared store)', () => sample?.rooms ?? null);
  gauge('nodechat_actor_backlog', 'Messages sent to the actors (or the cluster Worker) and not yet answered', () => source.system.pending);
  gauge('nodechat_backlog_paused_connections', 'Connections not read until the actors catch up (the backlog passed 50,000)', () => source.backloggedConnections);
  total('nodechat_actor_host_restarts_total', 'Actor host Workers (or the cluster Worker) restarted after dying', () => source.system.restarts);
  total('nodechat_actor_messages_dropped_total', 'Messages given up after crashing their actor host three times', () => sample?.dropped ?? 0);
  new Counter({
    name: 'nodechat_actor_messages_total',
    help: 'Messages the actors of each host handled (those between actors on the same host included)',
    labelNames: ['host'],
    registers: [registry],
    collect() {
      this.reset();
      sample?.hosts.forEach((h, i) => this.inc({ host: String(i) }, h.handled));
    },
  });
  new Gauge({
    name: 'nodechat_actor_rooms',
    help: 'Rooms with at least one member on each actor host, as of its last batch',
    labelNames: ['host'],
    registers: [registry],
    collect() {
      this.reset();
      sample?.hosts.forEach((h, i) => this.set({ host: String(i) }, h.rooms));
    },
  });
  new Gauge({
    name: 'nodechat_history_bytes',
    help: 'Bytes the rooms\' and private conversations\' history keeps in this process (estimated; bounded by --history-bytes)',
    registers: [registry],
    collect() {
      this.set(source.historyBytes?.() ?? 0);
    },
  });
  total('nodechat_log_lines_dropped_total', 'Log lines dropped because stdout did not take them fast enough', () => options.logDropped?.() ?? 0);

  // Cluster mode only: absent from a single process's output.
  if (options.cluster === true) {
    new Histogram({
      name: 'nodechat_redis_round_trip_seconds',
      help: "Round trips of the node's heartbeat to Redis (one MULTI of six small commands, once a second)",
      buckets: RTT_BUCKETS,
      registers: [registry],
      collect() {
        for (const ms of sample?.cluster?.rttMs ?? []) this.observe(ms / 1000);
      },
    });
    total('nodechat_redis_reconnects_total', 'Times a Redis connection was made again after it had been ready', () => sample?.cluster?.reconnects ?? null);
    gauge('nodechat_redis_degraded', '1 while Redis is unreachable (users are told the chat is degraded), else 0', () =>
      sample?.cluster ? (sample.cluster.degraded ? 1 : 0) : null,
    );
    new Gauge({
      name: 'nodechat_room_log_lag_seconds',
      help: "How far this node's reading of each room log it follows is behind the log's newest entry (by the entries' Redis timestamps)",
      labelNames: ['room'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [room, ms] of sample?.cluster?.lagMs ?? []) this.set({ room }, ms / 1000);
      },
    });
  }

  return {
    contentType: registry.contentType,
    async text() {
      sample = (await source.system.sample?.()) ?? null;
      try {
        return await registry.metrics();
      } finally {
        sample = null;
      }
    },
  };
}
