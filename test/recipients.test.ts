// RecipientList as plain data: what a view may show, that it never changes once handed out,
// and what a crowd joining or leaving costs in copies.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RecipientList } from '../src/actors/recipients.js';

const list = suite('recipient list');

list('joins append to the view handed out: each later view extends it in the same buffer', () => {
  const l = new RecipientList();
  l.add(1);
  const a = l.view();
  l.add(2);
  l.add(3);
  const b = l.view();
  assert.equal([...a], [1]);
  assert.equal([...b], [1, 2, 3]);
  assert.is(a.buffer, b.buffer);
  assert.is(l.view(), b, 'the same view until the list changes');
});

list('a burial keeps the view; a compaction drops the departed', () => {
  const l = new RecipientList();
  for (const id of [1, 2, 3, 4]) l.add(id);
  const before = l.view();
  l.bury(2);
  assert.is(l.view(), before, 'nothing copied for one leave');
  assert.is(l.members, 3);
  l.bury(3);
  assert.is(l.view(), before, 'two departed, two members: still no copy');
  l.bury(4);
  assert.equal([...l.view()], [1], 'the departed outnumbered the members: compacted');
  assert.equal([...before], [1, 2, 3, 4], 'the old view as it was');
});

list('a move takes the id out at once, without touching a view handed out', () => {
  const l = new RecipientList();
  for (const id of [1, 2, 3]) l.add(id);
  const before = l.view();
  l.remove(1);
  assert.equal([...l.view()].sort(), [2, 3]);
  assert.equal([...before], [1, 2, 3]);
});

list('random adds, burials, moves and clears against a model: every view is right and stays so', () => {
  let seed = 11;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let trial = 0; trial < 300; trial++) {
    const l = new RecipientList();
    const members = new Set<number>();
    const buried = new Set<number>(); // departed that may still be listed
    const views: Array<{ view: Int32Array; ids: number[] }> = [];
    let next = 1;
    for (let step = 0; step < 200; step++) {
      const op = rnd(100);
      const present = [...members];
      const departed = [...buried];
      if (op < 35 || present.length === 0) {
        l.add(next);
        members.add(next++);
      } else if (op < 60) {
        const id = present[rnd(present.length)]!;
        l.bury(id);
        members.delete(id);
        buried.add(id);
      } else if (op < 75) {
        const id = present[rnd(present.length)]!;
        l.remove(id);
        members.delete(id);
      } else if (op < 78 && departed.length > 0) {
        // Not something the gateway does (ids are never reused), but the list stays right.
        const id = departed[rnd(departed.length)]!;
        l.add(id);
        buried.delete(id);
        members.add(id);
      } else if (op < 80 && departed.length > 0) {
        const id = departed[rnd(departed.length)]!;
        l.remove(id);
        buried.delete(id);
      } else if (op < 81) {
        l.clear();
        members.clear();
        buried.clear();
      }
      const view = l.view();
      views.push({ view, ids: [...view] });
      const listed = new Set(view);
      assert.is(listed.size, view.length, 'nobody listed twice');
      for (const id of members) assert.ok(listed.has(id), `member ${id} listed`);
      for (const id of view) assert.ok(members.has(id) || buried.has(id), `${id} is a member or departed`);
      assert.is(l.members, members.size);
      assert.ok(view.length <= 2 * members.size, `${view.length} listed for ${members.size} members`);
      for (const id of departed) if (!listed.has(id)) buried.delete(id);
    }
    for (const { view, ids } of views) assert.equal([...view], ids, 'a view never changes');
  }
});

list.run();
