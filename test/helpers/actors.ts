// Drives an ActorHost as plain code (no Worker, no socket) and reads its effects the way the
// gateway would: who receives which event, and which connections were placed, named, settled
// or closed. Lines are read by the telnet edge and routed as the gateway routes them, so a test
// can type what a user types; what the edge answers by itself is kept apart (`answers`).

import { ActorHost } from '../../src/runtime/host.js';
import { route } from '../../src/runtime/routes.js';
import type { ChatEvent } from '../../src/model/events.js';
import type { Intent } from '../../src/model/intents.js';
import type { ConnId, Effect, Envelope } from '../../src/model/messages.js';
import { LOBBY } from '../../src/model/rooms.js';
import { readTelnetLine } from '../../src/edges/telnet/parser.js';
import { renderTelnet } from '../../src/edges/telnet/render.js';
import { hostFor } from '../../src/runtime/placement.js';

/** An event without its id and time, which depend on the clock: what tests compare. */
export type Shape = Record<string, unknown>;
export function shape(e: ChatEvent): Shape {
  const { id: _id, at: _at, ...rest } = e as ChatEvent & { id?: string; at?: number };
  if (rest.k === 'topic') delete (rest as { at?: number }).at;
  // What IRC needs besides (the once of a multi-room happening, the welcome's counts): asserted in irc-actors.test.ts.
  delete (rest as { once?: string }).once;
  if (rest.k === 'welcome') {
    delete (rest as { users?: number }).users;
    delete (rest as { rooms?: number }).rooms;
    delete (rest as { invisible?: number }).invisible;
  }
  return rest;
}

/** Expected events, in shape (see shape). */
export const ev = {
  welcome: (nick: string): Shape => ({ k: 'welcome', nick }),
  joined: (nick: string, room = LOBBY): Shape => ({ k: 'joined', room, nick }),
  left: (nick: string, room = LOBBY, how = 'quit', reason?: string): Shape => ({ k: 'left', room, nick, how, ...(reason ? { reason } : {}) }),
  said: (nick: string, text: string, room = LOBBY): Shape => ({ k: 'said', room, nick, text }),
  acted: (nick: string, text: string, room = LOBBY): Shape => ({ k: 'acted', room, nick, text }),
  renamed: (from: string, nick: string, room = LOBBY): Shape => ({ k: 'renamed', room, from, nick }),
  members: (nicks: string[], room = LOBBY): Shape => ({ k: 'members', room, nicks }),
  roomSize: (count: number, room: string): Shape => ({ k: 'roomSize', room, count }),
  topicSet: (nick: string, text: string, room = LOBBY): Shape => ({ k: 'topicSet', room, nick, text }),
  topic: (text: string, by: string, room = LOBBY): Shape => ({ k: 'topic', room, text, by }),
  noTopic: (room = LOBBY): Shape => ({ k: 'noTopic', room }),
  private: (from: string, to: string, text: string): Shape => ({ k: 'private', from, to, text }),
  privateSent: (to: string, text: string): Shape => ({ k: 'privateSent', to, text }),
  notice: (notice: Record<string, unknown>): Shape => ({ k: 'notice', notice }),
};

/** A clock that moves one millisecond each time it is read, from a fixed start. */
export function steppingClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => t++;
}

/** What a telnet user in `rooms` with `nick` asks for with `line`; null for a line the edge answers itself. */
function telnetIntent(line: string, nick: string | null, rooms: readonly string[], answers: string[]): Intent | null {
  const reading = readTelnetLine(line, { nick, rooms }, { topicBytes: 300 });
  if (reading === null) return null;
  if ('answer' in reading) {
    answers.push(reading.answer);
    return null;
  }
  return reading.intent;
}

/** Who receives what from `effects`, dropping (as the gateway does) what is addressed to connections gone. */
export function eventsOf(effects: readonly Effect[], gone: ReadonlySet<ConnId> = new Set()): Map<ConnId, ChatEvent[]> {
  const box = new Map<ConnId, ChatEvent[]>();
  const closed = new Set(gone);
  for (const e of effects) {
    if (e.t === 'close') closed.add(e.conn);
    if (e.t !== 'deliver') continue;
    for (const id of e.to) {
      if (id === e.except || closed.has(id)) continue;
      let list = box.get(id);
      if (!list) box.set(id, (list = []));
      list.push(e.event);
    }
  }
  return box;
}

/** The same as telnet text, as the gateway would write it. */
export function inboxOf(effects: readonly Effect[], gone: ReadonlySet<ConnId> = new Set()): Map<ConnId, string[]> {
  // What renders as nothing (telnet's welcome) is never written.
  return new Map([...eventsOf(effects, gone)].map(([id, events]) => [id, events.map(renderTelnet).filter((text) => text !== '')]));
}

export const kinds = (effects: readonly Effect[], conn: ConnId): string[] => effects.filter((e) => e.t !== 'deliver' && e.t !== 'roomState' && e.conn === conn).map((e) => e.t);

/** What the gateway learns from effects: each connection's name and rooms (to route its next line). */
class Mirror {
  readonly nicks = new Map<ConnId, string>();
  readonly rooms = new Map<ConnId, string[]>();
  /** Connections the gateway would vouch for as server operators (it checks OPER itself). */
  readonly opers = new Set<ConnId>();

  learn(effects: readonly Effect[]): void {
    for (const e of effects) {
      if (e.t === 'named') {
        if (e.nick === null) this.nicks.delete(e.conn);
        else this.nicks.set(e.conn, e.nick);
      } else if (e.t === 'placed') {
        const list = (this.rooms.get(e.conn) ?? []).filter((r) => r !== e.room);
        if (e.present) list.push(e.room);
        this.rooms.set(e.conn, list);
      }
    }
  }

  /** The envelope for an intent, as the gateway routes it. */
  envelope(conn: ConnId, intent: Intent): Envelope | null {
    return route(conn, this.nicks.get(conn) ?? null, intent, this.opers.has(conn));
  }

  /** The departure the gateway sends when a connection closes: a leave to each room, the release. */
  departure(conn: ConnId, reason?: string): Envelope[] {
    const why = reason ? { reason } : {};
    const envs: Envelope[] = (this.rooms.get(conn) ?? []).map((room) => ({ to: `room:${room}` as const, msg: { t: 'leave' as const, conn, ...why } }));
    if (this.nicks.has(conn)) envs.push({ to: 'directory', msg: { t: 'release', conn, ...why } });
    return envs;
  }
}

abstract class Driver {
  effects: Effect[] = [];
  /** What the telnet edge answered by itself in the last call (usage, /help…), per connection. */
  answers = new Map<ConnId, string[]>();
  readonly mirror = new Mirror();
  /** Connections gone for good: the gateway drops what is addressed to them. */
  protected gone = new Set<ConnId>();
  protected goneBefore = new Set<ConnId>();

  protected abstract handle(batch: Envelope[]): Effect[];

  run(...batch: Envelope[]): Effect[] {
    // The gateway forgets a connection before it tells the actors it left.
    for (const env of batch) if (env.msg.t === 'leave' || env.msg.t === 'release') this.gone.add(env.msg.conn);
    this.goneBefore = new Set(this.gone);
    this.answers = new Map();
    this.effects = this.handle(batch);
    this.mirror.learn(this.effects);
    for (const e of this.effects) if (e.t === 'close') this.gone.add(e.conn);
    return this.effects;
  }

  isGone(conn: ConnId): boolean {
    return this.gone.has(conn);
  }

  /** A nickname attempt from a connection with no name yet (a telnet one: it enters the lobby; IRC: `null`). */
  claim(conn: ConnId, nick: string, enter: string | null = LOBBY): Effect[] {
    return this.intent(conn, { kind: 'claim', nick, enter });
  }

  /** An intent from `conn`, routed as the gateway routes it (a quit departs at once). */
  intent(conn: ConnId, intent: Intent): Effect[] {
    if (intent.kind === 'quit') return this.run(...this.mirror.departure(conn, intent.reason));
    const env = this.mirror.envelope(conn, intent);
    return env === null ? this.run() : this.run(env);
  }

  /** A line typed by a telnet user (in its one room, or `room` if given). */
  line(conn: ConnId, text: string, room?: string): Effect[] {
    const rooms = room !== undefined ? [room] : (this.mirror.rooms.get(conn) ?? []);
    const answers: string[] = [];
    const intent = telnetIntent(text, this.mirror.nicks.get(conn) ?? null, rooms, answers);
    if (intent === null) {
      this.run();
      if (answers.length > 0) this.answers.set(conn, answers);
      return [];
    }
    return this.intent(conn, intent);
  }

  /** The connection closed. */
  leave(conn: ConnId): Effect[] {
    return this.run(...this.mirror.departure(conn));
  }

  /** Events each connection receives from the last run, in order. */
  events(conn: ConnId): ChatEvent[] {
    return eventsOf(this.effects, this.goneBefore).get(conn) ?? [];
  }

  /** The same events, without ids and times. */
  got(conn: ConnId): Shape[] {
    return this.events(conn).map(shape);
  }

  /** Who received anything in the last run. */
  receivers(): ConnId[] {
    return [...eventsOf(this.effects, this.goneBefore).keys()];
  }

  /** Texts a telnet user receives from the last run: the events rendered, then the edge's own answers. */
  to(conn: ConnId): string[] {
    return [...this.events(conn).map(renderTelnet).filter((text) => text !== ''), ...(this.answers.get(conn) ?? [])];
  }
}

export class Harness extends Driver {
  readonly host: ActorHost;

  constructor(index = 0, hosts = 1, now: () => number = steppingClock()) {
    super();
    this.host = new ActorHost(index, hosts, { now });
  }

  protected handle(batch: Envelope[]): Effect[] {
    return this.host.handle(batch).effects;
  }
}

/**
 * Several hosts wired the way the pool wires Workers: messages for other hosts are forwarded to
 * the host the placement names, until nothing is left in flight. Synchronous, for unit tests.
 */
export class HostGroup extends Driver {
  readonly hosts: ActorHost[];

  constructor(count: number, now: () => number = steppingClock()) {
    super();
    this.hosts = Array.from({ length: count }, (_, i) => new ActorHost(i, count, { now }));
  }

  protected handle(batch: Envelope[]): Effect[] {
    const all: Effect[] = [];
    let pending = batch;
    while (pending.length > 0) {
      const next: Envelope[] = [];
      for (const env of pending) {
        const out = this.hosts[hostFor(env.to, this.hosts.length)]!.handle([env]);
        next.push(...out.sends);
        all.push(...out.effects);
      }
      pending = next;
    }
    return all;
  }
}
