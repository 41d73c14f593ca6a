// What every scenario shares: the run's context, the Scenario shape, connection lists, and the
// pieces that turn pool reports into figures (sums, histograms, CPU and RSS of the server and
// of the load generator), plus starting a target around a body and the progress line.

import { LOBBY } from '../../src/model/rooms.js';
import type { ServerProcess } from '../child.js';
import type { Address, ConnSpec } from '../pool-messages.js';
import { cpuBetween, machineTicks, otherThreadsPct, sampleProc, threadCpu, type ProcSample } from '../proc.js';
import type { CaseResult, LoadgenUse, ServerUse } from '../result-types.js';
import { stopStarted, type Started, type Target } from '../servers.js';
import { Histogram, nowUs, type HistogramData } from '../stats.js';
import type { Pools } from '../threads.js';

export interface RunContext {
  servers: Target[];
  /** The baseline, to calibrate `rate` when fanout did not run first. */
  baseline: Target | null;
  threads: number;
  quick: boolean;
  durationS?: number;
  clients?: number;
  /** Total lines/s for `rate`, overriding the calibration. */
  rate?: number;
  joinsInFlight: number;
  /** Upper bound for joining / settling phases, seconds. */
  timeoutS: number;
  /** `connections`: seconds idle after settling before RSS is read again (see there). */
  restS?: number;
  lineBytes: number;
  /** `connections`: lines said in the room before the storm (`--fill-history`), so joiners are shown history. */
  fillHistory?: number;
  progress: (text: string) => void;
  /** Baseline fanout messages/s by N, from this invocation (feeds `rate`). */
  baselineMsgs: Map<number, number>;
  /** `--host/--port`: the servers are not ours to start (rooms measures it as is; cluster skips). */
  external?: boolean;
  /** `--workers 1,2,3`: the actor-host counts `rooms` compares (default 1, 2, 3). */
  workersList?: number[];
  /** `--rooms 100x20,10x200`: the R × M shapes of `rooms`. */
  roomShapes?: Array<{ R: number; M: number }>;
  /** Lines in flight per sender for `rooms` and `cluster` (default 8, as fanout). */
  window?: number;
  /** The redis-server binary `cluster` starts (default `redis-server` on the PATH). */
  redisServer?: string;
  /** Scenarios that could not run here, and why (cli prints them; an explicit request fails). */
  skipped?: Array<{ scenario: string; why: string }>;
}

export interface Scenario {
  name: string;
  describe: string;
  run(ctx: RunContext): Promise<CaseResult[]>;
}

export const nickOf = (i: number): string => `u${String(i).padStart(5, '0')}`;

/** N connections in one room; the first S send (round-robin dealing spreads them over threads). */
export function roomConns(N: number, S: number, room = LOBBY, target = 0): ConnSpec[] {
  return Array.from({ length: N }, (_, i) => ({ id: i, nick: nickOf(i), room, target, sender: i < S ? i : -1, reference: false }));
}

export const fmtMs = (us: number): number => Math.round(us / 100) / 10;

export function sumSent(reports: Array<{ sent: number[] }>): number[] {
  const out = reports[0]!.sent.map(() => 0);
  for (const r of reports) r.sent.forEach((n, s) => (out[s]! += n));
  return out;
}

/** Sums the pools' error counts; each pool reports its running totals, so pass the last phase's reports. */
export function mergeErrors(reports: Array<{ errors: Record<string, number> }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.errors)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function mergeHist(list: HistogramData[]): Histogram {
  const h = new Histogram();
  for (const d of list) h.merge(d);
  return h;
}

export function thinCdf(h: Histogram, points = 160): Array<[number, number]> {
  const all = h.cdf();
  if (all.length <= points) return all;
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const p of all) {
    if (p[1] >= next || p[1] === 1) {
      out.push(p);
      next = p[1] + 1 / points;
    }
  }
  return out;
}

/** Measures this process's CPU (all threads) and its busiest thread between two points. */
export class LoadgenMeter {
  private readonly a = sampleProc('self');
  private readonly threads = threadCpu();
  private readonly machine = machineTicks();
  stop(): LoadgenUse {
    const b = sampleProc('self');
    const m = machineTicks();
    const ticks = Math.max(1, m.total - this.machine.total);
    const machineBusyPct = ((m.busy - this.machine.busy) / ticks) * 100;
    const machineSoftirqPct = ((m.softirq - this.machine.softirq) / ticks) * 100;
    const seconds = Math.max(1e-3, (b.atMs - this.a.atMs) / 1000);
    let busiest = 0;
    for (const [tid, cpu] of threadCpu()) busiest = Math.max(busiest, cpu - (this.threads.get(tid) ?? 0));
    return { cpuPct: cpuBetween(this.a, b).cpuPct, busiestThreadPct: (busiest / seconds) * 100, threads: b.threads, machineBusyPct, machineSoftirqPct };
  }
}

function oneUse(proc: ServerProcess, a: ProcSample | null, b: ProcSample | null): ServerUse | null {
  if (a === null || b === null) return null;
  const cpu = cpuBetween(a, b);
  const others = otherThreadsPct(a, b, String(proc.pid)).slice(0, 4);
  return { cpuPct: cpu.cpuPct, mainPct: cpu.mainPct, rssStartKb: a.rssKb, rssEndKb: b.rssKb, threads: b.threads, otherThreadsPct: others };
}

/** One server process, or several nodes (summed, with each node's own figures in `nodes`). */
export function serverUse(procs: ServerProcess[], a: Array<ProcSample | null>, b: Array<ProcSample | null>): ServerUse | null {
  const each = procs.map((p, i) => oneUse(p, a[i] ?? null, b[i] ?? null));
  if (each.length === 0 || each.some((u) => u === null)) return null;
  const uses = each as ServerUse[];
  if (uses.length === 1) return uses[0]!;
  const sum = (f: (u: ServerUse) => number): number => uses.reduce((x, u) => x + f(u), 0);
  const busiest = uses.reduce((x, u) => ((u.otherThreadsPct[0] ?? 0) > (x.otherThreadsPct[0] ?? 0) ? u : x));
  return {
    cpuPct: sum((u) => u.cpuPct),
    mainPct: Math.max(...uses.map((u) => u.mainPct)),
    rssStartKb: sum((u) => u.rssStartKb),
    rssEndKb: sum((u) => u.rssEndKb),
    threads: sum((u) => u.threads),
    otherThreadsPct: busiest.otherThreadsPct,
    nodes: uses,
  };
}

export const procsOf = (proc: ServerProcess | null): ServerProcess[] => (proc === null ? [] : [proc]);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the target, runs `body`, and always stops what it started. */
export async function onServer<T>(target: Target, body: (addresses: Address[], proc: ServerProcess | null, started: Started) => Promise<T>): Promise<T> {
  const started = await target.start();
  try {
    return await body(started.addresses, started.proc, started);
  } finally {
    await stopStarted(started);
  }
}

/** Polls the pools' counters for the progress line while `work` runs. */
export async function withProgress<T>(ctx: RunContext, title: string, pools: Pools, work: Promise<T>): Promise<T> {
  const t0 = nowUs();
  let lastRecv = 0;
  let lastT = t0;
  const timer = setInterval(() => {
    void pools.all('progress').then((ps) => {
      const sum = (k: 'joined' | 'sent' | 'received' | 'markers' | 'churnCycles' | 'failed'): number => ps.reduce((a, p) => a + p[k], 0);
      const now = nowUs();
      const recv = sum('received');
      const rate = ((recv - lastRecv) / Math.max(1, now - lastT)) * 1e6;
      lastRecv = recv;
      lastT = now;
      const secs = ((now - t0) / 1e6).toFixed(1);
      ctx.progress(
        `${title}  joined ${sum('joined')}${sum('failed') ? ` failed ${sum('failed')}` : ''}  sent ${sum('sent')}  recv ${recv} (${Math.round(rate)}/s)` +
          `${sum('markers') ? `  settled ${sum('markers')}` : ''}${sum('churnCycles') ? `  cycles ${sum('churnCycles')}` : ''}  ${secs}s`,
      );
    }, () => undefined);
  }, 250);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Seconds of sending, from --duration, else 1 s in a --quick run, else `full`. */
export const durationMs = (ctx: RunContext, full: number): number => Math.round((ctx.durationS ?? (ctx.quick ? 1 : full)) * 1000);
