// The shape of one measured case (a scenario, its parameters, one server): what the table,
// the JSON file and the SVG charts are made from.

import type { CheckCounts, OrderVerdict } from './check.js';
import type { LatencySummary } from './stats.js';

export interface ServerUse {
  /** Percent of one core, whole process, over the measured phase. */
  cpuPct: number;
  /** Percent of one core, main thread alone. */
  mainPct: number;
  rssStartKb: number;
  rssEndKb: number;
  threads: number;
  /** Percent of one core of the busiest threads besides the main one (actor Workers, the
   * cluster Worker, GC helpers), busiest first, at most 4. */
  otherThreadsPct: number[];
  /** Several server processes (cluster): each node's own figures; the fields above sum them
   * (cpuPct, rss, threads) or take the busiest (mainPct, otherThreadsPct). */
  nodes?: ServerUse[];
}

export interface LoadgenUse {
  cpuPct: number;
  /** The busiest thread of the load generator: near 100 means it may have been the limit. */
  busiestThreadPct: number;
  threads: number;
  /** The whole machine's CPU use over the phase, percent of all cores: the server, the load
   * generator, and anything else running (others' work on a shared machine shows here). */
  machineBusyPct: number;
  /** Of which softirq (kernel network processing, loopback TCP included), charged to no process. */
  machineSoftirqPct: number;
}

export interface CaseResult {
  scenario: string;
  /** e.g. `N=1000`. */
  label: string;
  server: string;
  params: Record<string, number | string>;
  /** Nothing lost, duplicated, reordered, out of order across receivers; every join done. */
  ok: boolean;
  join: { joined: number; of: number; failed: number; ms: number; p50Ms: number; p99Ms: number };
  /** Lines sent by senders (or churn clients). */
  messages: number;
  /** Lines received and checked. */
  deliveries: number;
  /** Seconds from the first send to the last line received. */
  activeS: number;
  deliveriesPerS: number;
  messagesPerS: number;
  latencyUs: LatencySummary | null;
  /** (µs, fraction) points of the latency CDF, thinned. */
  latencyCdf: Array<[number, number]>;
  check: (CheckCounts & OrderVerdict) | null;
  serverUse: ServerUse | null;
  loadgen: LoadgenUse;
  errors: Record<string, number>;
  /** Scenario-specific figures (connections: settledMs, rssPerConnKb; churn: cycles, rss). */
  extra: Record<string, number | string>;
}
