// The gateway's side of the actor system: a pool of hosts, the batching of envelopes to
// them, forwarding of actor-to-actor messages between hosts, and supervision.
//
// Supervision: a host's state is rebuilt from what the gateway learned through effects
// (the `snapshot` callback), and every batch whose effects had not come back is sent again,
// in order. Effects arrive whole per batch, so a batch is either fully applied or not at all:
// each accepted line is delivered exactly once across a crash (unless it is the message that kills
// its host every time: see dropPoison).

import { roomOf, type Effect, type Envelope } from '../model/messages.js';
import type { HostOutput } from './host.js';
import { inThreadLink, workerLink, type HostLink, type LinkFactory } from './links.js';
import { hostFor } from './placement.js';
import type { ActorSystem, SystemEvents, SystemFactory, SystemHooks } from './system.js';
import { quietEvents } from './system.js';
import type { SystemSample } from '../model/samples.js';

export interface PoolOptions extends Pick<SystemHooks, 'onEffects' | 'snapshot'> {
  hosts: number;
  link: LinkFactory;
  /** A host was restarted; for logs and tests. */
  onRestart?(index: number, why: string): void;
  /** A message was given up (see dropPoison); for logs. */
  onDrop?(env: Envelope): void;
}

/** The single-process actor system: `hosts` Workers (or in-thread hosts) in this process. */
export const localSystem =
  (hosts: number, mode: 'worker' | 'in-thread', events: SystemEvents = quietEvents): SystemFactory =>
  (hooks) =>
    new ActorPool({
      ...hooks,
      hosts,
      link: mode === 'worker' ? workerLink : inThreadLink,
      onRestart: (index, why) => events.restarted(`actor host ${index}`, why),
      onDrop: (env) => events.dropped(env.to, env.msg.t),
    });

interface Batch {
  envs: Envelope[];
  tries: number;
}

interface Slot {
  index: number;
  link: HostLink;
  generation: number;
  queued: Envelope[];
  inflight: Batch[];
  /** Rooms its host last said it held, and messages its hosts handled in all (across restarts). */
  rooms: number;
  handled: number;
  /** Envelopes sent to it, and how many of them are answered (or given up), in the order sent. */
  sent: number;
  answered: number;
}

/** A call waiting for every slot to have answered what it had been sent when the call was made. */
interface Waiter {
  /** Per slot, the `sent` count to wait for (raised when work it waits for sends more: see follow). */
  marks: number[];
  fn: () => void;
}

/** A batch its host died on this often is split; an envelope that does so alone is dropped. */
const MAX_TRIES = 3;

export class ActorPool implements ActorSystem {
  private readonly slots: Slot[] = [];
  private flushScheduled = false;
  private closed = false;
  restarts = 0;
  /** Messages given up (see dropPoison). */
  dropped = 0;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.hosts; i++) {
      const slot: Slot = { index: i, link: null!, generation: 0, queued: [], inflight: [], rooms: 0, handled: 0, sent: 0, answered: 0 };
      this.slots.push(slot);
      this.attach(slot);
    }
  }

  get hosts(): number {
    return this.slots.length;
  }

  openElsewhere(): number {
    return 0;
  }

  send(env: Envelope): void {
    this.pending++;
    const slot = this.slots[hostFor(env.to, this.slots.length)]!;
    slot.queued.push(env);
    slot.sent++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Envelopes sent but not yet answered, over all hosts: the gateway's measure of backpressure. */
  pending = 0;

  /** Oldest first; each one's marks are at least those before it, so only the first can be ready. */
  private readonly waiters: Waiter[] = [];

  afterSent(fn: () => void): void {
    if (this.waiters.length === 0 && this.slots.every((s) => s.answered === s.sent)) return fn();
    this.waiters.push({ marks: this.slots.map((s) => s.sent), fn });
  }

  /**
   * What a batch sent on to other actors is part of the work it was sent for (a rename tells the
   * rooms, and the rooms tell everyone): the waiters that waited for the batch wait for it too.
   * Those are the waiters that came after its first envelope was sent: a suffix of the list.
   * Only the hosts it sent to are raised (`before`: their counts before it did), so that under
   * steady traffic a wait does not grow with everyone else's work on the other hosts.
   */
  private follow(slot: Slot, first: number, before: number[]): void {
    for (let i = this.waiters.length - 1; i >= 0 && this.waiters[i]!.marks[slot.index]! > first; i--) {
      const marks = this.waiters[i]!.marks;
      for (const s of this.slots) if (s.sent > before[s.index]! && s.sent > marks[s.index]!) marks[s.index] = s.sent;
    }
  }

  private release(): void {
    while (this.waiters.length > 0 && this.waiters[0]!.marks.every((mark, i) => this.slots[i]!.answered >= mark)) this.waiters.shift()!.fn();
  }

  async sample(): Promise<SystemSample> {
    const hosts = this.slots.map((s) => ({ rooms: s.rooms, handled: s.handled }));
    return { rooms: hosts.reduce((n, h) => n + h.rooms, 0), hosts, dropped: this.dropped, cluster: null };
  }

  /** Ends host `index` as a crash would (tests); false when its hosts run in this thread. */
  kill(index: number): boolean {
    const kill = this.slots[index]!.link.kill;
    kill?.();
    return kill !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.link.close()));
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.queued.length === 0) continue;
      const batch: Batch = { envs: slot.queued, tries: 0 };
      slot.queued = [];
      slot.inflight.push(batch);
      this.post(slot, batch);
    }
  };

  private post(slot: Slot, batch: Batch): void {
    const generation = slot.generation;
    slot.link.handle(batch.envs).then(
      (output) => {
        if (slot.generation !== generation || this.closed) return; // answered by a host we replaced
        slot.inflight.shift();
        this.pending -= batch.envs.length;
        const first = slot.answered;
        slot.answered += batch.envs.length;
        slot.rooms = output.counts.rooms;
        slot.handled += output.counts.handled;
        this.apply(output, slot, first);
      },
      (err: unknown) => {
        if (slot.generation !== generation || this.closed) return;
        // An exception inside the host: its state may be half-changed, so treat it as a crash.
        this.restart(slot, `host ${slot.index} threw: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  /** Messages for other hosts are queued before the effects are applied: a settle among them may let a line go that must come after. */
  private apply(output: HostOutput, slot: Slot, first: number): void {
    const before = output.sends.length > 0 && this.waiters.length > 0 ? this.slots.map((s) => s.sent) : null;
    for (const env of output.sends) this.send(env);
    if (before !== null) this.follow(slot, first, before);
    this.options.onEffects(output.effects);
    this.release();
  }

  private attach(slot: Slot): void {
    slot.link = this.options.link(slot.index, this.options.hosts);
    slot.link.onExit((why) => {
      if (this.closed) return;
      this.restart(slot, why);
    });
  }

  private restart(slot: Slot, why: string): void {
    // A host works through its batches in order, so the oldest unanswered one is the one it died on.
    const suspect = slot.inflight[0];
    if (suspect) suspect.tries++;
    slot.generation++;
    this.restarts++;
    void slot.link.close().catch(() => {});
    this.attach(slot);
    // Triage first: giving up a message may correct what the gateway knows (see dropPoison), and
    // the new host must be rebuilt from the corrected state. The restore reaches it before the batches.
    const again = this.triage(slot);
    slot.inflight = [];
    void slot.link.restore(this.options.snapshot());
    for (const batch of again) {
      slot.inflight.push(batch);
      this.post(slot, batch);
    }
    this.options.onRestart?.(slot.index, why);
    this.release(); // a message given up counts as answered
  }

  /** Batches to send again after a crash, with repeat offenders split or dropped. */
  private triage(slot: Slot): Batch[] {
    const out: Batch[] = [];
    for (const b of slot.inflight) {
      if (b.tries < MAX_TRIES) out.push(b);
      else if (b.envs.length > 1) for (const env of b.envs) out.push({ envs: [env], tries: 0 });
      else {
        // Only the oldest batch is ever a repeat offender, so what is given up is next in order.
        this.pending--;
        slot.answered++;
        this.dropPoison(b.envs[0]!);
      }
    }
    return out;
  }

  /**
   * An envelope that crashes its host every time: give it up, and do what its handling would have
   * done for the sender's sake. Release the sender if it was waiting on it: a barrier, or the
   * message that settles one (the join a claim or a move sends on, the rename that settles).
   * A plain line releases nothing: lines held behind an earlier barrier must keep waiting for that
   * one. A departure (leave, release) is applied as if it had run, so that the host rebuilt next
   * holds no ghost member and no name nobody can free.
   */
  private dropPoison(env: Envelope): void {
    this.dropped++;
    this.options.onDrop?.(env);
    const msg = env.msg;
    const conn = msg.conn;
    const effects: Effect[] = [];
    if (msg.t === 'leave') effects.push({ t: 'placed', conn, room: roomOf(env.to)!, present: false });
    if (msg.t === 'release') effects.push({ t: 'named', conn, nick: null });
    // A claim given up: the newcomer is still at the prompt, and is asked again.
    if (msg.t === 'claim') effects.push({ t: 'deliver', to: Int32Array.of(conn), except: -1, event: { k: 'notice', notice: { code: 'claimLost' } } });
    if (env.barrier || msg.t === 'join' || (msg.t === 'renamed' && msg.settle)) effects.push({ t: 'settled', conn });
    if (effects.length > 0) this.options.onEffects(effects);
  }
}
