// rate: fanout's rooms and senders at a fixed total rate (by default half the baseline's fanout
// messages/s for the same N in this run, calibrated on the baseline when fanout did not run):
// latency at a load every server can carry.

import type { SendPlan } from '../pool-messages.js';
import type { CaseResult } from '../result-types.js';
import { fanoutSizes } from './fanout.js';
import { durationMs, type Scenario } from './shared.js';
import { traffic } from './traffic.js';

export const rate: Scenario = {
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
