// The count of TLS handshakes in progress that the caps add to the open connections.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Handshakes, tcpKey } from '../src/gateway/handshakes.js';

/** Just what Handshakes reads of a socket: its addresses, 'close', destroy. */
function fakeSocket(remoteAddress: string, remotePort: number): Socket & { destroyed: boolean } {
  const s = Object.assign(new EventEmitter(), { localAddress: '127.0.0.1', localPort: 6697, remoteAddress, remotePort, destroyed: false });
  return Object.assign(s, { destroy: () => ((s.destroyed = true), s.emit('close'), s) }) as unknown as Socket & { destroyed: boolean };
}

const h = suite('handshakes: counted per address until secured or closed');
h('each begun handshake counts, in all and for its address, until it is secured or its socket closes', () => {
  const hs = new Handshakes();
  const a1 = fakeSocket('203.0.113.7', 1001);
  const a2 = fakeSocket('203.0.113.7', 1002);
  const b1 = fakeSocket('198.51.100.2', 1001);
  for (const s of [a1, a2, b1]) hs.begin(s);
  assert.equal([hs.count, hs.from('203.0.113.7'), hs.from('198.51.100.2'), hs.from('192.0.2.1')], [3, 2, 1, 0]);
  hs.secured(a1); // the TLS socket over a1 has the same addresses
  assert.equal([hs.count, hs.from('203.0.113.7')], [2, 1]);
  a1.emit('close'); // the secured connection's close later changes nothing
  assert.equal([hs.count, hs.from('203.0.113.7')], [2, 1]);
  b1.emit('close'); // a failed handshake
  assert.equal([hs.count, hs.from('198.51.100.2')], [1, 0]);
});
h('a secured handshake\'s late close does not uncount a newer one with the same addresses', () => {
  const hs = new Handshakes();
  const old = fakeSocket('203.0.113.7', 1001);
  hs.begin(old);
  hs.secured(old);
  const again = fakeSocket('203.0.113.7', 1001);
  hs.begin(again);
  assert.is(tcpKey(old), tcpKey(again));
  old.emit('close');
  assert.is(hs.count, 1);
  again.emit('close');
  assert.is(hs.count, 0);
});
h('destroyAll ends every handshake in progress', () => {
  const hs = new Handshakes();
  const socks = [fakeSocket('203.0.113.7', 1), fakeSocket('203.0.113.8', 2)];
  for (const s of socks) hs.begin(s);
  hs.destroyAll();
  assert.ok(socks.every((s) => s.destroyed));
  assert.is(hs.count, 0);
});
h.run();
