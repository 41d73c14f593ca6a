// No gap, no duplicate: while senders write at full speed, members keep joining the room, and
// each joiner sees every line exactly once, either in the history it is shown on joining or
// live after it. History on join is large enough to reach back to the first line, so "every
// line" is checkable: for each sender, what a joiner saw must be 0, 1, 2… N-1, each once, in order.
// Telnet joiners see the history before their join line; IRC joiners (autoreplay) after their JOIN.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { setImmediate as turn } from 'node:timers/promises';
import { TestClient } from './helpers/client.js';
import { ircUser, startIrcServer, type IrcServer } from './helpers/irc.js';

const SENDERS = 4;
/** Lines per sender at most: they stop earlier once every joiner is in. */
const MAX_LINES = 3000;
const JOINERS = 12;

let server: IrcServer;
const clients: TestClient[] = [];
const test = suite('history under load: every line once, in history or live');
test.before(async () => {
  server = await startIrcServer({ history: 100_000, historyOnJoin: 100_000, ircAutoreplay: 100_000, historyRoomBytes: 64 << 20 });
});
test.after(async () => {
  for (const c of clients) c.close();
  await server.close();
});

/** Each sender's line numbers in the order a client saw them (history and live alike). */
function seen(text: string): { perSender: number[][]; history: number; live: number } {
  const perSender = Array.from({ length: SENDERS }, () => [] as number[]);
  let history = 0;
  let live = 0;
  const plain = text.replace(/\x1b\[\d+m/g, '');
  for (const m of plain.matchAll(/(\[\d\d:\d\d\] s\d+: | > s\d+: |PRIVMSG #lobby :)s(\d+) (\d+)\r\n/g)) {
    perSender[Number(m[2])]!.push(Number(m[3]));
    if (m[1]!.startsWith('[')) history++;
    else live++;
  }
  return { perSender, history, live };
}

test('senders at full speed, joiners all along (telnet and IRC): nothing missed, nothing twice', async () => {
  const watcher = await TestClient.named(server.port, 'watcher');
  clients.push(watcher);
  const senders: TestClient[] = [];
  for (let s = 0; s < SENDERS; s++) senders.push(await TestClient.named(server.port, `s${s}`));
  clients.push(...senders);
  const sent = senders.map(() => 0);
  let joined = false;
  // Every sender writes bursts of lines, one burst per loop turn (as fast as the loop turns),
  // until every joiner is in, then one last line that says how many came before it.
  const sending = Promise.all(
    senders.map(async (c, s) => {
      while (!joined && sent[s]! < MAX_LINES) {
        let burst = '';
        for (let k = 0; k < 10; k++) burst += `s${s} ${sent[s]!++}\r\n`;
        c.send(burst);
        await turn();
      }
      c.send(`s${s} end\r\n`);
    }),
  );
  const allDone = (t: string): boolean => senders.every((_, s) => t.includes(`s${s} end\r\n`));
  // Joiners one after another, as fast as each gets in, while the lines flow.
  const joiners: Array<{ c: TestClient; irc: boolean }> = [];
  for (let j = 0; j < JOINERS; j++) {
    if (j % 3 === 2) {
      const c = await ircUser(server.ircPort, `irc${j}`);
      clients.push(c);
      c.send('JOIN #lobby\r\n');
      await c.waitFor(' 366 ');
      joiners.push({ c, irc: true });
    } else {
      const c = await TestClient.named(server.port, `j${j}`);
      clients.push(c);
      joiners.push({ c, irc: false });
    }
  }
  joined = true;
  await sending;
  await watcher.waitFor(allDone, 30_000);
  let crossed = 0;
  for (const { c, irc } of joiners) {
    await c.waitFor(allDone, 30_000);
    const got = seen(c.text);
    for (let s = 0; s < SENDERS; s++) {
      const expected = Array.from({ length: sent[s]! }, (_, i) => i);
      assert.equal(got.perSender[s], expected, `${irc ? 'IRC' : 'telnet'} joiner, sender s${s}: every line once, in order`);
    }
    if (!irc && got.history > 0 && got.live > 0) crossed++;
  }
  // The joins fell while lines were flowing: history and live traffic both carried some (else this proves nothing).
  assert.ok(crossed >= 2, `telnet joiners that saw both history and live lines: ${crossed}`);
});
test.run();
