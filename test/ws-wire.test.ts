// The load generator's own WebSocket client (bench/ws-wire.ts): the server-frame parser on
// every length encoding, frames cut anywhere across chunks, several in one chunk, fragments,
// ping and close, the frames it refuses; the masked frames it sends; and the whole wire
// against the ws baseline server (a real `ws` server on an ephemeral port).

import net, { type AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { WebSocket, WebSocketServer } from 'ws';
import { createWsBroadcastServer } from '../bench/baselines/ws-broadcast.js';
import { FrameReader, NO_STATUS, WsProtocolError, WsWire, acceptFor, maskedControlFrame, maskedTextFrames, type FrameHandler } from '../bench/ws-wire.js';
import { TEXT, frameLines } from '../src/edges/websocket/frames.js';

/** A server frame, built here independently of the code under test. */
function frame(opcode: number, payload: Buffer | string, fin = true, b0extra = 0, masked = false): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = body.length;
  const len = n < 126 ? Buffer.from([n]) : n < 65536 ? Buffer.from([126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([127, 0, 0, 0, 0]), Buffer.from([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])]);
  len[0] = len[0]! | (masked ? 0x80 : 0);
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | b0extra | opcode]), len, masked ? Buffer.alloc(4) : Buffer.alloc(0), body]);
}
const text = (s: Buffer | string, fin = true): Buffer => frame(0x1, s, fin);
const cont = (s: string, fin = true): Buffer => frame(0x0, s, fin);
const ping = (s: string): Buffer => frame(0x9, s);
const close = (code?: number): Buffer => {
  if (code === undefined) return frame(0x8, '');
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return frame(0x8, b);
};

interface Seen {
  /** Every line handed on, in order. */
  lines: string[];
  /** How many chunkDone() calls (one per pushed chunk). */
  calls: number;
  /** What came in order: 'L:<line>', 'P:<ping payload>', 'C:<code>'. */
  events: string[];
}

function reader(): { r: FrameReader; seen: Seen } {
  const seen: Seen = { lines: [], calls: 0, events: [] };
  const handler: FrameHandler = {
    message(buf, start, end) {
      assert.ok(start >= 0 && start <= end && end <= buf.length, 'the message lies within its buffer');
      const line = buf.toString('latin1', start, end);
      seen.lines.push(line);
      seen.events.push(`L:${line}`);
    },
    chunkDone() {
      seen.calls++;
    },
    ping(payload) {
      seen.events.push(`P:${payload.toString('latin1')}`);
    },
    close(code) {
      seen.events.push(`C:${code}`);
    },
  };
  return { r: new FrameReader(handler), seen };
}

function read(chunks: Buffer[]): Seen {
  const { r, seen } = reader();
  for (const c of chunks) r.push(c);
  return seen;
}

/** `buf` cut into pieces at the given offsets. */
function cut(buf: Buffer, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const a of [...at, buf.length]) {
    out.push(buf.subarray(from, a));
    from = a;
  }
  return out;
}

const parser = suite('ws-wire: server frames into lines');

parser('7-bit, 16-bit and 64-bit lengths, at their edges, each read back whole', () => {
  for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
    const s = 'x'.repeat(n);
    const seen = read([text(s)]);
    assert.equal(seen.lines, [s], `length ${n}`);
  }
});

parser('several frames in one chunk: every line, in order, then one chunkDone', () => {
  const lines = ['a', 'b'.repeat(200), 'c'.repeat(70000), 'd'];
  const seen = read([Buffer.concat(lines.map((l) => text(l)))]);
  assert.equal(seen.lines, lines);
  assert.is(seen.calls, 1);
});

parser('a stream cut at every offset reads the same (7- and 16-bit headers cut too)', () => {
  const lines = ['PING x', 'y'.repeat(130), ':n!u@h PRIVMSG #lobby :hello', 'z'.repeat(300)];
  const stream = Buffer.concat(lines.map((l) => text(l)));
  for (let i = 0; i <= stream.length; i++) {
    for (const j of [i, Math.min(stream.length, i + 1), Math.min(stream.length, i + 7)]) {
      assert.equal(read(cut(stream, [i, j])).lines, lines, `cut at ${i} and ${j}`);
    }
  }
});

parser('a 64-bit-length frame cut inside its header, its body, and fed byte by byte', () => {
  const big = 'q'.repeat(65536 + 10);
  const stream = Buffer.concat([text('first'), text(big), text('last')]);
  const start = text('first').length;
  for (const at of [start + 1, start + 2, start + 5, start + 9, start + 10, start + 11, start + 40000, stream.length - 7]) {
    assert.equal(read(cut(stream, [at])).lines, ['first', big, 'last'], `cut at ${at}`);
  }
  const small = Buffer.concat([text('ab'), text('c'.repeat(126)), ping('p'), text('d')]);
  const bytes = Array.from({ length: small.length }, (_, i) => small.subarray(i, i + 1));
  assert.equal(read(bytes).events, ['L:ab', `L:${'c'.repeat(126)}`, 'P:p', 'L:d']);
});

parser('binary messages are lines too; an empty message is an empty line', () => {
  assert.equal(read([Buffer.concat([frame(0x2, 'bin'), text('')])]).lines, ['bin', '']);
});

parser('our server\'s own frames (frameLines) read back as its lines', () => {
  const sent = ':a!u@h PRIVMSG #lobby :one\r\n:b!u@h PRIVMSG #lobby :' + 'w'.repeat(200) + '\r\n';
  assert.equal(read([frameLines(sent, TEXT)]).lines, [':a!u@h PRIVMSG #lobby :one', ':b!u@h PRIVMSG #lobby :' + 'w'.repeat(200)]);
});

parser('ping: its payload handed to be answered, in order with the lines, not a line', () => {
  const seen = read([Buffer.concat([text('a'), ping('tok'), text('b')])]);
  assert.equal(seen.lines, ['a', 'b']);
  assert.equal(seen.events, ['L:a', 'P:tok', 'L:b']);
  assert.equal(read([ping('1'), ping('2')]).events, ['P:1', 'P:2']);
});

parser('a pong is ignored', () => {
  assert.equal(read([Buffer.concat([frame(0xa, 'x'), text('a')])]).events, ['L:a']);
});

parser('fragments: joined into one line, a ping between them, cut across chunks', () => {
  const stream = Buffer.concat([text('hel', false), ping('mid'), cont('lo ', false), cont('world'), text('next')]);
  for (let i = 0; i <= stream.length; i++) {
    const seen = read(cut(stream, [i]));
    assert.equal(seen.lines, ['hello world', 'next'], `cut at ${i}`);
    assert.ok(seen.events.includes('P:mid'));
  }
});

parser('fragments of a 16-bit-length size, and an empty final continuation', () => {
  const a = 'a'.repeat(300);
  const b = 'b'.repeat(70000);
  assert.equal(read([text(a, false), cont(b, false), cont('')]).lines, [a + b]);
});

parser('close: the lines before it, then its code; nothing after it is read', () => {
  const seen = read([Buffer.concat([text('a'), text('b'), close(1001), text('after')]), text('later')]);
  assert.equal(seen.events, ['L:a', 'L:b', 'C:1001']);
  assert.equal(read([close()]).events, [`C:${NO_STATUS}`]);
});

parser('frames a server may not send are refused with WsProtocolError', () => {
  const bad: Array<[string, Buffer[]]> = [
    ['masked', [frame(0x1, 'x', true, 0, true)]],
    ['RSV1 (no permessage-deflate)', [frame(0x1, 'x', true, 0x40)]],
    ['continuation without a message', [cont('x')]],
    ['a new message inside a fragmented one', [text('a', false), text('b')]],
    ['a fragmented ping', [frame(0x9, 'x', false)]],
    ['a ping over 125 bytes', [frame(0x9, 'p'.repeat(126))]],
    ['a reserved opcode', [frame(0x3, 'x')]],
    ['a 1-byte close body', [frame(0x8, 'x')]],
    ['a message over the limit', [text('m'.repeat((1 << 20) + 1))]],
    ['fragments over the limit', [text('m'.repeat(1 << 19), false), cont('m'.repeat((1 << 19) + 1))]],
  ];
  for (const [why, chunks] of bad) {
    const { r } = reader();
    assert.throws(() => chunks.forEach((c) => r.push(c)), (e: unknown) => e instanceof WsProtocolError, why);
  }
  // A 64-bit length above 2^32 is refused from its header alone, before any body arrives.
  const { r } = reader();
  assert.throws(() => r.push(Buffer.from([0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0])), (e: unknown) => e instanceof WsProtocolError);
});

/** Client frames decoded: [fin, opcode, masked, payload] for each. */
function decodeClient(buf: Buffer): Array<{ fin: boolean; opcode: number; masked: boolean; payload: Buffer }> {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    const b0 = buf[pos]!;
    const b1 = buf[pos + 1]!;
    let n = b1 & 0x7f;
    let at = pos + 2;
    if (n === 126) {
      n = buf.readUInt16BE(at);
      at += 2;
    } else if (n === 127) {
      n = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    const key = buf.subarray(at, at + 4);
    at += 4;
    const payload = Buffer.from(buf.subarray(at, at + n).map((b, i) => b ^ key[i % 4]!));
    out.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked: (b1 & 0x80) !== 0, payload });
    pos = at + n;
  }
  assert.is(pos, buf.length, 'frames end where the buffer does');
  return out;
}

const sender = suite('ws-wire: client frames');

sender('each line one masked text frame, CR LF and empty lines left out', () => {
  const frames = decodeClient(maskedTextFrames('NICK u1\r\nUSER u1 0 * :bench\r\n\r\nJOIN #lobby\n'));
  assert.equal(
    frames.map((f) => [f.fin, f.opcode, f.masked, f.payload.toString()]),
    [
      [true, 1, true, 'NICK u1'],
      [true, 1, true, 'USER u1 0 * :bench'],
      [true, 1, true, 'JOIN #lobby'],
    ],
  );
});

sender('16- and 64-bit lengths, every payload length mod 4, UTF-8 kept', () => {
  const lines = ['a', 'ab', 'abc', 'abcd', 'é€😀', 'x'.repeat(126), 'y'.repeat(65536)];
  const frames = decodeClient(maskedTextFrames(lines.join('\n')));
  assert.equal(frames.map((f) => f.payload.toString('utf8')), lines);
  assert.ok(frames.every((f) => f.masked));
});

sender('masking keys differ from frame to frame', () => {
  const buf = maskedTextFrames('aaaa\naaaa\naaaa\naaaa\n');
  const keys = new Set([0, 1, 2, 3].map((i) => buf.subarray(i * 10 + 2, i * 10 + 6).toString('hex')));
  assert.ok(keys.size > 1, 'four random keys, not one');
});

sender('pong and close control frames', () => {
  const [pong] = decodeClient(maskedControlFrame(0xa, Buffer.from('tok')));
  assert.equal([pong!.opcode, pong!.masked, pong!.payload.toString()], [0xa, true, 'tok']);
});

const wire = suite('ws-wire: against a ws server');
let wss: WebSocketServer | null = null;
let port = 0;
const opened: WsWire[] = [];
const servers: net.Server[] = [];

wire.before(async () => {
  await new Promise<void>((resolve) => {
    wss = createWsBroadcastServer(0, '127.0.0.1', (addr) => {
      port = addr.port;
      resolve();
    });
  });
});
wire.after.each(() => {
  for (const w of opened.splice(0)) w.destroy();
  for (const s of servers.splice(0)) s.close();
});
wire.after(async () => {
  for (const c of wss!.clients) c.terminate();
  await new Promise((resolve) => wss!.close(resolve));
});

/** The server side of the connection opened last (earlier tests' may not have left the set yet). */
const newest = (): WebSocket | undefined => [...wss!.clients].at(-1);

interface Client {
  wire: WsWire;
  lines: string[];
  errors: string[];
  opened: Promise<void>;
  closed: Promise<void>;
  /** Resolves when a line containing `s` has arrived. */
  line(s: string): Promise<string>;
}

function client(p: number): Client {
  const lines: string[] = [];
  const errors: string[] = [];
  const waiters: Array<() => void> = [];
  let open!: () => void;
  let closedNow!: () => void;
  const c: Client = {
    wire: null as unknown as WsWire, // set just below, before any event can fire
    lines,
    errors,
    opened: new Promise((r) => (open = r)),
    closed: new Promise((r) => (closedNow = r)),
    line: (s) =>
      new Promise((resolve) => {
        const look = (): void => {
          const hit = lines.find((l) => l.includes(s));
          if (hit !== undefined) resolve(hit);
          else waiters.push(look);
        };
        look();
      }),
  };
  c.wire = new WsWire('127.0.0.1', p, {
    open: () => open(),
    chunkStart: () => {},
    message: (buf, start, end) => lines.push(buf.toString('utf8', start, end)),
    chunkDone: () => {
      for (const w of waiters.splice(0)) w();
    },
    error: (why) => errors.push(why),
    close: () => closedNow(),
  });
  opened.push(c.wire);
  return c;
}

wire('the upgrade is checked, lines go both ways, one masked frame each', async () => {
  const a = client(port);
  const b = client(port);
  await Promise.all([a.opened, b.opened]);
  a.wire.write('NICK alice\r\nUSER alice 0 * :bench\r\n');
  b.wire.write('NICK bob\r\nUSER bob 0 * :bench\r\n');
  assert.is(await a.line(' 001 '), ':b 001 alice :welcome');
  await b.line(' 001 ');
  let written = false;
  a.wire.write('PRIVMSG #lobby :héllo\r\nPRIVMSG #lobby :again\r\n', () => (written = true));
  assert.is(await b.line('again'), ':alice!u@h PRIVMSG #lobby :again');
  assert.ok(b.lines.includes(':alice!u@h PRIVMSG #lobby :héllo'));
  assert.ok(written, 'the write callback ran');
  assert.equal([...a.errors, ...b.errors], []);
});

wire('a ping from the server is answered with a pong carrying its payload', async () => {
  const a = client(port);
  await a.opened;
  const ws = newest();
  assert.ok(ws);
  const pong = new Promise<string>((resolve) => ws.once('pong', (data: Buffer) => resolve(data.toString())));
  ws.ping('are you there');
  assert.is(await pong, 'are you there');
});

wire('the server\'s close is answered and the socket closes; end() closes from our side', async () => {
  const a = client(port);
  await a.opened;
  const ws = newest();
  const code = new Promise<number>((resolve) => ws!.once('close', (c: number) => resolve(c)));
  ws!.close(4000, 'bye');
  await a.closed;
  assert.is(await code, 4000, 'our close frame echoed its code');
  const b = client(port);
  await b.opened;
  const wsB = newest();
  const codeB = new Promise<number>((resolve) => wsB!.once('close', (c: number) => resolve(c)));
  b.wire.end('QUIT :done\r\n');
  assert.is(await codeB, 1000);
  await b.closed;
  assert.equal([...a.errors, ...b.errors], []);
});

/** A TCP server that answers the upgrade request with `reply(key)`. */
async function fakeServer(reply: (key: string) => string | Buffer): Promise<number> {
  const server = net.createServer((socket) => {
    socket.once('data', (req: Buffer) => {
      const key = /Sec-WebSocket-Key: (\S+)/.exec(req.toString())?.[1] ?? '';
      socket.write(reply(key));
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

wire('the request: GET /ws, key, version 13, subprotocol, an Origin matching the Host', async () => {
  let request = '';
  const server = net.createServer((socket) => socket.once('data', (req: Buffer) => ((request = req.toString()), socket.destroy())));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  await client(p).closed;
  const [first, ...headers] = request.split('\r\n');
  assert.is(first, 'GET /ws HTTP/1.1');
  for (const h of [`Host: 127.0.0.1:${p}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: text.ircv3.net', `Origin: http://127.0.0.1:${p}`]) {
    assert.ok(headers.includes(h), h);
  }
  assert.match(request, /Sec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
  assert.ok(request.endsWith('\r\n\r\n'));
});

wire('a wrong accept, a refusal, another subprotocol: an error and the socket closed, never open', async () => {
  const ok = (key: string, extra = 'Sec-WebSocket-Protocol: text.ircv3.net\r\n'): string =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extra}\r\n`;
  const cases: Array<[(key: string) => string | Buffer, string]> = [
    [(key) => ok(key).replace(acceptFor(key), acceptFor(key + 'x')), 'ws handshake: wrong Sec-WebSocket-Accept'],
    [() => 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n', 'ws handshake: status "HTTP/1.1 403 Forbidden"'],
    [(key) => ok(key, 'Sec-WebSocket-Protocol: binary.ircv3.net\r\n'), 'ws handshake: subprotocol "binary.ircv3.net"'],
    [(key) => ok(key, ''), 'ws handshake: subprotocol ""'],
    [(key) => Buffer.concat([Buffer.from(ok(key)), frame(0x1, 'x', true, 0, true)]), 'ws: masked frame from the server'],
  ];
  for (const [reply, why] of cases) {
    const c = client(await fakeServer(reply));
    let wasOpen = false;
    void c.opened.then(() => (wasOpen = true));
    await c.closed;
    assert.equal(c.errors, [why]);
    assert.is(wasOpen, why.startsWith('ws: '), 'open only when the 101 was good');
  }
});

wire('the 101 and the first frames in one chunk; a head written in three pieces, the last with a frame', async () => {
  const head = (key: string): string =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n\r\n`;
  const p = await fakeServer((key) => Buffer.concat([Buffer.from(head(key)), text(':b 001 x :welcome')]));
  const c = client(p);
  assert.is(await c.line('001'), ':b 001 x :welcome');
  const server = net.createServer((socket) =>
    socket.once('data', (req: Buffer) => {
      const key = /Sec-WebSocket-Key: (\S+)/.exec(req.toString())![1]!;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n');
      setImmediate(() => socket.write(`Connection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n\r`));
      setImmediate(() => setImmediate(() => socket.write(Buffer.concat([Buffer.from('\n'), text('hi')]))));
    }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const d = client((server.address() as AddressInfo).port);
  assert.is(await d.line('hi'), 'hi');
  assert.equal([...c.errors, ...d.errors], []);
});

parser.run();
sender.run();
wire.run();
