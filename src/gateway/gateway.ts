// The gateway: the main thread's whole job. It accepts sockets, lets each connection's edge
// frame its bytes into lines and read them as intents, forwards each intent to the actor that
// owns it, and writes what the actors decide, rendered by each connection's codec. It makes no
// chat decision itself: who receives what comes back from the actors as effects.

import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import type { Config } from '../config.js';
import type { ActorSystem, SystemFactory } from '../runtime/system.js';
import { encoded, type Edge } from '../edges/edge.js';
import type { ChatEvent, Farewell, HistoryTarget, RoomEvent } from '../model/events.js';
import type { Intent } from '../model/intents.js';
import { select, type Kept } from '../model/history.js';
import { nickKey } from '../model/nicknames.js';
import { roomAddress, type ConnId, type DirectoryMsg, type Effect, type Envelope } from '../model/messages.js';
import { route } from '../runtime/routes.js';
import { Connection, type Held, type Link } from './connection.js';
import { admit, type Admission } from './admission.js';
import { Deadlines } from './deadlines.js';
import { Delivery, extendsList, joinsRuns, type DeliverEffect } from './delivery.js';
import { MemberMirror } from './members.js';
import { HistoryStore } from './history.js';
import type { Certificates } from './certificates.js';
import { Handshakes } from './handshakes.js';
import { GatewayCounts, kickCause, refuseReason } from './counts.js';
import { unobserved, type GatewayObserver } from './observer.js';
import { Operators } from './operators.js';

/** Refused sockets that may be open at once, saying why: part of the descriptors kept in reserve (config's FD_HEADROOM). */
const REFUSING = 16;

/** Cluster: how long a joiner's output waits for the history it is shown on joining before it goes out anyway. */
const REPLAY_PATIENCE_MS = 2000;

/** Envelopes in flight to the actors above which senders are paused, and below which they resume. */
const BACKLOG_HIGH = 50_000;
const BACKLOG_LOW = 10_000;

/** What a transport other than TCP (WebSocket) tells the gateway about a connection it opened (see Gateway.openLink). */
export interface Transported {
  /** Bytes received (for WebSocket: one message). */
  received(chunk: Uint8Array): void;
  /** The peer is going (its close, or an error: `error` says which), noted now, so departures keep the order they were seen in. */
  going(error?: string): void;
  /** The transport is closed. */
  closed(): void;
}

export interface GatewayStats {
  open: number;
  named: number;
  restarts: number;
  /** TCP connections on the TLS listeners still in their handshake (not yet counted in open). */
  handshaking: number;
}

/** Connections open now in one protocol, by where they stand (see Gateway.connectionStates). */
export interface ConnectionStates {
  /** Not named yet (at the prompt, or in IRC registration). */
  registering: number;
  named: number;
  /** Ending (quit, kicked, shutting down) or closed with a command still in flight. */
  closing: number;
}

export class Gateway {
  /** One listener per protocol, the first one's edge given to the constructor. */
  private readonly servers: net.Server[] = [];
  readonly system: ActorSystem;
  private readonly conns = new Map<ConnId, Connection>();
  private readonly mirror = new MemberMirror();
  private readonly perIp = new Map<string, number>();
  private readonly handshakes = new Handshakes();
  private readonly out: Delivery;
  /** Newcomers that must choose a nickname in time (see config registerTimeoutSeconds). */
  private readonly registration: Deadlines;
  /** Connections paused because the actors are behind; resumed when they catch up. */
  private readonly backlogged: Connection[] = [];
  private pinger: NodeJS.Timeout | null = null;
  private nextId = 1;
  /** Refused sockets still open (see refuse). */
  private refusing = 0;
  /** Closed connections waiting for the end of the loop turn to depart (see departClosed). */
  private closing: Connection[] = [];
  private goneCount = 0;
  private open = 0;
  private stopping = false;
  /** A single process's history (null in a cluster, whose system keeps it in Redis, or with --history 0). */
  readonly history: HistoryStore | null;
  /** A private message seen in this batch whose sender's copy (privateSent) is still to come. */
  private privateSeen: { id: string; to: ConnId; line: Kept } | null = null;
  /** Replays that go after their joiner's own join line (see Session.replayAfterJoin), in order. */
  private replays: Array<{ conn: ConnId; room: string; events: Kept[]; joined: boolean }> = [];
  /** Room history questions sent through their room (see envelope), answered when it settles. */
  private readonly historyAsked = new Map<ConnId, Extract<Intent, { kind: 'history' }>>();
  /** Cluster: the last join event seen; its joiner's `placed` follows it in the same batch (see replica.ts). */
  private lastJoin: { room: string; id: string } | null = null;
  /** Cluster: joiners whose output is held once the current run is out (see startHolds). */
  private readonly holdAfterRun: Connection[] = [];
  /** The run being gathered must end after this event: a replay waits for it. */
  private cutRun = false;
  /** Per protocol totals, read by /metrics when scraped (see counts.ts). */
  readonly counts = new GatewayCounts();
  /** Server operator accounts (`--operators`), checked here: the actors only hear that a connection is one. */
  private readonly operators: Operators;
  /** Connections logged in as server operators now. */
  private opers = 0;

  constructor(
    readonly config: Config,
    system: SystemFactory,
    /** The protocol of the first listener (see listen). */
    private readonly edge: Edge,
    /** The clock the flood limit, the registration deadline and the flush pacing read (ms; injected by tests). */
    private readonly now: () => number = () => performance.now(),
    /** Who is told of listeners, connections and kicks: the operator's log (src/ops/log-events.ts). */
    readonly observer: GatewayObserver = unobserved,
  ) {
    this.system = system({
      onEffects: (effects) => this.apply(effects),
      snapshot: () => this.mirror.snapshot(),
      openHere: () => this.open,
      awaiting: () => [...this.conns.values()].filter((c) => c.awaiting).map((c) => c.id),
      isOpen: (id) => this.conns.get(id)?.closed === false,
    });
    this.history =
      config.history > 0 && this.system.keepsHistory !== true
        ? new HistoryStore({ events: config.history, conversationBytes: config.historyRoomBytes, totalBytes: config.historyBytes })
        : null;
    this.registration = new Deadlines(config.registerTimeoutSeconds * 1000, (id) => {
      const conn = this.conns.get(id);
      if (conn) this.kick(conn, { code: 'registerTimeout', seconds: this.config.registerTimeoutSeconds });
    }, now);
    this.operators = Operators.fromFile(config.operatorsFile, now);
    this.out = new Delivery(this.conns, config.sendQueue, (conn, bytes) => this.kick(conn, { code: 'slow', bytes }, true), now);
    if (config.pingSeconds > 0) {
      // One sweep for every connection, not a timer each (see Deadlines for what a timer costs).
      this.pinger = setInterval(() => this.keepalive(), (Math.max(1, Math.min(config.pingSeconds, config.pingTimeoutSeconds)) * 1000) / 2);
      this.pinger.unref();
    }
  }

  /**
   * Sends a ping to every connection quiet for `--ping` seconds whose protocol has one (IRC;
   * telnet relies on TCP keepalive), and disconnects those that then stay silent for
   * `--ping-timeout` more. Runs on a timer; tests call it with a clock of their own.
   */
  keepalive(now = this.now()): void {
    const quiet = this.config.pingSeconds * 1000;
    const patience = this.config.pingTimeoutSeconds * 1000;
    for (const conn of this.conns.values()) {
      if (conn.closed || conn.ending || conn.session.ping === undefined) continue;
      if (conn.pingedAt !== 0) {
        if (now - conn.pingedAt >= patience) this.kick(conn, { code: 'pingTimeout', seconds: this.config.pingTimeoutSeconds });
        continue;
      }
      if (now - conn.heardAt < quiet) continue;
      const ping = conn.session.ping();
      if (ping === null) continue;
      conn.pingedAt = now;
      this.out.enqueue(conn, encoded(conn.codec, ping));
    }
  }

  /** The first listener. */
  get server(): net.Server {
    return this.servers[0]!;
  }

  /**
   * Listens for `edge`'s protocol (the constructor's, by default) on `port`; every listener shares
   * the rooms. With `secure`, over TLS: a socket becomes a Connection once its handshake is done,
   * and is an ordinary one from then on (a TLSSocket is a net.Socket).
   */
  listen(port = this.config.port, host = this.config.host, edge = this.edge, secure?: Certificates): Promise<AddressInfo> {
    let server: net.Server;
    if (secure === undefined) server = net.createServer({ noDelay: true }, (socket) => this.accept(socket, edge));
    else {
      const tlsServer = tls.createServer({ ...secure.serverOptions(), noDelay: true }, (socket) => {
        this.handshakes.secured(socket);
        this.accept(socket, edge);
      });
      tlsServer.on('connection', (raw: Socket) => this.handshaking(raw, edge.protocol));
      secure.track(tlsServer);
      server = tlsServer;
    }
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ port, host: host || undefined }, () => {
        server.off('error', onError);
        // Accept errors (EMFILE, ENFILE…) are about one new socket, never about the ones we serve.
        server.on('error', (err) => this.observer.listenerError(`${edge.protocol}${secure ? '-tls' : ''}`, err));
        const at = server.address() as AddressInfo;
        this.observer.listening(`${edge.protocol}${secure ? '-tls' : ''}`, at);
        resolve(at);
      });
    });
  }

  /**
   * A TCP connection on a TLS listener, before its handshake: it counts against the caps from now
   * (see Handshakes). Over them, it is closed at once and without a word: saying why would take
   * the very handshake the caps are there to refuse.
   */
  private handshaking(raw: Socket, protocol: string): void {
    raw.on('error', () => {}); // the TLS socket over it reports, and tlsClientError ends it
    if (!this.admission(raw.remoteAddress ?? '', protocol).ok) return void raw.destroy();
    this.handshakes.begin(raw);
  }

  /** A listener of another transport (the HTTP one): closed with the gateway's own on shutdown. */
  adopt(server: net.Server): void {
    this.servers.push(server);
  }

  /** Whether the server is serving: null, or why not (cluster degraded, shutting down); /healthz says it. */
  health(): string | null {
    if (this.stopping) return 'shutting down';
    return this.system.health?.() ?? null;
  }

  stats(): GatewayStats {
    return { open: this.open, named: this.mirror.named, restarts: this.system.restarts, handshaking: this.handshakes.count };
  }

  /** Rooms with at least one member on this node. */
  get roomsHere(): number {
    return this.mirror.rooms;
  }

  /** Connections paused until the actors catch up (see BACKLOG_HIGH). */
  get backloggedConnections(): number {
    return this.backlogged.length;
  }

  /** Every connection still held, by protocol and state: one pass, when /metrics is scraped. */
  connectionStates(): Map<string, ConnectionStates> {
    const states = new Map<string, ConnectionStates>();
    for (const c of this.counts.all()) states.set(c.protocol, { registering: 0, named: 0, closing: 0 });
    for (const conn of this.conns.values()) {
      const s = states.get(conn.protocol)!;
      if (conn.ending || conn.closed) s.closing++;
      else if (conn.nick !== null) s.named++;
      else s.registering++;
    }
    return states;
  }

  /** Bytes the history keeps in this process (estimated: see gateway/history.ts), for /metrics; 0 without one. */
  historyBytes(): number {
    return this.history?.bytes ?? 0;
  }

  /** Stop accepting, say goodbye to everyone, flush, and close. */
  async close(graceMs = this.config.shutdownGraceSeconds * 1000): Promise<void> {
    this.stopping = true;
    if (this.pinger) clearInterval(this.pinger);
    const listenersClosed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    const closing: Promise<void>[] = [];
    for (const conn of this.conns.values()) {
      if (conn.closed) continue;
      conn.ends('shutdown');
      closing.push(new Promise((resolve) => conn.socket.once('close', () => resolve())));
      this.out.enqueue(conn, encoded(conn.codec, conn.session.farewell({ code: 'shutdown' }, this.mirror.nickOf(conn.id) !== null)));
      this.end(conn);
    }
    this.out.flush();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(closing), deadline]);
    clearTimeout(timer);
    for (const conn of this.conns.values()) conn.socket.destroy();
    this.handshakes.destroyAll();
    await listenersClosed;
    this.registration.stop();
    await this.system.close();
  }

  // --- sockets in ---------------------------------------------------------------------

  /**
   * What the caps say of a new connection from `address` (every transport asks before opening
   * one); a refusal is counted and logged under `protocol`. TLS handshakes in progress count as
   * the connections they are about to be (see Handshakes).
   */
  admission(address: string, protocol: string): Admission {
    const verdict: Admission = this.stopping
      ? { ok: false, why: { code: 'shutdown' } }
      : admit(this.config, this.open + this.handshakes.count, address, (this.perIp.get(address) ?? 0) + this.handshakes.from(address), this.nextId);
    if (!verdict.ok) {
      const reason = refuseReason(verdict.why);
      this.counts.of(protocol).refused[reason]++;
      this.observer.refused(protocol, address, reason);
    }
    return verdict;
  }

  private accept(socket: Socket, edge: Edge): void {
    const address = socket.remoteAddress ?? '';
    const verdict = this.admission(address, edge.protocol);
    if (!verdict.ok) return this.refuse(socket, edge, verdict.why);
    socket.setKeepAlive(true, this.config.keepAliveSeconds * 1000);
    const conn = this.connect(socket, address, edge);
    socket.on('data', (chunk: Buffer) => this.received(conn, chunk));
    // 'end' (the peer's FIN) and 'error' (ECONNRESET, EPIPE…) come in the order the sockets were
    // read; the 'close' that follows does the cleanup, but libuv runs one turn's closes newest first.
    socket.on('end', () => {
      conn.ends('peer');
      this.seeGoing(conn);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      conn.ends('error', err.code ?? err.message);
      this.seeGoing(conn);
    });
    socket.on('close', () => this.onClose(conn));
    this.greet(conn);
  }

  /**
   * A connection on another transport (a WebSocket), admitted already (see admission): the same
   * edge, caps, throttle, deadlines and delivery as a TCP one. The transport reports to the hooks.
   */
  openLink(link: Link, address: string, edge: Edge): Transported {
    const conn = this.connect(link, address, edge);
    this.greet(conn);
    return {
      received: (chunk) => this.received(conn, chunk),
      going: (error) => {
        if (error === undefined) conn.ends('peer');
        else conn.ends('error', error);
        this.seeGoing(conn);
      },
      closed: () => this.onClose(conn),
    };
  }

  private connect(link: Link, address: string, edge: Edge): Connection {
    const counts = this.counts.of(edge.protocol);
    const conn = new Connection(this.nextId++, link, address, edge.open(), this.config.floodBurst, counts);
    conn.openedAt = conn.refilledAt = conn.heardAt = this.now();
    counts.opened++;
    this.conns.set(conn.id, conn);
    this.open++;
    this.perIp.set(address, (this.perIp.get(address) ?? 0) + 1);
    if (this.config.registerTimeoutSeconds > 0) this.registration.add(conn.id);
    const sink = {
      line: (text: string): boolean => {
        this.onLine(conn, text);
        return !this.holdsTooMuch(conn); // past the cap, the framer keeps the rest unread
      },
      tooLong: () => {
        counts.tooLong++;
        this.framerAnswer(conn, conn.session.lineTooLong(this.config.maxLine, this.mirror.nickOf(conn.id) !== null));
      },
      reply: (bytes: Buffer) => this.out.enqueue(conn, bytes),
      notice: (text: string) => this.framerAnswer(conn, text),
    };
    conn.sink = sink;
    this.observer.opened(conn);
    return conn;
  }

  /**
   * What the framer says of a line as it cuts it (too long; invalid UTF-8 replaced) comes in turn
   * with the answers to the lines before it: behind a barrier or held lines it waits in the held
   * queue, as an answer; otherwise it goes as any answer does (see answer).
   */
  private framerAnswer(conn: Connection, text: string): void {
    if (conn.awaiting || conn.held.length > 0) conn.held.push({ answer: text });
    else this.answer(conn, encoded(conn.codec, text));
  }

  private received(conn: Connection, chunk: Uint8Array): void {
    conn.heardAt = this.now(); // anything heard answers a keepalive ping (see keepalive)
    conn.pingedAt = 0;
    if (conn.sink !== null) conn.framer.push(chunk, conn.sink);
  }

  /**
   * Written now, not at the next flush: nothing can be queued ahead of it, and during a join
   * storm (when flushes are spaced out) the newcomer would otherwise wait a flush for its prompt.
   */
  private greet(conn: Connection): void {
    const greeting = encoded(conn.codec, conn.session.greeting(this.open - 1 + this.system.openElsewhere()));
    const opening = conn.framer.opening?.();
    const first = opening ? Buffer.concat([opening, greeting]) : greeting;
    if (first.length === 0) return;
    conn.counts.bytes += first.length;
    conn.counts.writes++;
    conn.socket.write(first);
  }

  /**
   * A socket the caps turn away gets one line saying why, and its descriptor goes as soon as that
   * line is in the kernel's hands: the caps are about descriptors, and a connect flood at the cap
   * must not eat the headroom kept for Workers and Redis. Past REFUSING at once, not even the line.
   */
  private refuse(socket: Socket, edge: Edge, why: Farewell): void {
    socket.on('error', () => {});
    if (this.refusing >= REFUSING) return void socket.destroy();
    this.refusing++;
    socket.once('close', () => this.refusing--);
    socket.end(edge.open().farewell(why, true), () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref(); // a notice the kernel cannot take (a full window): give up on it
  }

  private onLine(conn: Connection, text: string): void {
    conn.counts.lines++;
    // A blank line from a named user asks for nothing and costs no token; at the prompt its edge answers it.
    if (conn.ending || (text.trim() === '' && this.mirror.nickOf(conn.id) !== null)) return;
    if (conn.held.length === 0 && !conn.awaiting && this.takeToken(conn)) this.forward(conn, text);
    else {
      conn.held.push(text);
      conn.heldChars += text.length;
      this.pump(conn);
    }
  }

  /** At the cap on what one connection may have waiting (lines, or their size): read no more of it for now. */
  private holdsTooMuch(conn: Connection): boolean {
    return conn.held.length >= this.config.heldLines || conn.heldChars >= this.config.heldBytes;
  }

  /** Forwards held lines while the connection may send: no barrier in flight and tokens left. */
  private pump(conn: Connection): void {
    if (conn.departed) return;
    while (conn.held.length > 0 && !conn.awaiting && !conn.ending) {
      // A line costs a token; the rest of a line that waited behind a barrier does not.
      if (typeof conn.held[0] === 'string' && !this.takeToken(conn)) return this.throttle(conn);
      const item = conn.held.shift()!;
      if (typeof item === 'string') conn.heldChars -= item.length;
      this.forward(conn, item);
    }
    // Lines still held behind a barrier are still throttled lines: the flood-kick clock keeps running.
    if (conn.held.length === 0) conn.throttledSince = 0;
    if (conn.ending) return;
    // Room again below the cap: read on into what the framer kept unread (it may fill the cap again).
    if (!conn.closed && conn.framer.unreadBytes > 0 && !this.holdsTooMuch(conn) && conn.sink !== null) conn.framer.resume(conn.sink);
    if (conn.held.length > 0 || conn.awaiting || conn.backlogged || conn.framer.unreadBytes > 0) conn.socket.pause();
    else if (!conn.closed) conn.socket.resume();
  }

  private takeToken(conn: Connection): boolean {
    const rate = this.config.floodRate;
    if (rate <= 0) return true;
    const now = this.now();
    conn.tokens = Math.min(this.config.floodBurst, conn.tokens + ((now - conn.refilledAt) / 1000) * rate);
    conn.refilledAt = now;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  /** Over the flood limit: stop reading until a token returns; disconnect a sender that never relents. */
  private throttle(conn: Connection): void {
    conn.socket.pause();
    const now = this.now();
    if (conn.throttledSince === 0) {
      conn.throttledSince = now;
      conn.counts.throttles++;
    } else if (now - conn.throttledSince > this.config.floodKickSeconds * 1000) return this.kick(conn, { code: 'flooding' });
    if (conn.floodTimer) return;
    const wait = ((1 - conn.tokens) / this.config.floodRate) * 1000;
    conn.floodTimer = setTimeout(() => {
      conn.floodTimer = null;
      this.pump(conn);
    }, Math.ceil(wait));
  }

  /**
   * Reads a line (or carries on with what a line asked for after a barrier) in order: what
   * follows a barrier waits at the front of the held queue, ahead of later lines.
   */
  private forward(conn: Connection, item: Held): void {
    const readings = typeof item === 'string' ? conn.session.read(item, { nick: this.mirror.nickOf(conn.id), rooms: this.mirror.roomsOf(conn.id) }) : [item];
    if (conn.session.codec !== conn.codec) conn.codec = conn.session.codec; // IRC capabilities changed what its bytes look like
    for (let i = 0; i < readings.length; i++) {
      if (conn.ending) return;
      if (conn.awaiting) {
        conn.held.unshift(...readings.slice(i));
        return;
      }
      const reading = readings[i]!;
      if ('answer' in reading) this.answer(conn, encoded(conn.codec, reading.answer));
      else this.send(conn, reading.intent);
    }
  }

  /**
   * An edge's own answer (a PONG, a CAP reply, an error numeric) goes after what the actors still
   * owe for lines sent before it, anyone's: clients and test suites use PING as a barrier ("all my
   * QUIT caused is out"). Until then the connection waits as behind a barrier, so its answers and
   * the effects of its later lines keep their order. Nothing in flight: written at once.
   */
  private answer(conn: Connection, bytes: Buffer): void {
    if (this.system.afterSent === undefined) return this.out.enqueue(conn, bytes);
    let done = false;
    let waiting = false;
    this.system.afterSent(() => {
      done = true;
      this.out.enqueue(conn, bytes);
      if (waiting) this.settle(conn.id);
    });
    if (done) return;
    waiting = true;
    conn.awaiting = true;
    conn.socket.pause();
  }

  private send(conn: Connection, intent: Intent): void {
    const env = this.envelope(conn, intent);
    if (env === null) return;
    if (env.barrier) {
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

  /** Where an intent goes (see runtime/routes.ts); null for one the gateway carries out itself. */
  private envelope(conn: Connection, intent: Intent): Envelope | null {
    if (intent.kind === 'quit') {
      // Its rooms hear it now, with the reason; the socket closes once its output is written.
      conn.ends('quit');
      conn.quitReason = intent.reason;
      this.announceDeparture(conn);
      this.end(conn);
      return null;
    }
    if (intent.kind === 'historyTargets' || (intent.kind === 'history' && !(intent.room && this.mirror.roomsOf(conn.id).includes(intent.target)))) {
      // A cluster keeps private conversations and knows the rooms' lines: its store answers these.
      if (this.system.keepsHistory === true && this.config.history > 0 && !(intent.kind === 'history' && intent.room)) {
        const msg: DirectoryMsg =
          intent.kind === 'history'
            ? { t: 'history', conn: conn.id, ask: intent.ask, target: intent.target, select: intent.select }
            : { t: 'targets', conn: conn.id, from: intent.from, to: intent.to, limit: intent.limit };
        // A barrier (as isBarrier says of both): answered in the order asked; the store settles it.
        return { to: 'directory', msg, barrier: true };
      }
      this.answerHistory(conn, intent);
      return null;
    }
    // A room's history goes through the room (see routes.ts): answered here once it settles.
    if (intent.kind === 'history') this.historyAsked.set(conn.id, intent);
    if (intent.kind === 'oper') {
      this.oper(conn, intent.name, intent.password);
      return null;
    }
    if (intent.kind === 'join' && this.mirror.roomsOf(conn.id).length >= this.config.maxRooms) {
      this.tell(conn, { k: 'notice', notice: { code: 'tooManyRooms', max: this.config.maxRooms } });
      return null;
    }
    return route(conn.id, this.mirror.nickOf(conn.id), intent, conn.oper !== null);
  }

  /**
   * A server operator login: checked off the loop (scrypt) while the user's later lines wait, as
   * behind any barrier. Failures are logged with the address, never with the password.
   */
  private oper(conn: Connection, name: string, password: string): void {
    conn.awaiting = true;
    conn.socket.pause();
    this.operators.check(name, password, conn.address).then(
      (result) => {
        if (result.ok && conn.oper === null) this.opers++;
        if (result.ok) conn.oper = name;
        this.observer.operLogin(conn, name.slice(0, 32), result.ok ? 'accepted' : result.tooFast ? 'too_soon' : 'failed');
        this.tell(conn, { k: 'notice', notice: result.tooFast ? { code: 'oper', ok: false, tooFast: true } : { code: 'oper', ok: result.ok } });
        this.settle(conn.id);
      },
      () => this.settle(conn.id),
    );
  }

  /**
   * What a lookup found, with what only the gateway knows of the users connected here: which are
   * server operators (IRC 313, WHO's `*`), and for a server operator asking, their addresses.
   * Only while some server operator is logged in: otherwise a lookup costs no scan.
   */
  private withOperators(event: Extract<ChatEvent, { k: 'users' }>, to: Int32Array): ChatEvent {
    if (event.ask.startsWith('whowas')) return event; // past names: nobody connected now
    const asker = to.length === 1 ? this.conns.get(to[0]!) : undefined;
    const byNick = new Map<string, Connection>();
    for (const c of this.conns.values()) if (c.nick !== null) byNick.set(c.nick, c);
    const users = event.users.map((u) => {
      const c = byNick.get(u.nick);
      if (c === undefined) return u;
      return { ...u, ...(c.oper !== null ? { oper: true } : {}), ...(asker?.oper ? { address: c.address } : {}) };
    });
    return { ...event, users };
  }

  /** Connections here that have no name yet. */
  private unnamed(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.nick === null && !c.closed) n++;
    return n;
  }

  /** An event for this connection alone, as its session renders one. */
  private tell(conn: Connection, event: ChatEvent): void {
    if (conn.closed) return;
    const text = conn.session.renderFor ? conn.session.renderFor(event, conn.nick) : conn.codec.render(event);
    this.out.enqueue(conn, encoded(conn.codec, text));
  }

  private releaseBacklog(): void {
    if (this.backlogged.length === 0 || this.system.pending > BACKLOG_LOW) return;
    for (const conn of this.backlogged) {
      conn.backlogged = false;
      if (!conn.departed) this.pump(conn);
    }
    this.backlogged.length = 0;
  }

  private onClose(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    if (conn.oper !== null) this.opers--;
    conn.clearTimers();
    this.registration.delete(conn.id);
    this.open--;
    const n = (this.perIp.get(conn.address) ?? 1) - 1;
    if (n > 0) this.perIp.set(conn.address, n);
    else this.perIp.delete(conn.address);
    conn.out.length = 0;
    conn.outBytes = 0;
    conn.outEvents = 0;
    conn.ends('peer'); // closed with no FIN or error seen first (destroyed by us after a grace)
    conn.counts.closed[conn.closeReason!]++;
    this.observer.closed(conn, conn.closeReason!, { seconds: (this.now() - conn.openedAt) / 1000, ...(conn.closeError !== undefined ? { error: conn.closeError } : {}) });
    this.seeGoing(conn);
    if (conn.awaiting) return; // it departs once its barrier settles
    this.closing.push(conn);
    if (this.closing.length === 1) setImmediate(this.departClosed);
  }

  /** Numbers a connection by when the server first saw it go, so its rooms hear of it in that order. */
  private seeGoing(conn: Connection): void {
    if (conn.goneAt === 0) conn.goneAt = ++this.goneCount;
  }

  /** The connections that closed in this loop turn depart in the order they were seen going. */
  private readonly departClosed = (): void => {
    const closing = this.closing;
    this.closing = [];
    closing.sort((a, b) => a.goneAt - b.goneAt);
    // One that sent a barrier since (from lines read before the close) departs once that settles.
    for (const conn of closing) if (!conn.awaiting) this.depart(conn);
  };

  /** The socket is gone and nothing is in flight for it: its departure is announced, and it is forgotten. */
  private depart(conn: Connection): void {
    this.conns.delete(conn.id);
    this.history?.forget(conn.id);
    this.historyAsked.delete(conn.id);
    // Nothing of it may be read or sent after this: its leave is on its way.
    conn.clearTimers();
    conn.held.length = 0;
    conn.heldChars = 0;
    conn.sink = null;
    this.announceDeparture(conn);
  }

  /** Tells each of its rooms and the directory that the user is gone (once). */
  private announceDeparture(conn: Connection): void {
    if (conn.departed) return;
    conn.departed = true;
    const known = this.mirror.get(conn.id);
    if (!known) return;
    const reason = conn.quitReason ? { reason: conn.quitReason } : {};
    for (const room of known.rooms) this.system.send({ to: roomAddress(room), msg: { t: 'leave', conn: conn.id, ...reason } });
    const stays = conn.closeReason === 'shutdown' ? { stays: true } : {};
    if (known.nick !== null) this.system.send({ to: 'directory', msg: { t: 'release', conn: conn.id, ...reason, ...stays } });
  }

  // --- effects in, bytes out -------------------------------------------------------------

  private apply(effects: Effect[]): void {
    this.releaseBacklog();
    let i = 0;
    while (i < effects.length) {
      const e = effects[i]!;
      if (e.t === 'deliver' && e.event.k === 'history' && e.event.ask === 'join' && this.history === null) {
        this.replayFromStore(e);
        i++;
        continue;
      }
      this.see(e);
      if (e.t !== 'deliver') {
        this.applyOne(e);
        if (this.holdAfterRun.length > 0) this.startHolds();
        i++;
        continue;
      }
      // Broadcasts to the same members, or to members that only grew (a join storm), go out as
      // one buffer: a per-recipient cost per run, not per line. Bookkeeping effects between them
      // (named, placed, settled) write nothing, so they wait until the run is out; a close
      // ends the run, so that the closing connection gets exactly what came before it, and so
      // does a join whose joiner's replay goes after its join line.
      const run: DeliverEffect[] = [e];
      const after: Array<Exclude<Effect, DeliverEffect>> = [];
      let j = i + 1;
      while (j < effects.length && !this.cutRun) {
        const next = effects[j]!;
        if (next.t === 'close') break;
        if (next.t !== 'deliver') after.push(next);
        else if (joinsRuns(e) && joinsRuns(next) && extendsList(run[run.length - 1]!.to, next.to)) run.push(next);
        else break;
        this.see(next);
        j++;
        // Cluster: a joiner's live lines wait for its history from here, so the run ends with its join.
        if (this.holdAfterRun.length > 0) break;
      }
      this.cutRun = false;
      for (const d of run) if (d.event.k === 'topicSet') this.mirror.setTopic(d.event.room, { text: d.event.text, by: d.event.nick, at: d.event.at });
      if (e.event.k === 'users' && this.opers > 0 && run.length === 1) e.event = this.withOperators(e.event, e.to);
      if (e.event.k === 'counts') e.event = { ...e.event, unknown: this.unnamed(), opers: this.opers }; // asked for (LUSERS): a scan is fine
      if (run.length === 1) this.out.deliver(e.to, e.except, e.event);
      else this.out.deliverRun(run);
      for (const a of after) this.applyOne(a);
      if (this.holdAfterRun.length > 0) this.startHolds();
      if (this.replays.length > 0) this.replayJoined();
      i = j;
    }
    if (this.replays.length > 0) this.replayJoined(true);
  }

  // --- history ------------------------------------------------------------------------

  /**
   * Each effect once, in the order the actors produced it (before runs regroup deliveries): a
   * room event goes into its room's history, and a joiner is shown the history as it stands just
   * before its join's own event, so what came before is in what it is shown and what comes
   * after reaches it live: no gap, no duplicate. One test per event, never per recipient.
   */
  private see(e: Effect): void {
    const history = this.history;
    if (history === null) return this.seeInCluster(e);
    if (e.t === 'deliver') {
      const event = e.event;
      switch (event.k) {
        case 'joined':
          if (this.replays.length > 0) this.joinedSeen(event.room);
          history.record(event);
          return;
        case 'said':
        case 'acted':
        case 'left':
        case 'renamed':
        case 'topicSet':
          history.record(event as RoomEvent);
          return;
        case 'private': {
          const line = { k: 'private', id: event.id, at: event.at, from: event.from, to: event.to, text: event.text, ...(event.notice ? { notice: true } : {}), ...(event.tags ? { tags: event.tags } : {}) } as const;
          this.privateSeen = { id: event.id, to: e.to[0]!, line };
          return;
        }
        case 'privateSent': {
          const seen = this.privateSeen;
          if (seen !== null && seen.id === event.id && seen.line.k === 'private') history.recordPrivate(e.to[0]!, seen.to, seen.line);
          this.privateSeen = null;
          return;
        }
        default:
          return;
      }
    }
    if (e.t === 'placed' && e.present) {
      const conn = this.conns.get(e.conn);
      const n = conn?.session.joinReplay?.() ?? 0;
      if (conn === undefined || n <= 0) return;
      const events = history.newest(e.room, n);
      if (events.length === 0) return;
      if (conn.session.replayAfterJoin === true) this.replays.push({ conn: e.conn, room: e.room, events, joined: false });
      else this.tell(conn, { k: 'history', ask: 'join', target: e.room, events });
    }
  }

  /**
   * In a cluster (no history here: it is in Redis), a joiner that wants history on joining asks
   * the room's log for the lines before its join's own id, the exact bound between history and
   * live; what reaches it meanwhile (live lines) is held until that answer is out. (Its join line,
   * already delivered, comes first.)
   */
  private seeInCluster(e: Effect): void {
    if (this.system.keepsHistory !== true || this.config.history === 0) return;
    if (e.t === 'deliver' && e.event.k === 'joined') {
      this.lastJoin = { room: e.event.room, id: e.event.id };
      return;
    }
    if (e.t !== 'placed' || !e.present) return;
    const conn = this.conns.get(e.conn);
    const n = conn?.session.joinReplay?.() ?? 0;
    const joinId = this.lastJoin?.room === e.room ? this.lastJoin.id : undefined;
    this.lastJoin = null;
    if (conn === undefined || n <= 0 || joinId === undefined) return;
    // Held from the end of the run that carries its join line: that line goes out first, wherever
    // the run ends (a move's room size, to the joiner alone, ends it before this effect; a claim's not).
    this.holdAfterRun.push(conn);
    // Not a barrier: the joiner's own next lines need not wait for it.
    this.system.send({ to: roomAddress(e.room), msg: { t: 'history', conn: conn.id, ask: 'join', select: { dir: 'before', ref: { msgid: joinId }, limit: n } } });
    conn.replaysPending++;
    const waiting = conn;
    setTimeout(() => {
      // A store that does not answer holds nothing for long; a late answer is shown as it comes.
      if (waiting.replaysPending === 0) return;
      waiting.replaysPending = 0;
      this.out.release(waiting);
    }, REPLAY_PATIENCE_MS).unref();
  }

  /** Starts holding the output of the joiners seen in the run just delivered (see seeInCluster). */
  private startHolds(): void {
    for (const conn of this.holdAfterRun) {
      if (conn.outHeld !== null || conn.closed || conn.replaysPending === 0) continue;
      conn.outHeld = [];
      conn.outHeldBytes = 0;
    }
    this.holdAfterRun.length = 0;
  }

  /** A joiner's history from the store (cluster): it goes out first, then what was held meanwhile. */
  private replayFromStore(e: DeliverEffect): void {
    const conn = this.conns.get(e.to[0]!);
    if (conn === undefined) return;
    const held = conn.outHeld;
    conn.outHeld = null; // the history itself goes ahead of what is held
    const event = e.event as Extract<ChatEvent, { k: 'history' }>;
    if (event.events.length > 0 || event.reset) this.tell(conn, event);
    conn.outHeld = held;
    if (conn.replaysPending > 0) conn.replaysPending--;
    if (conn.replaysPending === 0) this.out.release(conn);
  }

  /** A join event in `room`: the first replay waiting for one there goes out after it (the run ends with it). */
  private joinedSeen(room: string): void {
    const waiting = this.replays.find((r) => !r.joined && r.room === room);
    if (waiting === undefined) return;
    waiting.joined = true;
    this.cutRun = true;
  }

  /** Replays whose join line has been delivered (`all`: every one left, at the end of a batch). */
  private replayJoined(all = false): void {
    const keep: typeof this.replays = [];
    for (const r of this.replays) {
      if (!r.joined && !all) {
        keep.push(r);
        continue;
      }
      const conn = this.conns.get(r.conn);
      if (conn) this.tell(conn, { k: 'history', ask: 'join', target: r.room, events: r.events });
    }
    this.replays = keep;
  }

  /** CHATHISTORY and /history, answered from the history this process keeps. */
  private answerHistory(conn: Connection, intent: Extract<Intent, { kind: 'history' | 'historyTargets' }>): void {
    const history = this.history;
    if (intent.kind === 'historyTargets') {
      const targets: HistoryTarget[] = [];
      if (history !== null) {
        const inside = (at: number | undefined): at is number => at !== undefined && at > intent.from && at < intent.to;
        for (const room of this.mirror.roomsOf(conn.id)) {
          const at = history.latest(room);
          if (inside(at)) targets.push({ room, at });
        }
        for (const other of history.partnersOf(conn.id)) {
          const nick = this.mirror.nickOf(other);
          const at = history.latestPrivate(conn.id, other);
          if (nick !== null && inside(at)) targets.push({ nick, at });
        }
      }
      targets.sort((a, b) => a.at - b.at);
      return this.tell(conn, { k: 'historyTargets', targets: targets.slice(0, intent.limit) });
    }
    const answer = { k: 'history', ask: intent.ask, target: intent.target } as const;
    if (intent.room) {
      if (!this.mirror.roomsOf(conn.id).includes(intent.target)) return this.tell(conn, { ...answer, events: [], refused: true });
      return this.tell(conn, { ...answer, events: history === null ? [] : select(history.lines(intent.target), intent.select) });
    }
    // A private conversation: with whoever holds that nickname now and talked with this connection.
    let events: Kept[] = [];
    if (history !== null) {
      const key = nickKey(intent.target);
      for (const other of history.partnersOf(conn.id)) {
        const nick = this.mirror.nickOf(other);
        if (nick !== null && nickKey(nick) === key) events = select(history.privateLines(conn.id, other), intent.select);
      }
    }
    this.tell(conn, { ...answer, events });
  }

  private applyOne(e: Exclude<Effect, DeliverEffect>): void {
    switch (e.t) {
      case 'named': {
        this.mirror.setNick(e.conn, e.nick);
        const conn = this.conns.get(e.conn);
        if (conn) {
          conn.nick = e.nick;
          if (e.nick !== null) conn.lastNick = e.nick;
        }
        if (e.nick !== null) this.registration.delete(e.conn);
        break;
      }
      case 'placed':
        this.mirror.place(e.conn, e.room, e.present);
        break;
      case 'settled':
        this.settle(e.conn);
        break;
      case 'close': {
        const conn = this.conns.get(e.conn);
        if (!conn) break;
        conn.ends(e.reason !== undefined ? 'killed' : 'server');
        if (e.reason !== undefined && !conn.departed) {
          // Put out by someone else (a server operator's kill): its rooms hear why, now.
          conn.quitReason = e.reason;
          this.announceDeparture(conn);
        }
        this.end(conn);
        break;
      }
      case 'roomState':
        this.mirror.setState(e.room, e.state);
        break;
    }
  }

  private settle(id: ConnId): void {
    const conn = this.conns.get(id);
    if (!conn) return;
    conn.awaiting = false;
    const asked = this.historyAsked.get(id);
    if (asked !== undefined) {
      this.historyAsked.delete(id);
      if (this.history !== null) this.answerHistory(conn, asked);
    }
    this.out.answer(conn);
    this.pump(conn);
    if (conn.closed && !conn.awaiting) {
      // Lines it sent before closing went out above; now its leave.
      conn.held.length = 0;
      conn.heldChars = 0;
      this.depart(conn);
    }
  }

  /** Disconnect with a reason: the user sees why, the room sees an ordinary leave. */
  private kick(conn: Connection, why: Farewell, slow = false): void {
    if (conn.closed || conn.ending) return;
    const cause = kickCause(why);
    if (cause !== null) {
      conn.ends(cause);
      this.observer.kicked(conn, cause);
    }
    if (slow) {
      // It is not reading: the notice is best-effort, and nothing more is queued behind it.
      const notice = encoded(conn.codec, conn.session.farewell(why, true));
      conn.counts.bytes += notice.length;
      conn.counts.writes++;
      conn.socket.write(notice);
      conn.ending = true;
      conn.socket.destroySoon();
      setTimeout(() => conn.socket.destroy(), 1000).unref();
      return;
    }
    this.out.enqueue(conn, encoded(conn.codec, conn.session.farewell(why, this.mirror.nickOf(conn.id) !== null)));
    this.end(conn);
  }

  /** Close after what is queued has been written. */
  private end(conn: Connection): void {
    if (conn.ending || conn.closed) return;
    conn.ending = true;
    conn.held.length = 0;
    conn.heldChars = 0;
    conn.socket.resume(); // read and drop until the peer closes, so its FIN is seen
    this.out.writeOut(conn, Infinity); // now, not at the next (possibly delayed) flush
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 2000).unref();
  }
}
