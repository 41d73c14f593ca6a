// A cluster node's /metrics and log against a real Redis: the heartbeat's round trips, each
// followed room log's lag, the store's room count; Redis restarted under it: degraded and
// recovered logged, the reconnections counted, the degraded gauge up and down again.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterSystem } from '../src/cluster/remote.js';
import { defaultConfig } from '../src/config.js';
import type { Gateway } from '../src/gateway/gateway.js';
import * as texts from '../src/edges/telnet/texts.js';
import { createLog } from '../src/ops/log.js';
import { systemLog } from '../src/ops/log-events.js';
import { createMetrics, type MetricsProvider } from '../src/ops/metrics.js';
import { TestClient } from './helpers/client.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { telnetGateway } from './helpers/server.js';
import { parseMetrics } from './helpers/metrics.js';

let redis: TestRedis | null = null;
let gateway: Gateway | null = null;
let clients: TestClient[] = [];

const c = suite('metrics and log: a cluster node');
c.after.each(async () => {
  for (const client of clients) client.close();
  clients = [];
  await gateway?.close(200);
  gateway = null;
  await redis?.stop();
  redis = null;
});

const scrape = async (metrics: MetricsProvider): Promise<Map<string, number>> => parseMetrics(await metrics.text());

/** Scrapes until `ok` holds (a guard of `ms` against hanging, not a timing check). */
async function scrapeUntil(metrics: MetricsProvider, ok: (m: Map<string, number>) => boolean, what: string, ms = 15_000): Promise<Map<string, number>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await scrape(metrics);
    if (ok(m)) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last scrape:\n${[...m].filter(([k]) => k.startsWith('nodechat_')).join('\n')}`);
    await sleep(100);
  }
}

c('round trips, room-log lag and rooms from the cluster Worker; a Redis restart logged and counted', async () => {
  redis = await startRedis();
  const logged: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString());
      done();
    },
  });
  const log = createLog({ level: 'info', stream });
  const config = defaultConfig({ host: '127.0.0.1', port: 0, floodRate: 0, shutdownGraceSeconds: 1, redis: redis.url });
  gateway = telnetGateway(config, clusterSystem({ url: redis.url, retention: config.retention }, systemLog(log.logger)));
  const { port } = await gateway.listen();
  const metrics = createMetrics(gateway, { cluster: true, processMetrics: false });
  const alice = await TestClient.named(port, 'alice');
  const bob = await TestClient.named(port, 'bob');
  clients.push(alice, bob);
  alice.send('hello\r\n');
  await bob.waitFor(texts.message('alice', 'hello'));

  const m = await scrapeUntil(metrics, (s) => (s.get('nodechat_redis_round_trip_seconds_count') ?? 0) >= 1, 'a heartbeat round trip');
  assert.ok(m.get('nodechat_redis_round_trip_seconds_sum')! > 0);
  assert.is(m.get('nodechat_rooms'), 1, "the store's rooms");
  assert.is(m.get('nodechat_named_users'), 2);
  assert.is(m.get('nodechat_redis_degraded'), 0);
  assert.is(m.get('nodechat_redis_reconnects_total'), 0);
  const lag = m.get('nodechat_room_log_lag_seconds{room="lobby"}');
  assert.ok(lag !== undefined && lag >= 0, `the lobby's log lag: ${lag}`);

  await redis.restart();
  const recovered = (): boolean => logged.some((l) => l.includes('"event":"cluster_recovered"'));
  const after = await scrapeUntil(metrics, (s) => recovered() && s.get('nodechat_redis_degraded') === 0 && (s.get('nodechat_redis_reconnects_total') ?? 0) >= 1, 'recovery');
  const events = logged.map((l) => (JSON.parse(l) as { event: string }).event);
  assert.ok(events.indexOf('cluster_degraded') >= 0 && events.indexOf('cluster_degraded') < events.indexOf('cluster_recovered'), events.join(' '));
  assert.ok(after.get('nodechat_redis_reconnects_total')! >= 1);
  // The chat goes on, and what was said is nowhere in the log.
  await bob.waitFor('message store restarted', 15_000);
  alice.send('after the restart\r\n');
  await bob.waitFor(texts.message('alice', 'after the restart'), 10_000);
  assert.not.match(logged.join(''), 'after the restart');
  assert.not.match(logged.join(''), 'hello');
});

c.run();
