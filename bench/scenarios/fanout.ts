// fanout: one room, N = 100 and 1,000, 10 senders each keeping 8 lines in flight for 10 s.
// Its baseline figure per N feeds `rate` in the same run.

import type { SendPlan } from '../pool-messages.js';
import type { CaseResult } from '../result-types.js';
import { durationMs, type RunContext, type Scenario } from './shared.js';
import { traffic } from './traffic.js';

/** The N of fanout (and of rate): --clients, else 5 in a --quick run, else 100 and 1,000. */
export function fanoutSizes(ctx: RunContext): number[] {
  if (ctx.clients !== undefined) return [ctx.clients];
  return ctx.quick ? [5] : [100, 1000];
}

export const fanout: Scenario = {
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
