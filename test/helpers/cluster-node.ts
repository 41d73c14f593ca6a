// A ClusterSystem driven as plain code, without its Worker or a gateway: envelopes in, effects
// collected as the gateway would receive them. For fault tests that need to reach between two
// steps of the cluster adapter (a claim that ran in Redis but whose answer was lost, a node
// closing with a user still registered) against a real Redis.

import { ClusterSystem, type ClusterOptions } from '../../src/cluster/redis-system.js';
import type { ChatEvent } from '../../src/model/events.js';
import type { ConnId, Effect, Envelope, MemberRecord, RoomMsg } from '../../src/model/messages.js';
import { LOBBY } from '../../src/model/rooms.js';
import { Arrivals, waitUntil } from './wait.js';

export class TestNode {
  readonly system: ClusterSystem;
  effects: Effect[] = [];
  private readonly arrivals = new Arrivals();

  constructor(options: ClusterOptions) {
    this.system = new ClusterSystem(options, {
      onEffects: (effects) => {
        this.effects.push(...effects);
        this.arrivals.wake();
      },
      openHere: () => 0,
    });
  }

  get node(): string {
    return this.system.node;
  }

  send(env: Envelope): void {
    this.system.send(env);
  }

  claim(conn: ConnId, nick: string, enter: string | null = LOBBY): void {
    this.send({ to: 'directory', msg: { t: 'claim', conn, nick, enter }, barrier: true });
  }

  room(room: string, msg: RoomMsg, barrier = false): void {
    this.send({ to: `room:${room}`, msg, barrier });
  }

  release(conn: ConnId, reason?: string): void {
    this.send({ to: 'directory', msg: { t: 'release', conn, ...(reason ? { reason } : {}) } });
  }

  restore(records: MemberRecord[]): Promise<void> {
    return this.system.restore(records);
  }

  /** How many effects of kind `t` connection `conn` got so far. */
  count(conn: ConnId, t: Exclude<Effect['t'], 'deliver' | 'roomState'>): number {
    return this.effects.filter((e) => e.t === t && 'conn' in e && e.conn === conn).length;
  }

  /** The events delivered to `conn` so far. */
  events(conn: ConnId): ChatEvent[] {
    return this.effects.flatMap((e) => (e.t === 'deliver' && e.except !== conn && e.to.includes(conn) ? [e.event] : []));
  }

  /** Notice codes delivered to `conn`. */
  notices(conn: ConnId): string[] {
    return this.events(conn).flatMap((e) => (e.k === 'notice' ? [e.notice.code] : []));
  }

  async until(ok: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    await waitUntil(ok, { timeoutMs, arrivals: this.arrivals, pollMs: 50, failure: (why) => `${this.node}: ${why} waiting for ${what}` });
  }

  /** Waits for the `n`-th settle of `conn`. */
  settled(conn: ConnId, n = 1): Promise<void> {
    return this.until(() => this.count(conn, 'settled') >= n, `settle #${n} of ${conn}`);
  }

  close(): Promise<void> {
    return this.system.close();
  }
}
