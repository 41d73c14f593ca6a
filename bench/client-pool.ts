// The connections one thread of the load generator owns: it opens them, registers their
// nicknames with a bounded number of joins in flight, sends numbered lines from its senders,
// and sums what its receivers recognise and check (each connection reads its own stream:
// conn-reader.ts). Used directly in the main thread or behind a Worker (pool-worker.ts); the
// main thread sums what every pool reports.

import net from 'node:net';
import tls from 'node:tls';
import { LOBBY } from '../src/model/rooms.js';
import { ReceiverCheck, addCounts, zeroCounts, type OrderReport } from './check.js';
import { Conn, State, type ConnOwner } from './conn-reader.js';
import type {
  ChurnPlan,
  ChurnReport,
  ConnSpec,
  DrainReport,
  JoinReport,
  MarkerReport,
  ObserverReport,
  PoolApi,
  PoolSetup,
  Progress,
  SendPlan,
  SendReport,
} from './pool-messages.js';
import { Histogram, nowUs } from './stats.js';
import { payloadLine } from './wire.js';
import { WsWire } from './ws-wire.js';

function bump(errors: Record<string, number>, key: string): void {
  errors[key] = (errors[key] ?? 0) + 1;
}

interface SenderState {
  conn: Conn;
  index: number;
  /** Next seq to send = lines sent so far. */
  seq: number;
  /** Lines it may send now (window freed, or due by rate). */
  owed: number;
  dirty: boolean;
  /** Per window slot: local receivers that have the line in that slot. */
  slots: Int32Array;
  /** Local receivers that hear this sender: a line is "delivered" when they all have it. */
  hearers: number;
}

export class ClientPool implements PoolApi, ConnOwner {
  readonly conns: Conn[];
  readonly latency = new Histogram();
  marker: Buffer | null;
  // Counters read by progress() and the reports.
  bytes = 0;
  received = 0;
  sentTotal = 0;
  markers = 0;
  lastMarkerUs = 0;
  lastReceiveUs = 0;
  chunkUs = 0;
  readonly dirty: SenderState[] = [];
  private readonly senders: SenderState[] = [];
  /** senders by sender index (undefined for other threads' senders). */
  private readonly senderAt: Array<SenderState | undefined> = [];
  private readonly errors: Record<string, number> = {};
  // Join phase.
  private joinedCount = 0;
  private failedCount = 0;
  private inFlight = 0;
  private nextToOpen = 0;
  private lastJoinUs = 0;
  private readonly joinHist = new Histogram();
  private joinDone: (() => void) | null = null;
  // Send phase.
  private sending = false;
  private window = 0;
  // Churn phase.
  private churnCycles = 0;
  private churnJoined = 0;
  private churnLines = 0;
  private churnDeadline = 0;
  private churnActive = 0;
  private churnPlan: ChurnPlan | null = null;
  private churnSerial = 0;
  private churnDone: (() => void) | null = null;
  private readonly churnHist = new Histogram();

  constructor(readonly setup: PoolSetup) {
    this.marker = setup.marker === undefined ? null : Buffer.from(setup.marker);
    const S = setup.senderRooms.length;
    this.conns = setup.conns.map((spec) => {
      const conn = new Conn(this, spec);
      if (setup.mode === 'check') {
        const hears = new Uint8Array(S);
        for (let s = 0; s < S; s++) hears[s] = setup.senderRooms[s] === spec.room && s !== spec.sender ? 1 : 0;
        conn.check = new ReceiverCheck(hears, spec.reference);
      }
      return conn;
    });
    for (const conn of this.conns) {
      const s = conn.spec.sender;
      if (s < 0) continue;
      const state: SenderState = { conn, index: s, seq: 0, owed: 0, dirty: false, slots: new Int32Array(0), hearers: 0 };
      this.senders.push(state);
      this.senderAt[s] = state;
    }
  }

  // ---- join -------------------------------------------------------------------------------

  join(timeoutMs: number): Promise<JoinReport> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.joinDone = null;
        resolve({
          joined: this.joinedCount,
          failed: this.failedCount,
          joinUs: this.joinHist,
          lastJoinUs: this.lastJoinUs,
          errors: { ...this.errors },
        });
      };
      const timer = setTimeout(() => {
        const missing = this.conns.length - this.joinedCount - this.failedCount;
        if (missing > 0) this.errors['join timeout'] = missing;
        finish();
      }, timeoutMs);
      this.joinDone = finish;
      if (this.conns.length === 0) finish();
      else this.launch();
    });
  }

  private launch(): void {
    const limit = Math.max(1, this.setup.joinsInFlight);
    while (this.inFlight < limit && this.nextToOpen < this.conns.length) {
      this.open(this.conns[this.nextToOpen++]!);
      this.inFlight++;
    }
  }

  private open(conn: Conn): void {
    const target = this.setup.targets[conn.spec.target % this.setup.targets.length]!;
    conn.startUs = nowUs();
    if (target.ws === true) return this.openWs(conn, target.host, target.port);
    const socket = target.tls ? tls.connect({ host: target.host, port: target.port, rejectUnauthorized: false }) : net.connect({ host: target.host, port: target.port });
    conn.socket = socket;
    socket.setNoDelay(true);
    if (conn.irc) conn.register();
    socket.on('data', (chunk: Buffer) => conn.data(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => bump(this.errors, err.code ?? err.message));
    socket.on('close', () => {
      if (conn.state === State.Closed) return;
      if (conn.churnSlot >= 0 && conn.state === State.Ready) {
        conn.state = State.Closed;
        this.churnClosed(conn);
        return;
      }
      conn.fail('closed by server');
    });
  }

  /** The same over WebSocket: registration once the upgrade is checked; each message read as a line. */
  private openWs(conn: Conn, host: string, port: number): void {
    conn.socket = new WsWire(host, port, {
      open: () => conn.register(),
      chunkStart: (bytes) => conn.wsChunkStart(bytes),
      message: (buf, start, end) => conn.wsMessage(buf, start, end),
      chunkDone: () => conn.wsChunkDone(),
      error: (why) => bump(this.errors, why),
      close: () => {
        if (conn.state === State.Closed) return;
        conn.fail('closed by server');
      },
    });
  }

  /** Own joined line seen (after `/join` when not in the lobby). */
  joined(conn: Conn): void {
    conn.state = State.Ready;
    conn.everJoined = true;
    const now = nowUs();
    if (conn.churnSlot >= 0) {
      this.churnJoinedOne(conn, now);
      return;
    }
    this.joinHist.record(now - conn.startUs);
    this.lastJoinUs = now;
    this.joinedCount++;
    this.inFlight--;
    this.launch();
    this.maybeJoinDone();
  }

  failed(conn: Conn, why: string, wasJoining: boolean): void {
    bump(this.errors, why);
    if (conn.churnSlot >= 0) {
      this.churnClosed(conn);
      return;
    }
    if (!wasJoining) return;
    this.failedCount++;
    this.inFlight--;
    this.launch();
    this.maybeJoinDone();
  }

  private maybeJoinDone(): void {
    if (this.joinDone !== null && this.joinedCount + this.failedCount === this.conns.length) this.joinDone();
  }

  // ---- send -------------------------------------------------------------------------------

  send(plan: SendPlan): Promise<SendReport> {
    const firstSendUs = nowUs();
    this.sending = true;
    let ticker: NodeJS.Timeout | null = null;
    const live = this.senders.filter((s) => s.conn.state === State.Ready);
    for (const s of live) {
      s.hearers = this.conns.filter((c) => c.state === State.Ready && c !== s.conn && c.spec.room === s.conn.spec.room).length;
    }
    if (plan.kind === 'window') {
      this.window = plan.window;
      for (const s of live) {
        s.slots = new Int32Array(plan.window);
        s.owed = plan.window;
        this.markDirty(s);
      }
      this.flushSenders();
    } else {
      // Fixed rate: every millisecond each sender sends what is due by now. Senders are
      // phase-shifted so that their lines do not all leave in the same tick.
      const S = this.setup.senderRooms.length;
      const tick = (): void => {
        const elapsedS = (nowUs() - firstSendUs) / 1e6;
        for (const s of live) {
          const due = Math.floor(elapsedS * plan.perSender + s.index / S) - s.seq;
          if (due > 0) {
            s.owed = due;
            this.markDirty(s);
          }
        }
        this.flushSenders();
      };
      ticker = setInterval(tick, 1);
      tick();
    }
    return new Promise((resolve) => {
      setTimeout(() => {
        this.sending = false;
        if (ticker !== null) clearInterval(ticker);
        const sent = new Array<number>(this.setup.senderRooms.length).fill(0);
        for (const s of this.senders) sent[s.index] = s.seq;
        resolve({ sent, firstSendUs });
      }, plan.durationMs);
    });
  }

  /** A local receiver got line `seq` of `sender` for the first time. */
  acked(sender: number, seq: number): void {
    const s = this.senderAt[sender];
    if (s === undefined || this.window === 0) return;
    const slot = seq % this.window;
    if (++s.slots[slot]! < s.hearers) return;
    s.slots[slot] = 0;
    s.owed++;
    this.markDirty(s);
  }

  private markDirty(s: SenderState): void {
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  /** Writes every owed line, one write per sender, stamped with one clock reading. */
  flushSenders(): void {
    const list = this.dirty;
    const now = nowUs();
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      s.dirty = false;
      if (!this.sending || s.conn.state !== State.Ready || s.owed === 0) continue;
      let out = '';
      const prefix = s.conn.sendPrefix; // IRC: `PRIVMSG #room :`; telnet: ''
      for (let k = 0; k < s.owed; k++) out += prefix + payloadLine('m', s.index, s.seq++, now, this.setup.lineBytes);
      this.sentTotal += s.owed;
      s.owed = 0;
      if (s.hearers === 0) {
        // Nobody in this thread hears it: let the kernel's acceptance free the window instead.
        const n = s.seq;
        s.conn.socket!.write(out, () => {
          if (this.window > 0 && n === s.seq) {
            s.owed = this.window;
            this.markDirty(s);
            this.flushSenders();
          }
        });
      } else {
        s.conn.socket!.write(out);
      }
    }
    list.length = 0;
  }

  // ---- drain and results --------------------------------------------------------------------

  drain(sent: number[], timeoutMs: number): Promise<DrainReport> {
    const receivers = this.conns.filter((c) => c.check !== null && c.state === State.Ready);
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const poll = (): void => {
        const complete = receivers.filter((c) => c.check!.complete(sent)).length;
        if (complete < receivers.length && Date.now() < deadline) {
          setTimeout(poll, 20);
          return;
        }
        const counts = zeroCounts();
        const orders: OrderReport[] = [];
        for (const c of this.conns) {
          if (c.check === null || !c.everJoined) continue; // a failed join is counted as such, not as lost lines
          addCounts(counts, c.check.finish(sent));
          const report: OrderReport = { conn: c.spec.id, room: c.spec.room, sender: c.spec.sender, hash: c.check.hash };
          if (c.check.without !== null) report.without = [...c.check.without];
          orders.push(report);
        }
        resolve({
          counts,
          latency: this.latency,
          orders,
          lastReceiveUs: this.lastReceiveUs,
          complete,
          receivers: receivers.length,
          errors: { ...this.errors },
        });
      };
      poll();
    });
  }

  awaitMarker(timeoutMs: number): Promise<MarkerReport> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const poll = (): void => {
        const of = this.conns.filter((c) => c.state === State.Ready).length;
        if (this.markers < of && Date.now() < deadline) {
          setTimeout(poll, 20);
          return;
        }
        resolve({ seen: this.markers, of, lastSeenUs: this.lastMarkerUs, bytes: this.bytes });
      };
      poll();
    });
  }

  // ---- churn ------------------------------------------------------------------------------

  churn(plan: ChurnPlan): Promise<ChurnReport> {
    this.churnPlan = plan;
    this.churnDeadline = Date.now() + plan.durationMs;
    for (const c of this.conns) {
      c.seenJoins = 0;
      c.seenLeaves = 0;
      c.seenChurn = 0;
    }
    return new Promise((resolve) => {
      this.churnDone = () =>
        resolve({
          cycles: this.churnCycles,
          joined: this.churnJoined,
          linesSent: this.churnLines,
          joinUs: this.churnHist,
          errors: { ...this.errors },
        });
      this.churnActive = plan.concurrency;
      for (let slot = 0; slot < plan.concurrency; slot++) this.churnStart(slot);
    });
  }

  private churnStart(slot: number): void {
    const plan = this.churnPlan!;
    const spec: ConnSpec = {
      id: -1,
      nick: `${plan.nickPrefix}${this.churnSerial++}`,
      room: LOBBY,
      target: slot,
      sender: -1,
      reference: false,
    };
    const conn = new Conn(this, spec);
    conn.churnSlot = slot;
    this.open(conn);
  }

  private churnJoinedOne(conn: Conn, now: number): void {
    const plan = this.churnPlan!;
    this.churnJoined++;
    this.churnHist.record(now - conn.startUs);
    let out = '';
    for (let k = 0; k < plan.lines; k++) out += payloadLine('c', conn.churnSlot, k, now, this.setup.lineBytes);
    this.churnLines += plan.lines;
    const socket = conn.socket!;
    socket.end(out);
    // A server that never closes its side must not stall the loop.
    setTimeout(() => socket.destroy(), 5000).unref();
  }

  private churnClosed(conn: Conn): void {
    if (conn.everJoined) this.churnCycles++;
    if (Date.now() < this.churnDeadline) {
      this.churnStart(conn.churnSlot);
      return;
    }
    if (--this.churnActive === 0 && this.churnDone !== null) {
      const done = this.churnDone;
      this.churnDone = null;
      done();
    }
  }

  awaitObservers(expect: { joins: number; leaves: number; messages: number }, timeoutMs: number): Promise<ObserverReport> {
    const observers = this.conns.filter((c) => c.state === State.Ready);
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const poll = (): void => {
        const complete = observers.filter(
          (c) => c.seenJoins >= expect.joins && c.seenLeaves >= expect.leaves && c.seenChurn >= expect.messages,
        ).length;
        if (complete < observers.length && Date.now() < deadline) {
          setTimeout(poll, 20);
          return;
        }
        let joins = 0;
        let leaves = 0;
        let messages = 0;
        for (const c of observers) {
          joins += c.seenJoins;
          leaves += c.seenLeaves;
          messages += c.seenChurn;
        }
        resolve({ observers: observers.length, joins, leaves, messages, complete });
      };
      poll();
    });
  }

  // ---- the rest ---------------------------------------------------------------------------

  progress(): Promise<Progress> {
    return Promise.resolve({
      joined: this.joinedCount,
      failed: this.failedCount,
      sent: this.sentTotal + this.churnLines,
      received: this.received,
      bytes: this.bytes,
      markers: this.markers,
      churnCycles: this.churnCycles,
    });
  }

  close(): Promise<void> {
    for (const c of this.conns) {
      c.state = State.Closed;
      c.socket?.destroy();
    }
    return Promise.resolve();
  }
}
