// One bench connection's side of the wire: it reads what the server sends (cut into lines by
// wire.ts) and recognises the lines that matter: the nickname prompt, its own join line (then,
// outside the lobby, `/join ROOM` and that room's join line), a refused nickname, bench and
// churn payloads, churn clients' joins and leaves, and in count mode the settle marker. What it
// recognises it tells its pool (client-pool.ts), which decides what to send and when.

import { LOBBY } from '../src/model/rooms.js';
import { NICK_PROMPT, joined as joinedText } from '../src/edges/telnet/texts.js';
import type { ReceiverCheck } from './check.js';
import type { ConnSpec, PoolSetup } from './pool-messages.js';
import { nowUs, type Histogram } from './stats.js';
import type { Wire } from './ws-wire.js';
import { LineKind, LineSplitter, PAYLOAD_BENCH, PAYLOAD_CHURN, lineKind, parsePayload, parsePayloadAt, parsed, type LineHandler } from './wire.js';

export const enum State {
  Connecting, // waiting for the nickname prompt
  Naming, // nick sent, waiting for our own "joined" line
  Moving, // `/join ROOM` sent, waiting for "joined the room ROOM"
  Ready,
  Closed,
}

const PROMPT = Buffer.from(NICK_PROMPT);
const TAKEN = Buffer.from('already in use');
const JOINED = Buffer.from(' joined the room');
const LEFT = Buffer.from(' left the room');
const YELLOW_LINE = Buffer.from('\x1b[93m');
const NICK_AT = 8; // `\x1b[90m > ` precedes the nick in join/leave lines
const CHURN_NICK = 0x63; // 'c'
const MAX_PRELUDE = 64 * 1024;
// IRC (a connection to an address marked `irc`): what the reader looks for on its lines.
const SP = 0x20;
const COLON = 0x3a;
const AT = 0x40;
const PRIVMSG = Buffer.from('PRIVMSG ');
const PING = Buffer.from('PING ');
const HASH = 0x23;
const CR = 0x0d;

/** The index just past the first space at or after `i` in `buf[i, end)` (`end + 1` when there is none). */
function skipWord(buf: Buffer, i: number, end: number): number {
  while (i < end && buf[i] !== SP) i++;
  return i + 1;
}

/** Whether `buf[i, end)` starts with `word`. */
function startsWith(buf: Buffer, i: number, end: number, word: Buffer): boolean {
  if (end - i < word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word[k]) return false;
  return true;
}

/** Own "joined" line as received (without its `\n`). */
const ackBytes = (nick: string, room: string): Buffer => Buffer.from(joinedText(nick, room).slice(0, -1));

/**
 * What a connection reads from and reports to: its pool. Plain fields, not calls, for the
 * counters touched on every received line (the hot path of a fanout run).
 */
export interface ConnOwner {
  readonly setup: PoolSetup;
  /** Count mode: the text whose arrival means everything before it has arrived. */
  readonly marker: Buffer | null;
  readonly latency: Histogram;
  /** Senders owed lines (window slots freed by this chunk): flushed once per chunk. */
  readonly dirty: readonly unknown[];
  bytes: number;
  received: number;
  markers: number;
  lastMarkerUs: number;
  lastReceiveUs: number;
  /** One clock reading per received chunk: the receipt time of every line in it. */
  chunkUs: number;
  flushSenders(): void;
  /** A local receiver got line `seq` of `sender` for the first time. */
  acked(sender: number, seq: number): void;
  /** Own join line seen (after `/join` when not in the lobby). */
  joined(conn: Conn): void;
  failed(conn: Conn, why: string, wasJoining: boolean): void;
}

export class Conn implements LineHandler {
  /** A TCP socket, or a WebSocket (ws-wire.ts). */
  socket: Wire | null = null;
  state = State.Connecting;
  readonly splitter = new LineSplitter();
  prelude: Buffer | null = null;
  startUs = 0;
  check: ReceiverCheck | null = null;
  markerSeen = false;
  markerTail: Buffer | null = null;
  churnSlot = -1;
  everJoined = false;
  // What a churn observer counted: joins and leaves of `c…` nicks, and churn lines.
  seenJoins = 0;
  seenLeaves = 0;
  seenChurn = 0;
  private readonly ack: Buffer;
  /** Speaks IRC (its target address is an IRC listener), else telnet. */
  readonly irc: boolean;
  /** IRC: `#room`, and what a sender puts before each line (`PRIVMSG #room :`); telnet: ''. */
  readonly channel: string;
  readonly sendPrefix: string;
  /** Every bench and churn payload is this long (see payloadLine): found from a line's end, not by scanning it. */
  private readonly payloadBytes: number;

  constructor(
    readonly pool: ConnOwner,
    readonly spec: ConnSpec,
  ) {
    this.ack = ackBytes(spec.nick, LOBBY);
    const targets = pool.setup.targets;
    this.irc = targets[spec.target % targets.length]?.irc === true;
    this.channel = this.irc ? `#${spec.room}` : '';
    this.sendPrefix = this.irc ? `PRIVMSG ${this.channel} :` : '';
    this.payloadBytes = pool.setup.lineBytes - 1;
  }

  /**
   * Where the payload of a bench line `buf[start, end)` starts if the line ends with one: a
   * payload is `payloadBytes` long (its `\r` aside), so it is found without reading the bytes
   * before it, for telnet and IRC lines alike (the load generator's cost per delivery is what a
   * fan-out at 1,000 is bound by). -1 when there is no `#` there; the caller then reads the line
   * from its start, as for a payload shorter than its size (numbers too long for --line-bytes).
   */
  private payloadFromEnd(buf: Buffer, start: number, end: number): number {
    const p = (buf[end - 1] === CR ? end - 1 : end) - this.payloadBytes;
    return p > start && buf[p] === HASH ? p : -1;
  }

  /** IRC: registration, sent as soon as the socket is opened (the reply 001 then asks for the JOIN). */
  register(): void {
    this.state = State.Naming;
    this.socket!.write(`NICK ${this.spec.nick}\r\nUSER ${this.spec.nick} 0 * :bench\r\n`);
  }

  data(chunk: Buffer): void {
    const pool = this.pool;
    pool.bytes += chunk.length;
    switch (this.state) {
      case State.Ready:
        if (this.churnSlot >= 0) return; // churn clients only talk
        if (pool.setup.mode === 'count') {
          this.watchMarker(chunk);
          return;
        }
        pool.chunkUs = nowUs();
        this.splitter.push(chunk, this);
        if (pool.dirty.length > 0) pool.flushSenders();
        return;
      case State.Connecting: {
        if (this.irc) return this.joining(chunk);
        const pre = this.prelude === null ? chunk : Buffer.concat([this.prelude, chunk]);
        const at = pre.indexOf(PROMPT);
        if (at < 0) {
          if (pre.length > MAX_PRELUDE) this.fail('no nickname prompt');
          else this.prelude = pre;
          return;
        }
        this.prelude = null;
        this.state = State.Naming;
        this.socket!.write(`${this.spec.nick}\n`);
        const rest = pre.subarray(at + PROMPT.length);
        if (rest.length > 0) this.joining(rest);
        return;
      }
      case State.Naming:
      case State.Moving:
        this.joining(chunk);
        return;
      default:
        return;
    }
  }

  /** WebSocket: a socket chunk begins (its bytes; one clock reading for all its messages). */
  wsChunkStart(bytes: number): void {
    this.pool.bytes += bytes;
    this.pool.chunkUs = nowUs();
  }

  /** WebSocket: one message, an IRC line without its CR LF, read where the frame reader found it. */
  wsMessage(buf: Buffer, start: number, end: number): void {
    if (this.state === State.Ready) {
      if (this.churnSlot >= 0) return; // churn clients only talk
      if (this.pool.setup.mode === 'count') return this.lookForMarker(buf, start, end);
    }
    this.line(buf, start, end);
  }

  /** WebSocket: the chunk's messages are read: senders owed lines are told once. */
  wsChunkDone(): void {
    if (this.pool.dirty.length > 0) this.pool.flushSenders();
  }

  private joining(chunk: Buffer): void {
    this.pool.chunkUs = nowUs();
    this.splitter.push(chunk, this);
    if (this.state === State.Naming && !this.irc) {
      const pending = this.splitter.pending;
      if (pending !== null && pending.indexOf(TAKEN) >= 0) this.fail('nickname refused');
    }
  }

  line(buf: Buffer, start: number, end: number): void {
    if (this.irc) {
      if (this.state === State.Ready) this.ircReadyLine(buf, start, end);
      else if (this.state !== State.Closed) this.ircJoiningLine(buf.toString('latin1', start, end).replace(/\r$/, ''));
      return;
    }
    switch (this.state) {
      case State.Ready:
        this.readyLine(buf, start, end);
        return;
      case State.Naming:
        if (end - start === this.ack.length && buf.compare(this.ack, 0, this.ack.length, start, end) === 0) {
          if (this.spec.room === LOBBY) this.pool.joined(this);
          else {
            this.state = State.Moving;
            this.socket!.write(`/join ${this.spec.room}\n`);
          }
        } else if (buf.compare(YELLOW_LINE, 0, YELLOW_LINE.length, start, Math.min(end, start + YELLOW_LINE.length)) === 0) {
          this.fail('nickname refused');
        }
        return;
      case State.Moving: {
        const ack = ackBytes(this.spec.nick, this.spec.room);
        if (end - start === ack.length && buf.compare(ack, 0, ack.length, start, end) === 0) this.pool.joined(this);
        return;
      }
      default:
        return;
    }
  }

  private readyLine(buf: Buffer, start: number, end: number): void {
    const pool = this.pool;
    if (pool.setup.mode === 'count') {
      // Only the lines that shared a chunk with our own join line come here.
      this.lookForMarker(buf, start, end);
      return;
    }
    const kind = lineKind(buf, start, end);
    if (kind === LineKind.Message) {
      const p = this.payloadFromEnd(buf, start, end);
      if (!(p >= 0 && buf[p - 1] === SP && parsePayloadAt(buf, p, end)) && !parsePayload(buf, start, end)) return;
      this.payloadSeen();
    } else if (kind === LineKind.Grey && buf[start + NICK_AT] === CHURN_NICK) {
      const j = buf.indexOf(JOINED, start + NICK_AT);
      if (j >= 0 && j < end) this.seenJoins++;
      else {
        const l = buf.indexOf(LEFT, start + NICK_AT);
        if (l >= 0 && l < end) this.seenLeaves++;
      }
    }
  }

  /** IRC before joining: PING → PONG, 001 → JOIN, 366 for our channel → joined, 432/433 → refused. */
  private ircJoiningLine(text: string): void {
    const words = text.startsWith('@') ? text.slice(text.indexOf(' ') + 1).split(' ') : text.split(' ');
    if (words[0]!.startsWith(':')) words.shift();
    const cmd = words[0];
    if (cmd === 'PING') this.socket!.write(`PONG ${words.slice(1).join(' ')}\r\n`);
    else if (cmd === '001') {
      this.state = State.Moving;
      this.socket!.write(`JOIN ${this.channel}\r\n`);
    } else if (cmd === '366' && words[2]?.toLowerCase() === this.channel.toLowerCase()) this.pool.joined(this);
    else if (cmd === '432' || cmd === '433' || cmd === '436' || cmd === '437') this.fail('nickname refused');
    else if (cmd === '471' || cmd === '473' || cmd === '474' || cmd === '475' || cmd === '405') this.fail(`JOIN refused (${cmd})`);
  }

  /**
   * IRC, joined: `[@tags ][:prefix ]PRIVMSG #room :PAYLOAD` is checked; PING answered; the rest
   * ignored. Byte loops, not Buffer.indexOf/compare: each of those is a call into C++ costing
   * more than the few bytes it scans, and this runs once per delivery (a profile of the mixed
   * fan-out had them at a fifth of a load-generator thread).
   */
  private ircReadyLine(buf: Buffer, start: number, end: number): void {
    // The common line, `… PRIVMSG #room :PAYLOAD`: the payload found from the end, and the
    // command where a sender's `PRIVMSG #room :` puts it (the target is not read, as below).
    const p = this.payloadFromEnd(buf, start, end);
    const cmd = p - this.sendPrefix.length;
    if (p >= 0 && cmd > start && buf[cmd - 1] === SP && buf[p - 1] === COLON && buf[p - 2] === SP && startsWith(buf, cmd, p, PRIVMSG) && parsePayloadAt(buf, p, end)) {
      this.payloadSeen();
      return;
    }
    let i = start;
    if (buf[i] === AT) i = skipWord(buf, i, end);
    if (buf[i] === COLON) i = skipWord(buf, i, end);
    if (startsWith(buf, i, end, PRIVMSG)) {
      const t = skipWord(buf, i + PRIVMSG.length, end); // past the target and its space
      if (t >= end || buf[t] !== COLON || !parsePayloadAt(buf, t + 1, end)) return;
      this.payloadSeen();
    } else if (startsWith(buf, i, end, PING)) {
      this.socket!.write(`PONG ${buf.toString('latin1', i + PING.length, end).replace(/\r$/, '')}\r\n`);
    }
  }

  /** A bench or churn payload was just parsed (into `parsed`) from a received line: count it, check it. */
  private payloadSeen(): void {
    if (parsed.kind === PAYLOAD_BENCH) {
      const check = this.check;
      if (check === null) return;
      const pool = this.pool;
      pool.received++;
      pool.latency.record(pool.chunkUs - parsed.sentUs);
      pool.lastReceiveUs = pool.chunkUs;
      if (check.see(parsed.sender, parsed.seq)) pool.acked(parsed.sender, parsed.seq);
    } else if (parsed.kind === PAYLOAD_CHURN) this.seenChurn++;
  }

  /** Count mode: the settle marker within the line `buf[start, end)`. */
  private lookForMarker(buf: Buffer, start: number, end: number): void {
    const marker = this.pool.marker;
    if (this.markerSeen || marker === null) return;
    const at = buf.indexOf(marker, start);
    if (at >= 0 && at + marker.length <= end) this.sawMarker();
  }

  private watchMarker(chunk: Buffer): void {
    const marker = this.pool.marker;
    if (this.markerSeen || marker === null) return;
    if (chunk.indexOf(marker) >= 0) return this.sawMarker();
    const keep = marker.length - 1;
    if (this.markerTail !== null) {
      const joint = Buffer.concat([this.markerTail, chunk.subarray(0, keep)]);
      if (joint.indexOf(marker) >= 0) return this.sawMarker();
    }
    this.markerTail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - keep)));
  }

  private sawMarker(): void {
    this.markerSeen = true;
    this.markerTail = null;
    this.pool.markers++;
    this.pool.lastMarkerUs = nowUs();
  }

  fail(why: string): void {
    if (this.state === State.Closed) return;
    const wasJoining = this.state !== State.Ready;
    this.state = State.Closed;
    this.socket?.destroy();
    this.pool.failed(this, why, wasJoining);
  }
}

