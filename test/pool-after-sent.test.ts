// The pool's afterSent: a call made now runs once everything sent before it is answered and its
// effects applied, with what that work sent on to other actors (the gateway puts a PONG behind
// it, so PING works as a barrier). Hosts here answer only when the test lets them.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorPool } from '../src/runtime/pool.js';
import { ActorHost, type HostOutput } from '../src/runtime/host.js';
import type { LinkFactory } from '../src/runtime/links.js';
import { hostFor } from '../src/runtime/placement.js';
import { route } from '../src/runtime/routes.js';
import type { Intent } from '../src/model/intents.js';
import type { ConnId, Effect, Envelope } from '../src/model/messages.js';
import { MemberMirror } from '../src/gateway/members.js';

const HOSTS = 2;

/** Hosts on this thread that hold each batch until `answer(slot)` lets the oldest one go. */
function gatedWorld(crashIf: (env: Envelope) => boolean = () => false) {
  const gates: Array<Array<() => void>> = Array.from({ length: HOSTS }, () => []);
  const exits: Array<(why: string) => void> = [];
  const link: LinkFactory = (index, hosts) => {
    const host = new ActorHost(index, hosts);
    return {
      handle: (batch) =>
        new Promise<HostOutput>((resolve, reject) =>
          gates[index]!.push(() => {
            if (batch.some(crashIf)) {
              reject(new Error('poisoned'));
              exits[index]?.('poisoned');
            } else resolve(host.handle(batch));
          }),
        ),
      restore: async (snapshot) => host.restore(snapshot),
      onExit: (listener) => void (exits[index] = listener),
      close: async () => {},
      kill: null,
    };
  };
  const mirror = new MemberMirror();
  const log: string[] = [];
  const pool = new ActorPool({
    hosts: HOSTS,
    link,
    snapshot: () => mirror.snapshot(),
    onEffects: (effects: Effect[]) => {
      for (const e of effects) {
        if (e.t === 'named') mirror.setNick(e.conn, e.nick);
        else if (e.t === 'placed') mirror.place(e.conn, e.room, e.present);
        else if (e.t === 'deliver') log.push(`${e.event.k}→${[...e.to].filter((id) => id !== e.except).join(',')}`);
      }
    },
  });
  const intent = (conn: ConnId, i: Intent): void => {
    const env = route(conn, mirror.nickOf(conn), i);
    if (env) pool.send(env);
  };
  /** Lets the oldest batch at `slot` go, after the pool's flush has posted it. */
  const answer = async (slot: number): Promise<void> => {
    await new Promise((r) => setImmediate(r));
    const gate = gates[slot]!.shift();
    assert.ok(gate, `a batch waiting at host ${slot}`);
    gate();
    await new Promise((r) => setImmediate(r));
  };
  /** Lets every batch go until none is left. */
  const drain = async (): Promise<void> => {
    for (let round = 0; round < 50; round++) {
      await new Promise((r) => setImmediate(r));
      const slot = gates.findIndex((g) => g.length > 0);
      if (slot < 0) return;
      await answer(slot);
    }
  };
  return { pool, log, intent, answer, drain, gates };
}

const room = (name: string): number => hostFor(`room:${name}`, HOSTS);
/** A room on the host the directory is not on, so that a rename's announcement crosses hosts. */
const far = ['lobby', 'dev', 'ops', 'a', 'b', 'c', 'd', 'e'].find((name) => room(name) !== hostFor('directory', HOSTS))!;

const test = suite('pool: afterSent');

test('with nothing in flight, it runs at once', async () => {
  const w = gatedWorld();
  let ran = false;
  w.pool.afterSent(() => (ran = true));
  assert.ok(ran);
  await w.pool.close();
});

test('it waits for the line sent before it, and runs after that line is delivered', async () => {
  const w = gatedWorld();
  w.intent(1, { kind: 'claim', nick: 'alice', enter: far });
  w.intent(2, { kind: 'claim', nick: 'bob', enter: far });
  await w.drain();
  w.log.length = 0;
  w.intent(1, { kind: 'say', room: far, text: 'hello' });
  w.pool.afterSent(() => w.log.push('pong'));
  assert.equal(w.log, [], 'nothing before the room answers');
  await w.answer(room(far));
  assert.equal(w.log, ['said→2', 'pong']);
  await w.pool.close();
});

test('it waits for what the work sent on: a rename told by the directory to a room on another host', async () => {
  const w = gatedWorld();
  w.intent(1, { kind: 'claim', nick: 'alice', enter: far });
  w.intent(2, { kind: 'claim', nick: 'bob', enter: far });
  await w.drain();
  w.log.length = 0;
  w.intent(1, { kind: 'rename', nick: 'alicia' });
  w.pool.afterSent(() => w.log.push('pong'));
  await w.answer(hostFor('directory', HOSTS));
  assert.not.ok(w.log.includes('pong'), `the room has not told the rename yet: ${w.log.join(' ')}`);
  await w.drain();
  const renamed = w.log.findIndex((e) => e.startsWith('renamed→'));
  assert.ok(renamed >= 0, w.log.join(' '));
  assert.is(w.log.at(-1), 'pong', w.log.join(' '));
  await w.pool.close();
});

test('calls run in the order made; a later one does not wait for work sent after an earlier one', async () => {
  const w = gatedWorld();
  w.intent(1, { kind: 'claim', nick: 'alice', enter: far });
  w.intent(2, { kind: 'claim', nick: 'bob', enter: far });
  await w.drain();
  w.log.length = 0;
  w.pool.afterSent(() => w.log.push('first')); // nothing in flight
  w.intent(1, { kind: 'say', room: far, text: 'one' });
  w.pool.afterSent(() => w.log.push('second'));
  w.pool.afterSent(() => w.log.push('third'));
  await new Promise((r) => setImmediate(r)); // the first line goes in a batch of its own
  w.intent(1, { kind: 'say', room: far, text: 'two' });
  w.pool.afterSent(() => w.log.push('fourth'));
  await w.answer(room(far));
  assert.equal(w.log, ['first', 'said→2', 'second', 'third']);
  await w.answer(room(far));
  assert.equal(w.log, ['first', 'said→2', 'second', 'third', 'said→2', 'fourth']);
  await w.pool.close();
});

test('a message given up after crashing its host every time counts as answered', async () => {
  const w = gatedWorld((env) => env.msg.t === 'say' && env.msg.text === 'boom');
  w.intent(1, { kind: 'claim', nick: 'alice', enter: far });
  await w.drain();
  w.intent(1, { kind: 'say', room: far, text: 'boom' });
  let ran = false;
  w.pool.afterSent(() => (ran = true));
  await w.drain();
  assert.ok(w.pool.dropped === 1, `dropped ${w.pool.dropped}`);
  assert.ok(ran, 'released after the drop');
  await w.pool.close();
});

test.run();
