// Property tests of the actors (directory + rooms) with fast-check, driven as plain code
// through ActorHost by a small model of the gateway: the same routing rules (a connection
// with no name claims, a named one talks to its room, a closed one leaves), the same
// barrier (a claim or /nick, /quit, /join, /leave holds the sender's later lines until
// `settled`), and the same MemberMirror learned from `named` / `placed` effects. With several
// hosts, the directory and the rooms live apart, and the test picks which host runs next, so
// cross-host messages interleave in many orders.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ActorHost } from '../src/runtime/host.js';
import { hostFor } from '../src/runtime/placement.js';
import { isBarrier } from '../src/edges/telnet/commands.js';
import { roomAddress, type ConnId, type Effect, type Envelope } from '../src/model/messages.js';
import { nickKey } from '../src/model/nicknames.js';
import * as texts from '../src/edges/telnet/texts.js';
import { LOBBY } from '../src/edges/telnet/texts.js';
import { MemberMirror } from '../src/gateway/members.js';

const CONNS = 6;

/** Room names: the same room in other spellings, and refused ones. */
const ROOMS = ['lobby', 'Lobby', '#games', 'games', 'Dev', 'dev', 'x y', '', 'r'.repeat(40)];
/** Names that collide under the fold (case, width, ligatures, composition) and names that are refused. */
const NAMES = ['alice', 'Alice', 'ＡＬＩＣＥ', 'bob', 'BOB', 'ｂｏｂ', 'carol', 'ﬁx', 'FIX', 'é', 'e\u0301', 'É', 'x y', '/slash', 'a'.repeat(33), 'zero\u200bwidth', ' dave ', 'Dave'];

type Step =
  | { t: 'line'; conn: ConnId; kind: 'name' | 'say' | 'slash' | 'me' | 'who' | 'nick' | 'msg' | 'quit' | 'blank' | 'join' | 'leave' | 'rooms'; name: string; room?: string }
  | { t: 'close'; conn: ConnId }
  | { t: 'run'; host: number };

const conn = fc.integer({ min: 1, max: CONNS });
const name = fc.constantFrom(...NAMES);
const room = fc.constantFrom(...ROOMS);
const step = (hosts: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { arbitrary: fc.record({ t: fc.constant('line' as const), conn, kind: fc.constantFrom('name' as const, 'name' as const, 'name' as const, 'say' as const, 'say' as const, 'say' as const, 'say' as const, 'slash' as const, 'me' as const, 'who' as const, 'nick' as const, 'msg' as const, 'quit' as const, 'blank' as const, 'join' as const, 'join' as const, 'leave' as const, 'rooms' as const), name, room }), weight: 8 },
    { arbitrary: fc.record({ t: fc.constant('close' as const), conn }), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('run' as const), host: fc.integer({ min: 0, max: hosts - 1 }) }), weight: 4 },
  );

interface Conn {
  id: ConnId;
  open: boolean;
  ending: boolean;
  awaiting: boolean;
  held: string[];
  departed: boolean;
}

/** A numbered line sent to the room as text, and what became of it. */
interface Sent {
  sender: ConnId;
  body: string;
  /** Members of the sender's room (id → placement epoch) when the gateway forwarded it. */
  membersAtSend: Map<ConnId, number>;
  effects: number;
  receivers: ConnId[];
}

const SAY = /^\x1b\[96m > ([^:]+):\x1b\[39m ((?:say|\/slash) (\d+))\r\n$/;
const ACTION = /^\x1b\[90m \* (\S+) does (\d+)\x1b\[39m\r\n$/;
const PRIVATE = /^\x1b\[95m > (\S+) \(private\):\x1b\[39m pm (\d+)\r\n$/;

/** The model gateway: one per property run. `problems` collects what broke. */
class World {
  readonly hosts: ActorHost[];
  readonly queues: Envelope[][];
  readonly mirror = new MemberMirror();
  readonly conns = new Map<ConnId, Conn>();
  /** Each member's room as the rooms' `placed` effects say, in effect order; with an epoch per change. */
  readonly placedIn = new Map<ConnId, string>();
  readonly epoch = new Map<ConnId, number>();
  readonly sent = new Map<string, Sent>();
  readonly actions = new Map<string, { sender: ConnId; effects: number; receivers: ConnId[] }>();
  readonly privates = new Map<string, { sender: ConnId; target: string; receivers: ConnId[] }>();
  readonly problems: string[] = [];
  /** Texts delivered to `watch`, when set. */
  watch: ConnId | null = null;
  readonly watched: string[] = [];
  private seq = 0;

  constructor(readonly hostCount: number) {
    this.hosts = Array.from({ length: hostCount }, (_, i) => new ActorHost(i, hostCount));
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
    const c = this.conns.get(s.conn)!;
    if (s.t === 'close' || c.ending) return this.close(c); // a server-ended connection's socket closes next
    this.onLine(c, this.textFor(c, s));
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

  private onLine(c: Conn, text: string): void {
    if (!c.open || c.ending || text.trim() === '') return;
    if (c.held.length === 0 && !c.awaiting) this.forward(c, text);
    else c.held.push(text);
  }

  private pump(c: Conn): void {
    while (c.held.length > 0 && !c.awaiting && !c.ending) this.forward(c, c.held.shift()!);
  }

  private forward(c: Conn, text: string): void {
    const known = this.mirror.get(c.id);
    let env: Envelope;
    if (!known || known.nick === null) env = { to: 'directory', msg: { t: 'claim', conn: c.id, text } };
    else if (known.room !== null) env = { to: roomAddress(known.room), msg: { t: 'line', conn: c.id, text } };
    else {
      this.problems.push(`conn ${c.id} is named ${known.nick} but in no room when it sends ${JSON.stringify(text)}`);
      return;
    }
    if (env.to === 'directory' || isBarrier(text)) c.awaiting = true;
    if (env.to !== 'directory') this.recordSent(c, text);
    this.send(env);
  }

  private recordSent(c: Conn, text: string): void {
    const say = /^(?:say|\/\/slash) (\d+)$/.exec(text);
    if (say) {
      const members = this.membersOf(this.placedIn.get(c.id));
      this.sent.set(say[1]!, { sender: c.id, body: text, membersAtSend: new Map(members.map((id) => [id, this.epoch.get(id) ?? 0])), effects: 0, receivers: [] });
    }
    const me = /^\/me does (\d+)$/.exec(text);
    if (me) this.actions.set(me[1]!, { sender: c.id, effects: 0, receivers: [] });
    const pm = /^\/msg (\S+) pm (\d+)$/.exec(text);
    if (pm) this.privates.set(pm[2]!, { sender: c.id, target: pm[1]!, receivers: [] });
  }

  private close(c: Conn): void {
    if (!c.open) return;
    c.open = false;
    if (!c.awaiting) this.depart(c);
  }

  private depart(c: Conn): void {
    if (c.departed) return;
    c.departed = true;
    c.held.length = 0;
    const known = this.mirror.get(c.id);
    if (known?.room) this.send({ to: roomAddress(known.room), msg: { t: 'leave', conn: c.id } });
    else if (known?.nick) this.send({ to: 'directory', msg: { t: 'release', conn: c.id } });
  }

  private send(env: Envelope): void {
    this.queues[hostFor(env.to, this.hostCount)]!.push(env);
  }

  /** Host `index` handles everything queued for it as one batch; its effects apply in order. */
  runHost(index: number): void {
    const batch = this.queues[index]!;
    if (batch.length === 0) return;
    this.queues[index] = [];
    const effects = this.hosts[index]!.handle(batch);
    for (const e of effects) this.apply(e);
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
      case 'send':
        return this.send(e.env);
      case 'named':
        return this.mirror.setNick(e.conn, e.nick);
      case 'placed':
        this.mirror.setRoom(e.conn, e.room);
        this.epoch.set(e.conn, (this.epoch.get(e.conn) ?? 0) + 1);
        if (e.room !== null) this.placedIn.set(e.conn, e.room);
        else this.placedIn.delete(e.conn);
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

  membersOf(room: string | undefined): ConnId[] {
    return room === undefined ? [] : [...this.placedIn].filter(([, r]) => r === room).map(([id]) => id);
  }

  /** Members per room, as the placed effects say (the lobby always listed). */
  roomCounts(): Map<string, number> {
    const counts = new Map<string, number>([[LOBBY, 0]]);
    for (const r of this.placedIn.values()) counts.set(r, (counts.get(r) ?? 0) + 1);
    return counts;
  }

  /** Whether the gateway would still write to this connection (it drops what goes to the rest). */
  private writable(id: ConnId): boolean {
    const c = this.conns.get(id);
    return c !== undefined && c.open && !c.ending && !c.departed;
  }

  private observe(e: Extract<Effect, { t: 'deliver' }>): void {
    // A room may list connections gone for good (see RoomActor.bury), never one that lives on outside it.
    if (e.to.length > 1) {
      const room = this.placedIn.get([...e.to].find((id) => this.placedIn.has(id) && this.writable(id)) ?? -1);
      const members = new Set(this.membersOf(room));
      // (`except` may be a quitter, listed until the close that follows the broadcast.)
      for (const id of e.to) if (!members.has(id) && id !== e.except && this.writable(id)) this.problems.push(`a broadcast in ${room} lists ${id}, who is not in it and still connected: ${JSON.stringify(e.text)}`);
      if (new Set(e.to).size !== e.to.length) this.problems.push(`a broadcast lists someone twice: [${e.to}]`);
    }
    const listed = [...e.to].filter((id) => id !== e.except);
    const receivers = listed.filter((id) => this.writable(id));
    if (this.watch !== null && receivers.includes(this.watch)) this.watched.push(e.text);
    const say = SAY.exec(e.text);
    if (say) {
      const sent = this.sent.get(say[3]!);
      if (!sent) return void this.problems.push(`a line nobody sent was delivered: ${JSON.stringify(e.text)}`);
      sent.effects++;
      sent.receivers.push(...receivers);
      const where = this.placedIn.get(sent.sender);
      const expected = this.membersOf(where).filter((id) => id !== sent.sender && this.writable(id)).sort();
      if (receivers.slice().sort().join() !== expected.join()) this.problems.push(`line ${say[2]} went to [${receivers}] while ${where} is [${this.membersOf(where)}] (sender ${sent.sender})`);
      const nick = this.mirror.get(sent.sender)?.nick;
      const body = sent.body.startsWith('//') ? sent.body.slice(1) : sent.body;
      if (e.text !== texts.message(nick ?? '?', body)) this.problems.push(`line ${say[2]} carries ${JSON.stringify(e.text)}, not the sender's current name ${nick}`);
      return;
    }
    const me = ACTION.exec(e.text);
    if (me) {
      const a = this.actions.get(me[2]!);
      if (!a) return void this.problems.push(`an action nobody sent: ${JSON.stringify(e.text)}`);
      a.effects++;
      a.receivers.push(...receivers);
      return;
    }
    const pm = PRIVATE.exec(e.text);
    if (pm) {
      const p = this.privates.get(pm[2]!);
      if (!p) return void this.problems.push(`a private message nobody sent: ${JSON.stringify(e.text)}`);
      // Addressed to its owner alone, even one whose connection is closing.
      p.receivers.push(...listed);
      // The directory answers in order with its `named` effects, so the mirror knows the owner now.
      const owner = this.mirror.snapshot().find((r) => nickKey(r.nick) === nickKey(p.target));
      if (listed.length !== 1 || listed[0] !== owner?.conn) this.problems.push(`private ${pm[2]} to ${p.target} went to [${listed}], owner is ${owner?.conn}`);
    }
  }

  /** The nick table as the gateway learned it: one name per member, no two names alike. */
  checkTable(): void {
    const byKey = new Map<string, ConnId>();
    for (const r of this.mirror.snapshot()) {
      const key = nickKey(r.nick);
      const other = byKey.get(key);
      if (other !== undefined) this.problems.push(`conns ${other} and ${r.conn} share the name ${key}`);
      byKey.set(key, r.conn);
    }
    for (const [id, room] of this.placedIn) {
      const nick = this.mirror.get(id)?.nick;
      if (!nick) this.problems.push(`conn ${id} is in ${room} without a name`);
    }
    // Each room's own count matches what its effects told the gateway (rooms live on the host placement names).
    const held = new Map<string, number>([[LOBBY, 0]]);
    this.hosts.forEach((h, i) => {
      for (const [room, size] of h.roomSizes()) {
        if (hostFor(roomAddress(room), this.hostCount) !== i) this.problems.push(`room ${room} lives on host ${i}, not where placement puts it`);
        if (size > 0 || room === LOBBY) held.set(room, size);
      }
    });
    const told = this.roomCounts();
    if (JSON.stringify([...held].sort()) !== JSON.stringify([...told].sort())) this.problems.push(`the rooms hold ${JSON.stringify([...held])}, their effects say ${JSON.stringify([...told])}`);
  }

  /** After the run: each line once to everyone who was there, never to its sender. */
  checkDeliveries(): void {
    for (const [n, s] of this.sent) {
      if (s.effects !== 1) this.problems.push(`line ${n} was delivered by ${s.effects} broadcasts`);
      const counts = new Map<ConnId, number>();
      for (const r of s.receivers) counts.set(r, (counts.get(r) ?? 0) + 1);
      if (counts.has(s.sender)) this.problems.push(`line ${n} came back to its sender ${s.sender}`);
      for (const [id, k] of counts) if (k > 1) this.problems.push(`line ${n} reached ${id} ${k} times`);
      // Whoever was in the lobby when it was sent and never moved since must have it.
      for (const [id, epoch] of s.membersAtSend) {
        if (id !== s.sender && this.placedIn.has(id) && this.epoch.get(id) === epoch && !counts.has(id)) this.problems.push(`line ${n} never reached ${id}, a member throughout`);
      }
    }
    for (const [n, a] of this.actions) {
      if (a.effects !== 1) this.problems.push(`action ${n} was broadcast ${a.effects} times`);
      if (a.receivers.includes(a.sender)) this.problems.push(`action ${n} came back to its sender`);
      if (new Set(a.receivers).size !== a.receivers.length) this.problems.push(`action ${n} reached someone twice`);
    }
    for (const [n, p] of this.privates) if (p.receivers.length > 1) this.problems.push(`private ${n} reached ${p.receivers.length} people`);
  }

  /** The directory's /rooms answer agrees with where the rooms say everyone is. */
  checkRoomList(): void {
    const asker = [...this.conns.values()].find((c) => c.open && !c.ending && !c.awaiting && this.placedIn.has(c.id));
    if (!asker) return;
    this.watch = asker.id;
    this.step({ t: 'line', conn: asker.id, kind: 'rooms', name: '' });
    this.drain();
    this.watch = null;
    const expected = texts.roomList(this.roomCounts());
    if (!this.watched.includes(expected)) this.problems.push(`/rooms answered ${JSON.stringify(this.watched)}, the rooms say ${JSON.stringify(expected)}`);
  }

  /** Everyone closes: no name, no member, no state left behind. */
  closeAll(): void {
    for (const c of this.conns.values()) this.close(c);
    this.drain();
    if (this.mirror.snapshot().length) this.problems.push(`names left after everyone closed: ${JSON.stringify(this.mirror.snapshot())}`);
    if (this.placedIn.size) this.problems.push(`members left after everyone closed: ${JSON.stringify([...this.placedIn])}`);
  }
}

const stats: Array<{ lines: number; deliveries: number; rooms: number }> = [];
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
  if (process.env.ACTOR_STATS) stats.push({ lines: w.sent.size, deliveries: [...w.sent.values()].reduce((n, x) => n + x.receivers.length, 0), rooms: new Set(w.placedIn.values()).size });
  return w;
}

const CROWD: Step[] = ['alice', 'bob', 'carol', 'dave'].map((n, i) => ({ t: 'line', conn: i + 1, kind: 'name', name: n }));

const RUNS = Number(process.env.FC_RUNS ?? 500);

const props = suite('actor properties: random claims, lines, renames, messages, quits and leaves');
for (const hosts of [1, 2, 3]) {
  props(`on ${hosts} host${hosts > 1 ? 's' : ''}: the nick table stays consistent and each line reaches every other member once`, () => {
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
      const w = runWorld(hosts, steps.map((s) => (s.t === 'run' ? { ...s, host: s.host % hosts } : s)));
      assert.equal(w.problems, []);
      const wanted = ['ALICE', 'bob', 'Carol', 'FIX', 'É', 'Dave'];
      wanted.forEach((name, i) => w.addConn(100 + i).step({ t: 'line', conn: 100 + i, kind: 'name', name }));
      w.drain();
      assert.equal(
        w.mirror.snapshot().map((r) => r.nick).sort(),
        wanted.slice().sort(),
      );
      assert.equal(w.problems, []);
    }),
    { numRuns: 100 },
  );
});
props('a concrete run: a rename is seen by all and the next line carries the new name', () => {
  const w = new World(2);
  const say = (conn: ConnId): Step => ({ t: 'line', conn, kind: 'say', name: '' });
  w.step({ t: 'line', conn: 1, kind: 'name', name: 'alice' });
  w.step({ t: 'line', conn: 2, kind: 'name', name: 'bob' });
  w.drain();
  w.step({ t: 'line', conn: 1, kind: 'nick', name: 'ALICE' });
  w.step(say(1)); // held behind the rename
  w.drain();
  w.checkDeliveries();
  assert.equal(w.problems, []);
  assert.is(w.mirror.get(1)?.nick, 'ALICE');
  const line = [...w.sent.values()][0]!;
  assert.equal(line.receivers, [2]);
});
props.run();
