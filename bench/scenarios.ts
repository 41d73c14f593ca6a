// The scenarios of `npm run bench`: each runs its cases against every server of the run, each
// case on a freshly started server, and returns one CaseResult per (case, server).
// `rooms` (issue 6) gives each ConnSpec a room; `cluster` (issue 8) spreads them over the
// addresses of several nodes sharing one Redis the bench starts itself.

import { LOBBY } from '../src/edges/telnet/texts.js';
import { addCounts, compareOrders, zeroCounts } from './check.js';
import type { Address, ConnSpec, PoolSetup, SendPlan } from './pool-messages.js';
import { cpuBetween, machineTicks, otherThreadsPct, sampleProc, threadCpu, untilIdle, type ProcSample } from './proc.js';
import type { ServerProcess } from './child.js';
import { redisDelta, redisMissing, type RedisCounters } from './redis.js';
import type { CaseResult, LoadgenUse, ServerUse } from './result-types.js';
import { clusterTarget, oursWithWorkers, stopStarted, type Started, type Target } from './servers.js';
import { Histogram, nowUs, summarize, type HistogramData } from './stats.js';
import { Pools } from './threads.js';

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

// ---- shared pieces --------------------------------------------------------------------------

const nickOf = (i: number): string => `u${String(i).padStart(5, '0')}`;

/** N connections in one room; the first S send (round-robin dealing spreads them over threads). */
export function roomConns(N: number, S: number, room = LOBBY, target = 0): ConnSpec[] {
  return Array.from({ length: N }, (_, i) => ({ id: i, nick: nickOf(i), room, target, sender: i < S ? i : -1, reference: false }));
}

const fmtMs = (us: number): number => Math.round(us / 100) / 10;

function sumSent(reports: Array<{ sent: number[] }>): number[] {
  const out = reports[0]!.sent.map(() => 0);
  for (const r of reports) r.sent.forEach((n, s) => (out[s]! += n));
  return out;
}

/** Sums the pools' error counts; each pool reports its running totals, so pass the last phase's reports. */
function mergeErrors(reports: Array<{ errors: Record<string, number> }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.errors)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function mergeHist(list: HistogramData[]): Histogram {
  const h = new Histogram();
  for (const d of list) h.merge(d);
  return h;
}

function thinCdf(h: Histogram, points = 160): Array<[number, number]> {
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
class LoadgenMeter {
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
function serverUse(procs: ServerProcess[], a: Array<ProcSample | null>, b: Array<ProcSample | null>): ServerUse | null {
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

const procsOf = (proc: ServerProcess | null): ServerProcess[] => (proc === null ? [] : [proc]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the target, runs `body`, and always stops what it started. */
async function onServer<T>(target: Target, body: (addresses: Address[], proc: ServerProcess | null, started: Started) => Promise<T>): Promise<T> {
  const started = await target.start();
  try {
    return await body(started.addresses, started.proc, started);
  } finally {
    await stopStarted(started);
  }
}

/** Polls the pools' counters for the progress line while `work` runs. */
async function withProgress<T>(ctx: RunContext, title: string, pools: Pools, work: Promise<T>): Promise<T> {
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

// ---- room traffic: fanout and rate -----------------------------------------------------------

interface TrafficCase {
  scenario: string;
  label: string;
  N: number;
  S: number;
  plan: SendPlan;
  params: Record<string, number | string>;
  /** The connections (default: N in the lobby, the first S sending) and each sender's room. */
  conns?: ConnSpec[];
  senderRooms?: string[];
}

/** Redis figures per chat line between two INFO snapshots (issue 8). */
function redisFigures(a: RedisCounters, b: RedisCounters, lines: number, cpuS: number, seconds: number, background: number | null): Record<string, number | string> {
  const d = redisDelta(a, b);
  const per = (n: number): number => Math.round((n / Math.max(1, lines)) * 100) / 100;
  const top = [...d.calls].sort((x, y) => y[1] - x[1]).slice(0, 6);
  return {
    redisCommands: d.commands,
    redisCmdsPerLine: per(d.commands),
    redisInBytesPerLine: per(d.inBytes),
    redisOutBytesPerLine: per(d.outBytes),
    redisCpuPct: Math.round((cpuS / Math.max(1e-3, seconds)) * 1000) / 10,
    redisCpuUsPerLine: Math.round((cpuS * 1e6 * 100) / Math.max(1, lines)) / 100,
    redisCallsPerLine: top.map(([name, n]) => `${name} ${per(n)}`).join(', '),
    ...(background === null ? {} : { redisBackgroundCmdsPerS: Math.round(background) }),
  };
}

async function traffic(ctx: RunContext, target: Target, c: TrafficCase): Promise<CaseResult> {
  return onServer(target, async (addresses, _proc, started) => {
    const title = `${c.scenario} ${c.label} ${target.name}`;
    const procs = started.procs ?? procsOf(started.proc);
    const base: Omit<PoolSetup, 'conns'> = {
      targets: addresses,
      senderRooms: c.senderRooms ?? new Array<string>(c.S).fill(LOBBY),
      joinsInFlight: ctx.joinsInFlight,
      lineBytes: ctx.lineBytes,
      mode: 'check',
    };
    const threads = c.N < 20 ? 0 : ctx.threads; // a handful of sockets: no thread needed
    const conns = (c.conns ?? roomConns(c.N, c.S)).map((x) => ({ ...x }));
    // Several nodes: Pools deals connection i to thread i % T, so node ⌊i / T⌋ mod nodes puts
    // senders and receivers of every thread on every node (the window then waits on both).
    if (addresses.length > 1) conns.forEach((x, i) => (x.target = Math.floor(i / Math.max(1, threads)) % addresses.length));
    const pools = await Pools.open(base, conns, threads);
    try {
      const t0 = nowUs();
      const joins = await withProgress(ctx, title, pools, pools.all('join', ctx.timeoutS * 1000));
      const joinedN = joins.reduce((a, j) => a + j.joined, 0);
      const joinHist = mergeHist(joins.map((j) => j.joinUs));
      const joinMs = fmtMs(Math.max(...joins.map((j) => j.lastJoinUs)) - t0);

      // Redis: what the idle cluster costs (heartbeats, blocking reads) over a second, then the
      // run (not in a --quick run: its figures are not for reading).
      const redis = started.redis;
      let background: number | null = null;
      if (redis !== undefined && !ctx.quick) {
        const q0 = await redis.counters();
        await sleep(1000);
        background = redisDelta(q0, await redis.counters()).commands;
      }
      const r0 = redis === undefined ? null : await redis.counters();
      const rp0 = redis?.sample() ?? null;
      const s0 = procs.map((p) => p.sample());
      const meter = new LoadgenMeter();
      const sends = await withProgress(ctx, title, pools, pools.all('send', c.plan));
      const sent = sumSent(sends);
      const drainMs = Math.max(5000, c.plan.durationMs);
      const drains = await withProgress(ctx, title, pools, pools.all('drain', sent, drainMs));
      const loadgen = meter.stop();
      const s1 = procs.map((p) => p.sample());
      const rp1 = redis?.sample() ?? null;
      const r1 = redis === undefined ? null : await redis.counters();

      const counts = zeroCounts();
      for (const d of drains) addCounts(counts, d.counts);
      const verdict = compareOrders(drains.flatMap((d) => d.orders));
      const latency = mergeHist(drains.map((d) => d.latency));
      const firstSend = Math.min(...sends.map((s) => s.firstSendUs));
      const lastRecv = Math.max(...drains.map((d) => d.lastReceiveUs));
      const activeS = Math.max(1e-3, (lastRecv - firstSend) / 1e6);
      const messages = sent.reduce((a, b) => a + b, 0);
      const errors = mergeErrors(drains);
      const ok =
        joinedN === c.N && counts.lost === 0 && counts.duplicated === 0 && counts.reordered === 0 && counts.foreign === 0 && verdict.mismatched === 0;
      const redisExtra =
        r0 !== null && r1 !== null && rp0 !== null && rp1 !== null
          ? redisFigures(r0, r1, messages, rp1.cpuS - rp0.cpuS, (rp1.atMs - rp0.atMs) / 1000, background)
          : {};
      return {
        scenario: c.scenario,
        label: c.label,
        server: target.name,
        params: { ...c.params, N: c.N, S: c.S, threads: pools.size },
        ok,
        join: { joined: joinedN, of: c.N, failed: c.N - joinedN, ms: joinMs, p50Ms: fmtMs(joinHist.quantile(0.5)), p99Ms: fmtMs(joinHist.quantile(0.99)) },
        messages,
        deliveries: counts.received,
        activeS,
        deliveriesPerS: counts.received / activeS,
        messagesPerS: messages / activeS,
        latencyUs: summarize(latency),
        latencyCdf: thinCdf(latency),
        check: { ...counts, ...verdict },
        serverUse: serverUse(procs, s0, s1),
        loadgen,
        errors,
        extra: { receiversComplete: drains.reduce((a, d) => a + d.complete, 0), nodes: addresses.length, ...redisExtra },
      };
    } finally {
      await pools.close();
    }
  });
}

function fanoutSizes(ctx: RunContext): number[] {
  if (ctx.clients !== undefined) return [ctx.clients];
  return ctx.quick ? [5] : [100, 1000];
}

const durationMs = (ctx: RunContext, full: number): number => Math.round((ctx.durationS ?? (ctx.quick ? 1 : full)) * 1000);

const fanout: Scenario = {
  name: 'fanout',
  describe: 'one room, N = 100 and 1,000, 10 senders with 8 lines in flight each, 10 s, 64-byte lines',
  async run(ctx) {
    const out: CaseResult[] = [];
    for (const N of fanoutSizes(ctx)) {
      const S = Math.min(10, Math.max(1, N - 1));
      const window = 8;
      const plan: SendPlan = { kind: 'window', window, durationMs: durationMs(ctx, 10) };
      for (const target of ctx.servers) {
        const r = await traffic(ctx, target, { scenario: 'fanout', label: `N=${N}`, N, S, plan, params: { window, durationS: plan.durationMs / 1000 } });
        if (target === ctx.baseline) ctx.baselineMsgs.set(N, r.messagesPerS);
        out.push(r);
      }
    }
    return out;
  },
};

const rate: Scenario = {
  name: 'rate',
  describe: 'one room, N = 100 and 1,000, a fixed total rate of half the baseline fanout messages/s: latency',
  async run(ctx) {
    const out: CaseResult[] = [];
    for (const N of fanoutSizes(ctx)) {
      const S = Math.min(10, Math.max(1, N - 1));
      let total = ctx.rate;
      let source = 'given';
      if (total === undefined) {
        let msgs = ctx.baselineMsgs.get(N);
        source = 'baseline fanout, this run';
        if (msgs === undefined) {
          if (ctx.baseline === null) throw new Error('rate needs --rate or the baseline server to calibrate against');
          const plan: SendPlan = { kind: 'window', window: 8, durationMs: ctx.quick ? 1000 : 3000 };
          const cal = await traffic(ctx, ctx.baseline, { scenario: 'rate-calibration', label: `N=${N}`, N, S, plan, params: {} });
          msgs = cal.messagesPerS;
          source = `baseline fanout calibration (${plan.durationMs / 1000} s)`;
        }
        total = msgs / 2;
      }
      const plan: SendPlan = { kind: 'rate', perSender: total / S, durationMs: durationMs(ctx, 10) };
      for (const target of ctx.servers) {
        out.push(
          await traffic(ctx, target, {
            scenario: 'rate',
            label: `N=${N}`,
            N,
            S,
            plan,
            params: { offeredMsgsPerS: Math.round(total), rateFrom: source, durationS: plan.durationMs / 1000 },
          }),
        );
      }
    }
    return out;
  },
};

// ---- connections: many sockets join one room ----------------------------------------------------

const SENTINEL = 'zzend';

const connections: Scenario = {
  name: 'connections',
  describe: '10,000 connections join one room: time until all joined, server RSS per connection; then all leave at once: server busy time and RSS',
  async run(ctx) {
    const N = ctx.clients ?? (ctx.quick ? 50 : 10_000);
    const out: CaseResult[] = [];
    for (const target of ctx.servers) {
      out.push(
        await onServer(target, async (addresses, proc) => {
          const title = `connections N=${N} ${target.name}`;
          await sleep(300);
          const idle = proc?.sample() ?? null;
          // Every join line goes to everyone: N²/2 lines that only need draining. Count mode skips
          // parsing; a last joiner (SENTINEL) tells us when everything before it has arrived.
          const marker = ` > ${SENTINEL} joined the room`;
          const base: Omit<PoolSetup, 'conns'> = {
            targets: addresses,
            senderRooms: [],
            joinsInFlight: ctx.joinsInFlight,
            lineBytes: ctx.lineBytes,
            mode: 'count',
            marker,
          };
          const pools = await Pools.open(base, roomConns(N, 0), N < 20 ? 0 : ctx.threads);
          const sentinel = await Pools.open({ ...base, mode: 'check' }, [{ id: N, nick: SENTINEL, room: LOBBY, target: 0, sender: -1, reference: false }], 0);
          let closed = false;
          const closeAll = async (): Promise<void> => {
            closed = true;
            await sentinel.close();
            await pools.close();
          };
          try {
            const meter = new LoadgenMeter();
            const t0 = nowUs();
            const joins = await withProgress(ctx, title, pools, pools.all('join', ctx.timeoutS * 1000));
            const joinedN = joins.reduce((a, j) => a + j.joined, 0);
            const joinedMs = fmtMs(Math.max(...joins.map((j) => j.lastJoinUs)) - t0);
            const atJoined = proc?.sample() ?? null;
            // When not everyone joined in time the server is still busy with joins: settling is not measured.
            const settleS = joinedN === N ? ctx.timeoutS : 0;
            const [sj] = await sentinel.all('join', settleS * 1000);
            const marks = await withProgress(ctx, title, pools, pools.all('awaitMarker', settleS * 1000));
            const seen = marks.reduce((a, m) => a + m.seen, 0);
            const settledMs = seen === joinedN && sj!.joined === 1 ? fmtMs(Math.max(...marks.map((m) => m.lastSeenUs)) - t0) : -1;
            const loadgen = meter.stop();
            const after = proc?.sample() ?? null;
            // RSS right after the storm is its high-water mark: freed buffers and heap pages go
            // back to the system only later. What each connection costs to keep is read again
            // after a rest, everyone still connected and idle.
            const restS = proc === null ? 0 : (ctx.restS ?? (ctx.quick ? 0 : 10)); // no RSS to read from an external server
            await sleep(restS * 1000);
            const rested = restS > 0 ? (proc?.sample() ?? null) : null;
            // Then everyone leaves at once: each leave is a line to everyone still there. Measured
            // only after a complete join (a server still working through joins would be timed too).
            const beforeLeaving = joinedN === N && proc !== null ? proc.sample() : null;
            await closeAll();
            const departure = beforeLeaving === null ? null : await untilIdle(() => proc!.sample(), beforeLeaving, ctx.timeoutS * 1000);
            const leaveError: Record<string, number> = departure?.died ? { 'server died while everyone left': 1 } : {};
            const joinHist = mergeHist(joins.map((j) => j.joinUs));
            const perConn = (s: typeof after): number => (idle !== null && s !== null && joinedN > 0 ? Math.round(((s.rssKb - idle.rssKb) / (joinedN + 1)) * 100) / 100 : -1);
            return {
              scenario: 'connections',
              label: `N=${N}`,
              server: target.name,
              params: { N, timeoutS: ctx.timeoutS, threads: pools.size },
              ok: joinedN === N && settledMs >= 0 && departure?.died !== true,
              join: { joined: joinedN, of: N, failed: N - joinedN, ms: joinedMs, p50Ms: fmtMs(joinHist.quantile(0.5)), p99Ms: fmtMs(joinHist.quantile(0.99)) },
              messages: 0,
              deliveries: 0,
              activeS: 0,
              deliveriesPerS: 0,
              messagesPerS: 0,
              latencyUs: null,
              latencyCdf: [],
              check: null,
              serverUse: serverUse(procsOf(proc), [idle], [after]),
              loadgen,
              errors: { ...mergeErrors(joins), ...leaveError },
              extra: {
                joinedMs,
                settledMs,
                settledSeen: seen,
                rssIdleKb: idle?.rssKb ?? -1,
                rssAtJoinedKb: atJoined?.rssKb ?? -1,
                rssSettledKb: after?.rssKb ?? -1,
                rssPerConnKb: perConn(after),
                restS,
                rssRestedKb: rested?.rssKb ?? -1,
                rssRestedPerConnKb: perConn(rested),
                leftBusyMs: departure?.busyMs ?? -1,
                leftCutOff: departure?.cutOff ? 1 : 0,
                rssLeavingKb: beforeLeaving?.rssKb ?? -1,
                rssLeftPeakKb: departure?.peakKb ?? -1,
                rssLeftKb: departure?.endKb ?? -1,
                bytesReceived: marks.reduce((a, m) => a + m.bytes, 0),
              },
            };
          } finally {
            if (!closed) await closeAll();
          }
        }),
      );
    }
    return out;
  },
};

// ---- churn: connect, name, chat, leave, again ------------------------------------------------------

const churn: Scenario = {
  name: 'churn',
  describe: 'clients connect, name, send a line and leave in a loop (watched by a few observers): cycles/s, RSS end vs start',
  async run(ctx) {
    const observersN = ctx.quick ? 3 : 10;
    const concurrency = ctx.clients ?? (ctx.quick ? 4 : 50);
    const dMs = durationMs(ctx, 10);
    const out: CaseResult[] = [];
    for (const target of ctx.servers) {
      out.push(
        await onServer(target, async (addresses, proc) => {
          const title = `churn C=${concurrency} ${target.name}`;
          const base: Omit<PoolSetup, 'conns'> = {
            targets: addresses,
            senderRooms: [],
            joinsInFlight: ctx.joinsInFlight,
            lineBytes: ctx.lineBytes,
            mode: 'check',
          };
          const threads = concurrency < 20 ? 0 : ctx.threads;
          const pools = await Pools.open(base, roomConns(observersN, 0), threads);
          try {
            const joins = await pools.all('join', ctx.timeoutS * 1000);
            await sleep(300);
            const s0 = proc?.sample() ?? null;
            const meter = new LoadgenMeter();
            const t0 = nowUs();
            const per = Math.max(1, Math.round(concurrency / pools.size));
            const churns = await withProgress(
              ctx,
              title,
              pools,
              Promise.all(Array.from({ length: pools.size }, (_, i) => pools.one(i, 'churn', { concurrency: per, durationMs: dMs, lines: 1, nickPrefix: `c${i}n` }))),
            );
            const activeS = (nowUs() - t0) / 1e6;
            const s1 = proc?.sample() ?? null;
            const joinedC = churns.reduce((a, c) => a + c.joined, 0);
            const lines = churns.reduce((a, c) => a + c.linesSent, 0);
            const cycles = churns.reduce((a, c) => a + c.cycles, 0);
            const obs = await pools.all('awaitObservers', { joins: joinedC, leaves: joinedC, messages: lines }, 5000);
            const loadgen = meter.stop();
            await sleep(ctx.quick ? 100 : 1000);
            const settled = proc?.sample() ?? null;
            const nObs = obs.reduce((a, o) => a + o.observers, 0);
            const seen = (k: 'joins' | 'leaves' | 'messages'): number => obs.reduce((a, o) => a + o[k], 0);
            const lost = nObs * (2 * joinedC + lines) - (seen('joins') + seen('leaves') + seen('messages'));
            const joinHist = mergeHist(churns.map((c) => c.joinUs));
            const errors = mergeErrors(churns);
            return {
              scenario: 'churn',
              label: `C=${concurrency}`,
              server: target.name,
              params: { concurrency: per * pools.size, observers: observersN, durationS: dMs / 1000, threads: pools.size },
              ok: lost === 0 && joins.every((j) => j.failed === 0) && obs.every((o) => o.complete === o.observers),
              join: { joined: joinedC, of: joinedC, failed: 0, ms: 0, p50Ms: fmtMs(joinHist.quantile(0.5)), p99Ms: fmtMs(joinHist.quantile(0.99)) },
              messages: lines,
              deliveries: seen('messages'),
              activeS,
              deliveriesPerS: seen('messages') / activeS,
              messagesPerS: lines / activeS,
              latencyUs: null,
              latencyCdf: [],
              check: { received: seen('joins') + seen('leaves') + seen('messages'), lost: Math.max(0, lost), duplicated: Math.max(0, -lost), reordered: 0, foreign: 0, mismatched: 0, unchecked: 0, examples: [] },
              serverUse: serverUse(procsOf(proc), [s0], [s1]),
              loadgen,
              errors,
              extra: {
                cycles,
                cyclesPerS: Math.round(cycles / activeS),
                rssStartKb: s0?.rssKb ?? -1,
                rssEndKb: s1?.rssKb ?? -1,
                rssSettledKb: settled?.rssKb ?? -1,
                observerJoins: seen('joins'),
                observerLeaves: seen('leaves'),
                observerMessages: seen('messages'),
              },
            };
          } finally {
            await pools.close();
          }
        }),
      );
    }
    return out;
  },
};

// ---- rooms: R rooms × M members, every room chatting (issue 6) ---------------------------------

/** Senders per room: one, so that 10 × 200 has fanout's 10 senders and 100 × 20 has 100. */
const ROOM_SENDERS = 1;
const ROOM_WINDOW = 8;

export const roomName = (r: number): string => `r${String(r).padStart(3, '0')}`;

/**
 * R × M connections, room r holding ids r·M … r·M + M − 1. Room r's sender is its member
 * (r + j) mod M, so that with round-robin dealing (id mod T) the senders land on every thread,
 * not all on thread 0 when M is even.
 */
export function roomsConns(R: number, M: number, perRoom = ROOM_SENDERS): { conns: ConnSpec[]; senderRooms: string[] } {
  const conns: ConnSpec[] = [];
  const senderRooms: string[] = [];
  const k = Math.min(perRoom, M - 1);
  for (let r = 0; r < R; r++) {
    const room = roomName(r);
    const senderAt = new Map<number, number>();
    for (let j = 0; j < k; j++) {
      senderAt.set((r + j) % M, senderRooms.length);
      senderRooms.push(room);
    }
    for (let m = 0; m < M; m++) {
      const id = r * M + m;
      conns.push({ id, nick: nickOf(id), room, target: 0, sender: senderAt.get(m) ?? -1, reference: false });
    }
  }
  return { conns, senderRooms };
}

function roomShapes(ctx: RunContext): Array<{ R: number; M: number }> {
  if (ctx.roomShapes !== undefined && ctx.roomShapes.length > 0) return ctx.roomShapes;
  return ctx.quick ? [{ R: 3, M: 4 }] : [{ R: 100, M: 20 }, { R: 10, M: 200 }];
}

const rooms: Scenario = {
  name: 'rooms',
  describe: 'R rooms × M members (100 × 20, 10 × 200), one sender per room, window 8, ours --workers 1, 2, 3, and one room of the same N',
  async run(ctx) {
    const out: CaseResult[] = [];
    const workers = ctx.workersList ?? (ctx.quick ? [1, 2] : [1, 2, 3]);
    const targets = ctx.external ? ctx.servers : workers.map(oursWithWorkers);
    const single = new Set<number>();
    for (const { R, M } of roomShapes(ctx)) {
      const N = R * M;
      const window = ctx.window ?? ROOM_WINDOW;
      const plan: SendPlan = { kind: 'window', window, durationMs: durationMs(ctx, 10) };
      if (!single.has(N)) {
        // The same N in one room (fanout's case: 10 senders, window 8), on every worker count:
        // one room is one actor, so it cannot use more than one Worker.
        single.add(N);
        const S = Math.min(10, Math.max(1, N - 1));
        for (const target of targets) {
          out.push(
            await traffic(ctx, target, { scenario: 'rooms', label: `1×${N}`, N, S, plan, params: { R: 1, M: N, window, durationS: plan.durationMs / 1000 } }),
          );
        }
      }
      const { conns, senderRooms } = roomsConns(R, M);
      for (const target of targets) {
        out.push(
          await traffic(ctx, target, {
            scenario: 'rooms',
            label: `${R}×${M}`,
            N,
            S: senderRooms.length,
            plan,
            conns,
            senderRooms,
            params: { R, M, sendersPerRoom: senderRooms.length / R, window, durationS: plan.durationMs / 1000 },
          }),
        );
      }
    }
    return out;
  },
};

// ---- cluster: one node, one node on Redis, two nodes on one Redis (issue 8) ---------------------

const cluster: Scenario = {
  name: 'cluster',
  describe: 'one room, N = 100 and 1,000, 10 senders (window 8): 1 node alone, 1 node + Redis, 2 nodes on one Redis; Redis ops and bytes per line',
  async run(ctx) {
    const skip = (why: string): CaseResult[] => {
      (ctx.skipped ??= []).push({ scenario: 'cluster', why });
      return [];
    };
    if (ctx.external) return skip('it starts its own nodes and Redis, so it does not measure a --host/--port server');
    const bin = ctx.redisServer ?? 'redis-server';
    const missing = redisMissing(bin);
    if (missing !== null) return skip(missing);
    const targets = [clusterTarget('1 node', 1, false), clusterTarget('1 node+redis', 1, true, bin), clusterTarget('2 nodes+redis', 2, true, bin)];
    const out: CaseResult[] = [];
    for (const N of ctx.clients !== undefined ? [ctx.clients] : ctx.quick ? [6] : [100, 1000]) {
      const S = Math.min(10, Math.max(1, N - 1));
      const window = ctx.window ?? 8;
      const plan: SendPlan = { kind: 'window', window, durationMs: durationMs(ctx, 10) };
      for (const target of targets) {
        out.push(await traffic(ctx, target, { scenario: 'cluster', label: `N=${N}`, N, S, plan, params: { window, durationS: plan.durationMs / 1000 } }));
      }
    }
    return out;
  },
};

export const SCENARIOS: readonly Scenario[] = [fanout, rate, connections, churn, rooms, cluster];

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.map((x) => x.name).join(', ')}, all)`);
  return s;
}
