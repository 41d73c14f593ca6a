import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ReceiverCheck, compareOrders, type OrderReport } from '../bench/check.js';
import { Histogram } from '../bench/stats.js';
import { LineKind, LineSplitter, lineKind, parsePayload, parsed, payloadLine } from '../bench/wire.js';
import { message } from '../src/edges/telnet/texts.js';

const check = suite('bench check');

const hearsAll = (senders: number): Uint8Array => new Uint8Array(senders).fill(1);

check('a clean run is clean', () => {
  const r = new ReceiverCheck(hearsAll(2));
  for (let q = 0; q < 5; q++) {
    r.see(0, q);
    r.see(1, q);
  }
  assert.equal(r.finish([5, 5]), { received: 10, lost: 0, duplicated: 0, reordered: 0, foreign: 0 });
  assert.ok(r.complete([5, 5]));
});

check('a lost line is caught, in the middle and at the tail', () => {
  const r = new ReceiverCheck(hearsAll(1));
  r.see(0, 0);
  r.see(0, 2); // 1 lost
  r.see(0, 3); // 4 never comes
  assert.not.ok(r.complete([5]));
  assert.is(r.finish([5]).lost, 2);
});

check('a duplicated line is caught', () => {
  const r = new ReceiverCheck(hearsAll(1));
  r.see(0, 0);
  r.see(0, 1);
  assert.is(r.see(0, 1), false);
  const c = r.finish([2]);
  assert.is(c.duplicated, 1);
  assert.is(c.lost, 0);
});

check('a reordered line is caught and not counted as lost', () => {
  const r = new ReceiverCheck(hearsAll(1));
  r.see(0, 0);
  r.see(0, 2);
  assert.is(r.see(0, 1), true);
  const c = r.finish([3]);
  assert.is(c.reordered, 1);
  assert.is(c.lost, 0);
  assert.is(c.duplicated, 0);
});

check('lines from a sender it should not hear (itself) are foreign', () => {
  const hears = new Uint8Array([1, 0]);
  const r = new ReceiverCheck(hears);
  r.see(1, 0);
  r.see(7, 0);
  assert.is(r.finish([0, 1]).foreign, 2);
});

const orders = suite('bench cross-receiver order');

/** Receivers of one room: conn 0 the reference (pure receiver), conns 1-2 senders 0-1, conn 3 another pure receiver. */
function room(lines: Array<[number, number]>, perturb?: (conn: number, seen: Array<[number, number]>) => Array<[number, number]>): OrderReport[] {
  const make = (conn: number, sender: number, reference: boolean): OrderReport => {
    const hears = new Uint8Array([sender === 0 ? 0 : 1, sender === 1 ? 0 : 1]);
    const r = new ReceiverCheck(hears, reference);
    let seen = lines.filter(([s]) => s !== sender);
    if (perturb) seen = perturb(conn, seen);
    for (const [s, q] of seen) r.see(s, q);
    const report: OrderReport = { conn, room: 'lobby', sender, hash: r.hash };
    if (r.without) report.without = [...r.without];
    return report;
  };
  return [make(0, -1, true), make(1, 0, false), make(2, 1, false), make(3, -1, false)];
}

const LINES: Array<[number, number]> = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
  [0, 2],
  [1, 2],
];

orders('receivers that saw one order agree, senders included', () => {
  const v = compareOrders(room(LINES));
  assert.is(v.mismatched, 0);
  assert.is(v.unchecked, 0);
});

orders('a receiver that saw two senders interleaved differently is caught', () => {
  const v = compareOrders(
    room(LINES, (conn, seen) => {
      if (conn !== 3) return seen;
      const out = [...seen];
      [out[1], out[3]] = [out[3]!, out[1]!]; // (1,0) and (0,1) swap: each sender's own order is intact
      return out;
    }),
  );
  assert.is(v.mismatched, 1);
  assert.equal(v.examples, [3]);
});

orders('a sender that saw the others in another order is caught', () => {
  // Three senders; sender 2 never hears itself, and sees senders 0 and 1 interleaved differently.
  const all: Array<[number, number]> = [
    [0, 0],
    [2, 0],
    [1, 0],
    [0, 1],
  ];
  const view = (sender: number): Array<[number, number]> => all.filter(([s]) => s !== sender);
  const report = (conn: number, sender: number, seen: Array<[number, number]>, reference = false): OrderReport => {
    const r = new ReceiverCheck(new Uint8Array([0, 1, 2].map((s) => (s === sender ? 0 : 1))), reference);
    for (const [s, q] of seen) r.see(s, q);
    return { conn, room: 'lobby', sender, hash: r.hash, ...(r.without ? { without: [...r.without] } : {}) };
  };
  const swapped: Array<[number, number]> = [
    [0, 0],
    [0, 1],
    [1, 0],
  ];
  const v = compareOrders([report(0, -1, all, true), report(1, 0, view(0)), report(2, 1, view(1)), report(3, 2, swapped)]);
  assert.is(v.mismatched, 1);
  assert.equal(v.examples, [3]);
  const fine = compareOrders([report(0, -1, all, true), report(3, 2, view(2))]);
  assert.is(fine.mismatched, 0);
});

orders('rooms are compared separately', () => {
  const a = room(LINES);
  const b = room(LINES.slice(0, 3)).map((r) => ({ ...r, room: 'other', conn: r.conn + 10 }));
  assert.is(compareOrders([...a, ...b]).mismatched, 0);
});

const lines = suite('bench chunk parser');

function collect(chunks: Buffer[]): string[] {
  const out: string[] = [];
  const splitter = new LineSplitter();
  const handler = { line: (buf: Buffer, s: number, e: number) => out.push(buf.toString('latin1', s, e)) };
  for (const c of chunks) splitter.push(c, handler);
  return out;
}

lines('splits whole chunks into lines', () => {
  assert.equal(collect([Buffer.from('a\r\nbb\r\n\nc\n')]), ['a\r', 'bb\r', '', 'c']);
});

lines('joins a line cut across chunks, at every possible cut', () => {
  const text = `${message('u00001', 'hello')}${message('u00002', 'world')}`;
  const expected = collect([Buffer.from(text)]);
  for (let cut = 0; cut <= text.length; cut++) {
    for (let cut2 = cut; cut2 <= text.length; cut2 += 7) {
      const got = collect([Buffer.from(text.slice(0, cut)), Buffer.from(text.slice(cut, cut2)), Buffer.from(text.slice(cut2))]);
      assert.equal(got, expected, `cuts at ${cut}, ${cut2}`);
    }
  }
});

lines('a line cut into single bytes comes out whole', () => {
  const text = 'one\ntwo\n';
  assert.equal(
    collect([...text].map((ch) => Buffer.from(ch))),
    ['one', 'two'],
  );
});

lines('keeps what follows the last newline (a prompt) as pending', () => {
  const splitter = new LineSplitter();
  splitter.push(Buffer.from('x\n > please write your name'), { line: () => undefined });
  assert.is(splitter.pending?.toString(), ' > please write your name');
});

lines('reads the payload back out of a server message line', () => {
  const sent = payloadLine('m', 7, 12345, 987654321, 64);
  assert.is(sent.length, 64);
  const shown = Buffer.from(message('u00007', sent.slice(0, -1)));
  assert.is(lineKind(shown, 0, shown.length - 1), LineKind.Message);
  assert.ok(parsePayload(shown, 0, shown.length - 1));
  assert.equal({ ...parsed }, { kind: 0x6d, sender: 7, seq: 12345, sentUs: 987654321 });
});

lines('a message that is not a bench line is not read as one', () => {
  const shown = Buffer.from(message('bob', 'hello #there'));
  assert.not.ok(parsePayload(shown, 0, shown.length - 1));
});

const stats = suite('bench latency histogram');

stats('quantiles stay within 1% and max is exact', () => {
  const h = new Histogram();
  for (let v = 1; v <= 100_000; v++) h.record(v);
  for (const q of [0.5, 0.9, 0.99]) {
    const want = q * 100_000;
    assert.ok(Math.abs(h.quantile(q) - want) / want < 0.01, `q${q}: ${h.quantile(q)}`);
  }
  assert.is(h.quantile(1), 100_000);
  const merged = new Histogram().merge(h).merge(h);
  assert.is(merged.total, 200_000);
  assert.is(merged.quantile(0.5), h.quantile(0.5));
});

check.run();
orders.run();
lines.run();
stats.run();
