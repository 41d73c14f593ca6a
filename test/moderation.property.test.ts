// Random moderation in one room, checked against the rules after every step: only operators
// (as the room last announced them) change modes, kick or are obeyed; a banned member without
// voice never speaks; and a join succeeds exactly when the room's state permits it (ban, +i with
// invitations, +k, +l), so the members are exactly the permitted ones.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Harness } from './helpers/actors.js';
import { isBanned, joinRefusal, type RoomState } from '../src/model/moderation.js';
import { nickKey } from '../src/model/nicknames.js';

const USERS = 5;
const nick = (i: number): string => `u${i}`;
const conn = (i: number): number => i + 1;

const who = fc.integer({ min: 0, max: USERS - 1 });
const step = fc.oneof(
  fc.record({ by: who, line: fc.constantFrom('/join dev', '/join dev k1', '/join dev k2', '/leave', 'hello', '/me waves') }),
  fc.record({ by: who, target: who, cmd: fc.constantFrom('/op', '/deop', '/voice', '/devoice', '/ban', '/unban', '/kick', '/invite') }).map(({ by, target, cmd }) => ({ by, line: `${cmd} ${nick(target)}` })),
  fc.record({ by: who, line: fc.constantFrom('/mode +m', '/mode -m', '/mode +i', '/mode -i', '/mode +k k1', '/mode -k k1', '/mode +l 2', '/mode +l 3', '/mode -l', '/ban u*', '/unban u*', '/topic x') }),
);

test('random moderation never breaks the rules', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      const h = new Harness();
      for (let i = 0; i < USERS; i++) h.claim(conn(i), nick(i));
      let state: RoomState | null = null;
      for (const { by, line } of steps) {
        const c = conn(by);
        const inDev = (x: number): boolean => (h.mirror.rooms.get(x) ?? []).includes('dev');
        const before = new Set(Array.from({ length: USERS }, (_, i) => conn(i)).filter(inDev));
        const ops = new Set(before.size > 0 && state ? state.ops : []);
        const voiced = new Set(before.size > 0 && state ? state.voiced : []);
        const prior = before.size > 0 ? state : null;
        const effects = h.line(c, line);
        for (const e of effects) if (e.t === 'roomState' && e.room === 'dev') state = e.state;
        const events = effects.flatMap((e) => (e.t === 'deliver' ? [e.event] : []));
        for (const e of events) {
          if ((e.k === 'modeChanged' || e.k === 'kicked') && e.room === 'dev') assert.ok(ops.has(c), `${line} by ${nick(by)}, no operator, took effect`);
          if ((e.k === 'said' || e.k === 'acted') && e.room === 'dev' && prior && isBanned(prior.bans, nick(by))) {
            assert.ok(ops.has(c) || voiced.has(c), `banned ${nick(by)} spoke`);
          }
          if ((e.k === 'said' || e.k === 'acted') && e.room === 'dev' && prior?.modes.moderated) assert.ok(ops.has(c) || voiced.has(c), `${nick(by)} spoke in a moderated room`);
        }
        if (line.startsWith('/join dev') && !before.has(c)) {
          const key = line.split(' ')[2];
          const joined = inDev(c);
          if (prior === null) assert.ok(joined, 'a new room lets its first member in');
          else {
            const refusal = joinRefusal(prior, nick(by), key, before.size, prior.invited.includes(nickKey(nick(by))));
            assert.is(joined, refusal === null, `${nick(by)} ${line}: joined ${joined}, the rules say ${refusal ?? 'yes'}`);
          }
        }
      }
    }),
    { numRuns: 400 },
  );
});

test.run();
