// Supervision when a message crashes its host every time it is tried (issue 15, item 9): the
// pool gives it up after three tries, and must not strand its sender (a barrier, or the message
// that settles one) nor leave a ghost member or a name nobody can free (a departure).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorPool } from '../src/runtime/pool.js';
import { ActorHost } from '../src/runtime/host.js';
import type { LinkFactory } from '../src/runtime/links.js';
import { route } from '../src/runtime/routes.js';
import type { ChatEvent } from '../src/model/events.js';
import type { Intent } from '../src/model/intents.js';
import type { ConnId, Effect, Envelope } from '../src/model/messages.js';
import { MemberMirror } from '../src/gateway/members.js';
import { waitForText } from './helpers/wait.js';

/** Hosts on this thread whose `handle` rejects (as a dying Worker's would) on a poisoned envelope. */
const crashingLinks =
  (poisoned: (env: Envelope) => boolean): LinkFactory =>
  (index, hosts) => {
    const host = new ActorHost(index, hosts, { crashIf: poisoned });
    return {
      handle: async (batch) => host.handle(batch),
      restore: async (snapshot) => host.restore(snapshot),
      onExit: () => {},
      close: async () => {},
      kill: null,
    };
  };

/** A pool and a model of the gateway's side: the mirror, the settles, what each connection got. */
function world(poisoned: (env: Envelope) => boolean) {
  const mirror = new MemberMirror();
  const settled = new Map<ConnId, number>();
  const got = new Map<ConnId, ChatEvent[]>();
  let version = 0;
  const pool = new ActorPool({
    hosts: 2,
    link: crashingLinks(poisoned),
    snapshot: () => mirror.snapshot(),
    onEffects: (effects: Effect[]) => {
      version++;
      for (const e of effects) {
        if (e.t === 'named') mirror.setNick(e.conn, e.nick);
        else if (e.t === 'placed') mirror.place(e.conn, e.room, e.present);
        else if (e.t === 'settled') settled.set(e.conn, (settled.get(e.conn) ?? 0) + 1);
        else if (e.t === 'deliver') for (const id of e.to) if (id !== e.except) got.set(id, [...(got.get(id) ?? []), e.event]);
      }
    },
  });
  const until = async (ok: () => boolean, what: string): Promise<void> => void (await
    waitForText(() => (ok() ? 'yes' : String(version)), 'yes', { timeoutMs: 5000, pollMs: 5, failure: () => `timed out waiting for ${what}` }));
  const intent = (conn: ConnId, i: Intent): void => {
    const env = route(conn, mirror.nickOf(conn), i);
    if (env) pool.send(env);
  };
  const depart = (conn: ConnId): void => {
    for (const room of mirror.roomsOf(conn)) pool.send({ to: `room:${room}`, msg: { t: 'leave', conn } });
    pool.send({ to: 'directory', msg: { t: 'release', conn } });
  };
  return { pool, mirror, settled, got, until, intent, depart };
}

const poison = suite('supervision: a message that always crashes its host');
poison('a rename whose announcement crashes the room: the renamer is still settled', async () => {
  const w = world((env) => env.msg.t === 'renamed');
  try {
    w.intent(1, { kind: 'claim', nick: 'alice', enter: 'lobby' });
    await w.until(() => w.settled.get(1) === 1, 'the claim');
    w.intent(1, { kind: 'rename', nick: 'alicia' });
    await w.until(() => w.settled.get(1) === 2, 'the rename to settle');
    assert.ok(w.pool.restarts >= 3, `restarted ${w.pool.restarts} times`);
    assert.is(w.mirror.nickOf(1), 'alicia', 'the directory renamed it');
  } finally {
    await w.pool.close();
  }
});
poison('a move whose join crashes the new room: the mover is settled, not left waiting', async () => {
  const w = world((env) => env.msg.t === 'join' && env.to === 'room:dev');
  try {
    w.intent(1, { kind: 'claim', nick: 'alice', enter: 'lobby' });
    await w.until(() => w.settled.get(1) === 1, 'the claim');
    w.intent(1, { kind: 'move', from: 'lobby', to: 'dev' });
    await w.until(() => w.settled.get(1) === 2, 'the move to settle');
  } finally {
    await w.pool.close();
  }
});
poison('a leave that crashes its room: no ghost in the rebuilt room, and the name is free', async () => {
  const w = world((env) => env.msg.t === 'leave' && env.msg.conn === 2);
  try {
    w.intent(1, { kind: 'claim', nick: 'alice', enter: 'lobby' });
    w.intent(2, { kind: 'claim', nick: 'bob', enter: 'lobby' });
    await w.until(() => w.settled.get(1) === 1 && w.settled.get(2) === 1, 'both claims');
    w.depart(2);
    await w.until(() => w.mirror.get(2) === undefined, 'bob forgotten');
    w.intent(1, { kind: 'who', room: 'lobby' });
    await w.until(() => w.settled.get(1) === 2, 'the /who');
    const members = w.got.get(1)!.filter((e) => e.k === 'members');
    assert.equal(members.at(-1), { k: 'members', room: 'lobby', nicks: ['alice'] });
    w.intent(3, { kind: 'claim', nick: 'bob', enter: 'lobby' });
    await w.until(() => w.settled.get(3) === 1, 'a new bob');
    assert.is(w.mirror.nickOf(3), 'bob', 'the name was free');
  } finally {
    await w.pool.close();
  }
});
poison.run();
