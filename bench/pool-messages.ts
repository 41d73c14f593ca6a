// Everything that crosses between the bench's main thread and its client-pool threads:
// plain data only (structured clone), one description for both sides.

import type { CheckCounts, OrderReport } from './check.js';
import type { HistogramData } from './stats.js';

export interface Address {
  host: string;
  port: number;
  /** An IRC listener: its connections register with NICK/USER, JOIN #room and send PRIVMSG (else telnet). */
  irc?: boolean;
  /** Over TLS (tls.connect, the certificate not checked: the bench's own, made at run time). */
  tls?: boolean;
  /** IRC over WebSocket at `/ws` on this port (with irc: true). */
  ws?: boolean;
}

/** One connection the pool opens. */
export interface ConnSpec {
  /** Global connection index (0..N-1). */
  id: number;
  nick: string;
  /** Room it ends up in: `lobby`, or another one reached with `/join ROOM` (issue 6's `rooms` scenario). */
  room: string;
  /** Index into PoolSetup.targets (issue 8's `cluster` scenario spreads connections over several nodes). */
  target: number;
  /** Its sender index (0..S-1), or -1 when it only receives. */
  sender: number;
  /** Keep per-sender-excluded order hashes (one pure receiver per room and thread). */
  reference: boolean;
}

export interface PoolSetup {
  targets: Address[];
  conns: ConnSpec[];
  /** Room of each sender index: a receiver hears the senders of its own room. */
  senderRooms: string[];
  /** Joins (connect → own "joined" line) in flight at once, in this thread. */
  joinsInFlight: number;
  /** Bytes per sent line, `\n` included. */
  lineBytes: number;
  /**
   * check: parse every line and check it (fanout, rate, churn observers).
   * count: after joining only count bytes and watch for `marker` (connections: 10,000 sockets
   * receive N²/2 join lines, which only need to be drained, not parsed).
   */
  mode: 'check' | 'count';
  marker?: string;
}

export type SendPlan =
  | { kind: 'window'; window: number; durationMs: number }
  | { kind: 'rate'; /** lines per second, per sender */ perSender: number; durationMs: number };

export interface ChurnPlan {
  /** Churning clients at once in this thread. */
  concurrency: number;
  durationMs: number;
  /** Lines each churn client sends before leaving. */
  lines: number;
  /** Nick prefix unique to this thread; must start with `c` (observers count `c…` joins). */
  nickPrefix: string;
}

export interface Progress {
  joined: number;
  failed: number;
  sent: number;
  received: number;
  bytes: number;
  markers: number;
  churnCycles: number;
}

export interface JoinReport {
  joined: number;
  failed: number;
  /** connect() → own joined line, per connection. */
  joinUs: HistogramData;
  /** When the last own joined line arrived (nowUs clock), 0 if none. */
  lastJoinUs: number;
  errors: Record<string, number>;
}

export interface SendReport {
  /** Lines sent per sender index (zeros for senders of other threads). */
  sent: number[];
  firstSendUs: number;
}

export interface DrainReport {
  counts: CheckCounts;
  latency: HistogramData;
  orders: OrderReport[];
  /** Time of the last bench line received (nowUs clock). */
  lastReceiveUs: number;
  /** Receivers that had everything when the drain ended. */
  complete: number;
  receivers: number;
  errors: Record<string, number>;
}

export interface MarkerReport {
  seen: number;
  of: number;
  lastSeenUs: number;
  bytes: number;
}

export interface ChurnReport {
  cycles: number;
  joined: number;
  linesSent: number;
  joinUs: HistogramData;
  errors: Record<string, number>;
}

export interface ObserverReport {
  observers: number;
  /** Summed over observers. */
  joins: number;
  leaves: number;
  messages: number;
  /** Observers that saw at least the expected count of each. */
  complete: number;
}

/** The calls a client pool answers; the worker shell forwards these one to one. */
export interface PoolApi {
  join(timeoutMs: number): Promise<JoinReport>;
  send(plan: SendPlan): Promise<SendReport>;
  drain(sent: number[], timeoutMs: number): Promise<DrainReport>;
  awaitMarker(timeoutMs: number): Promise<MarkerReport>;
  churn(plan: ChurnPlan): Promise<ChurnReport>;
  awaitObservers(expect: { joins: number; leaves: number; messages: number }, timeoutMs: number): Promise<ObserverReport>;
  progress(): Promise<Progress>;
  close(): Promise<void>;
}

export type PoolMethod = keyof PoolApi;

export type ToPool =
  | { type: 'setup'; setup: PoolSetup }
  | { type: 'call'; id: number; method: PoolMethod; args: unknown[] };

export type FromPool =
  | { type: 'ready' }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string };
