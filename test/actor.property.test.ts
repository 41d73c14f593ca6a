// Property tests of the actors (directory + rooms) with fast-check, driven as plain code
// through ActorHost by a small model of the gateway: the same edge (telnet lines read into
// intents), the same routing (runtime/routes.ts), the same barrier (an intent's flag holds the
// sender's later lines until `settled`), the same departure (a leave to each room, then the
// release), and the same MemberMirror learned from `named` / `placed` effects. Connections also
// join and part rooms directly, as IRC users do, so a connection may be in several rooms. With
// several hosts, the directory and the rooms live apart, and the test picks which host runs
// next, so cross-host messages interleave in many orders; a host may crash mid-batch and be
// rebuilt from the mirror, its batch sent again, as the pool does.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ActorHost } from '../src/runtime/host.js';
import { hostFor } from '../src/runtime/placement.js';
import { route } from '../src/runtime/routes.js';
import type { ChatEvent } from '../src/model/events.js';
import type { Intent } from '../src/model/intents.js';
import { roomAddress, type ConnId, type Effect, type Envelope } from '../src/model/messages.js';
import { nickKey } from '../src/model/nicknames.js';
import { LOBBY } from '../src/model/rooms.js';
import { readTelnetLine } from '../src/edges/telnet/parser.js';
import { MemberMirror } from '../src/gateway/members.js';
import { steppingClock } from './helpers/actors.js';

const CONNS = 6;

/** Room names: the same room in other spellings, and refused ones. */
const ROOMS = ['lobby', 'Lobby', '#games', 'games', 'Dev', 'dev', 'x y', '', 'r'.repeat(40)];
/** Rooms joined and parted directly (IRC-style), already in their folded form. */
const DIRECT_ROOMS = ['lobby', 'games', 'dev', 'ops'];
/** Names that collide under the fold (case, width, ligatures, composition) and names that are refused. */
const NAMES = ['alice', 'Alice', 'ＡＬＩＣＥ', 'bob', 'BOB', 'ｂｏｂ', 'carol', 'ﬁx', 'FIX', 'é', 'e\u0301', 'É', 'x y', '/slash', 'a'.repeat(33), 'zero\u200bwidth', ' dave ', 'Dave'];

type LineKind = 'name' | 'say' | 'slash' | 'me' | 'who' | 'nick' | 'msg' | 'quit' | 'blank' | 'join' | 'leave' | 'rooms';
type Step =
  | { t: 'line'; conn: ConnId; kind: LineKind; name: string; room?: string }
  /** What an IRC user does: join or part a room without leaving the others, say something in one of its rooms. */
  | { t: 'direct'; conn: ConnId; kind: 'join' | 'part' | 'say'; room: string }
  | { t: 'close'; conn: ConnId }
  | { t: 'run'; host: number }
  | { t: 'crash'; host: number };

const conn = fc.integer({ min: 1, max: CONNS });
const name = fc.constantFrom(...NAMES);
const room = fc.constantFrom(...ROOMS);
const kinds: LineKind[] = ['name', 'name', 'name', 'say', 'say', 'say', 'say', 'slash', 'me', 'who', 'nick', 'msg', 'quit', 'blank', 'join', 'join', 'leave', 'rooms'];
const step = (hosts: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { arbitrary: fc.record({ t: fc.constant('line' as const), conn, kind: fc.constantFrom(...kinds), name, room }), weight: 8 },
    { arbitrary: fc.record({ t: fc.constant('direct' as const), conn, kind: fc.constantFrom('join' as const, 'part' as const, 'say' as const, 'say' as const), room: fc.constantFrom(...DIRECT_ROOMS) }), weight: 3 },
    { arbitrary: fc.record({ t: fc.constant('close' as const), conn }), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('run' as const), host: fc.integer({ min: 0, max: hosts - 1 }) }), weight: 4 },
    { arbitrary: fc.record({ t: fc.constant('crash' as const), host: fc.integer({ min: 0, max: hosts - 1 }) }), weight: 1 },
  );

interface Conn {
  id: ConnId;
  open: boolean;
  ending: boolean;
  awaiting: boolean;
  held: Array<string | Intent>;
  departed: boolean;
}

/** Who was in a room (id → placement epoch) at some moment, to check who must have heard of what. */
type Presence = Map<ConnId, number>;

/** A numbered line sent to a room, and what became of it. */
interface Sent {
  sender: ConnId;
  /** Its name when the gateway forwarded it (renames are barriers: the name it must carry). */
  nick: string;
  /** Host crashes so far when it was sent: a room rebuilt since knows the sender by the name the gateway knows now. */
  crashes: number;
  room: string;
  body: string;
  membersAtSend: Presence;
  effects: number;
  receivers: ConnId[];
}

/** A departure the gateway announced: to each room the user was in, once. */
interface Departure {
  conn: ConnId;
  nick: string;
  room: string;
  membersAtDeparture: Presence;
  announced: number;
}

const NUMBERED = /^(?:say|\/slash|irc) (\d+)$/;

/** The model gateway: one per property run. `problems` collects what broke. */
export class World {
  hosts: ActorHost[];
  readonly queues: Envelope[][];
  readonly mirror = new MemberMirror();
  readonly conns = new Map<ConnId, Conn>();
  /** Placement changes per connection: a member whose epoch moved may have missed something, legitimately. */
  readonly epoch = new Map<ConnId, number>();
  readonly sent = new Map<string, Sent>();
  readonly actions = new Map<string, { sender: ConnId; effects: number; receivers: ConnId[] }>();
  readonly privates = new Map<string, { sender: ConnId; target: string; receivers: ConnId[] }>();
  readonly departures: Departure[] = [];
  /** Per room, the ids of its events in the order they were emitted: each room has one order. */
  readonly order = new Map<string, string[]>();
  readonly problems: string[] = [];
  /** Events delivered to `watch`, when set. */
  watch: ConnId | null = null;
  readonly watched: ChatEvent[] = [];
  private seq = 0;
  private crashes = 0;
  private readonly now = steppingClock();

  constructor(readonly hostCount: number) {
    this.hosts = Array.from({ length: hostCount }, (_, i) => new ActorHost(i, hostCount, { now: this.now }));
    this.queues = this.hosts.map(() => []);
    for (let id = 1; id <= CONNS; id++) this.addConn(id);
  }

  addConn(id: ConnId): this {
    this.conns.set(id, { id, open: true, ending: false, awaiting: false, held: [], departed: false });
    return this;
  }

  // --- the gateway's side -------------------------------------------------------------

  step(s: Step): void {
    if (s.t === 'run') return this.runHost(s.host);
    if (s.t === 'crash') return this.crashHost(s.host);
    const c = this.conns.get(s.conn)!;
    if (s.t === 'close' || c.ending) return this.close(c); // a server-ended connection's socket closes next
    if (s.t === 'direct') return this.onInput(c, this.intentFor(c, s));
    this.onInput(c, this.textFor(c, s));
  }

  private textFor(c: Conn, s: Extract<Step, { t: 'line' }>): string {
    const n = this.seq++;
    switch (s.kind) {
      case 'name':
        return s.name;
      case 'say':
        return `say ${n}`;
      case 'slash':
        return `//slash ${n}`;
      case 'me':
        return `/me does ${n}`;
      case 'who':
        return '/who';
      case 'nick':
        return `/nick ${s.name}`;
      case 'msg':
        return `/msg ${s.name.trim() || 'nobody'} pm ${n}`;
      case 'quit':
        return n % 2 ? '/quit' : `/quit bye ${n}`;
      case 'blank':
        return c.id % 2 ? '   ' : '';
      case 'join':
        return `/join ${s.room ?? ''}`;
      case 'leave':
        return '/leave';
      case 'rooms':
        return '/rooms';
    }
  }

  private intentFor(c: Conn, s: Extract<Step, { t: 'direct' }>): Intent {
    if (s.kind === 'say') return { kind: 'say', room: s.room, text: `irc ${this.seq++}` };
    return s.kind === 'join' ? { kind: 'join', room: s.room } : { kind: 'part', room: s.room };
  }

  private onInput(c: Conn, input: string | Intent): void {
    if (!c.open || c.ending || (typeof input === 'string' && input.trim() === '')) return;
    if (c.held.length === 0 && !c.awaiting) this.forward(c, input);
    else c.held.push(input);
  }

  private pump(c: Conn): void {
    while (c.held.length > 0 && !c.awaiting && !c.ending) this.forward(c, c.held.shift()!);
  }

  private forward(c: Conn, input: string | Intent): void {
    const from = { nick: this.mirror.nickOf(c.id), rooms: this.mirror.roomsOf(c.id) };
    let intent: Intent;
    if (typeof input === 'string') {
      const reading = readTelnetLine(input, from, { topicBytes: 300 });
      if (reading === null) {
        if (from.nick !== null && from.rooms.length === 0) return; // an IRC-style user in no room typed a telnet line: nowhere to say it
        return void this.problems.push(`conn ${c.id} (${from.nick}, in [${from.rooms}]) sent ${JSON.stringify(input)} and nothing came of it`);
      }
      if ('answer' in reading) return;
      intent = reading.intent;
    } else {
      // A direct say goes only to a room the user is in (an IRC edge answers 442 otherwise).
      if (from.nick === null) return;
      if (input.kind === 'say' && !from.rooms.includes(input.room)) return;
      intent = input;
    }
    if (intent.kind === 'quit') {
      c.ending = true;
      this.depart(c, intent.reason);
      return;
    }
    const env = route(c.id, from.nick, intent);
    if (env === null) return;
    if (env.barrier) c.awaiting = true;
    this.recordSent(c, intent);
    this.send(env);
  }

  private recordSent(c: Conn, intent: Intent): void {
    if (intent.kind === 'say') {
      const n = NUMBERED.exec(intent.text)?.[1];
      if (n !== undefined) this.sent.set(n, { sender: c.id, nick: this.mirror.nickOf(c.id)!, crashes: this.crashes, room: intent.room, body: intent.text, membersAtSend: this.presence(intent.room), effects: 0, receivers: [] });
    }
    if (intent.kind === 'act') {
      const n = /^does (\d+)$/.exec(intent.text)?.[1];
      if (n !== undefined) this.actions.set(n, { sender: c.id, effects: 0, receivers: [] });
    }
    if (intent.kind === 'private') {
      const n = /^pm (\d+)$/.exec(intent.text)?.[1];
      if (n !== undefined) this.privates.set(n, { sender: c.id, target: intent.target, receivers: [] });
    }
  }

  private presence(room: string): Presence {
    return new Map(this.membersOf(room).map((id) => [id, this.epoch.get(id) ?? 0]));
  }

  private close(c: Conn): void {
    if (!c.open) return;
    c.open = false;
    if (!c.awaiting) this.depart(c);
  }

  /** As the gateway: a leave to each of its rooms and the release, once. */
  private depart(c: Conn, reason?: string): void {
    if (c.departed) return;
    c.departed = true;
    c.held.length = 0;
    const known = this.mirror.get(c.id);
    if (!known) return;
    const why = reason ? { reason } : {};
    for (const r of known.rooms) {
      if (known.nick !== null) this.departures.push({ conn: c.id, nick: known.nick, room: r, membersAtDeparture: this.presence(r), announced: 0 });
      this.send({ to: roomAddress(r), msg: { t: 'leave', conn: c.id, ...why } });
    }
    if (known.nick !== null) this.send({ to: 'directory', msg: { t: 'release', conn: c.id, ...why } });
  }

  private send(env: Envelope): void {
    this.queues[hostFor(env.to, this.hostCount)]!.push(env);
  }

  /** Host `index` handles everything queued for it as one batch; its effects apply in order. */
  runHost(index: number): void {
    const batch = this.queues[index]!;
    if (batch.length === 0) return;
    this.queues[index] = [];
    this.applyOutput(this.hosts[index]!.handle(batch));
  }

  /**
   * Host `index` dies with its batch in flight: whatever it did with the batch is lost, a new host
   * is restored from what the gateway learned, and the batch is sent to it again (as the pool does).
   */
  crashHost(index: number): void {
    const batch = this.queues[index]!;
    this.queues[index] = [];
    if (batch.length > 0) this.hosts[index]!.handle(batch); // half-done work, never seen
    this.crashes++;
    const fresh = new ActorHost(index, this.hostCount, { now: this.now });
    fresh.restore(this.mirror.snapshot());
    this.hosts[index] = fresh;
    this.checkRestored(index);
    if (batch.length > 0) this.applyOutput(fresh.handle(batch));
  }

  private applyOutput(out: { effects: Effect[]; sends: Envelope[] }): void {
    for (const env of out.sends) this.send(env);
    for (const e of out.effects) this.apply(e);
    this.checkTable();
  }

  /** Runs hosts until nothing is queued anywhere. */
  drain(): void {
    for (let rounds = 0; this.queues.some((q) => q.length > 0); rounds++) {
      if (rounds > 1000) throw new Error('the actors never go quiet');
      for (let i = 0; i < this.hostCount; i++) this.runHost(i);
    }
  }

  private apply(e: Effect): void {
    switch (e.t) {
      case 'named':
        return this.mirror.setNick(e.conn, e.nick);
      case 'placed':
        this.mirror.place(e.conn, e.room, e.present);
        this.epoch.set(e.conn, (this.epoch.get(e.conn) ?? 0) + 1);
        return;
      case 'settled': {
        const c = this.conns.get(e.conn)!;
        if (c.departed) return;
        c.awaiting = false;
        this.pump(c);
        if (!c.open && !c.awaiting) this.depart(c);
        return;
      }
      case 'close': {
        const c = this.conns.get(e.conn)!;
        c.ending = true;
        c.held.length = 0;
        return;
      }
      case 'deliver':
        return this.observe(e);
    }
  }

  // --- what the property checks -------------------------------------------------------

  membersOf(room: string): ConnId[] {
    return [...this.conns.keys()].filter((id) => this.mirror.roomsOf(id).includes(room));
  }

  /** Members per room, as the placed effects say (the lobby always listed). */
  roomCounts(): Map<string, number> {
    const counts = new Map<string, number>([[LOBBY, 0]]);
    for (const id of this.conns.keys()) for (const r of this.mirror.roomsOf(id)) counts.set(r, (counts.get(r) ?? 0) + 1);
    return counts;
  }

  /** Whether the gateway would still write to this connection (it drops what goes to the rest). */
  private writable(id: ConnId): boolean {
    const c = this.conns.get(id);
    return c !== undefined && c.open && !c.ending && !c.departed;
  }

  private observe(e: Extract<Effect, { t: 'deliver' }>): void {
    const ev = e.event;
    const listed = [...e.to].filter((id) => id !== e.except);
    const receivers = listed.filter((id) => this.writable(id));
    if (this.watch !== null && receivers.includes(this.watch)) this.watched.push(ev);
    if ('id' in ev && 'room' in ev) {
      const seen = this.order.get(ev.room) ?? [];
      if (seen.length > 0 && !(seen[seen.length - 1]! < ev.id)) this.problems.push(`room ${ev.room}: event ${ev.id} after ${seen[seen.length - 1]}`);
      seen.push(ev.id);
      this.order.set(ev.room, seen);
      // A room may list connections gone for good (see RoomActor.bury), never one that lives on outside it;
      // a part also reaches the one who parted.
      const members = new Set(this.membersOf(ev.room));
      const parter = ev.k === 'left' && ev.how === 'part' ? this.ownerOf(ev.nick) : undefined;
      for (const id of e.to) {
        if (!members.has(id) && id !== e.except && id !== parter && this.writable(id)) this.problems.push(`a broadcast in ${ev.room} lists ${id}, who is not in it and still connected: ${JSON.stringify(ev)}`);
      }
      if (new Set(e.to).size !== e.to.length) this.problems.push(`a broadcast lists someone twice: [${e.to}]`);
    }
    switch (ev.k) {
      case 'said': {
        const n = NUMBERED.exec(ev.text)?.[1];
        if (n === undefined) return; // a nickname typed by someone already named: chat, but not one the test numbers
        const sent = this.sent.get(n);
        if (!sent) return void this.problems.push(`a line nobody sent was delivered: ${JSON.stringify(ev)}`);
        sent.effects++;
        sent.receivers.push(...receivers);
        if (ev.room !== sent.room) this.problems.push(`line ${n} was sent to ${sent.room} and said in ${ev.room}`);
        const expected = this.membersOf(sent.room).filter((id) => id !== sent.sender && this.writable(id)).sort();
        if (receivers.slice().sort().join() !== expected.join()) this.problems.push(`line ${n} went to [${receivers}] while ${sent.room} is [${this.membersOf(sent.room)}] (sender ${sent.sender})`);
        const body = sent.body.startsWith('//') ? sent.body.slice(1) : sent.body;
        const renamedSince = sent.crashes !== this.crashes && ev.nick === this.mirror.nickOf(sent.sender);
        if ((ev.nick !== sent.nick && !renamedSince) || ev.text !== body) this.problems.push(`line ${n} carries ${JSON.stringify(ev)}, not the name ${sent.nick} its sender had`);
        return;
      }
      case 'acted': {
        const a = this.actions.get(/^does (\d+)$/.exec(ev.text)?.[1] ?? '');
        if (!a) return void this.problems.push(`an action nobody sent: ${JSON.stringify(ev)}`);
        a.effects++;
        a.receivers.push(...receivers);
        return;
      }
      case 'private': {
        const n = /^pm (\d+)$/.exec(ev.text)?.[1] ?? '';
        const p = this.privates.get(n);
        if (!p) return void this.problems.push(`a private message nobody sent: ${JSON.stringify(ev)}`);
        // Addressed to its owner alone, even one whose connection is closing.
        p.receivers.push(...listed);
        // The directory answers in order with its `named` effects, so the mirror knows the owner now.
        const owner = this.ownerOf(p.target);
        if (listed.length !== 1 || listed[0] !== owner) this.problems.push(`private ${n} to ${p.target} went to [${listed}], owner is ${owner}`);
        return;
      }
      case 'left': {
        if (ev.how !== 'quit') return;
        // The latest such departure: an earlier holder of the name left this room before the later one could join it.
        const d = [...this.departures].reverse().find((x) => x.room === ev.room && x.nick === ev.nick && x.announced === 0);
        if (!d) return void this.problems.push(`${ev.nick} was announced gone from ${ev.room} with no departure to match`);
        d.announced++;
        return;
      }
      default:
        return;
    }
  }

  private ownerOf(nick: string): ConnId | undefined {
    return this.mirror.snapshot().members.find((r) => !r.released && nickKey(r.nick) === nickKey(nick))?.conn;
  }

  /** The nick table as the gateway learned it: one name per member, no two names alike; the rooms agree. */
  checkTable(): void {
    const byKey = new Map<string, ConnId>();
    const members = this.mirror.snapshot().members.filter((r) => !r.released);
    for (const r of members) {
      const key = nickKey(r.nick);
      const other = byKey.get(key);
      if (other !== undefined) this.problems.push(`conns ${other} and ${r.conn} share the name ${key}`);
      byKey.set(key, r.conn);
      if (new Set(r.rooms).size !== r.rooms.length) this.problems.push(`conn ${r.conn} is listed twice in a room: [${r.rooms}]`);
    }
    // (A departed connection may be unnamed before its rooms' leaves come back: the gateway has forgotten it.)
    for (const [id, c] of this.conns) {
      if (!c.departed && this.mirror.roomsOf(id).length > 0 && this.mirror.nickOf(id) === null) this.problems.push(`conn ${id} is in [${this.mirror.roomsOf(id)}] without a name`);
    }
    // Each room's own count matches what its effects told the gateway (rooms live on the host placement names).
    const held = new Map<string, number>([[LOBBY, 0]]);
    this.hosts.forEach((h, i) => {
      for (const [r, size] of h.roomSizes()) {
        if (hostFor(roomAddress(r), this.hostCount) !== i) this.problems.push(`room ${r} lives on host ${i}, not where placement puts it`);
        if (size > 0 || r === LOBBY) held.set(r, size);
      }
    });
    const told = this.roomCounts();
    if (JSON.stringify([...held].sort()) !== JSON.stringify([...told].sort())) this.problems.push(`the rooms hold ${JSON.stringify([...held])}, their effects say ${JSON.stringify([...told])}`);
  }

  /** A host rebuilt after a crash holds exactly the members the gateway knew of its rooms, under their names. */
  private checkRestored(index: number): void {
    const expected = new Map<string, string[]>();
    for (const r of this.mirror.snapshot().members) {
      for (const rm of r.rooms) if (hostFor(roomAddress(rm), this.hostCount) === index) expected.set(rm, [...(expected.get(rm) ?? []), r.nick]);
    }
    const got = new Map([...this.hosts[index]!.rosters()].filter(([, nicks]) => nicks.length > 0));
    const norm = (m: Map<string, string[]>): string => JSON.stringify([...m].map(([r, n]) => [r, n.slice().sort()]).sort());
    if (norm(got) !== norm(expected)) this.problems.push(`host ${index} restored ${norm(got)}, the gateway knew ${norm(expected)}`);
  }

  /** After the run: each line once to everyone who was there, never to its sender; each departure told once per room. */
  checkDeliveries(): void {
    const stayed = (presence: Presence, except: ConnId | null): ConnId[] =>
      [...presence].filter(([id, epoch]) => id !== except && this.writable(id) && this.epoch.get(id) === epoch).map(([id]) => id);
    for (const [n, s] of this.sent) {
      if (s.effects !== 1) this.problems.push(`line ${n} was delivered by ${s.effects} broadcasts`);
      const counts = new Map<ConnId, number>();
      for (const r of s.receivers) counts.set(r, (counts.get(r) ?? 0) + 1);
      if (counts.has(s.sender)) this.problems.push(`line ${n} came back to its sender ${s.sender}`);
      for (const [id, k] of counts) if (k > 1) this.problems.push(`line ${n} reached ${id} ${k} times`);
      // Whoever was in the room when it was sent and never moved since must have it.
      for (const id of stayed(s.membersAtSend, s.sender)) if (!counts.has(id)) this.problems.push(`line ${n} never reached ${id}, a member of ${s.room} throughout`);
    }
    for (const [n, a] of this.actions) {
      if (a.effects !== 1) this.problems.push(`action ${n} was broadcast ${a.effects} times`);
      if (a.receivers.includes(a.sender)) this.problems.push(`action ${n} came back to its sender`);
      if (new Set(a.receivers).size !== a.receivers.length) this.problems.push(`action ${n} reached someone twice`);
    }
    for (const [n, p] of this.privates) if (p.receivers.length > 1) this.problems.push(`private ${n} reached ${p.receivers.length} people`);
    for (const d of this.departures) {
      if (d.announced > 1) this.problems.push(`${d.nick} was announced gone from ${d.room} ${d.announced} times`);
      if (d.announced === 0 && stayed(d.membersAtDeparture, d.conn).length > 0) this.problems.push(`${d.nick} left ${d.room} and nobody there heard of it`);
    }
  }

  /** The directory's /rooms answer agrees with where the rooms say everyone is. */
  checkRoomList(): void {
    const asker = [...this.conns.values()].find((c) => c.open && !c.ending && !c.awaiting && this.mirror.roomsOf(c.id).length > 0);
    if (!asker) return;
    this.watch = asker.id;
    this.watched.length = 0;
    this.step({ t: 'line', conn: asker.id, kind: 'rooms', name: '' });
    this.drain();
    this.watch = null;
    const answer = this.watched.find((e) => e.k === 'rooms');
    const expected = JSON.stringify([...this.roomCounts()].sort());
    const got = answer?.k === 'rooms' ? JSON.stringify(answer.rooms.slice().sort()) : 'nothing';
    if (got !== expected) this.problems.push(`/rooms answered ${got}, the rooms say ${expected}`);
  }

  /** Everyone closes: no name, no member, no state left behind. */
  closeAll(): void {
    for (const c of this.conns.values()) this.close(c);
    this.drain();
    const { members } = this.mirror.snapshot();
    if (members.length) this.problems.push(`names left after everyone closed: ${JSON.stringify(members)}`);
    const rooms = [...this.roomCounts()].filter(([, n]) => n > 0);
    if (rooms.length) this.problems.push(`members left after everyone closed: ${JSON.stringify(rooms)}`);
  }
}

const stats: Array<{ lines: number; deliveries: number }> = [];
process.on('exit', () => {
  if (stats.length) console.log(`runs ${stats.length}, lines ${stats.reduce((n, x) => n + x.lines, 0)}, deliveries ${stats.reduce((n, x) => n + x.deliveries, 0)}`);
});

function runWorld(hosts: number, steps: Step[]): World {
  const w = new World(hosts);
  for (const s of steps) w.step(s);
  w.drain();
  w.checkTable();
  w.checkDeliveries();
  w.checkRoomList();
  w.closeAll();
  if (process.env.ACTOR_DEBUG && w.problems.length) console.log(JSON.stringify(steps), w.problems);
  if (process.env.ACTOR_STATS) stats.push({ lines: w.sent.size, deliveries: [...w.sent.values()].reduce((n, x) => n + x.receivers.length, 0) });
  return w;
}

const CROWD: Step[] = ['alice', 'bob', 'carol', 'dave'].map((n, i) => ({ t: 'line', conn: i + 1, kind: 'name', name: n }));

const RUNS = Number(process.env.FC_RUNS ?? 400);

const props = suite('actor properties: random claims, lines, renames, messages, joins, parts, moves, quits, closes and crashes');
for (const hosts of [1, 2, 3]) {
  props(`on ${hosts} host${hosts > 1 ? 's' : ''}: the nick table stays consistent, each event reaches exactly its room once, in one order`, () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(step(hosts), { maxLength: 120, size: 'max' }), (crowd, steps) => {
        // Half the runs start with four members, so lines have someone to reach from the start.
        const w = runWorld(hosts, crowd ? [...CROWD, ...steps] : steps);
        assert.equal(w.problems, []);
      }),
      { numRuns: RUNS },
    );
  });
}
props('freed names can be claimed again by new connections once everyone left', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.array(step(3), { maxLength: 80, size: 'max' }), (hosts, steps) => {
      const w = runWorld(hosts, steps.map((s) => (s.t === 'run' || s.t === 'crash' ? { ...s, host: s.host % hosts } : s)));
      assert.equal(w.problems, []);
      const wanted = ['ALICE', 'bob', 'Carol', 'FIX', 'É', 'Dave'];
      wanted.forEach((n, i) => w.addConn(100 + i).step({ t: 'line', conn: 100 + i, kind: 'name', name: n }));
      w.drain();
      assert.equal(
        w.mirror
          .snapshot()
          .members.map((r) => r.nick)
          .sort(),
        wanted.slice().sort(),
      );
      assert.equal(w.problems, []);
    }),
    { numRuns: 100 },
  );
});
props('a concrete run: a rename is seen by all and the next line carries the new name', () => {
  const w = new World(2);
  const say = (c: ConnId): Step => ({ t: 'line', conn: c, kind: 'say', name: '' });
  w.step({ t: 'line', conn: 1, kind: 'name', name: 'alice' });
  w.step({ t: 'line', conn: 2, kind: 'name', name: 'bob' });
  w.drain();
  w.step({ t: 'line', conn: 1, kind: 'nick', name: 'ALICE' });
  w.step(say(1)); // held behind the rename
  w.drain();
  w.checkDeliveries();
  assert.equal(w.problems, []);
  assert.is(w.mirror.nickOf(1), 'ALICE');
  const line = [...w.sent.values()][0]!;
  assert.equal(line.receivers, [2]);
});
props('a concrete run: a user in three rooms who disconnects is announced once in each', () => {
  const w = new World(3);
  w.step({ t: 'line', conn: 1, kind: 'name', name: 'alice' });
  w.step({ t: 'line', conn: 2, kind: 'name', name: 'bob' });
  w.drain();
  for (const r of ['dev', 'ops']) for (const c of [1, 2]) w.step({ t: 'direct', conn: c, kind: 'join', room: r });
  w.drain();
  assert.equal(w.mirror.roomsOf(1), [LOBBY, 'dev', 'ops']);
  w.step({ t: 'close', conn: 1 });
  w.drain();
  w.checkDeliveries();
  assert.equal(w.problems, []);
  assert.equal(
    w.departures.map((d) => [d.room, d.announced]),
    [
      [LOBBY, 1],
      ['dev', 1],
      ['ops', 1],
    ],
  );
});
props('a concrete run: a crash mid-batch loses no line and repeats none', () => {
  const w = new World(2);
  for (const [c, n] of [[1, 'alice'], [2, 'bob'], [3, 'carol']] as const) w.step({ t: 'line', conn: c, kind: 'name', name: n });
  w.drain();
  w.step({ t: 'direct', conn: 1, kind: 'join', room: 'dev' });
  w.step({ t: 'direct', conn: 2, kind: 'join', room: 'dev' });
  w.drain();
  for (let i = 0; i < 5; i++) w.step({ t: 'line', conn: 3, kind: 'say', name: '' });
  w.step({ t: 'direct', conn: 1, kind: 'say', room: 'dev' });
  for (let h = 0; h < 2; h++) w.step({ t: 'crash', host: h });
  w.drain();
  w.checkDeliveries();
  assert.equal(w.problems, []);
  assert.is(w.sent.size, 6);
});
props.run();
