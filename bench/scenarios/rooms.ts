// rooms (issue 6): R rooms × M members (100 × 20, 10 × 200), one sender per room, against ours
// with --workers 1, 2 and 3, each preceded by one room of the same N so that "vs 1 room" compares
// the same server.

import type { ConnSpec, SendPlan } from '../pool-messages.js';
import type { CaseResult } from '../result-types.js';
import { oursWithWorkers } from '../servers.js';
import { durationMs, nickOf, type RunContext, type Scenario } from './shared.js';
import { traffic } from './traffic.js';

/** Senders per room: one, so that 10 × 200 has fanout's 10 senders and 100 × 20 has 100. */
const ROOM_SENDERS = 1;
const ROOM_WINDOW = 8;

export const roomName = (r: number): string => `r${String(r).padStart(3, '0')}`;

/**
 * R × M connections, room r holding ids r·M … r·M + M − 1. Room r's sender is its member
 * (r + j) mod M, so that with round-robin dealing (id mod T) the senders land on every thread,
 * not all on thread 0 when M is even.
 */
export function roomsConns(R: number, M: number, perRoom = ROOM_SENDERS): { conns: ConnSpec[]; senderRooms: string[] } {
  const conns: ConnSpec[] = [];
  const senderRooms: string[] = [];
  const k = Math.min(perRoom, M - 1);
  for (let r = 0; r < R; r++) {
    const room = roomName(r);
    const senderAt = new Map<number, number>();
    for (let j = 0; j < k; j++) {
      senderAt.set((r + j) % M, senderRooms.length);
      senderRooms.push(room);
    }
    for (let m = 0; m < M; m++) {
      const id = r * M + m;
      conns.push({ id, nick: nickOf(id), room, target: 0, sender: senderAt.get(m) ?? -1, reference: false });
    }
  }
  return { conns, senderRooms };
}

function roomShapes(ctx: RunContext): Array<{ R: number; M: number }> {
  if (ctx.roomShapes !== undefined && ctx.roomShapes.length > 0) return ctx.roomShapes;
  return ctx.quick ? [{ R: 3, M: 4 }] : [{ R: 100, M: 20 }, { R: 10, M: 200 }];
}

export const rooms: Scenario = {
  name: 'rooms',
  describe: 'R rooms × M members (100 × 20, 10 × 200), one sender per room, window 8, ours --workers 1, 2, 3, and one room of the same N',
  async run(ctx) {
    const out: CaseResult[] = [];
    const workers = ctx.workersList ?? (ctx.quick ? [1, 2] : [1, 2, 3]);
    const targets = ctx.external ? ctx.servers : workers.map(oursWithWorkers);
    const single = new Set<number>();
    for (const { R, M } of roomShapes(ctx)) {
      const N = R * M;
      const window = ctx.window ?? ROOM_WINDOW;
      const plan: SendPlan = { kind: 'window', window, durationMs: durationMs(ctx, 10) };
      if (!single.has(N)) {
        // The same N in one room (fanout's case: 10 senders, window 8), on every worker count:
        // one room is one actor, so it cannot use more than one Worker.
        single.add(N);
        const S = Math.min(10, Math.max(1, N - 1));
        for (const target of targets) {
          out.push(
            await traffic(ctx, target, { scenario: 'rooms', label: `1×${N}`, N, S, plan, params: { R: 1, M: N, window, durationS: plan.durationMs / 1000 } }),
          );
        }
      }
      const { conns, senderRooms } = roomsConns(R, M);
      for (const target of targets) {
        out.push(
          await traffic(ctx, target, {
            scenario: 'rooms',
            label: `${R}×${M}`,
            N,
            S: senderRooms.length,
            plan,
            conns,
            senderRooms,
            params: { R, M, sendersPerRoom: senderRooms.length / R, window, durationS: plan.durationMs / 1000 },
          }),
        );
      }
    }
    return out;
  },
};
