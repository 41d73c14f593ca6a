import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { Connection } from '../src/net/connection.js';
import { Delivery, extendsList, type DeliverEffect } from '../src/net/delivery.js';

/** Connections over a fake socket that records what is written to it. */
function world(ids: number[]) {
  const written = new Map<number, string>();
  const writes = new Map<number, number>();
  const conns = new Map<number, Connection>();
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
    conns.set(id, new Connection(id, socket, '127.0.0.1', 4096, 10));
  }
  const delivery = new Delivery(conns, 1 << 20, () => assert.unreachable('no overflow'));
  return { delivery, written, writes };
}

const d = (to: number[], text: string, except = -1): DeliverEffect => ({ t: 'deliver', to: Int32Array.from(to), except, text });

const runs = suite('delivery: runs of broadcasts');
runs('extendsList: the same list, or the same list plus newcomers', () => {
  const a = Int32Array.of(1, 2);
  assert.ok(extendsList(a, a));
  assert.ok(extendsList(a, Int32Array.of(1, 2, 3)));
  assert.not.ok(extendsList(a, Int32Array.of(2, 1, 3)));
  assert.not.ok(extendsList(Int32Array.of(1, 2, 3), a));
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
  for (let i = 0; i < 50; i++) delivery.deliver(Int32Array.of(7), -1, `${i} `);
  delivery.flush();
  assert.is(writes.get(7), 1);
  assert.ok(written.get(7)!.startsWith('0 1 2 '));
});
runs.run();
