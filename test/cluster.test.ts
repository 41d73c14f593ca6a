import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterSystem } from '../src/cluster/remote.js';
import { defaultConfig } from '../src/config.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { telnetGateway } from './helpers/server.js';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let nodes: Array<{ gateway: Gateway; port: number }> = [];
let clients: TestClient[] = [];

async function node(): Promise<number> {
  const gateway = telnetGateway(defaultConfig({ host: '127.0.0.1', port: 0, floodRate: 0 }), clusterSystem({ url: redis.url, retention: 10_000 }));
  const { port } = await gateway.listen();
  nodes.push({ gateway, port });
  return port;
}
async function named(port: number, nick: string): Promise<TestClient> {
  const c = await TestClient.named(port, nick);
  clients.push(c);
  return c;
}

const cluster = suite('cluster: nodes sharing rooms over Redis');
cluster.before.each(async () => {
  redis = await startRedis();
});
cluster.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(nodes.map((n) => n.gateway.close(200)));
  nodes = [];
  await redis.stop();
});

cluster('users on two nodes chat, rename, act, message privately and leave, with the same texts', async () => {
  const [p1, p2] = [await node(), await node()];
  const alice = await named(p1, 'alice');
  const bob = await named(p2, 'bob');
  await alice.waitFor(texts.joined('bob', 'lobby'));
  bob.send('hi alice\n');
  await alice.waitFor(texts.message('bob', 'hi alice'));
  alice.send('/me waves\n');
  await bob.waitFor(texts.action('alice', 'waves'));
  alice.send('/msg BOB psst\n');
  await bob.waitFor(texts.privateFrom('alice', 'psst'));
  await alice.waitFor(texts.privateTo('bob', 'psst'));
  bob.send('/nick bobby\nas bobby\n');
  await alice.waitFor(texts.renamed('bob', 'bobby'));
  await alice.waitFor(texts.message('bobby', 'as bobby'));
  alice.send('/who\n');
  await alice.waitFor(/in the room: (alice, bobby|bobby, alice)/);
  // The cluster-wide count is refreshed every second ("at most a few seconds stale"): wait for it.
  for (let i = 0; i < 50 && nodes[0]!.gateway.system.openElsewhere() < 1; i++) await TestClient.settle(100);
  const carol = await TestClient.connect(p1);
  clients.push(carol);
  await carol.waitFor('please write your name');
  assert.match(carol.text, '2 other people', `the banner counts the whole cluster: ${carol.text}`);
  carol.send('BOBBY\n');
  await carol.waitFor(texts.nickTaken('BOBBY'));
  carol.send('bob\n');
  await carol.waitFor(texts.joined('bob', 'lobby'));
  bob.send('/quit bye\n');
  await alice.waitFor(texts.left('bobby', 'lobby', 'bye'));
  await bob.waitClosed();
});

cluster('rooms span nodes: /join, /rooms, /who and isolation', async () => {
  const [p1, p2] = [await node(), await node()];
  const alice = await named(p1, 'alice');
  const bob = await named(p2, 'bob');
  const carol = await named(p2, 'carol');
  alice.send('/join dev\n');
  await alice.waitFor(texts.roomSize(1, 'dev'));
  bob.send('/join #DEV\n');
  await bob.waitFor(texts.roomSize(2, 'dev'));
  await alice.waitFor(texts.joined('bob', 'dev'));
  bob.send('in dev\n');
  await alice.waitFor(texts.message('bob', 'in dev'));
  carol.send('/rooms\n');
  await carol.waitFor(' > dev (2)');
  assert.match(carol.text, ' > lobby (1)');
  carol.send('lobby only\n');
  await TestClient.settle(300);
  assert.not.match(alice.text, 'lobby only');
  assert.not.match(carol.text, 'in dev');
});

cluster('two nodes claiming the same nickname at the same instant: exactly one wins', async () => {
  const [p1, p2] = [await node(), await node()];
  for (let round = 0; round < 10; round++) {
    const [a, b] = [await TestClient.connect(p1), await TestClient.connect(p2)];
    clients.push(a, b);
    await Promise.all([a.waitFor('press enter'), b.waitFor('press enter')]);
    a.send(`same${round}\n`);
    b.send(`SAME${round}\n`);
    await Promise.all([a, b].map((c) => c.waitFor((t) => t.includes('joined the room') || t.includes('already in use'))));
    const wins = [a, b].filter((c) => c.text.includes('joined the room')).length;
    assert.is(wins, 1, `round ${round}`);
  }
});

cluster.run();
