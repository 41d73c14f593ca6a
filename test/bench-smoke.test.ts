// A tiny real bench run (4 clients, about a second) against the baseline, and against ours when
// it is built: proves the load generator and the servers agree on the wire. No timing thresholds.

import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ServerProcess } from '../bench/proc.js';
import { scenarioByName, type RunContext } from '../bench/scenarios.js';
import { serverSpec, startedTarget } from '../bench/servers.js';

const smoke = suite('bench smoke');

function context(server: string): RunContext {
  const target = startedTarget(serverSpec(server));
  return {
    servers: [target],
    baseline: server === 'baseline' ? target : null,
    threads: 0,
    quick: true,
    durationS: 0.5,
    clients: 4,
    rate: 200,
    joinsInFlight: 4,
    timeoutS: 10,
    lineBytes: 64,
    progress: () => undefined,
    baselineMsgs: new Map(),
  };
}

smoke.after(() => ServerProcess.killAll());

const servers = ['baseline', ...(existsSync(serverSpec('ours').script) ? ['ours'] : [])];

for (const server of servers) {
  for (const scenario of ['fanout', 'rate']) {
    smoke(`${scenario} against ${server}: every line arrives once, in order, everywhere`, async () => {
      const [r] = await scenarioByName(scenario).run(context(server));
      assert.ok(r);
      assert.is(r.join.joined, 4, 'all joined');
      assert.ok(r.messages > 0, 'something was sent');
      assert.equal(r.errors, {});
      assert.is(r.check?.lost, 0, 'lost');
      assert.is(r.check?.duplicated, 0, 'duplicated');
      assert.is(r.check?.reordered, 0, 'reordered');
      assert.is(r.check?.mismatched, 0, 'order across receivers');
      assert.is(r.deliveries, r.messages * 3, 'each line reached the 3 others');
      assert.ok(r.ok);
    });
  }

  smoke(`churn against ${server}: observers see every join, line and leave`, async () => {
    const [r] = await scenarioByName('churn').run({ ...context(server), clients: 2 });
    assert.ok(r);
    assert.ok(Number(r.extra.cycles) > 0, 'some cycles');
    assert.is(r.check?.lost, 0);
    assert.ok(r.ok);
  });

  smoke(`connections against ${server}: all join and settle`, async () => {
    const [r] = await scenarioByName('connections').run({ ...context(server), clients: 20 });
    assert.ok(r);
    assert.is(r.join.joined, 20);
    assert.ok(Number(r.extra.settledMs) >= 0, 'settled');
    assert.ok(r.ok);
  });
}

smoke.run();
