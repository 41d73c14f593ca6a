// Drives an ActorHost as plain code (no Worker, no socket) and reads its effects the way
// the gateway would: who receives which text, and which connections were placed, named,
// settled or closed.

import { ActorHost } from '../../src/runtime/host.js';
import type { ConnId, Effect, Envelope } from '../../src/model/messages.js';
import { roomAddress } from '../../src/model/messages.js';
import { LOBBY } from '../../src/edges/telnet/texts.js';
import { hostFor } from '../../src/runtime/placement.js';

export class Harness {
  readonly host: ActorHost;
  effects: Effect[] = [];
  /** Connections gone for good: the gateway drops what is addressed to them. */
  private gone = new Set<ConnId>();
  private goneBefore = new Set<ConnId>();

  constructor(index = 0, hosts = 1) {
    this.host = new ActorHost(index, hosts);
  }

  run(...batch: Envelope[]): Effect[] {
    // The gateway forgets a connection before it tells the actors it left.
    for (const env of batch) if (env.msg.t === 'leave' || env.msg.t === 'release') this.gone.add(env.msg.conn);
    this.goneBefore = new Set(this.gone);
    this.effects = this.host.handle(batch);
    for (const e of this.effects) if (e.t === 'close') this.gone.add(e.conn);
    return this.effects;
  }

  /** Whether the connection has closed (or the last run closed it). */
  isGone(conn: ConnId): boolean {
    return this.gone.has(conn);
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

  /** Texts each connection receives from the last run, in order, as the gateway would write them. */
  inbox(): Map<ConnId, string[]> {
    return inboxOf(this.effects, this.goneBefore);
  }

  to(conn: ConnId): string[] {
    return this.inbox().get(conn) ?? [];
  }
}

/**
 * Who receives what from `effects`. Like the gateway, it drops what is addressed to connections
 * already gone (`gone`), or closed by an earlier effect: a room may still list them.
 */
export function inboxOf(effects: readonly Effect[], gone: ReadonlySet<ConnId> = new Set()): Map<ConnId, string[]> {
  const box = new Map<ConnId, string[]>();
  const closed = new Set(gone);
  for (const e of effects) {
    if (e.t === 'close') closed.add(e.conn);
    if (e.t !== 'deliver') continue;
    for (const id of e.to) {
      if (id === e.except || closed.has(id)) continue;
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
