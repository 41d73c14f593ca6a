// /healthz on a cluster node, against a real redis-server: 503 with the reason while Redis is
// unreachable (the node is degraded), 200 once it is back.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RedisServer } from '../bench/redis.js';
import { clusterSystem } from '../src/cluster/remote.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { startWebServer, type WebServer } from './helpers/web.js';
import { TestClient } from './helpers/client.js';

let redis: TestRedis | null = null;
let again: RedisServer | null = null;
let server: WebServer | null = null;
const clients: TestClient[] = [];

const health = suite('healthz: a cluster node');
health.after.each(async () => {
  for (const c of clients) c.close();
  await server?.close();
  server = null;
  await again?.kill();
  again = null;
  await redis?.stop();
  redis = null;
});

async function healthz(): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${server!.httpPort}/healthz`);
  return { status: res.status, text: await res.text() };
}

/** Asks /healthz until it answers `status`; a guard against hanging, not a timing check. */
async function until(status: number, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = { status: 0, text: '' };
  while (Date.now() < deadline) {
    last = await healthz();
    if (last.status === status) return last.text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`/healthz never answered ${status}; last ${last.status} ${JSON.stringify(last.text)}`);
}

health('200 while Redis serves; 503 "redis unreachable" once it goes; 200 again when it is back', async () => {
  redis = await startRedis();
  server = await startWebServer({}, { system: clusterSystem({ url: redis.url, retention: 1000 }) });
  await until(200);
  const alice = await TestClient.named(server.port, 'alice');
  clients.push(alice);
  const port = redis.port;
  await redis.stop();
  redis = null;
  assert.is(await until(503), 'redis unreachable: the chat is degraded\n');
  again = await RedisServer.launch('redis-server', port);
  assert.is(await until(200), 'ok\n');
});

health.run();
