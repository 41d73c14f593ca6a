// The room-traffic case that fanout, rate, rooms and cluster run: N connections join (each its
// room), S senders send by a window or at a rate, every receiver checks what it got, and the
// figures (deliveries, latency, checks, server and load-generator CPU, Redis per line) come back
// as one CaseResult.

import { LOBBY } from '../../src/model/rooms.js';
import { addCounts, compareOrders, zeroCounts } from '../check.js';
import type { ConnSpec, PoolSetup, SendPlan } from '../pool-messages.js';
import { redisDelta, redisMemory, type RedisCounters } from '../redis.js';
import type { CaseResult } from '../result-types.js';
import type { Target } from '../servers.js';
import { nowUs, summarize } from '../stats.js';
import { Pools } from '../threads.js';
import { LoadgenMeter, fmtMs, mergeErrors, mergeHist, onServer, procsOf, roomConns, serverUse, sleep, sumSent, thinCdf, withProgress, type RunContext } from './shared.js';

export interface TrafficCase {
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

export async function traffic(ctx: RunContext, target: Target, c: TrafficCase): Promise<CaseResult> {
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
    const mem0 = started.redis === undefined ? null : await redisMemory(started.redis.url);
    const pools = await Pools.open(base, conns, threads);
    try {
      const t0 = nowUs();
      const joins = await withProgress(ctx, title, pools, pools.all('join', ctx.timeoutS * 1000));
      const joinedN = joins.reduce((a, j) => a + j.joined, 0);
      const joinHist = mergeHist(joins.map((j) => j.joinUs));
      const joinMs = fmtMs(Math.max(...joins.map((j) => j.lastJoinUs)) - t0);

      const redis = started.redis;
      const mem1 = redis === undefined ? null : await redisMemory(redis.url);
      // Redis: what the idle cluster costs (heartbeats, blocking reads) over a second, then the
      // run (not in a --quick run: its figures are not for reading).
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
      const mem2 = redis === undefined ? null : await redisMemory(redis.url);

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
      // Memory per connection: what joining costs (registration, membership), then what the
      // operation results of the run's senders and receivers still hold (the room logs, bounded
      // by --retention whatever N is, are left out).
      const memExtra: Record<string, number> =
        mem0 !== null && mem1 !== null && mem2 !== null
          ? {
              redisJoinBytesPerConn: Math.round((mem1.usedBytes - mem0.usedBytes) / Math.max(1, joinedN)),
              redisOpKeys: mem2.opKeys,
              redisOpBytesPerConn: Math.round(mem2.opBytes / Math.max(1, joinedN)),
            }
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
        extra: { receiversComplete: drains.reduce((a, d) => a + d.complete, 0), nodes: addresses.length, ...redisExtra, ...memExtra },
      };
    } finally {
      await pools.close();
    }
  });
}
