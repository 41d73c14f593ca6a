// cluster (issue 8): one room, N = 100 and 1,000, 10 senders (window 8) against one node alone,
// one node on Redis, and two nodes on one Redis; Redis commands, bytes and CPU per chat line.

import type { SendPlan } from '../pool-messages.js';
import { redisMissing } from '../redis.js';
import type { CaseResult } from '../result-types.js';
import { clusterTarget } from '../servers.js';
import { durationMs, type Scenario } from './shared.js';
import { traffic } from './traffic.js';

export const cluster: Scenario = {
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
