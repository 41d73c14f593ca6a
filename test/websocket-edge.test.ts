// The WebSocket edge without sockets: the server's frames (frames.ts), messages into IRC lines
// (framer.ts), and delivery sharing one buffer of frames among every WebSocket recipient of a
// codec variant.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Connection, type Link } from '../src/gateway/connection.js';
import { Delivery } from '../src/gateway/delivery.js';
import { GatewayCounts } from '../src/gateway/counts.js';
import { ircEdge } from '../src/edges/irc/edge.js';
import type { LineSink } from '../src/edges/edge.js';
import { IrcFramer } from '../src/edges/irc/framer.js';
import { BINARY, frameLines, TEXT } from '../src/edges/websocket/frames.js';
import { MessageFramer } from '../src/edges/websocket/framer.js';
import { chooseSubprotocol, webSocketEdge } from '../src/edges/websocket/edge.js';
import { defaultConfig } from '../src/config.js';
import { ircOptions } from './helpers/irc.js';
import type { ChatEvent } from '../src/model/events.js';

/** Server frames read back, independently of frames.ts: [opcode, payload] each; checks FIN and no mask. */
function unframe(bytes: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let at = 0;
  while (at < bytes.length) {
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    assert.is(b0 & 0x80, 0x80, 'FIN');
    assert.is(b0 & 0x70, 0, 'no RSV bits');
    assert.is(b1 & 0x80, 0, 'a server frame is not masked');
    let n = b1 & 0x7f;
    at += 2;
    if (n === 126) {
      n = bytes.readUInt16BE(at);
      at += 2;
    } else if (n === 127) {
      n = Number(bytes.readBigUInt64BE(at));
      at += 8;
    }
    out.push([b0 & 0x0f, bytes.subarray(at, at + n).toString('utf8')]);
    at += n;
  }
  return out;
}

const frames = suite('websocket: frames');
frames('one message per line, without its CR LF; LF alone and a last line without an end too; empty lines dropped', () => {
  assert.equal(unframe(frameLines('PING :x\r\n', TEXT)), [[1, 'PING :x']]);
  assert.equal(unframe(frameLines('a\r\nb\nc', BINARY)), [
    [2, 'a'],
    [2, 'b'],
    [2, 'c'],
  ]);
  assert.equal(unframe(frameLines('\r\n\r\nx\r\n\r\n', TEXT)), [[1, 'x']]);
  assert.is(frameLines('', TEXT).length, 0);
  assert.equal(unframe(frameLines('é ✓ 😀\r\n', TEXT)), [[1, 'é ✓ 😀']]);
});
frames('length forms at their edges: 125, 126, 65535, 65536 bytes', () => {
  for (const [n, header] of [
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
  ] as const) {
    const bytes = frameLines(`${'x'.repeat(n)}\r\n`, TEXT);
    assert.is(bytes.length, header + n, `${n}`);
    assert.equal(unframe(bytes), [[1, 'x'.repeat(n)]]);
  }
});
frames('subprotocol: the first of ours in the client\'s order, or none', () => {
  assert.is(chooseSubprotocol(['binary.ircv3.net', 'text.ircv3.net']), 'binary.ircv3.net');
  assert.is(chooseSubprotocol(['x', 'text.ircv3.net', 'binary.ircv3.net']), 'text.ircv3.net');
  assert.is(chooseSubprotocol(['x']), null);
  assert.is(chooseSubprotocol([]), null);
});

const framer = suite('websocket: messages into lines');
framer('each message is a line; a CR or LF inside ends a line there; messages that come while the sink is full wait, in order', () => {
  const got: string[] = [];
  let room = 1;
  const sink: LineSink = {
    line: (text) => (got.push(text), --room > 0),
    tooLong: () => got.push('<too long>'),
    reply: () => {},
    notice: () => {},
  };
  const f = new MessageFramer(new IrcFramer());
  f.push(Buffer.from('NICK a\r\nUSER a 0 * :A'), sink); // the sink is full after NICK
  f.push(Buffer.from('JOIN #x'), sink);
  f.push(Buffer.from('PRIVMSG #x :hi'), sink);
  assert.equal(got, ['NICK a']);
  assert.ok(f.unreadBytes > 0);
  room = 10;
  f.resume(sink);
  assert.equal(got, ['NICK a', 'USER a 0 * :A', 'JOIN #x', 'PRIVMSG #x :hi']);
  assert.is(f.unreadBytes, 0);
  f.push(Buffer.from(`PRIVMSG #x :${'y'.repeat(600)}`), sink);
  assert.is(got[got.length - 1], '<too long>');
});

const sharing = suite('websocket: delivery shares one buffer of frames');
sharing('every WebSocket recipient of a variant gets the same buffer; TCP IRC recipients their CR LF lines; one render each', () => {
  const irc = ircEdge(ircOptions(defaultConfig()));
  const ws = webSocketEdge(irc, TEXT);
  const wsBinary = webSocketEdge(irc, BINARY);
  const got = new Map<number, Buffer[]>();
  const conns = new Map<number, Connection>();
  const counts = new GatewayCounts();
  const sessions = [ws.open(), ws.open(), ws.open(), wsBinary.open(), irc.open()];
  sessions.forEach((session, i) => {
    const id = i + 1;
    got.set(id, []);
    const link: Link = {
      writableEnded: false,
      writableLength: 0,
      write: (data) => (got.get(id)!.push(data), true),
      pause: () => {},
      resume: () => {},
      end: () => {},
      destroySoon: () => {},
      destroy: () => {},
      once: () => {},
    };
    conns.set(id, new Connection(id, link, '127.0.0.1', session, 10, counts.of(session.codec.protocol)));
  });
  const delivery = new Delivery(conns, 1 << 20, () => assert.unreachable('no overflow'));
  const event: ChatEvent = { k: 'said', room: 'lobby', id: '1-0', at: 0, nick: 'bob', text: 'hi' };
  delivery.deliver(Int32Array.of(1, 2, 3, 4, 5), -1, event);
  delivery.flush();
  const [a, b, c, bin, tcp] = [1, 2, 3, 4, 5].map((id) => got.get(id)!);
  assert.is(a!.length, 1, 'one write');
  assert.ok(a![0] === b![0] && b![0] === c![0], 'the same buffer object');
  assert.equal(unframe(a![0]!), [[1, ':bob!~u@node-chat PRIVMSG #lobby :hi']]);
  assert.equal(unframe(bin![0]!), [[2, ':bob!~u@node-chat PRIVMSG #lobby :hi']]);
  assert.is(tcp![0]!.toString(), ':bob!~u@node-chat PRIVMSG #lobby :hi\r\n');
});

frames.run();
framer.run();
sharing.run();
