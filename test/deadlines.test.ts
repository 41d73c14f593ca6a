import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Deadlines } from '../src/net/deadlines.js';

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
test('thousands pass through and only the pending are kept', () => {
  const { deadlines, due, advance } = clocked(10);
  for (let i = 0; i < 5000; i++) {
    deadlines.add(i);
    advance(1);
    deadlines.expire();
  }
  assert.is(due.length, 4991, "added at 0…4999, each due 10 later: 0…4990 by 5000");
  assert.equal(due.slice(0, 3), [0, 1, 2]);
  assert.ok(due.every((id, i) => id === i), 'in order, none twice');
  assert.is(deadlines.size, 9);
  assert.ok(deadlines['ids'].length < 1100, 'the spent front is dropped');
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
