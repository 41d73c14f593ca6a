// Drives an ActorHost as plain code (no Worker, no socket) and reads its effects the way
// the gateway would: who receives which text, and which connections were placed, named,
// settled or closed.

import { ActorHost } from '../../src/actors/host.js';
import type { ConnId, Effect, Envelope } from '../../src/protocol/messages.js';
import { roomAddress } from '../../src/protocol/messages.js';
import { LOBBY } from '../../src/protocol/texts.js';
import { hostFor } from '../../src/actors/placement.js';

export class Harness {
  readonly host: ActorHost;
  effects: Effect[] = [];

  constructor(index = 0, hosts = 1) {
    this.host = new ActorHost(index, hosts);
  }

  run(...batch: Envelope[]): Effect[] {
    this.effects = this.host.handle(batch);
    return this.effects;
  }

  /** A nickname attempt from a connection with no name yet. */
  claim(conn: ConnId, text: string): Effect[] {
    return this.run({ to: 'directory', msg: { t: 'claim', conn, text } });
  }

  line(conn: ConnId, text: string, room = LOBBY): Effect[] {
    return this.run({ to: roomAddress(room), msg: { t: 'line', conn, text } });
  }

  leave(conn: ConnId, room = LOBBY): Effect[] {
    return this.run({ to: roomAddress(room), msg: { t: 'leave', conn } });
  }

  /** Texts each connection receives from the last run, in order. */
  inbox(): Map<ConnId, string[]> {
    return inboxOf(this.effects);
  }

  to(conn: ConnId): string[] {
    return this.inbox().get(conn) ?? [];
  }
}

export function inboxOf(effects: readonly Effect[]): Map<ConnId, string[]> {
  const box = new Map<ConnId, string[]>();
  for (const e of effects) {
    if (e.t !== 'deliver') continue;
    for (const id of e.to) {
      if (id === e.except) continue;
      let list = box.get(id);
      if (!list) box.set(id, (list = []));
      list.push(e.text);
    }
  }
  return box;
}

export const kinds = (effects: readonly Effect[], conn: ConnId): string[] =>
  effects.filter((e) => e.t !== 'deliver' && e.t !== 'send' && e.conn === conn).map((e) => e.t);

/**
 * Several hosts wired the way the pool wires Workers: `send` effects are forwarded to the
 * host the placement names, until nothing is left in flight. Synchronous, for unit tests.
 */
export class HostGroup {
  readonly hosts: ActorHost[];
  effects: Effect[] = [];

  constructor(count: number) {
    this.hosts = Array.from({ length: count }, (_, i) => new ActorHost(i, count));
  }

  run(...batch: Envelope[]): Effect[] {
    const all: Effect[] = [];
    let pending = batch;
    while (pending.length > 0) {
      const next: Envelope[] = [];
      for (const env of pending) {
        const effects = this.hosts[hostFor(env.to, this.hosts.length)]!.handle([env]);
        for (const e of effects) if (e.t === 'send') next.push(e.env);
        all.push(...effects);
      }
      pending = next;
    }
    this.effects = all;
    return all;
  }

  claim(conn: ConnId, text: string): Effect[] {
    return this.run({ to: 'directory', msg: { t: 'claim', conn, text } });
  }

  line(conn: ConnId, text: string, room = LOBBY): Effect[] {
    return this.run({ to: roomAddress(room), msg: { t: 'line', conn, text } });
  }

  to(conn: ConnId): string[] {
    return inboxOf(this.effects).get(conn) ?? [];
  }
}
