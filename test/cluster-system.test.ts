// The cluster adapter (ClusterSystem) run in this process against a real Redis, with faults put
// between its steps: a reap during an outage, a Worker that dies between a script and its
// answer, a reader that falls behind the trimming of a log, a close with users still registered.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { keys } from '../src/cluster/keys.js';
import { SCRIPTS } from '../src/cluster/scripts.js';
import type { ClusterSystem } from '../src/cluster/redis-system.js';
import { TestNode } from './helpers/cluster-node.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let admin: Redis;
let nodes: TestNode[] = [];

const s = suite('cluster system: faults between steps');
s.before.each(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
s.after.each(async () => {
  await admin.config('SET', 'maxclients', '10000').catch(() => {});
  await admin.config('SET', 'maxmemory', '0').catch(() => {});
  await Promise.all(nodes.map((n) => n.close().catch(() => {})));
  nodes = [];
  admin.disconnect();
  await redis.stop();
});

function node(id: string, retention = 1000): TestNode {
  const n = new TestNode({ url: redis.url, retention, node: id });
  nodes.push(n);
  return n;
}

async function named(n: TestNode, conn: number, nick: string, enter: string | null = 'lobby'): Promise<void> {
  n.claim(conn, nick, enter);
  await n.settled(conn);
  assert.is(n.count(conn, 'named'), 1, `${nick} is named`);
}

/** Redis's client ids of a node's two connections (main and reader), from CLIENT LIST. */
async function clientIds(n: TestNode): Promise<string[]> {
  const list = String(await admin.client('LIST'));
  return list
    .split('\n')
    .filter((l) => l.includes(` name=node-chat:${n.node} `))
    .map((l) => /\bid=(\d+)/.exec(l)![1]!);
}

/** Polls Redis until `ok`: the bound guards against hanging, it is not a timing check. */
async function waitFor(ok: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

s('finding 2: a reap during an outage, with a claim queued meanwhile, still gets the users registered again', async () => {
  const a = node('A');
  await named(a, 1, 'alice');
  // One atomic step: A's connections dropped and A reaped (its liveness key gone) before it is back.
  const ids = await clientIds(a);
  const m = admin.multi();
  for (const id of ids) m.client('KILL', 'ID', id);
  await m.del(keys.alive('A')).eval(SCRIPTS.ncReap.lua, 0, 'A', 1000).exec();
  assert.is(await admin.exists(keys.nick('alice')), 0, 'alice was reaped');
  // A newcomer's claim, sent while A is away, registers on A before A's 'ready' runs.
  a.claim(2, 'carol');
  await a.settled(2);
  await waitFor(async () => (await admin.get(keys.nick('alice'))) === 'A:1', 'alice registered again', 6000);
  assert.is(await admin.hget(keys.members('lobby'), 'A:1'), 'alice');
});

s('finding 3: a restarted cluster Worker does not deliver private messages again', async () => {
  const a = node('A');
  await named(a, 1, 'alice');
  await named(a, 2, 'bob');
  a.send({ to: 'directory', msg: { t: 'private', conn: 2, target: 'alice', text: 'psst' }, barrier: true });
  await a.until(() => a.events(1).some((e) => e.k === 'private'), 'the private message');
  crash(a);
  await waitFor(async () => (await clientIds(a)).length === 0, 'the dead Worker\'s connections to go');
  // The new Worker's reader kept out until the gateway has given it its users back (as the
  // gateway does, right after the restart): then nothing of the inbox was read before.
  const clients = String(await admin.client('LIST')).trim().split('\n').length;
  await admin.config('SET', 'maxclients', String(clients + 1));
  const again = node('A');
  await again.restore([
    { conn: 1, nick: 'alice', rooms: ['lobby'], since: [0] },
    { conn: 2, nick: 'bob', rooms: ['lobby'], since: [0] },
  ]);
  await admin.config('SET', 'maxclients', '10000');
  again.send({ to: 'directory', msg: { t: 'private', conn: 2, target: 'alice', text: 'marker' }, barrier: true });
  await again.until(() => again.events(1).some((e) => e.k === 'private' && e.text === 'marker'), 'the marker');
  const privates = again.events(1).flatMap((e) => (e.k === 'private' ? [e.text] : []));
  assert.equal(privates, ['marker'], 'psst is not delivered a second time');
});

s('finding 4: a claim that ran in Redis but whose answer died with the Worker leaves no ghost', async () => {
  const a = node('A');
  a.claim(1, 'first');
  await waitFor(async () => (await admin.exists(keys.nick('first'))) === 1, 'the claim to run');
  crash(a);
  const again = node('A');
  await again.restore([]); // the gateway never learnt the name
  // Re-prompted, the user picks another name.
  await named(again, 1, 'second');
  assert.is(await admin.exists(keys.nick('first')), 0, 'the first name is free');
  assert.equal(await admin.hgetall(keys.members('lobby')), { 'A:1': 'second' }, 'one member, under its new name');
  assert.equal(await admin.hgetall(keys.conns('A')), { 'A:1': 'second\tsecond' });
  assert.equal(await admin.lrange(keys.in('A:1'), 0, -1), ['lobby']);
});

/**
 * A's reader cut off (its connection killed, and Redis full so that it cannot connect again)
 * while `during` runs; its main connection is untouched.
 */
async function readerStalled(n: TestNode, during: () => Promise<void>): Promise<void> {
  const reader = (n.system as unknown as { readerId: number | null }).readerId;
  assert.ok(reader !== null);
  const clients = String(await admin.client('LIST')).trim().split('\n').length;
  await admin.config('SET', 'maxclients', String(clients - 1));
  await admin.client('KILL', 'ID', String(reader));
  await during();
  await admin.config('SET', 'maxclients', '10000');
}

/** Entries appended to a room's log by someone else, trimming it to its last `keep` exactly. */
async function flood(room: string, count: number, keep: number): Promise<void> {
  const p = admin.pipeline();
  for (let i = 0; i < count; i++) p.xadd(keys.log(room), 'MAXLEN', keep, '*', 'e', JSON.stringify({ t: 'msg', g: 'Z:1', n: 'zed', x: `flood ${i}` }));
  await p.exec();
}

s('finding 5: a join of ours trimmed before it was read still settles, and the user is told lines were missed', async () => {
  const a = node('A');
  await named(a, 1, 'alice');
  await readerStalled(a, async () => {
    a.room('dev', { t: 'join', conn: 1, nick: 'alice' }, true);
    await waitFor(async () => (await admin.hexists(keys.members('dev'), 'A:1')) === 1, 'the join to run');
    await flood('dev', 300, 100);
  });
  await a.settled(1, 2);
  assert.ok(a.effects.some((e) => e.t === 'placed' && e.conn === 1 && e.room === 'dev' && e.present), 'placed in dev');
  assert.ok(
    a.events(1).some((e) => e.k === 'notice' && e.notice.code === 'missed' && e.notice.room === 'dev'),
    `told: ${JSON.stringify(a.notices(1))}`,
  );
});

s('finding 5: a read of a log trimmed past what this node had read is told every time, not only after an outage', async () => {
  const a = node('A');
  await named(a, 1, 'alice');
  await readerStalled(a, () => flood('lobby', 300, 100));
  await a.until(() => a.events(1).filter((e) => e.k === 'said').length >= 100, 'the lines still there');
  assert.equal(a.notices(1).filter((c) => c === 'missed'), ['missed']);
  assert.is(a.events(1).filter((e) => e.k === 'said').length, 100, 'the lines the log still has, once each');
});

s('finding 5: private messages trimmed from the inbox before they were read are not lost silently', async () => {
  const a = node('A');
  await named(a, 1, 'alice');
  await named(a, 2, 'bob');
  a.send({ to: 'directory', msg: { t: 'private', conn: 2, target: 'alice', text: 'before' }, barrier: true });
  await a.until(() => a.events(1).some((e) => e.k === 'private'), 'the first private message');
  await readerStalled(a, async () => {
    const p = admin.pipeline();
    for (let i = 0; i < 300; i++) p.xadd(keys.inbox('A'), 'MAXLEN', 100, '*', 'e', JSON.stringify({ t: 'priv', to: 'A:1', f: 'zed', x: `p${i}` }));
    await p.exec();
  });
  await a.until(() => a.events(1).filter((e) => e.k === 'private').length >= 101, 'the privates still there');
  assert.ok(a.notices(1).includes('privatesMissed'), JSON.stringify(a.notices(1)));
});

s('finding 7: a node closing with a user still registered (its release not yet run) leaves no orphan', async () => {
  const a = node('A');
  const b = node('B');
  await named(a, 1, 'alice');
  await named(b, 1, 'bob');
  await a.close(); // the gateway had not said goodbye for alice (a barrier was late)
  nodes = nodes.filter((n) => n !== a);
  assert.is(await admin.exists(keys.nick('alice')), 0, 'the name is free');
  assert.equal(await admin.hgetall(keys.members('lobby')), { 'B:1': 'bob' });
  await b.until(() => b.events(1).some((e) => e.k === 'left' && e.nick === 'alice'), 'alice\'s leave');
});

s('finding 8: connections that failed to claim or were forgotten leave nothing behind in the node', async () => {
  const a = node('A');
  await named(a, 1, 'taken');
  for (let conn = 10; conn < 60; conn++) {
    a.claim(conn, 'taken');
    await a.settled(conn);
  }
  assert.is(a.system.tracked(), 1, 'only the one named connection is tracked');
});

/** A node's main connection to Redis (its recovery runs on it). */
const mainOf = (n: TestNode): Redis => (n.system as unknown as { redis: Redis }).redis;

s('a Worker killed while its node recovers (a command of the recovery cut off) leaves no rejection unhandled', async () => {
  const unhandled: unknown[] = [];
  const catcher = (why: unknown): void => void unhandled.push(why);
  process.on('unhandledRejection', catcher);
  try {
    const a = node('A');
    const main = mainOf(a);
    // Registered after the node's own 'ready' listener: the recovery's first command is sent.
    main.once('ready', () => crash(a));
    await new Promise((r) => main.once('end', r));
    await new Promise((r) => setImmediate(r));
    assert.equal(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', catcher);
  }
});

s('a recovery Redis refuses (over maxmemory as the node reconnects) is tried again until Redis takes writes', async () => {
  const a = node('A');
  await named(a, 1, 'alice');
  await admin.config('SET', 'maxmemory', '1'); // already over it: every write is refused
  for (const id of await clientIds(a)) await admin.client('KILL', 'ID', id);
  await a.until(() => a.problems.some((p) => p.includes('OOM')), 'the recovery refused');
  assert.ok(a.system.degradedWhy() !== null, 'still degraded while the recovery cannot run');
  await admin.config('SET', 'maxmemory', '0');
  await a.until(() => a.notices(1).includes('recovered'), 'the recovery tried again');
  assert.is(a.system.degradedWhy(), null);
});

/** Stops a node as a killed Worker would: no goodbye to Redis. */
function crash(n: TestNode): void {
  (n.system as ClusterSystem).crash();
  nodes = nodes.filter((x) => x !== n);
}

s.run();
