// The load generator's reader (bench/conn-reader.ts) on the lines a joined connection gets:
// bench payloads are counted once each, whether found from the line's end (the common line) or
// by reading it from its start (tags, a payload shorter than its size), and nothing else is.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Conn, State, type ConnOwner } from '../bench/conn-reader.js';
import { ReceiverCheck } from '../bench/check.js';
import type { PoolSetup } from '../bench/pool-messages.js';
import { Histogram } from '../bench/stats.js';
import { payloadLine } from '../bench/wire.js';

const LINE_BYTES = 64;

function reader(irc: boolean) {
  const setup: PoolSetup = {
    targets: [{ host: '127.0.0.1', port: 1, irc }],
    conns: [],
    senderRooms: ['lobby', 'lobby'],
    joinsInFlight: 1,
    lineBytes: LINE_BYTES,
    mode: 'check',
  };
  const acks: string[] = [];
  const owner: ConnOwner = {
    setup,
    marker: null,
    latency: new Histogram(),
    dirty: [],
    bytes: 0,
    received: 0,
    markers: 0,
    lastMarkerUs: 0,
    lastReceiveUs: 0,
    chunkUs: 0,
    flushSenders: () => {},
    acked: (sender, seq) => void acks.push(`${sender}.${seq}`),
    joined: () => {},
    failed: () => {},
  };
  const conn = new Conn(owner, { id: 2, nick: 'b2', room: 'lobby', target: 0, sender: -1, reference: false });
  conn.state = State.Ready;
  conn.check = new ReceiverCheck(Uint8Array.of(1, 1));
  const feed = (text: string): void => conn.data(Buffer.from(text, 'latin1'));
  return { owner, acks, feed };
}

/** A payload as a sender writes it, without its `\n`. */
const payload = (sender: number, seq: number, size = LINE_BYTES): string => payloadLine('m', sender, seq, 1000, size).slice(0, -1);

const test = suite('bench reader');

test('telnet: message lines are counted, found from the end or from the start', () => {
  const r = reader(false);
  r.feed(`\x1b[96m > b0:\x1b[39m ${payload(0, 0)}\r\n`);
  r.feed(`\x1b[96m > b1:\x1b[39m ${payload(1, 0, 20)}\r\n`); // shorter than its size: read from the start
  r.feed(`\x1b[90m > b1 joined the room\r\n\x1b[96m > b0:\x1b[39m ${payload(0, 1)}\n`);
  assert.equal(r.acks, ['0.0', '1.0', '0.1']);
  assert.is(r.owner.received, 3);
});

test('IRC: PRIVMSG to the room is counted, with tags or without, in any chunking; NOTICE and others are not', () => {
  const r = reader(true);
  const line0 = `:b0!~u@node-chat PRIVMSG #lobby :${payload(0, 0)}\r\n`;
  r.feed(line0.slice(0, 10));
  r.feed(line0.slice(10));
  r.feed(`@time=2026-12-02T00:00:00.000Z;msgid=abc :b1!~u@node-chat PRIVMSG #lobby :${payload(1, 0)}\r\n`);
  r.feed(`:b1!~u@node-chat NOTICE #lobby :${payload(1, 1)}\r\n`);
  r.feed(`:b1!~u@node-chat PRIVMSG #lobby :${payload(1, 2, 30)}\r\n`);
  r.feed(`:node-chat 421 b2 FOO :Unknown command\r\n`);
  assert.equal(r.acks, ['0.0', '1.0', '1.2']);
  assert.is(r.owner.received, 3);
});

test.run();
