import { suite } from 'uvu';
import { Redis } from 'ioredis';
import * as assert from 'uvu/assert';
import { clusterSystem, type RemoteCluster } from '../src/cluster/remote.js';
import { keys } from '../src/cluster/keys.js';
import { ALIVE_MS } from '../src/cluster/liveness.js';
import { scriptCalls } from '../src/cluster/scripts.js';
import { defaultConfig } from '../src/config.js';
import type { Effect } from '../src/model/messages.js';
import { quietEvents } from '../src/runtime/system.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { telnetGateway } from './helpers/server.js';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { startNode, type NodeProcess } from './helpers/node-process.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { countNumbered, numbered } from './helpers/sequence.js';
import { waitUntil } from './helpers/wait.js';

let redis: TestRedis | null = null;
let procs: NodeProcess[] = [];
let gateways: Gateway[] = [];
let clients: TestClient[] = [];

const faults = suite('cluster: faults');
faults.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(procs.map((p) => p.kill()));
  procs = [];
  await Promise.all(gateways.map((g) => g.close(200)));
  gateways = [];
  await redis?.stop();
  redis = null;
});

async function named(port: number, nick: string): Promise<TestClient> {
  const c = await TestClient.named(port, nick);
  clients.push(c);
  return c;
}

faults('SIGKILL of a node mid-stream: leaves announced once; every logged line once, in order, one order for all', async () => {
  redis = await startRedis();
  procs = [await startNode(['--redis', redis.url]), await startNode(['--redis', redis.url]), await startNode(['--redis', redis.url])];
  const [doomed, b, c] = procs as [NodeProcess, NodeProcess, NodeProcess];
  const senders = [await named(doomed.port, 'sa'), await named(b.port, 'sb'), await named(c.port, 'sc')];
  const receivers = [await named(b.port, 'rb'), await named(c.port, 'rc')];
  const perSender = 1500;
  let burst = '';
  for (let i = 0; i < perSender; i++) burst += `${i}\n`;
  for (const s of senders) s.send(burst);
  await receivers[0]!.waitFor(() => countNumbered(receivers[0]!) >= 300, 20_000);
  // How soon a dead node is found is Redis's decision, not a timer here: its liveness key
  // expires at most ALIVE_MS after its last heartbeat. So that is what is checked, not a wall clock.
  const admin = new Redis(redis.url);
  try {
    for (const node of await admin.smembers(keys.nodes)) {
      const ttl = await admin.pttl(keys.alive(node));
      assert.ok(ttl > 0 && ttl <= ALIVE_MS, `${node}: liveness expires in ${ttl} ms (at most ${ALIVE_MS})`);
    }
  } finally {
    admin.disconnect();
  }
  await doomed.kill('SIGKILL');
  const lost = texts.left('sa', 'lobby', 'connection lost');
  for (const r of receivers) await r.waitFor(lost, 15_000);
  for (const r of receivers) await r.waitFor(() => numbered(r).filter((l) => !l.startsWith('sa#')).length >= 2 * perSender, 20_000);
  await TestClient.settle(300);
  for (const r of receivers) assert.is(r.text.split(lost).length - 1, 1, 'the leave is announced once');
  const seen = receivers.map((r) => numbered(r));
  assert.equal(seen[0], seen[1], 'both survivors saw the same lines in the same order');
  for (const sender of ['sb', 'sc']) {
    const nums = seen[0]!.filter((l) => l.startsWith(`${sender}#`)).map((l) => Number(l.split('#')[1]));
    assert.equal(nums, Array.from({ length: perSender }, (_, i) => i), `${sender}: all, once, in order`);
  }
  const fromDead = seen[0]!.filter((l) => l.startsWith('sa#')).map((l) => Number(l.split('#')[1]));
  assert.equal(fromDead, Array.from({ length: fromDead.length }, (_, i) => i), 'the dead node\'s logged lines: a gap-free prefix, once each');
  assert.ok(fromDead.length >= 1, 'some of them had been logged');
  // Its name is free again, and the cluster goes on.
  const again = await named(b.port, 'sa');
  again.send('back\n');
  await receivers[1]!.waitFor(texts.message('sa', 'back'));
});

faults('Redis out of memory: a nickname is refused with a reason and nothing is half-written; once memory frees, the same name works', async () => {
  // Over maxmemory, Redis refuses a script at its first write that could grow memory and never
  // after one: a claim (name, membership and log entry) is refused whole or made whole.
  redis = await startRedis();
  procs = [await startNode(['--redis', redis.url])];
  const node = procs[0]!;
  const first = await named(node.port, 'first');
  const admin = new Redis(redis.url);
  try {
    await admin.config('SET', 'maxmemory', '1'); // already over it: every write is refused
    const late = await TestClient.connect(node.port);
    clients.push(late);
    late.send('latecomer\r\n');
    await late.waitFor(texts.error('that could not be done just now (the chat store failed); please try again'));
    assert.is(await admin.exists(keys.nick('latecomer')), 0, 'the name is not held');
    assert.is(await admin.hlen(keys.members('lobby')), 1, 'only first is a member');
    assert.not.ok(first.text.includes('latecomer'), 'nobody was told of a join');
    await admin.config('SET', 'maxmemory', '0');
    late.send('latecomer\r\n');
    await first.waitFor(texts.joined('latecomer', 'lobby'));
    late.send('made it\n');
    await first.waitFor(texts.message('latecomer', 'made it'));
  } finally {
    admin.disconnect();
  }
});

faults('Redis out of memory for longer than a node\'s liveness: no node is taken for dead, and the chat goes on after', async () => {
  // Heartbeats are writes: over maxmemory none gets through, so a missing liveness key means
  // nothing then. Were the nodes reaped, each user would see the other leave ("connection lost").
  redis = await startRedis();
  procs = [await startNode(['--redis', redis.url]), await startNode(['--redis', redis.url])];
  const a = await named(procs[0]!.port, 'ann');
  const b = await named(procs[1]!.port, 'ben');
  await a.waitFor(texts.joined('ben', 'lobby'));
  const admin = new Redis(redis.url);
  try {
    await admin.config('SET', 'maxmemory', '1');
    await TestClient.settle(3000 + 2500); // past the 3 s liveness, and a reaping round or two
    await admin.config('SET', 'maxmemory', '0');
    await TestClient.settle(3000); // past the hold-off that follows
  } finally {
    admin.disconnect();
  }
  for (const [c, other] of [[a, 'ben'], [b, 'ann']] as const) assert.not.ok(c.text.includes(texts.left(other, 'lobby', 'connection lost')), `${c === a ? 'ann' : 'ben'} saw ${other} leave`);
  b.send('still here\n');
  await a.waitFor(texts.message('ben', 'still here'));
});

faults('Redis restarted (empty) mid-run: users are told, re-registered, and the chat goes on', async () => {
  redis = await startRedis();
  for (let i = 0; i < 2; i++) {
    const g = telnetGateway(defaultConfig({ host: '127.0.0.1', port: 0, floodRate: 0 }), clusterSystem({ url: redis.url, retention: 1000 }));
    await g.listen();
    gateways.push(g);
  }
  const port = (g: Gateway) => (g.server.address() as { port: number }).port;
  const alice = await named(port(gateways[0]!), 'alice');
  const bob = await named(port(gateways[1]!), 'bob');
  await alice.waitFor(texts.joined('bob', 'lobby'));
  alice.clear();
  await redis.restart();
  await alice.waitFor('message store is unreachable', 10_000);
  await alice.waitFor('message store restarted', 15_000);
  await bob.waitFor('message store restarted', 15_000);
  await alice.waitFor(texts.joined('bob', 'lobby'), 5000);
  bob.clear();
  alice.send('after the restart\n');
  await bob.waitFor(texts.message('alice', 'after the restart'), 10_000);
  const carol = await TestClient.connect(port(gateways[0]!));
  clients.push(carol);
  await carol.waitFor('press enter');
  carol.send('Bob\n');
  await carol.waitFor(texts.nickTaken('Bob'), 5000);
});

faults('Redis connections dropped mid-stream: users told, then every line once and in order (replays are not repeated)', async () => {
  redis = await startRedis();
  for (let i = 0; i < 2; i++) {
    const g = telnetGateway(defaultConfig({ host: '127.0.0.1', port: 0, floodRate: 0 }), clusterSystem({ url: redis.url, retention: 10_000 }));
    await g.listen();
    gateways.push(g);
  }
  const port = (g: Gateway) => (g.server.address() as { port: number }).port;
  const s1 = await named(port(gateways[0]!), 's1');
  const s2 = await named(port(gateways[1]!), 's2');
  const r1 = await named(port(gateways[0]!), 'r1');
  const r2 = await named(port(gateways[1]!), 'r2');
  const perSender = 2000;
  let burst = '';
  for (let i = 0; i < perSender; i++) burst += `${i}\n`;
  s1.send(burst);
  s2.send(burst);
  const admin = new Redis(redis.url);
  try {
    for (let k = 0; k < 4; k++) {
      await TestClient.settle(150);
      await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    }
  } finally {
    admin.disconnect();
  }
  for (const r of [r1, r2]) {
    await r.waitFor(() => countNumbered(r) >= 2 * perSender, 60_000).catch((err: unknown) => {
      // Say which lines are missing, not just that some are.
      const got = (s: string) => new Set(numbered(r).filter((l) => l.startsWith(`${s}#`)).map((l) => Number(l.split('#')[1])));
      const missing = (s: string) => Array.from({ length: perSender }, (_, i) => i).filter((i) => !got(s).has(i));
      throw new Error(`missing s1 ${JSON.stringify(missing('s1').slice(0, 20))}, s2 ${JSON.stringify(missing('s2').slice(0, 20))}: ${String(err).slice(0, 200)}`);
    });
  }
  await TestClient.settle(300);
  assert.match(r1.text, 'message store is unreachable', 'users were told');
  assert.match(r1.text, 'the chat is back');
  const seen = [r1, r2].map((r) => numbered(r));
  assert.equal(seen[0], seen[1], 'one order for both nodes');
  for (const sender of ['s1', 's2']) {
    const nums = seen[0]!.filter((l) => l.startsWith(`${sender}#`)).map((l) => Number(l.split('#')[1]));
    assert.equal(nums, Array.from({ length: perSender }, (_, i) => i), `${sender}: all, once, in order`);
  }
});

faults('the cluster Worker killed with a /join in flight: the user is not left waiting', async () => {
  redis = await startRedis();
  const g = telnetGateway(defaultConfig({ host: '127.0.0.1', port: 0, floodRate: 0 }), clusterSystem({ url: redis.url, retention: 1000 }));
  await g.listen();
  gateways.push(g);
  const port = (g.server.address() as { port: number }).port;
  const alice = await named(port, 'alice');
  const bob = await named(port, 'bob');
  bob.send('/join dev\nhello\n');
  (g.system as RemoteCluster).kill();
  await bob.waitFor('hiccup', 10_000);
  bob.clear();
  bob.send('/who\n');
  await bob.waitFor('in the room', 10_000);
  alice.send('/who\n');
  await alice.waitFor('in the room', 10_000);
});

faults('a restarted cluster Worker whose restore fails in the store: reported, nobody left waiting, no rejection unhandled', async () => {
  redis = await startRedis();
  const admin = new Redis(redis.url);
  const unhandled: unknown[] = [];
  const catcher = (why: unknown): void => void unhandled.push(why);
  process.on('unhandledRejection', catcher);
  const failed: string[] = [];
  const effects: Effect[] = [];
  const settled = (conn: number): boolean => effects.some((e) => e.t === 'settled' && e.conn === conn);
  const system = clusterSystem({ url: redis.url, retention: 1000, node: 'R' }, { ...quietEvents, storeFailed: (m) => void failed.push(m) })({
    onEffects: (e) => void effects.push(...e),
    snapshot: () => ({ members: [{ conn: 1, nick: 'alice', rooms: ['lobby'], since: [0] }], topics: [] }),
    openHere: () => 2,
    awaiting: () => [2], // a claim in flight when the Worker dies
    isOpen: () => true,
  }) as RemoteCluster;
  try {
    system.send({ to: 'directory', msg: { t: 'claim', conn: 1, nick: 'alice', enter: 'lobby' }, barrier: true });
    await waitUntil(() => settled(1), { timeoutMs: 5000, failure: (why) => `${why} waiting for alice's claim` });
    // The node's registrations no longer a hash: the new Worker's first read of them fails.
    await admin.multi().del(keys.conns('R')).set(keys.conns('R'), 'x').exec();
    system.kill();
    await waitUntil(() => settled(2), { timeoutMs: 10_000, failure: (why) => `${why} waiting for the lost claim to be answered` });
    assert.ok(failed.some((m) => m.includes('WRONGTYPE')), JSON.stringify(failed));
    assert.equal(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', catcher);
    await system.close();
    admin.disconnect();
  }
});

faults('a node stalled past its liveness (SIGSTOP): its users come back named, and chat goes on', async () => {
  redis = await startRedis();
  procs = [await startNode(['--redis', redis.url]), await startNode(['--redis', redis.url])];
  const [a, b] = procs as [NodeProcess, NodeProcess];
  const alice = await named(a.port, 'alice');
  const bob = await named(b.port, 'bob');
  await alice.waitFor(texts.joined('bob', 'lobby'));
  b.child.kill('SIGSTOP');
  await alice.waitFor(texts.left('bob', 'lobby', 'connection lost'), 10_000);
  b.child.kill('SIGCONT');
  // A newcomer on the stalled node registers (likely before its next heartbeat): bob must still be put back.
  const carol = await named(b.port, 'carol');
  await alice.waitFor((t) => t.split(texts.joined('bob', 'lobby')).length === 3, 10_000); // bob is registered again
  const thief = await TestClient.connect(a.port);
  clients.push(thief);
  await thief.waitFor('press enter');
  thief.send('BOB\n');
  await thief.waitFor(texts.nickTaken('BOB'), 5000);
  void carol;
  bob.send('hello after the stall\n');
  await alice.waitFor(texts.message('bob', 'hello after the stall'), 10_000);
  assert.not.match(bob.text, 'a nickname cannot');
});

faults('a script that fails (Redis out of memory) does not hold back the connection\'s later lines', async () => {
  redis = await startRedis();
  const client = new Redis(redis.url);
  try {
    const scripts = scriptCalls(client);
    const say = (seq: number, x: string) => scripts.ncSay('n1:1', seq, 'lobby', JSON.stringify({ t: 'msg', g: 'n1:1', n: 'a', x }), 1000);
    assert.is(await say(100, 'zero'), 'no', 'not a member: refused, nothing logged');
    await client.hset('nc:members:lobby', 'n1:1', 'a');
    assert.ok(await say(101, 'one'));
    await client.config('SET', 'maxmemory', '1');
    await say(102, 'two').then(
      () => assert.unreachable('refused while out of memory'),
      (err: unknown) => assert.match(String(err), 'OOM'),
    );
    await client.config('SET', 'maxmemory', '0');
    assert.ok(await say(103, 'three'), 'runs: the failed one is not waited for (that would end in NCGAP)');
    assert.equal((await client.xrange('nc:log:lobby', '-', '+')).map(([, f]) => JSON.parse(f[1]!).x), ['one', 'three']);
  } finally {
    client.disconnect();
  }
});

faults.run();
