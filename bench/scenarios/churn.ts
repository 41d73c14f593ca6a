// churn: C clients loop connect → name → one line → close for D seconds, watched by a few
// observers that must see every churn client's join, line and leave: cycles/s, server RSS.

import type { PoolSetup } from '../pool-messages.js';
import type { CaseResult } from '../result-types.js';
import { nowUs } from '../stats.js';
import { Pools } from '../threads.js';
import { LoadgenMeter, durationMs, fmtMs, mergeErrors, mergeHist, onServer, procsOf, roomConns, serverUse, sleep, withProgress, type Scenario } from './shared.js';

export const churn: Scenario = {
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
