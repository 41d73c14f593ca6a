// The cluster's Lua decisions (src/cluster/scripts.ts) against a real Redis, one script call at
// a time: what a script refuses to do for a connection the store no longer holds, and what it
// keeps of its results.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { keys } from '../src/cluster/keys.js';
import { NOT_THERE, scriptCalls, type Scripted } from '../src/cluster/scripts.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let client: Redis;
let scripts: Scripted;
let seq = 1000;

const s = suite('cluster scripts');
s.before.each(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  scripts = scriptCalls(client);
});
s.after.each(async () => {
  client.disconnect();
  await redis.stop();
});

const enter = (gid: string, nick: string, again = '0') => scripts.ncEnter(gid, ++seq, gid.split(':')[0]!, 'lobby', nick, nick, again, 1000);

/** Node A's alice reaped while A was stalled; bob (on B) then claims alice: the finding's partition. */
async function partition(): Promise<void> {
  assert.ok(await enter('A:1', 'alice'));
  assert.ok(await enter('B:1', 'bob'));
  assert.is(await scripts.ncReap('A', 1000), 1, 'A had one user');
  assert.ok(await enter('B:2', 'alice'), 'the name is free after the reap');
}

s('after a reap, nothing the reaped connection sends acts for it, and bob keeps the name alice', async () => {
  await partition();
  const log = async () => (await client.xrange(keys.log('lobby'), '-', '+')).length;
  const before = await log();
  const json = JSON.stringify({ t: 'msg', g: 'A:1', n: 'alice', x: 'still here' });
  assert.is(await scripts.ncSay('A:1', ++seq, 'lobby', json, 1000), NOT_THERE, 'say');
  assert.is(await scripts.ncMove('A:1', ++seq, 'lobby', 'dev', '', '', 1000), NOT_THERE, 'move');
  assert.is(await scripts.ncJoin('A:1', ++seq, 'A', 'dev', '', '', 1000), NOT_THERE, 'join');
  assert.is(await scripts.ncPart('A:1', ++seq, 'lobby', '', 1000), NOT_THERE, 'part');
  assert.is(await scripts.ncTopic('A:1', ++seq, 'lobby', 'mine', '', 1000), NOT_THERE, 'topic');
  assert.is(await scripts.ncRename('A:1', ++seq, 'A', 'alice', 'alicia', 'alice', 'alicia', 1000), NOT_THERE, 'rename');
  assert.is(await scripts.ncLeave('A:1', ++seq, 'A', 'alice', '', 1000), NOT_THERE, 'leave');
  assert.is(await enter('A:1', 'alice', '1'), null, 'registering again: the name is taken');
  assert.is(await log(), before, 'nothing was logged for the reaped connection');
  assert.is(await client.get(keys.nick('alice')), 'B:2', 'bob\'s alice still holds the name');
  assert.is(await client.exists(keys.nick('alicia')), 0);
});

s('after a reap, a private message from the reaped connection is refused: it cannot speak as alice', async () => {
  await partition();
  assert.is(await scripts.ncPrivate('A:1', ++seq, 'bob', 'it is me', 1000), NOT_THERE);
  assert.is(await client.xlen(keys.inbox('B')), 0, 'bob got nothing');
});

s('a private message names its sender as the store has it: nobody can send as another', async () => {
  assert.ok(await enter('A:1', 'alice'));
  assert.ok(await enter('B:1', 'bob'));
  assert.is(await scripts.ncPrivate('A:1', ++seq, 'bob', 'hi', 1000), 'bob', 'answered with the addressee');
  const [[, fields]] = (await client.xrange(keys.inbox('B'), '-', '+')) as [[string, string[]]];
  assert.is(JSON.parse(fields[1]!).f, 'alice');
});

s('operation results are kept only while they can still be resent: not one per operation', async () => {
  assert.ok(await enter('A:1', 'alice'));
  for (let i = 0; i < 300; i++) {
    const json = JSON.stringify({ t: 'msg', g: 'A:1', n: 'alice', x: `line ${i}` });
    assert.ok(await scripts.ncSay('A:1', ++seq, 'lobby', json, 1000));
  }
  const kept = await client.zcard(keys.op('A:1'));
  assert.ok(kept === 1, `${kept} fields kept for a connection with nothing in flight`);
});

s('a resend of an operation still in flight gets its first result, and is not logged twice', async () => {
  assert.ok(await enter('A:1', 'alice'));
  const raw = client as unknown as Record<string, (...a: Array<string | number>) => Promise<string | null>>;
  const json = (x: string) => JSON.stringify({ t: 'msg', g: 'A:1', n: 'alice', x });
  // Operations 1 and 2 sent together (1 still unanswered when 2 is sent: its floor is 1).
  const one = ++seq;
  const two = ++seq;
  const first = await raw.ncSay!('A:1', one, 'lobby', json('one'), 1000, one, 0);
  const second = await raw.ncSay!('A:1', two, 'lobby', json('two'), 1000, one, one);
  // ioredis resends 1 after a dropped connection whose reply was lost.
  assert.is(await raw.ncSay!('A:1', one, 'lobby', json('one'), 1000, one, 0), first);
  assert.is(await raw.ncSay!('A:1', two, 'lobby', json('two'), 1000, one, one), second);
  assert.is(await client.xlen(keys.log('lobby')), 3, 'the join, one, two: each once');
});

s('a room remembers the order its members came in, past the size where a hash keeps it', async () => {
  // 200 members: past hash-max-listpack-entries (128), where a hash's order is its own.
  const names = Array.from({ length: 200 }, (_, i) => `u${(i * 7919) % 1000}`);
  for (const [i, n] of names.entries()) assert.ok(await enter(`A:${i + 1}`, n));
  assert.ok(await scripts.ncPart('A:3', ++seq, 'lobby', '', 1000));
  const order = await client.zrange(keys.order('lobby'), 0, -1);
  const nicks = await client.hmget(keys.members('lobby'), ...order);
  assert.equal(nicks, names.filter((_, i) => i !== 2), 'join order, the one who left gone');
});
s.run();
