// An actor host: the actors placed on one Worker (or on the main thread, for comparison),
// fed one batch of envelopes at a time. Messages between actors on the same host are handled
// here, in order, before the batch returns; messages for actors elsewhere go back to the pool
// (never to the gateway) to be forwarded.

import type { ChatEvent } from '../model/events.js';
import { roomOf, type ConnId, type Effect, type Envelope, type MemberRecord } from '../model/messages.js';
import { LOBBY } from '../model/rooms.js';
import { Directory } from '../actors/directory.js';
import type { Outbox } from '../actors/outbox.js';
import { RoomActor, type Topic } from '../actors/room.js';
import { hostFor } from './placement.js';
import type { HostCounts } from '../model/samples.js';
import type { RoomState } from '../model/moderation.js';

/** What one batch gave: effects for the gateway, and messages for actors on other hosts. */
export interface HostOutput {
  effects: Effect[];
  sends: Envelope[];
  /** The host's counts after this batch (for /metrics). */
  counts: HostCounts;
}

/** What a restarted host is rebuilt from: every named connection, and the rooms' topics. */
export interface Snapshot {
  members: MemberRecord[];
  topics: Array<[room: string, topic: Topic]>;
  /** The last moderation state each room announced (modes, bans, operators, voices). */
  states?: Array<[room: string, state: RoomState]>;
}

/** What the pool may call on a host; the Worker shell exposes exactly this through comlink. */
export interface HostApi {
  handle(batch: Envelope[]): HostOutput;
  restore(snapshot: Snapshot): void;
}

export interface HostOptions {
  /** Server time for the events' stamps (ms since the epoch). */
  now?: () => number;
  /** Test-only crash injection: a room line with exactly this text throws inside the host. */
  crashOn?: string | null;
  /** Test-only crash injection, for unit tests: an envelope this says yes to throws inside the host. */
  crashIf?: (env: Envelope) => boolean;
}

export class ActorHost implements HostApi, Outbox {
  private readonly directory: Directory | null;
  private readonly rooms = new Map<string, RoomActor>();
  private effects: Effect[] = [];
  private sends: Envelope[] = [];
  private queue: Envelope[] = [];
  readonly now: () => number;
  private readonly crashOn: string | null;
  private readonly crashIf: ((env: Envelope) => boolean) | null;

  constructor(
    readonly index: number,
    readonly hosts: number,
    options: HostOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.crashOn = options.crashOn ?? null;
    this.crashIf = options.crashIf ?? null;
    this.directory = hostFor('directory', hosts) === index ? new Directory(this) : null;
  }

  handle(batch: Envelope[]): HostOutput {
    const queue = this.queue;
    for (let i = 0; i < batch.length; i++) queue.push(batch[i]!);
    // Local sends append to the queue, so a batch runs to quiescence in FIFO order.
    for (let i = 0; i < queue.length; i++) this.dispatch(queue[i]!);
    this.queue = [];
    // The lobby stays once made (see dispatch): an empty one is not counted.
    const lobby = this.rooms.get(LOBBY);
    const rooms = this.rooms.size - (lobby !== undefined && lobby.size === 0 ? 1 : 0);
    const out = { effects: this.effects, sends: this.sends, counts: { rooms, handled: queue.length } };
    this.effects = [];
    this.sends = [];
    return out;
  }

  restore(snapshot: Snapshot): void {
    this.directory?.restore(snapshot.members);
    this.directory?.restoreMarks(snapshot.states ?? []);
    this.rooms.clear();
    const topics = new Map(snapshot.topics);
    const states = new Map(snapshot.states ?? []);
    const mine = new Set<string>();
    for (const r of snapshot.members) for (const room of r.rooms) if (this.owns(room)) mine.add(room);
    for (const name of mine) this.room(name).restore(snapshot.members, topics.get(name) ?? null, states.get(name) ?? null);
  }

  /** Rooms on this host with their member counts (for stats and tests). */
  roomSizes(): Map<string, number> {
    return new Map([...this.rooms].map(([name, room]) => [name, room.size]));
  }

  /** Rooms on this host with their members' nicknames, in the order the room lists them (for tests). */
  rosters(): Map<string, string[]> {
    return new Map([...this.rooms].map(([name, room]) => [name, room.nicks()]));
  }

  deliver(to: Int32Array, except: ConnId, event: ChatEvent): void {
    this.effects.push({ t: 'deliver', to, except, event });
  }

  send(env: Envelope): void {
    if (hostFor(env.to, this.hosts) === this.index) this.queue.push(env);
    else this.sends.push(env);
  }

  effect(effect: Effect): void {
    this.effects.push(effect);
  }

  private dispatch(env: Envelope): void {
    if (this.crashIf?.(env)) throw new Error('injected crash (test hook)');
    if (env.to === 'directory') {
      this.directory?.receive(env.msg);
      return;
    }
    const name = roomOf(env.to)!;
    const msg = env.msg;
    const existing = this.rooms.get(name);
    if (!existing && msg.t !== 'join' && name !== LOBBY) {
      // A stale message for a room that emptied: nobody in it to hear it, but a sender waiting on it must go on.
      if (msg.t === 'who' && !msg.ifMember) this.deliver(Int32Array.of(msg.conn), -1, { k: 'members', room: name, nicks: [] }); // an empty room: nobody
      // A line from outside (IRC, a channel one is not on) to a room nobody is in: no such channel (never to a NOTICE).
      const outsideLine = (msg.t === 'say' || msg.t === 'act') && msg.from !== undefined && !(msg.t === 'say' && msg.notice === true);
      if (outsideLine || msg.t === 'mode' || msg.t === 'kick' || msg.t === 'invite' || msg.t === 'topic') this.deliver(Int32Array.of(msg.conn), -1, { k: 'notice', notice: { code: 'noSuchRoom', room: name } });
      if (env.barrier || (msg.t === 'renamed' && msg.settle)) this.effect({ t: 'settled', conn: msg.conn });
      return;
    }
    const room = existing ?? this.room(name);
    if (this.crashOn !== null && msg.t === 'say' && msg.text === this.crashOn) throw new Error('injected crash (test hook)');
    room.receive(msg);
    if (room.size === 0 && name !== LOBBY) this.rooms.delete(name);
  }

  private owns(room: string): boolean {
    return hostFor(`room:${room}`, this.hosts) === this.index;
  }

  private room(name: string): RoomActor {
    let room = this.rooms.get(name);
    if (!room) {
      room = new RoomActor(name, this);
      this.rooms.set(name, room);
    }
    return room;
  }
}
