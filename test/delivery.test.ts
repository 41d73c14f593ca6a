import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { Connection } from '../src/gateway/connection.js';
import { Delivery, extendsList, type DeliverEffect } from '../src/gateway/delivery.js';
import { GatewayCounts } from '../src/gateway/counts.js';
import type { Codec, Session } from '../src/edges/edge.js';
import type { ChatEvent } from '../src/model/events.js';
import { LineFramer } from '../src/edges/telnet/framer.js';
import { renderTelnet } from '../src/edges/telnet/render.js';
import * as texts from '../src/edges/telnet/texts.js';
import { codecFor, TAGS, TIME } from '../src/edges/irc/render.js';

/** A protocol whose rendering of a line is its text, counting its renders; `upper` another one. */
let renders = 0;
const textOf = (e: ChatEvent): string => (e.k === 'said' ? e.text : '');
const plain: Codec = { protocol: 'plain', render: (e) => (renders++, textOf(e)) };
const upper: Codec = { protocol: 'upper', render: (e) => (renders++, textOf(e).toUpperCase()) };
const sessionFor = (codec: Codec): Session => ({
  codec,
  framer: new LineFramer(4096),
  read: () => [],
  greeting: () => '',
  lineTooLong: () => '',
  farewell: () => '',
});
const said = (text: string): ChatEvent => ({ k: 'said', room: 'r', id: '0-0', at: 0, nick: 'n', text });

/** The clock delivery times its flushes by: tests move it by hand. */
let clock = 0;
const now = (): number => clock;

/** Connections over a fake socket that records what is written to it. */
function world(ids: number[], codecOf: (id: number) => Codec = () => plain) {
  const written = new Map<number, string>();
  const writes = new Map<number, number>();
  const conns = new Map<number, Connection>();
  const counts = new GatewayCounts();
  for (const id of ids) {
    written.set(id, '');
    writes.set(id, 0);
    const socket = {
      writableEnded: false,
      writableLength: 0,
      write(data: Buffer) {
        written.set(id, written.get(id)! + data.toString());
        writes.set(id, writes.get(id)! + 1);
        return true;
      },
    } as unknown as Socket; // just what Delivery touches
    conns.set(id, new Connection(id, socket, '127.0.0.1', sessionFor(codecOf(id)), 10, counts.of(codecOf(id).protocol)));
  }
  const delivery = new Delivery(conns, 1 << 20, () => assert.unreachable('no overflow'), now);
  return { delivery, written, writes, counts };
}

/** Like world(), keeping the buffer objects each connection was written. */
function recorded(ids: number[], codecOf: (id: number) => Codec = () => plain) {
  const data = new Map<number, Buffer[]>();
  const conns = new Map<number, Connection>();
  for (const id of ids) {
    data.set(id, []);
    const socket = {
      writableEnded: false,
      writableLength: 0,
      write(chunk: Buffer) {
        data.get(id)!.push(chunk);
        return true;
      },
    } as unknown as Socket;
    conns.set(id, new Connection(id, socket, '127.0.0.1', sessionFor(codecOf(id)), 10, new GatewayCounts().of(codecOf(id).protocol)));
  }
  return { delivery: new Delivery(conns, 1 << 20, () => assert.unreachable('no overflow'), now), data };
}

const d = (to: number[], text: string, except = -1): DeliverEffect => ({ t: 'deliver', to: Int32Array.from(to), except, event: said(text) });

const runs = suite('delivery: runs of broadcasts');
runs('extendsList: the same list, or the same list plus newcomers', () => {
  const a = Int32Array.of(1, 2);
  assert.ok(extendsList(a, a));
  assert.ok(extendsList(a, Int32Array.of(1, 2, 3)));
  assert.not.ok(extendsList(a, Int32Array.of(2, 1, 3)));
  assert.not.ok(extendsList(Int32Array.of(1, 2, 3), a));
  const shared = new Int32Array(8);
  shared.set([1, 2, 3]);
  assert.ok(extendsList(new Int32Array(shared.buffer, 0, 2), new Int32Array(shared.buffer, 0, 3)), 'views of one buffer from its start');
  assert.not.ok(extendsList(new Int32Array(shared.buffer, 0, 3), new Int32Array(shared.buffer, 0, 2)));
  assert.not.ok(extendsList(new Int32Array(shared.buffer, 4, 1), new Int32Array(shared.buffer, 0, 3)), 'another start');
});
runs('a join storm: each member gets the joins from its own on, in order', () => {
  const { delivery, written } = world([1, 2, 3]);
  delivery.deliverRun([d([1], 'j1 '), d([1, 2], 'j2 '), d([1, 2, 3], 'j3 ')]);
  delivery.flush();
  assert.is(written.get(1), 'j1 j2 j3 ');
  assert.is(written.get(2), 'j2 j3 ');
  assert.is(written.get(3), 'j3 ');
});
runs('senders get the run without their own lines, everyone else all of it', () => {
  const { delivery, written } = world([1, 2, 3]);
  const all = [1, 2, 3];
  delivery.deliverRun([d(all, 'a1 ', 1), d(all, 'b1 ', 2), d(all, 'a2 ', 1), d(all, 'x ')]);
  delivery.flush();
  assert.is(written.get(1), 'b1 x ');
  assert.is(written.get(2), 'a1 a2 x ');
  assert.is(written.get(3), 'a1 b1 a2 x ');
});
runs('one write per connection per flush, however many lines', () => {
  const { delivery, written, writes } = world([7]);
  for (let i = 0; i < 50; i++) delivery.deliver(Int32Array.of(7), -1, said(`${i} `));
  delivery.flush();
  assert.is(writes.get(7), 1);
  assert.ok(written.get(7)!.startsWith('0 1 2 '));
});
runs('members queued the same parts share one concatenation; others get their own bytes', () => {
  const { delivery, data } = recorded([1, 2, 3, 4]);
  delivery.deliver(Int32Array.of(1, 2, 3, 4), -1, said('aa'));
  delivery.deliver(Int32Array.of(1, 2, 3), -1, said('bb'));
  delivery.deliver(Int32Array.of(4), -1, said('cc')); // same length and first part as the others
  delivery.flush();
  const [one, two, three, four] = [1, 2, 3, 4].map((id) => data.get(id)!);
  assert.is(one!.length, 1);
  assert.is(one![0], two![0], 'one buffer for identical queues');
  assert.is(one![0], three![0]);
  assert.is(one![0]!.toString(), 'aabb');
  assert.is(four![0]!.toString(), 'aacc');
  delivery.deliver(Int32Array.of(1, 2), -1, said('x'));
  delivery.deliver(Int32Array.of(1, 2), -1, said('y'));
  delivery.flush();
  assert.is(data.get(1)![1]!.toString(), 'xy');
  assert.equal(delivery['gathered'], [], 'no buffer kept past its flush');
});
runs('members of a mixed room, two protocols taking turns, share one concatenation per protocol', () => {
  const { delivery, data } = recorded([1, 2, 3, 4, 5, 6], (id) => (id % 2 === 0 ? upper : plain));
  const all = Int32Array.of(1, 2, 3, 4, 5, 6);
  delivery.deliver(all, -1, said('aa'));
  delivery.deliver(all, -1, said('bb'));
  delivery.flush();
  const first = (id: number): Buffer => data.get(id)![0]!;
  assert.is(first(1).toString(), 'aabb');
  assert.is(first(2).toString(), 'AABB');
  assert.is(first(1), first(3), 'plain members: one buffer');
  assert.is(first(1), first(5));
  assert.is(first(2), first(4), 'upper members: one buffer, though a plain member came between');
  assert.is(first(2), first(6));
});
runs('in a mixed room, senders (bytes of their own) do not cost the members after them a copy each', () => {
  const ids = Array.from({ length: 12 }, (_, i) => i + 1);
  const { delivery, data } = recorded(ids, (id) => (id % 2 === 0 ? upper : plain));
  // Two runs in one flush: every member has two parts; 3 and 8 sent a line each.
  delivery.deliverRun([d(ids, 'aa'), d(ids, 'bb', 3)]);
  delivery.deliverRun([d(ids, 'cc', 8), d(ids, 'dd')]);
  delivery.flush();
  const first = (id: number): Buffer => data.get(id)![0]!;
  assert.is(first(3).toString(), 'aaccdd', 'a sender gets the others’ lines');
  assert.is(first(8).toString(), 'AABBDD');
  const plainOnes = ids.filter((id) => id % 2 === 1 && id !== 3).map(first);
  const upperOnes = ids.filter((id) => id % 2 === 0 && id !== 8).map(first);
  assert.is(plainOnes[0]!.toString(), 'aabbccdd');
  assert.is(upperOnes[0]!.toString(), 'AABBCCDD');
  for (const b of plainOnes) assert.is(b, plainOnes[0], 'one buffer for every plain member');
  for (const b of upperOnes) assert.is(b, upperOnes[0], 'one buffer for every upper member');
});
runs('a long queue is joined as it grows, in order, members of the same broadcasts sharing the copy', () => {
  const { delivery, data } = recorded([1, 2, 3]);
  const conns = delivery['conns'];
  let expected = '';
  for (let i = 0; i < 100; i++) {
    delivery.deliver(Int32Array.of(1, 2, 3), -1, said(`${i} `));
    expected += `${i} `;
    assert.ok(conns.get(1)!.out.length < 32, 'bounded between flushes');
  }
  assert.is(conns.get(1)!.out[0], conns.get(2)!.out[0], 'one copy for identical queues');
  delivery.flush();
  for (const id of [1, 2, 3]) assert.is(Buffer.concat(data.get(id)!).toString(), expected);
});
runs('an answer goes out at once only while flushes are held back', () => {
  const { delivery, writes } = world([1, 2]);
  delivery.deliver(Int32Array.of(1), -1, said('a '));
  delivery.answer(delivery['conns'].get(1)!);
  assert.is(writes.get(1), 0, 'a flush is due this turn: it takes the answer');
  delivery.flush();
  assert.is(writes.get(1), 1);
  // A flush that takes long (thousands of sockets) holds the next one back: this one takes 150 ms.
  const conn2 = delivery['conns'].get(2)!;
  const write = conn2.socket.write.bind(conn2.socket);
  conn2.socket.write = ((data: Buffer) => {
    clock += 150;
    return write(data);
  }) as typeof conn2.socket.write;
  delivery.deliver(Int32Array.of(2), -1, said('slow '));
  delivery.flush();
  delivery.deliver(Int32Array.of(1, 2), -1, said('b '));
  delivery.answer(delivery['conns'].get(1)!);
  assert.is(writes.get(1), 2, 'written now, not after the held-back flush');
  assert.is(writes.get(2), 1);
  clock += 151;
  delivery.deliver(Int32Array.of(1), -1, said('c '));
  delivery.answer(delivery['conns'].get(1)!);
  assert.is(writes.get(1), 2, 'the hold is over: the answer waits for this turn\'s flush again');
});
runs.run();

const codecs = suite('delivery: one render per event per protocol');
codecs('a broadcast is rendered once for each protocol among its recipients, and the bytes are shared', () => {
  const { delivery, written } = world([1, 2, 3, 4, 5], (id) => (id % 2 ? plain : upper));
  renders = 0;
  delivery.deliver(Int32Array.of(1, 2, 3, 4, 5), -1, said('hi '));
  assert.is(renders, 2);
  const conns = delivery['conns'];
  assert.is(conns.get(1)!.out[0], conns.get(3)!.out[0], 'one buffer for one protocol');
  delivery.flush();
  assert.equal([1, 2, 3, 4, 5].map((id) => written.get(id)), ['hi ', 'HI ', 'hi ', 'HI ', 'hi ']);
});
codecs('a run of broadcasts over a mixed room: each protocol renders each event once, each member gets its suffix', () => {
  const { delivery, written } = world([1, 2, 3, 4], (id) => (id <= 2 ? plain : upper));
  renders = 0;
  delivery.deliverRun([d([1, 3], 'a '), d([1, 3, 2], 'b ', 1), d([1, 3, 2, 4], 'c ')]);
  assert.is(renders, 6, 'three events, two protocols');
  delivery.flush();
  assert.is(written.get(1), 'a c ', 'the sender of b');
  assert.is(written.get(3), 'A B C ');
  assert.is(written.get(2), 'b c ');
  assert.is(written.get(4), 'C ');
});
codecs('three protocols met in turns, in a run and alone: each renders each event once, each member gets its own', () => {
  const third: Codec = { protocol: 'third', render: (e) => (renders++, `<${textOf(e)}>`) };
  const pick = [plain, upper, third];
  const { delivery, written } = world([1, 2, 3, 4, 5, 6], (id) => pick[id % 3]!);
  renders = 0;
  delivery.deliverRun([d([1, 2, 3, 4, 5, 6], 'a '), d([1, 2, 3, 4, 5, 6], 'b ')]);
  assert.is(renders, 6, 'two events, three protocols');
  renders = 0;
  delivery.deliver(Int32Array.of(1, 2, 3, 4, 5, 6), -1, said('c '));
  assert.is(renders, 3);
  delivery.flush();
  assert.equal([1, 2, 3, 4, 5, 6].map((id) => written.get(id)), ['A B C ', '<a ><b ><c >', 'a b c ', 'A B C ', '<a ><b ><c >', 'a b c ']);
});
codecs('an event a protocol renders as nothing writes nothing to its connections', () => {
  const { delivery, writes } = world([1, 2], (id) => (id === 1 ? plain : upper));
  delivery.deliver(Int32Array.of(1, 2), -1, { k: 'roomSize', room: 'r', count: 2 });
  delivery.flush();
  assert.equal([writes.get(1), writes.get(2)], [0, 0]);
});
codecs.run();

const counted = suite('delivery: what it counts for /metrics');
counted('events, bytes and writes per protocol are what each socket was handed, counted at the flush', () => {
  const { delivery, written, writes, counts } = world([1, 2, 3, 4], (id) => (id % 2 === 1 ? plain : upper));
  const all = [1, 2, 3, 4];
  // A run with two senders (1 and 2 get it without their own lines), then a broadcast, then one to 3 alone.
  delivery.deliverRun([d(all, 'a1 ', 1), d(all, 'b1 ', 2), d(all, 'a2 ', 1), d(all, 'x ')]);
  delivery.deliver(Int32Array.from(all), 4, said('y '));
  delivery.deliver(Int32Array.of(3), -1, said('z '));
  assert.is(counts.of('plain').events, 0, 'nothing counted before the flush');
  delivery.flush();
  const bytes = (ids: number[]): number => ids.reduce((n, id) => n + Buffer.byteLength(written.get(id)!), 0);
  const sum = (ids: number[]): number => ids.reduce((n, id) => n + writes.get(id)!, 0);
  // plain: 1 gets b1 x y (3), 3 gets a1 b1 a2 x y z (6); upper: 2 gets a1 a2 x y (4), 4 gets a1 b1 a2 x (4).
  assert.equal([counts.of('plain').events, counts.of('upper').events], [9, 8]);
  assert.equal([counts.of('plain').bytes, counts.of('upper').bytes], [bytes([1, 3]), bytes([2, 4])]);
  assert.equal([counts.of('plain').writes, counts.of('upper').writes], [sum([1, 3]), sum([2, 4])]);
  assert.equal([counts.of('plain').writes, counts.of('upper').writes], [2, 2], 'one write per socket per flush');
});
counted('an event rendered as nothing, in a run or alone, is not counted as delivered', () => {
  const { delivery, counts } = world([1, 2]);
  const nothing: DeliverEffect = { t: 'deliver', to: Int32Array.of(1, 2), except: -1, event: { k: 'roomSize', room: 'r', count: 2 } };
  delivery.deliverRun([d([1, 2], 'a '), nothing, d([1, 2], 'b ', 1)]);
  delivery.deliver(Int32Array.of(1, 2), -1, { k: 'roomSize', room: 'r', count: 2 });
  delivery.flush();
  assert.is(counts.of('plain').events, 3, '1 gets a, 2 gets a and b');
});
counted.run();

const nothing = suite('delivery: an event that renders to nothing for a codec');
nothing('a TAGMSG: written once per message-tags variant, no write at all for telnet or IRC without the cap', () => {
  const telnet: Codec = { protocol: 'telnet', render: renderTelnet };
  const tags = codecFor(TAGS);
  const time = codecFor(TIME);
  const codecOf = (id: number): Codec => (id <= 2 ? tags : id <= 4 ? time : telnet);
  const { delivery, written, writes } = world([1, 2, 3, 4, 5, 6], codecOf);
  const tagged: ChatEvent = { k: 'tagged', room: 'r', id: '1-0', at: 0, nick: 'n', tags: { '+typing': 'active' } };
  delivery.deliver(Int32Array.of(1, 2, 3, 4, 5, 6), 1, tagged);
  delivery.flush();
  assert.is(written.get(2), '@msgid=1-0;+typing=active :n!~u@node-chat TAGMSG #r\r\n');
  assert.equal([1, 3, 4, 5, 6].map((id) => writes.get(id)), [0, 0, 0, 0, 0], 'the sender (no echo), the others: nothing written');
  // In a run of broadcasts too: those without the cap get the line alone, the others both.
  const all = Int32Array.of(1, 2, 3, 4, 5, 6);
  delivery.deliverRun([
    { t: 'deliver', to: all, except: -1, event: tagged },
    { t: 'deliver', to: all, except: -1, event: said('line') },
  ]);
  delivery.flush();
  assert.match(written.get(1)!, /TAGMSG #r\r\n.*PRIVMSG #r :line\r\n$/s);
  assert.match(written.get(3)!, /^@time=\S+ :n!~u@node-chat PRIVMSG #r :line\r\n$/);
  assert.is(written.get(5), texts.message('n', 'line'));
  assert.equal([3, 4, 5, 6].map((id) => writes.get(id)), [1, 1, 1, 1], 'one write each, for the line');
});
nothing.run();
