// The gateway: the main thread's whole job. It accepts sockets, frames their bytes into
// lines, forwards each line to the actor that owns the connection's state, and writes
// what the actors decide. It makes no chat decision itself: who receives what comes back
// from the actors as effects.

import net, { type AddressInfo, type Socket } from 'node:net';
import type { Config } from '../config.js';
import { localSystem } from '../actors/pool.js';
import type { ActorSystem, SystemFactory } from '../actors/system.js';
import { isBarrier } from '../protocol/commands.js';
import { roomAddress, type ConnId, type Effect, type Envelope } from '../protocol/messages.js';
import * as texts from '../protocol/texts.js';
import { Connection } from './connection.js';
import { admit, type Admission } from './admission.js';
import { MemberMirror } from './members.js';

/** A flush longer than this makes the next one wait as long (see Gateway.flush). */
const LONG_FLUSH_MS = 20;

/** Envelopes in flight to the actors above which senders are paused, and below which they resume. */
const BACKLOG_HIGH = 50_000;
const BACKLOG_LOW = 10_000;

type DeliverEffect = Extract<Effect, { t: 'deliver' }>;

/** Whether recipient list `b` starts with all of `a` (the same array, or `a` plus newcomers). */
function extends_(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface GatewayStats {
  open: number;
  named: number;
  restarts: number;
}

export class Gateway {
  readonly server: net.Server;
  readonly system: ActorSystem;
  private readonly conns = new Map<ConnId, Connection>();
  private readonly mirror = new MemberMirror();
  private readonly perIp = new Map<string, number>();
  private readonly flushList: Connection[] = [];
  private flushScheduled = false;
  /** Under load, the earliest time for the next flush (see flush). */
  private nextFlushAt = 0;
  /** Connections paused because the actors are behind; resumed when they catch up. */
  private readonly backlogged: Connection[] = [];
  private nextId = 1;
  private open = 0;
  private stopping = false;

  constructor(
    readonly config: Config,
    system: SystemFactory = localSystem(config.workers, config.actors),
  ) {
    this.system = system({
      onEffects: (effects) => this.apply(effects),
      snapshot: () => this.mirror.snapshot(),
      openHere: () => this.open,
      awaiting: () => [...this.conns.values()].filter((c) => c.awaiting).map((c) => c.id),
      isOpen: (id) => this.conns.get(id)?.closed === false,
    });
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    // Accept errors (EMFILE, ENFILE…) are about one new socket, never about the ones we serve.
    this.server.on('error', (err) => console.error(`node-chat: listener error: ${err.message}`));
  }

  listen(port = this.config.port, host = this.config.host): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port, host: host || undefined }, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  stats(): GatewayStats {
    return { open: this.open, named: this.mirror.snapshot().length, restarts: this.system.restarts };
  }

  /** Stop accepting, say goodbye to everyone, flush, and close. */
  async close(graceMs = this.config.shutdownGraceSeconds * 1000): Promise<void> {
    this.stopping = true;
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const goodbye = Buffer.from(texts.shuttingDown());
    const closing: Promise<void>[] = [];
    for (const conn of this.conns.values()) {
      if (conn.closed) continue;
      closing.push(new Promise((resolve) => conn.socket.once('close', () => resolve())));
      this.enqueue(conn, goodbye);
      this.end(conn);
    }
    this.flush();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(closing), deadline]);
    clearTimeout(timer);
    for (const conn of this.conns.values()) conn.socket.destroy();
    await listenerClosed;
    await this.system.close();
  }

  // --- sockets in ---------------------------------------------------------------------

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const verdict: Admission = this.stopping
      ? { ok: false, why: 'the server is shutting down' }
      : admit(this.config, this.open, address, this.perIp.get(address) ?? 0);
    if (!verdict.ok) {
      socket.on('error', () => {});
      socket.end(texts.error(verdict.why));
      return;
    }
    const conn = new Connection(this.nextId++, socket, address, this.config.maxLine, this.config.floodBurst);
    conn.refilledAt = performance.now();
    this.conns.set(conn.id, conn);
    this.open++;
    this.perIp.set(address, (this.perIp.get(address) ?? 0) + 1);
    socket.setKeepAlive(true, this.config.keepAliveSeconds * 1000);
    if (this.config.registerTimeoutSeconds > 0) {
      conn.registerTimer = setTimeout(() => this.kick(conn, `no nickname chosen in ${this.config.registerTimeoutSeconds} seconds, goodbye`), this.config.registerTimeoutSeconds * 1000);
      conn.registerTimer.unref();
    }
    const sink = {
      line: (text: string) => this.onLine(conn, text),
      tooLong: () => this.enqueue(conn, Buffer.from(texts.lineTooLong(this.config.maxLine))),
      reply: (bytes: Buffer) => this.enqueue(conn, bytes),
    };
    socket.on('data', (chunk: Buffer) => conn.framer.push(chunk, sink));
    socket.on('error', () => {}); // ECONNRESET, EPIPE…: the 'close' that follows does the cleanup
    socket.on('close', () => this.onClose(conn));
    // Written now, not at the next flush: nothing can be queued ahead of it, and during a join
    // storm (when flushes are spaced out) the newcomer would otherwise wait a flush for its prompt.
    socket.write(texts.banner(this.open - 1 + this.system.openElsewhere()));
  }

  private onLine(conn: Connection, text: string): void {
    if (conn.ending || text.trim() === '') return;
    if (conn.held.length === 0 && !conn.awaiting && this.takeToken(conn)) this.forward(conn, text);
    else {
      conn.held.push(text);
      this.pump(conn);
    }
  }

  /** Forwards held lines while the connection may send: no barrier in flight and tokens left. */
  private pump(conn: Connection): void {
    while (conn.held.length > 0 && !conn.awaiting && !conn.ending) {
      if (!this.takeToken(conn)) return this.throttle(conn);
      this.forward(conn, conn.held.shift()!);
    }
    conn.throttledSince = 0;
    if (conn.ending) return;
    if (conn.held.length > 0 || conn.awaiting || conn.backlogged) conn.socket.pause();
    else if (!conn.closed) conn.socket.resume();
  }

  private takeToken(conn: Connection): boolean {
    const rate = this.config.floodRate;
    if (rate <= 0) return true;
    const now = performance.now();
    conn.tokens = Math.min(this.config.floodBurst, conn.tokens + ((now - conn.refilledAt) / 1000) * rate);
    conn.refilledAt = now;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  /** Over the flood limit: stop reading until a token returns; disconnect a sender that never relents. */
  private throttle(conn: Connection): void {
    conn.socket.pause();
    const now = performance.now();
    if (conn.throttledSince === 0) conn.throttledSince = now;
    else if (now - conn.throttledSince > this.config.floodKickSeconds * 1000) return this.kick(conn, 'flooding: too many lines for too long, goodbye');
    if (conn.floodTimer) return;
    const wait = ((1 - conn.tokens) / this.config.floodRate) * 1000;
    conn.floodTimer = setTimeout(() => {
      conn.floodTimer = null;
      this.pump(conn);
    }, Math.ceil(wait));
  }

  private forward(conn: Connection, text: string): void {
    const known = this.mirror.get(conn.id);
    let env: Envelope;
    if (!known || known.nick === null) env = { to: 'directory', msg: { t: 'claim', conn: conn.id, text } };
    else if (known.room !== null) env = { to: roomAddress(known.room), msg: { t: 'line', conn: conn.id, text } };
    else return; // between rooms, which only happens behind a barrier: cannot be reached
    if (env.to === 'directory' || isBarrier(text)) {
      conn.awaiting = true;
      conn.socket.pause();
    }
    this.system.send(env);
    if (this.system.pending > BACKLOG_HIGH && !conn.backlogged) {
      // The actors are behind: stop reading from whoever is sending until they catch up, so
      // memory is bounded by the backlog, not by how fast clients can write.
      conn.backlogged = true;
      conn.socket.pause();
      this.backlogged.push(conn);
    }
  }

  private releaseBacklog(): void {
    if (this.backlogged.length === 0 || this.system.pending > BACKLOG_LOW) return;
    for (const conn of this.backlogged) {
      conn.backlogged = false;
      this.pump(conn);
    }
    this.backlogged.length = 0;
  }

  private onClose(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.clearTimers();
    this.open--;
    const n = (this.perIp.get(conn.address) ?? 1) - 1;
    if (n > 0) this.perIp.set(conn.address, n);
    else this.perIp.delete(conn.address);
    conn.out.length = 0;
    conn.outBytes = 0;
    if (!conn.awaiting) this.depart(conn);
  }

  /** The socket is gone and nothing is in flight for it: tell its actor, and forget it. */
  private depart(conn: Connection): void {
    this.conns.delete(conn.id);
    const known = this.mirror.get(conn.id);
    if (known?.room) this.system.send({ to: roomAddress(known.room), msg: { t: 'leave', conn: conn.id } });
    else if (known?.nick) this.system.send({ to: 'directory', msg: { t: 'release', conn: conn.id } });
  }

  // --- effects in, bytes out -------------------------------------------------------------

  private apply(effects: Effect[]): void {
    this.releaseBacklog();
    let i = 0;
    while (i < effects.length) {
      const e = effects[i]!;
      if (e.t !== 'deliver') {
        this.applyOne(e);
        i++;
        continue;
      }
      // Broadcasts to the same members, or to members that only grew (a join storm), go out as
      // one buffer: a per-recipient cost per run, not per line. Bookkeeping effects between them
      // (named, placed, settled) write nothing, so they wait until the run is out; a close
      // ends the run, so that the closing connection gets exactly what came before it.
      const run: DeliverEffect[] = [e];
      const after: Array<Exclude<Effect, DeliverEffect>> = [];
      let j = i + 1;
      for (; j < effects.length; j++) {
        const next = effects[j]!;
        if (next.t === 'close') break;
        if (next.t !== 'deliver') after.push(next);
        else if (extends_(run[run.length - 1]!.to, next.to)) run.push(next);
        else break;
      }
      if (run.length === 1) this.deliver(e.to, e.except, e.text);
      else this.deliverRun(run);
      for (const a of after) this.applyOne(a);
      i = j;
    }
  }

  private applyOne(e: Exclude<Effect, DeliverEffect>): void {
    switch (e.t) {
      case 'named': {
        this.mirror.setNick(e.conn, e.nick);
        const conn = this.conns.get(e.conn);
        if (conn?.registerTimer && e.nick !== null) {
          clearTimeout(conn.registerTimer);
          conn.registerTimer = null;
        }
        break;
      }
      case 'placed':
        this.mirror.setRoom(e.conn, e.room);
        break;
      case 'settled':
        this.settle(e.conn);
        break;
      case 'close': {
        const conn = this.conns.get(e.conn);
        if (conn) this.end(conn);
        break;
      }
      case 'send':
        break; // forwarded by the actor system
    }
  }

  private settle(id: ConnId): void {
    const conn = this.conns.get(id);
    if (!conn) return;
    conn.awaiting = false;
    this.pump(conn);
    if (conn.closed && !conn.awaiting) {
      // Lines it sent before closing went out above; now its leave.
      conn.held.length = 0;
      this.depart(conn);
    }
  }

  private deliver(to: Int32Array, except: ConnId, text: string): void {
    const bytes = Buffer.from(text, 'utf8'); // rendered once, shared by every recipient
    const conns = this.conns;
    for (let i = 0; i < to.length; i++) {
      const id = to[i]!;
      if (id === except) continue;
      const conn = conns.get(id);
      if (conn !== undefined) this.enqueue(conn, bytes);
    }
  }

  /**
   * `effects` are deliveries whose recipient lists each extend the one before. The
   * member at index i of the last list gets every line from the first list that reaches index i
   * on: a suffix of one shared buffer, without a copy (senders get theirs without their own lines).
   */
  private deliverRun(effects: DeliverEffect[]): void {
    const from = 0;
    const end = effects.length;
    const parts: Buffer[] = [];
    const starts: number[] = [];
    const senders = new Set<ConnId>();
    let offset = 0;
    for (let k = from; k < end; k++) {
      const part = Buffer.from(effects[k]!.text, 'utf8');
      parts.push(part);
      starts.push(offset);
      offset += part.length;
      if (effects[k]!.except >= 0) senders.add(effects[k]!.except);
    }
    const all = Buffer.concat(parts, offset);
    const to = effects[end - 1]!.to;
    const conns = this.conns;
    let first = from; // the first delivery whose list reaches index i
    for (let i = 0; i < to.length; i++) {
      while (effects[first]!.to.length <= i) first++;
      const id = to[i]!;
      const conn = conns.get(id);
      if (conn === undefined) continue;
      if (!senders.has(id)) {
        this.enqueue(conn, first === from ? all : all.subarray(starts[first - from]));
        continue;
      }
      // A sender gets the stretches of the shared buffer between its own lines, without a copy.
      let stretch = starts[first - from]!;
      for (let k = first; k < end; k++) {
        if (effects[k]!.except !== id) continue;
        if (starts[k - from]! > stretch) this.enqueue(conn, all.subarray(stretch, starts[k - from]));
        stretch = starts[k - from]! + parts[k - from]!.length;
      }
      if (stretch < all.length) this.enqueue(conn, all.subarray(stretch));
    }
  }

  private enqueue(conn: Connection, bytes: Buffer): void {
    if (conn.closed || conn.socket.writableEnded) return;
    conn.out.push(bytes);
    conn.outBytes += bytes.length;
    if (!conn.inFlushList) {
      conn.inFlushList = true;
      this.flushList.push(conn);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        const wait = this.nextFlushAt - performance.now();
        if (wait > 0) setTimeout(this.flush, wait);
        else setImmediate(this.flush);
      }
    }
  }

  /**
   * One write per socket per flush, whatever number of lines it carries. A write costs a system
   * call (≈ 3 µs). A flush that took long (thousands of sockets, a join storm) makes the next one
   * wait as long, so the thread spends at most half its time writing and each write carries more
   * lines; ordinary flushes (a room of a thousand: ≈ 3 ms) are followed at once, for latency.
   */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const started = performance.now();
    const list = this.flushList;
    const cap = this.config.sendQueue;
    for (let i = 0; i < list.length; i++) {
      const conn = list[i]!;
      conn.inFlushList = false;
      this.writeOut(conn, cap);
    }
    list.length = 0;
    const now = performance.now();
    const took = now - started;
    this.nextFlushAt = took > LONG_FLUSH_MS ? now + took : 0;
  };

  /** Writes what is queued for one connection, in one write. */
  private writeOut(conn: Connection, cap: number): void {
    if (conn.closed || conn.out.length === 0) return;
    const data = conn.out.length === 1 ? conn.out[0]! : Buffer.concat(conn.out, conn.outBytes);
    conn.out.length = 0;
    conn.outBytes = 0;
    const socket = conn.socket;
    // write() says false once the socket holds more than its high-water mark: only then is the
    // (not free) writableLength worth reading.
    if (!socket.write(data) && socket.writableLength > cap && !conn.ending) this.kick(conn, `you fell more than ${cap} bytes behind, goodbye`, true);
  }

  /** Disconnect with a reason: the user sees why, the room sees an ordinary leave. */
  private kick(conn: Connection, why: string, slow = false): void {
    if (conn.closed || conn.ending) return;
    if (slow) {
      // It is not reading: the notice is best-effort, and nothing more is queued behind it.
      conn.socket.write(texts.error(why));
      conn.ending = true;
      conn.socket.destroySoon();
      setTimeout(() => conn.socket.destroy(), 1000).unref();
      return;
    }
    // Before a name is chosen the cursor sits after the prompt: start the notice on a line of its own.
    const named = this.mirror.get(conn.id)?.nick != null;
    this.enqueue(conn, Buffer.from((named ? '' : texts.CRLF) + texts.error(why)));
    this.end(conn);
  }

  /** Close after what is queued has been written. */
  private end(conn: Connection): void {
    if (conn.ending || conn.closed) return;
    conn.ending = true;
    conn.held.length = 0;
    conn.socket.resume(); // read and drop until the peer closes, so its FIN is seen
    this.writeOut(conn, Infinity); // now, not at the next (possibly delayed) flush
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 2000).unref();
  }
}
