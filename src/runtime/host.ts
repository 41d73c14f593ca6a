// An actor host: the actors placed on one Worker (or on the main thread, for comparison),
// fed one batch of envelopes at a time. Messages between actors on the same host are
// handled here, in order, before the batch returns; messages for actors elsewhere go back
// to the gateway as `send` effects.

import { LOBBY } from '../edges/telnet/texts.js';
import { roomOf, type ConnId, type Effect, type Envelope, type MemberRecord } from '../model/messages.js';
import { Directory } from '../actors/directory.js';
import type { Outbox } from '../actors/outbox.js';
import { hostFor } from './placement.js';
import { RoomActor } from '../actors/room.js';

/** What the gateway may call on a host; the Worker shell exposes exactly this through comlink. */
export interface HostApi {
  handle(batch: Envelope[]): Effect[];
  restore(records: MemberRecord[]): void;
}

export class ActorHost implements HostApi, Outbox {
  private readonly directory: Directory | null;
  private readonly rooms = new Map<string, RoomActor>();
  private effects: Effect[] = [];
  private queue: Envelope[] = [];

  constructor(
    readonly index: number,
    readonly hosts: number,
    /** Test-only crash injection: a room line with exactly this text throws inside the host. */
    private readonly crashOn: string | null = null,
  ) {
    this.directory = hostFor('directory', hosts) === index ? new Directory(this) : null;
  }

  handle(batch: Envelope[]): Effect[] {
    const queue = this.queue;
    for (let i = 0; i < batch.length; i++) queue.push(batch[i]!);
    // Local sends append to the queue, so a batch runs to quiescence in FIFO order.
    for (let i = 0; i < queue.length; i++) this.dispatch(queue[i]!);
    this.queue = [];
    const out = this.effects;
    this.effects = [];
    return out;
  }

  restore(records: MemberRecord[]): void {
    this.directory?.restore(records);
    this.rooms.clear();
    const mine = new Set<string>();
    for (const r of records) if (r.room !== null && this.owns(r.room)) mine.add(r.room);
    for (const name of mine) this.room(name).restore(records);
  }

  /** Rooms on this host with their member counts (for stats and tests). */
  roomSizes(): Map<string, number> {
    return new Map([...this.rooms].map(([name, room]) => [name, room.size]));
  }

  deliver(to: Int32Array, except: ConnId, text: string): void {
    this.effects.push({ t: 'deliver', to, except, text });
  }

  send(env: Envelope): void {
    if (hostFor(env.to, this.hosts) === this.index) this.queue.push(env);
    else this.effects.push({ t: 'send', env });
  }

  effect(effect: Effect): void {
    this.effects.push(effect);
  }

  private dispatch(env: Envelope): void {
    if (env.to === 'directory') {
      this.directory?.receive(env.msg);
      return;
    }
    const name = roomOf(env.to)!;
    const msg = env.msg;
    const existing = this.rooms.get(name);
    if (!existing && msg.t !== 'join' && name !== LOBBY) return; // a stale message for a room that emptied
    const room = existing ?? this.room(name);
    if (this.crashOn !== null && msg.t === 'line' && msg.text === this.crashOn) throw new Error('injected crash (test hook)');
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
