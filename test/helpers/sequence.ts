// Checks what receivers saw of numbered lines: each sender's lines exactly once, in order,
// and one order of the room's lines shared by every receiver.

import type { TestClient } from './client.js';

const MESSAGE = /\x1b\[96m > ([^:]+):\x1b\[39m (\d+)\r\n/g;

/** The (sender, number) lines a client received, in arrival order. */
export function numbered(client: TestClient): string[] {
  return [...client.text.matchAll(MESSAGE)].map((m) => `${m[1]}#${m[2]}`);
}

export function countNumbered(client: TestClient): number {
  let n = 0;
  for (const _ of client.text.matchAll(MESSAGE)) n++;
  return n;
}

/** Problems found (empty when all is well). `own` is the sender a receiver is, if any. */
export function checkSequences(seen: Array<{ own: string | null; lines: string[] }>, senders: string[], perSender: number): string[] {
  const problems: string[] = [];
  const full = seen.find((s) => s.own === null);
  for (const [i, s] of seen.entries()) {
    for (const sender of senders) {
      if (sender === s.own) continue;
      const nums = s.lines.filter((l) => l.startsWith(`${sender}#`)).map((l) => Number(l.split('#')[1]));
      const expected = Array.from({ length: perSender }, (_, k) => k);
      if (nums.length !== perSender || nums.some((n, k) => n !== expected[k])) {
        problems.push(`receiver ${i} got ${nums.length}/${perSender} lines of ${sender}, first bad at ${nums.findIndex((n, k) => n !== k)}`);
      }
    }
    if (full) {
      const expectedOrder = full.lines.filter((l) => !s.own || !l.startsWith(`${s.own}#`));
      if (expectedOrder.join() !== s.lines.join()) problems.push(`receiver ${i} saw the room's lines in another order`);
    }
  }
  return problems;
}
