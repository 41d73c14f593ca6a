// A load-generator connection over WebSocket (IRC over WebSocket, text.ircv3.net), shaped like
// the part of net.Socket a Conn uses, and as cheap as the TCP clients: a plain net.Socket, the
// HTTP upgrade written and checked here (RFC 6455 §4.1), then server frames parsed straight out
// of each socket chunk (FrameReader) and handed on where they lie, one call per message and one
// at the end of the chunk (one clock reading per chunk, as for a TCP chunk): no copy of a whole
// frame and no second pass to split lines, since a message is already an IRC line. A library client
// (ws) costs an event, a Buffer and a UTF-8 check per message: with the server on the same two
// cores, that made the load generator the bottleneck of the WebSocket fan-out. What is written
// are IRC lines, each sent as one masked text frame, all the frames of one write in one buffer.
// Text payloads are not checked for valid UTF-8: the reader works on bytes, and a bench line
// that came back altered fails its checks anyway.

import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import net from 'node:net';

/** What a Conn writes to and closes: a net.Socket, or a WsWire. */
export interface Wire {
  write(data: string, cb?: () => void): unknown;
  end(data: string): unknown;
  destroy(): unknown;
}

const FIN = 0x80;
const RSV = 0x70;
const MASK = 0x80;
const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;
const LF = 0x0a;
const CR = 0x0d;
/** A message (all its fragments) longer than this is a broken stream, as a line is in wire.ts. */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** Close code for "no status received" (RFC 6455 §7.4.1): a close frame without a body. */
export const NO_STATUS = 1005;
const NORMAL = 1000;
const SUBPROTOCOL = 'text.ircv3.net';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_RESPONSE_HEAD = 16 * 1024;

export interface FrameHandler {
  /** One whole message, `buf[start, end)`, in order. Valid only during the call. */
  message(buf: Buffer, start: number, end: number): void;
  /** The pushed chunk is read (after its last message). */
  chunkDone(): void;
  /** A ping's payload (a copy): answer it with a pong carrying the same bytes. */
  ping(payload: Buffer): void;
  /** The server's close frame: its code (NO_STATUS without one). Nothing after it is read. */
  close(code: number): void;
}

/** A frame the server may not send (RFC 6455 §5): the connection is broken, not a message. */
export class WsProtocolError extends Error {}

/**
 * Server → client frames, cut out of a byte stream: unmasked, 7/16/64-bit lengths, text and
 * binary messages whole or in fragments (control frames may come between fragments), ping,
 * pong, close. A frame cut across chunks is kept (one copy) until the rest arrives; a
 * fragmented message is joined into one buffer of its own.
 */
export class FrameReader {
  private carry: Buffer | null = null;
  /** The fragments of a message not finished yet (null: none in progress). */
  private fragments: Buffer[] | null = null;
  private fragmentBytes = 0;
  private closed = false;

  constructor(private readonly handler: FrameHandler) {}

  /** Throws WsProtocolError on a frame a server may not send. */
  push(chunk: Buffer): void {
    if (this.closed) return;
    const buf = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = null;
    const len = buf.length;
    const handler = this.handler;
    let pos = 0;
    while (len - pos >= 2) {
      const b0 = buf[pos]!;
      const b1 = buf[pos + 1]!;
      if ((b1 & MASK) !== 0) throw new WsProtocolError('masked frame from the server');
      if ((b0 & RSV) !== 0) throw new WsProtocolError('RSV bits set (no extension was negotiated)');
      let n = b1 & 0x7f;
      let head = 2;
      if (n === 126) {
        if (len - pos < 4) break;
        n = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (n === 127) {
        if (len - pos < 10) break;
        const hi = buf.readUInt32BE(pos + 2);
        if (hi !== 0) throw new WsProtocolError(`frame longer than ${MAX_MESSAGE_BYTES} bytes`);
        n = buf.readUInt32BE(pos + 6);
        head = 10;
      }
      const opcode = b0 & 0x0f;
      const fin = (b0 & FIN) !== 0;
      if (opcode >= CLOSE) {
        if (!fin || n > 125) throw new WsProtocolError('control frame fragmented or longer than 125 bytes');
      } else if (n + this.fragmentBytes > MAX_MESSAGE_BYTES) {
        throw new WsProtocolError(`message longer than ${MAX_MESSAGE_BYTES} bytes`);
      }
      if (len - pos < head + n) break;
      const start = pos + head;
      const end = start + n;
      pos = end;
      switch (opcode) {
        case TEXT:
        case BINARY:
          if (this.fragments !== null) throw new WsProtocolError('new message before the fragmented one ended');
          if (fin) handler.message(buf, start, end);
          else {
            this.fragments = [Buffer.from(buf.subarray(start, end))];
            this.fragmentBytes = n;
          }
          break;
        case CONTINUATION: {
          const fragments = this.fragments;
          if (fragments === null) throw new WsProtocolError('continuation frame without a message');
          fragments.push(Buffer.from(buf.subarray(start, end)));
          this.fragmentBytes += n;
          if (!fin) break;
          const whole = Buffer.concat(fragments, this.fragmentBytes);
          this.fragments = null;
          this.fragmentBytes = 0;
          handler.message(whole, 0, whole.length);
          break;
        }
        case PING:
          handler.ping(Buffer.from(buf.subarray(start, end)));
          break;
        case PONG:
          break;
        case CLOSE:
          if (n === 1) throw new WsProtocolError('close frame with a 1-byte body');
          this.closed = true;
          handler.chunkDone();
          handler.close(n >= 2 ? buf.readUInt16BE(start) : NO_STATUS);
          return;
        default:
          throw new WsProtocolError(`reserved opcode ${opcode}`);
      }
    }
    // Copy the tail so the chunk it came from is not kept alive by a few bytes.
    if (pos < len) this.carry = Buffer.from(buf.subarray(pos));
    handler.chunkDone();
  }
}

// Masking keys: 4 random bytes per frame, taken from a pool refilled 4 KB at a time.
const keys = Buffer.allocUnsafe(4096);
let keyAt = keys.length;

function header(out: Buffer, at: number, opcode: number, n: number): number {
  out[at++] = FIN | opcode;
  if (n < 126) out[at++] = MASK | n;
  else if (n < 65536) {
    out[at++] = MASK | 126;
    out.writeUInt16BE(n, at);
    at += 2;
  } else {
    out[at++] = MASK | 127;
    out.writeUInt32BE(0, at);
    out.writeUInt32BE(n, at + 4);
    at += 8;
  }
  if (keyAt === keys.length) {
    randomFillSync(keys);
    keyAt = 0;
  }
  keys.copy(out, at, keyAt, keyAt + 4);
  keyAt += 4;
  return at + 4;
}

/** Copies payload[start, end) to out at `at`, masked with the 4 key bytes just before `at`. */
function masked(out: Buffer, at: number, payload: Buffer, start: number, end: number): number {
  const k0 = out[at - 4]!;
  const k1 = out[at - 3]!;
  const k2 = out[at - 2]!;
  const k3 = out[at - 1]!;
  let i = start;
  for (; i + 4 <= end; i += 4, at += 4) {
    out[at] = payload[i]! ^ k0;
    out[at + 1] = payload[i + 1]! ^ k1;
    out[at + 2] = payload[i + 2]! ^ k2;
    out[at + 3] = payload[i + 3]! ^ k3;
  }
  // At most 3 bytes left, masked with k0, k1, k2 in turn.
  for (let j = 0; i < end; i++, j++) out[at++] = payload[i]! ^ (j === 0 ? k0 : j === 1 ? k1 : k2);
  return at;
}

const frameHead = (n: number): number => (n < 126 ? 6 : n < 65536 ? 8 : 14);

/** The end of the line payload[start, lf) without a CR before its LF. */
const lineEnd = (payload: Buffer, start: number, lf: number): number => (lf > start && payload[lf - 1] === CR ? lf - 1 : lf);

/** Each line of `text` (CR LF, LF or the end ends one) as one masked text frame, back to back; empty lines are left out. */
export function maskedTextFrames(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  let size = 0;
  for (let start = 0; start < payload.length; ) {
    let lf = payload.indexOf(LF, start);
    if (lf < 0) lf = payload.length;
    const n = lineEnd(payload, start, lf) - start;
    if (n > 0) size += frameHead(n) + n;
    start = lf + 1;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let start = 0; start < payload.length; ) {
    let lf = payload.indexOf(LF, start);
    if (lf < 0) lf = payload.length;
    const end = lineEnd(payload, start, lf);
    if (end > start) at = masked(out, header(out, at, TEXT, end - start), payload, start, end);
    start = lf + 1;
  }
  return out;
}

/** One masked control frame (pong, close) with a payload of at most 125 bytes. */
export function maskedControlFrame(opcode: typeof PONG | typeof CLOSE, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(6 + payload.length);
  masked(out, header(out, 0, opcode, payload.length), payload, 0, payload.length);
  return out;
}

const closeFrame = (code: number): Buffer => {
  const body = Buffer.allocUnsafe(2);
  body.writeUInt16BE(code);
  return maskedControlFrame(CLOSE, body);
};

/** What the opening handshake's response must carry for the request's key. */
export const acceptFor = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

/** Why a handshake response is refused, or null when it is a good 101 for `key`. */
export function checkResponse(head: string, key: string): string | null {
  const [status, ...lines] = head.split('\r\n');
  if (!/^HTTP\/1\.1 101(?: |$)/.test(status ?? '')) return `status ${JSON.stringify(status)}`;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'no Upgrade: websocket';
  if (!(headers.get('connection') ?? '').toLowerCase().split(/\s*,\s*/).includes('upgrade')) return 'no Connection: Upgrade';
  if (headers.get('sec-websocket-accept') !== acceptFor(key)) return 'wrong Sec-WebSocket-Accept';
  if (headers.get('sec-websocket-protocol') !== SUBPROTOCOL) return `subprotocol ${JSON.stringify(headers.get('sec-websocket-protocol') ?? '')}`;
  if (headers.has('sec-websocket-extensions')) return 'an extension none was offered';
  return null;
}

export interface WsEvents {
  /** The 101 checked: lines may be written. */
  open(): void;
  /** A socket chunk of `bytes` after the handshake is about to be read. */
  chunkStart(bytes: number): void;
  /** One message the server sent (FrameHandler.message). */
  message(buf: Buffer, start: number, end: number): void;
  /** A socket chunk is read (FrameHandler.chunkDone). */
  chunkDone(): void;
  /** A socket error's code, or why the handshake or a frame was refused. */
  error(why: string): void;
  /** The socket closed (once). */
  close(): void;
}

const enum Phase {
  Handshake,
  Open,
  Closing, // a close frame sent: no data frame may follow it
}

export class WsWire implements Wire, FrameHandler {
  private readonly socket: net.Socket;
  private readonly reader = new FrameReader(this);
  private readonly key = randomBytes(16).toString('base64');
  private phase = Phase.Handshake;
  private head: Buffer | null = null;

  constructor(
    host: string,
    port: number,
    private readonly events: WsEvents,
  ) {
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.write(
      `GET /ws HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${SUBPROTOCOL}\r\n` +
        `Origin: http://${authority}\r\n\r\n`,
    );
    this.socket.on('data', (chunk: Buffer) => (this.phase === Phase.Handshake ? this.handshake(chunk) : this.frames(chunk)));
    this.socket.on('error', (err: NodeJS.ErrnoException) => events.error(err.code ?? err.message));
    this.socket.once('close', () => events.close());
  }

  private handshake(chunk: Buffer): void {
    const buf = this.head === null ? chunk : Buffer.concat([this.head, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buf.length > MAX_RESPONSE_HEAD) this.broken('ws handshake: response head too long');
      else this.head = buf;
      return;
    }
    this.head = null;
    const why = checkResponse(buf.toString('latin1', 0, end), this.key);
    if (why !== null) return this.broken(`ws handshake: ${why}`);
    this.phase = Phase.Open;
    this.events.open();
    if (end + 4 < buf.length) this.frames(buf.subarray(end + 4));
  }

  private frames(chunk: Buffer): void {
    this.events.chunkStart(chunk.length);
    try {
      this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof WsProtocolError)) throw err;
      this.broken(`ws: ${err.message}`);
    }
  }

  private broken(why: string): void {
    this.events.error(why);
    this.socket.destroy();
  }

  // FrameHandler
  message(buf: Buffer, start: number, end: number): void {
    this.events.message(buf, start, end);
  }

  chunkDone(): void {
    this.events.chunkDone();
  }

  ping(payload: Buffer): void {
    if (this.phase === Phase.Open) this.socket.write(maskedControlFrame(PONG, payload));
  }

  close(code: number): void {
    // The closing handshake: echo the code (none for "no status"), then our side of TCP ends.
    if (this.phase !== Phase.Closing) this.socket.write(code === NO_STATUS ? maskedControlFrame(CLOSE, Buffer.alloc(0)) : closeFrame(code));
    this.phase = Phase.Closing;
    this.socket.end();
  }

  // Wire
  write(data: string, cb?: () => void): void {
    if (this.phase !== Phase.Open) return;
    const frames = maskedTextFrames(data);
    if (frames.length > 0) this.socket.write(frames, cb);
    else if (cb !== undefined) queueMicrotask(cb);
  }

  end(data: string): void {
    this.write(data);
    if (this.phase !== Phase.Open) return void this.socket.destroy();
    this.phase = Phase.Closing;
    this.socket.write(closeFrame(NORMAL));
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
