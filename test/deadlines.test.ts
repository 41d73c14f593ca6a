import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Deadlines } from '../src/gateway/deadlines.js';

/** Deadlines on a clock the test moves by hand. */
function clocked(afterMs: number) {
  let now = 0;
  const due: number[] = [];
  const deadlines = new Deadlines(afterMs, (id) => due.push(id), () => now);
  return { deadlines, due, advance: (ms: number) => (now += ms) };
}

const test = suite('deadlines');
test('each id comes due once, after its time, in the order added', () => {
  const { deadlines, due, advance } = clocked(1000);
  deadlines.add(1);
  advance(400);
  deadlines.add(2);
  deadlines.add(3);
  advance(599);
  deadlines.expire();
  assert.equal(due, []);
  advance(1);
  deadlines.expire();
  assert.equal(due, [1]);
  advance(400);
  deadlines.expire();
  deadlines.expire();
  assert.equal(due, [1, 2, 3]);
  assert.is(deadlines.size, 0);
  deadlines.stop();
});
test('an id deleted before its time never comes due', () => {
  const { deadlines, due, advance } = clocked(100);
  for (const id of [1, 2, 3, 4]) deadlines.add(id);
  deadlines.delete(1);
  deadlines.delete(3);
  advance(100);
  deadlines.expire();
  assert.equal(due, [2, 4]);
  deadlines.stop();
});
test('only the pending are kept: ids that registered leave at once', () => {
  // A churn of connections that name themselves quickly must not pile up for a whole timeout.
  const { deadlines, due, advance } = clocked(60_000);
  for (let i = 0; i < 100_000; i++) {
    deadlines.add(i);
    if (i % 1000 !== 0) deadlines.delete(i); // registered
    advance(1);
    deadlines.expire();
  }
  assert.is(deadlines.size, 59, 'the unregistered of the last minute (added after 40,000 ms)');
  assert.is(due.length, 41, '0, 1000 … 40,000: due by 100,000 ms');
  assert.ok(due.every((id, i) => id === i * 1000), 'in order, none twice');
  deadlines.stop();
});
test('the timer fires by itself', async () => {
  const due: number[] = [];
  const deadlines = new Deadlines(20, (id) => due.push(id));
  deadlines.add(7);
  deadlines.add(8);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(due, [7, 8]);
  deadlines.stop();
});
test.run();
