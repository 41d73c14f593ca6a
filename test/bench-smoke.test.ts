// A tiny real bench run (4 clients, about a second) against the baseline, and against ours when
// it is built: proves the load generator and the servers agree on the wire. No timing thresholds.

import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ServerProcess } from '../bench/child.js';
import { RedisServer, redisMissing } from '../bench/redis.js';
import { scenarioByName, type RunContext } from '../bench/scenarios/index.js';
import { findNgircd } from '../bench/ngircd.js';
import { CLUSTER_NODE, TLS_TARGET, clusterTarget, ircTarget, ngircdTarget, serverSpec, startedTarget, tlsTarget, wsTarget, type Target } from '../bench/servers.js';

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

smoke.after(() => {
  ServerProcess.killAll();
  RedisServer.killAll();
});

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
    assert.ok(Number(r.extra.leftBusyMs) >= 0, 'everyone leaving was measured');
    assert.ok(Number(r.extra.rssLeavingKb) > 0 && Number(r.extra.rssLeftPeakKb) >= Number(r.extra.rssLeavingKb), 'RSS before and at the peak');
    assert.ok(r.ok);
  });
}

if (existsSync(serverSpec('ours').script)) {
  // --protocol irc (issue 16): the clients register with NICK/USER, JOIN #lobby and PRIVMSG; in
  // ours-mixed half of them speak telnet. ngircd too when it is installed (.ci/run installs it).
  const ircTargets: Array<[string, () => Target]> = [
    ['ours', () => ircTarget('ours')],
    ['ours-mixed', () => ircTarget('ours-mixed')],
    ...(findNgircd() === null ? [] : [['ngircd', ngircdTarget] as [string, () => Target]]),
  ];
  for (const [name, make] of ircTargets) {
    smoke(`fanout --protocol irc against ${name}: every PRIVMSG arrives once, in order, everywhere`, async () => {
      const [r] = await scenarioByName('fanout').run({ ...context('ours'), servers: [make()] });
      assert.ok(r);
      assert.is(r.server, name);
      assert.is(r.join.joined, 4, 'all registered and joined #lobby');
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

  // --tls (issue 19): the clients connect with tls.connect to ours' telnet over TLS, a certificate made for the run.
  smoke('fanout --tls against ours-tls: every line arrives once, in order, everywhere, over TLS', async () => {
    const [r] = await scenarioByName('fanout').run({ ...context('ours'), servers: [tlsTarget(TLS_TARGET)] });
    assert.ok(r);
    assert.is(r.server, TLS_TARGET);
    assert.is(r.join.joined, 4, 'all joined over TLS');
    assert.ok(r.messages > 0, 'something was sent');
    assert.equal(r.errors, {});
    assert.is(r.check?.lost, 0, 'lost');
    assert.is(r.check?.duplicated, 0, 'duplicated');
    assert.is(r.check?.reordered, 0, 'reordered');
    assert.is(r.deliveries, r.messages * 3, 'each line reached the 3 others');
    assert.ok(r.ok);
  });

  // --protocol ws (issue 18): the same IRC clients over WebSocket (/ws), and the plain ws broadcast baseline.
  for (const [name, make] of [
    ['ours', () => wsTarget('ours')],
    ['ws-baseline', () => wsTarget('ws-baseline')],
  ] as Array<[string, () => Target]>) {
    smoke(`fanout --protocol ws against ${name}: every PRIVMSG arrives once, in order, everywhere`, async () => {
      const [r] = await scenarioByName('fanout').run({ ...context('ours'), servers: [make()] });
      assert.ok(r);
      assert.is(r.server, name);
      assert.is(r.join.joined, 4, 'all registered and joined #lobby');
      assert.ok(r.messages > 0, 'something was sent');
      assert.equal(r.errors, {});
      assert.is(r.check?.lost, 0, 'lost');
      assert.is(r.check?.duplicated, 0, 'duplicated');
      assert.is(r.check?.reordered, 0, 'reordered');
      assert.is(r.deliveries, r.messages * 3, 'each line reached the 3 others');
      assert.ok(r.ok);
    });
  }

  smoke('rooms against ours: /join works, every room hears only its own senders, in one order', async () => {
    const ctx: RunContext = { ...context('ours'), servers: [], workersList: [2], roomShapes: [{ R: 3, M: 4 }] };
    const results = await scenarioByName('rooms').run(ctx);
    assert.equal(
      results.map((r) => `${r.label} ${r.server}`),
      ['1×12 ours w2', '3×4 ours w2'],
    );
    const r = results[1]!;
    assert.is(r.join.joined, 12, 'all joined their rooms');
    assert.equal(r.errors, {});
    assert.is(r.check?.foreign, 0, 'no line from another room');
    assert.is(r.check?.lost, 0, 'lost');
    assert.is(r.check?.mismatched, 0, 'order across receivers');
    assert.is(r.check?.unchecked, 0, 'every room had a reference receiver');
    assert.is(r.deliveries, r.messages * 3, 'each line reached the 3 others of its room');
    assert.ok(r.serverUse !== null && r.serverUse.otherThreadsPct.length > 0, 'per-thread CPU read');
    assert.ok(results.every((x) => x.ok));
  });

  const missing = redisMissing('redis-server');
  smoke('cluster: one node, one on Redis, two on one Redis; Redis counted per line', async () => {
    if (missing !== null) {
      // Without redis-server the scenario says why and runs nothing.
      const ctx: RunContext = { ...context('ours'), skipped: [] };
      assert.equal(await scenarioByName('cluster').run(ctx), []);
      assert.is(ctx.skipped?.[0]?.scenario, 'cluster');
      return;
    }
    // 0.3 s per case keeps it under 5 s: three cases, and a fresh node's first join can wait
    // up to a second (its log reader is parked in a 1 s blocking XREAD before it can be woken).
    const results = await scenarioByName('cluster').run({ ...context('ours'), clients: 4, durationS: 0.3 });
    assert.equal(
      results.map((r) => r.server),
      ['1 node', '1 node+redis', '2 nodes+redis'],
    );
    for (const r of results) {
      assert.is(r.join.joined, 4, `${r.server}: all joined`);
      assert.equal(r.errors, {}, r.server);
      assert.is(r.check?.lost, 0, `${r.server}: lost`);
      assert.is(r.check?.mismatched, 0, `${r.server}: order across receivers`);
      assert.is(r.deliveries, r.messages * 3, `${r.server}: each line reached the 3 others`);
      assert.ok(r.ok, r.server);
    }
    assert.is(results[0]!.extra.redisCmdsPerLine, undefined, 'alone: no Redis');
    for (const r of results.slice(1)) assert.ok(Number(r.extra.redisCmdsPerLine) >= 1, `${r.server}: at least one Redis command per line`);
    assert.is(results[2]!.serverUse?.nodes?.length, 2, 'both nodes sampled');
    assert.is(RedisServer.running.size, 0, 'the Redis it started is stopped');
  });

  // Needs redis-server (.ci/run installs it); without one the cluster test above covers the skip.
  if (missing === null) smoke('connections against one cluster node on Redis (--servers ours+redis): all join and settle', async () => {
    const ctx: RunContext = { ...context('ours'), servers: [clusterTarget(CLUSTER_NODE, 1, true)], clients: 20 };
    const [r] = await scenarioByName('connections').run(ctx);
    assert.ok(r);
    assert.is(r.server, CLUSTER_NODE);
    assert.is(r.join.joined, 20);
    assert.ok(Number(r.extra.leftBusyMs) >= 0, 'everyone leaving was measured');
    assert.ok(r.ok);
    assert.is(RedisServer.running.size, 0, 'the Redis it started is stopped');
  });
  smoke('cluster with no redis-server: skipped, and says why', async () => {
    const ctx: RunContext = { ...context('ours'), redisServer: '/nonexistent/redis-server', skipped: [] };
    assert.equal(await scenarioByName('cluster').run(ctx), []);
    assert.match(ctx.skipped?.[0]?.why ?? '', /not found/);
  });
}

smoke.run();
