import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorPool } from '../src/runtime/pool.js';
import { workerLink } from '../src/runtime/links.js';
import type { Effect } from '../src/model/messages.js';
import type { Snapshot } from '../src/runtime/host.js';
import * as texts from '../src/edges/telnet/texts.js';
import { inboxOf } from './helpers/actors.js';
import { Arrivals, waitUntil } from './helpers/wait.js';

/** A pool of real Workers, with effects collected the way the gateway would see them. */
function pool(hosts: number, snapshot: Snapshot = { members: [], topics: [] }) {
  const effects: Effect[] = [];
  const arrivals = new Arrivals();
  const p = new ActorPool({
    hosts,
    link: workerLink,
    onEffects: (batch) => {
      effects.push(...batch);
      arrivals.wake();
    },
    snapshot: () => snapshot,
  });
  const until = (ok: () => boolean): Promise<void> => waitUntil(ok, { timeoutMs: 5000, arrivals, pollMs: 50, failure: () => 'timed out' });
  return { p, effects, until };
}

const worker = suite('actor host in a real Worker');
worker('claims and lines cross the thread in batches and come back as deliveries', async () => {
  const { p, effects, until } = pool(1);
  try {
    p.send({ to: 'directory', msg: { t: 'claim', conn: 1, nick: 'alice', enter: 'lobby' } });
    p.send({ to: 'directory', msg: { t: 'claim', conn: 2, nick: 'bob', enter: 'lobby' } });
    await until(() => effects.filter((e) => e.t === 'settled').length === 2);
    for (let i = 0; i < 100; i++) p.send({ to: 'room:lobby', msg: { t: 'say', conn: 1, text: `n${i}` } });
    await until(() => (inboxOf(effects).get(2) ?? []).length >= 101);
    const bob = inboxOf(effects).get(2)!;
    assert.equal(bob.slice(1), Array.from({ length: 100 }, (_, i) => texts.message('alice', `n${i}`)));
    assert.ok(effects.every((e) => e.t !== 'deliver' || e.to instanceof Int32Array), 'recipients stay an Int32Array');
  } finally {
    await p.close();
  }
});
worker('with two hosts, the directory on one and rooms placed by hash still cooperate', async () => {
  const { p, effects, until } = pool(2);
  try {
    p.send({ to: 'directory', msg: { t: 'claim', conn: 1, nick: 'alice', enter: 'lobby' } });
    p.send({ to: 'directory', msg: { t: 'claim', conn: 2, nick: 'ALICE', enter: 'lobby' } });
    await until(() => effects.filter((e) => e.t === 'settled').length === 2);
    assert.equal(inboxOf(effects).get(2), [texts.nickTaken('ALICE')]);
    assert.equal(inboxOf(effects).get(1), [texts.joined('alice', 'lobby')]);
  } finally {
    await p.close();
  }
});
worker('a killed host comes back with the state it is given', async () => {
  const { p, effects, until } = pool(1, { members: [{ conn: 7, nick: 'zoe', rooms: ['lobby'], since: [1] }], topics: [] });
  try {
    p.kill(0);
    await until(() => p.restarts === 1);
    p.send({ to: 'directory', msg: { t: 'claim', conn: 8, nick: 'Zoe', enter: 'lobby' } });
    await until(() => effects.some((e) => e.t === 'settled'));
    assert.equal(inboxOf(effects).get(8), [texts.nickTaken('Zoe')]);
  } finally {
    await p.close();
  }
});
worker.run();
