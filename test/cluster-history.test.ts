// History in a cluster, against a real Redis: read from each room's log, so it is the same on
// every node (the msgids too), outlives the node that carried the lines, and says so when Redis
// restarted empty since the message a client asks about.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterSystem } from '../src/cluster/remote.js';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let nodes: IrcServer[] = [];
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const CAPS = ['batch', 'server-time', 'message-tags', 'echo-message', 'draft/chathistory'];

async function node(): Promise<IrcServer> {
  const n = await startIrcServer({}, clusterSystem({ url: redis.url, retention: 10_000 }));
  nodes.push(n);
  return n;
}

/** The CHATHISTORY answer's lines inside its batch (without the batch tag), once the batch closed. */
async function history(c: TestClient, command: string): Promise<string[]> {
  c.clear();
  c.send(`${command}\r\n`);
  await c.waitFor(/BATCH -\S+\r\n/, 10_000);
  return lines(c)
    .filter((l) => l.includes('PRIVMSG'))
    .map((l) => l.replace(/^@batch=[^;]+;/, '@'));
}

const cluster = suite('cluster: history from the room logs');
cluster.before.each(async () => {
  redis = await startRedis();
});
cluster.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
  await redis.stop();
});

cluster('the same lines and msgids on every node; bounds by msgid; the node that carried them gone', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', CAPS));
  al.send('JOIN #dev\r\n');
  await al.waitFor(' 366 ');
  const echoes: string[] = [];
  for (let i = 0; i < 6; i++) {
    al.clear();
    al.send(`PRIVMSG #dev :line ${i}\r\n`);
    await al.waitFor(`:line ${i}\r\n`);
    echoes.push(lines(al).find((l) => l.includes(`:line ${i}`))!);
  }
  const bo = keep(await ircUser(two.ircPort, 'bob', CAPS));
  bo.send('JOIN #dev\r\n');
  await bo.waitFor(' 366 ');
  assert.equal(await history(bo, 'CHATHISTORY LATEST #dev * 10'), echoes, 'node two reads what node one sent, ids and times as live');
  const msgid = (i: number): string => /msgid=(\S+)/.exec(echoes[i]!)![1]!;
  assert.equal(await history(bo, `CHATHISTORY BEFORE #dev msgid=${msgid(3)} 2`), echoes.slice(1, 3));
  assert.equal(await history(bo, `CHATHISTORY AFTER #dev msgid=${msgid(3)} 10`), echoes.slice(4));
  assert.equal(await history(bo, `CHATHISTORY AROUND #dev msgid=${msgid(3)} 3`), echoes.slice(2, 5));
  assert.equal(await history(bo, `CHATHISTORY BETWEEN #dev msgid=${msgid(5)} msgid=${msgid(0)} 2`), echoes.slice(3, 5));
  // The node that carried them closes; a new one reads the same.
  await one.close();
  nodes = nodes.filter((n) => n !== one);
  const three = await node();
  const tom = keep(await TestClient.named(three.port, 'tom'));
  tom.send('/join dev\r\n');
  await tom.waitFor('sent before', 10_000); // shown on joining (lines 0 to 5)
  tom.clear();
  tom.send('/history 3\r\n');
  await tom.waitFor('sent before', 10_000);
  const told = tom.text.replace(/\x1b\[\d+m/g, '');
  assert.match(told, /\[\d\d:\d\d\] alice: line 3\r\n \[\d\d:\d\d\] alice: line 4\r\n \[\d\d:\d\d\] alice: line 5\r\n/);
  assert.not.match(told, 'line 2');
});

cluster('Redis restarted empty: asking after a message it lost says history was reset', async () => {
  const one = await node();
  const al = keep(await ircUser(one.ircPort, 'alice', CAPS));
  al.send('JOIN #dev\r\nPRIVMSG #dev :before\r\n');
  await al.waitFor(':before\r\n');
  const old = /msgid=(\S+)/.exec(lines(al).find((l) => l.includes(':before'))!)![1]!;
  await redis.restart();
  await al.waitFor('restarted and lost recent history', 15_000);
  // Registered again (the server does it); back in #dev once the JOIN is through.
  await new Promise((r) => setTimeout(r, 20)); // distinct milliseconds: the new line comes after the epoch began
  al.send('JOIN #dev\r\n');
  await al.waitFor(' 366 ', 10_000);
  al.send('PRIVMSG #dev :after\r\n');
  await al.waitFor(':after\r\n', 10_000);
  al.clear();
  al.send(`CHATHISTORY AFTER #dev msgid=${old} 10\r\n`);
  await al.waitFor(/BATCH -\S+\r\n/, 10_000);
  assert.match(al.text, 'NOTE CHATHISTORY HISTORY_RESET #dev');
  assert.match(al.text, ':after\r\n');
  assert.not.match(al.text, ':before\r\n');
});
cluster('a telnet joiner on another node: its join line, the lines before it from the log, then live', async () => {
  const [one, two] = [await node(), await node()];
  const bob = keep(await TestClient.named(one.port, 'bob'));
  for (let i = 1; i <= 3; i++) bob.send(`early ${i}\r\n`);
  const watcher = keep(await TestClient.named(one.port, 'watcher'));
  await watcher.waitFor('early 3');
  const alice = keep(await TestClient.named(two.port, 'alice'));
  bob.send('live one\r\n');
  await alice.waitFor('live one', 10_000);
  const text = alice.text.replace(/\x1b\[\d+m/g, '');
  assert.match(text, /> alice joined the room\r\n \[\d\d:\d\d\] bob: early 1\r\n \[\d\d:\d\d\] bob: early 2\r\n \[\d\d:\d\d\] bob: early 3\r\n > --- the lines above were sent before \(\/history N for more\) ---\r\n > bob: live one\r\n/);
});

/** Each sender's line numbers as a client saw them, history and live alike. */
function numbers(text: string, senders: number): number[][] {
  const per = Array.from({ length: senders }, () => [] as number[]);
  for (const m of text.replace(/\x1b\[\d+m/g, '').matchAll(/(?:\[\d\d:\d\d\] | > )s\d+: s(\d+) (\d+)\r\n/g)) per[Number(m[1])]!.push(Number(m[2]));
  return per;
}

cluster('no gap, no duplicate across nodes: senders at full speed on one node, members joining on the other', async () => {
  const [one, two] = [await node(), await node()];
  const SENDERS = 2;
  const senders: TestClient[] = [];
  for (let s = 0; s < SENDERS; s++) senders.push(keep(await TestClient.named(one.port, `s${s}`)));
  const sent = senders.map(() => 0);
  let joined = false;
  const sending = Promise.all(
    senders.map(async (c, s) => {
      while (!joined && sent[s]! < 1500) {
        let burst = '';
        for (let k = 0; k < 10; k++) burst += `s${s} ${sent[s]!++}\r\n`;
        c.send(burst);
        await new Promise((r) => setImmediate(r));
      }
      c.send(`s${s} end\r\n`);
    }),
  );
  const joiners: TestClient[] = [];
  for (let j = 0; j < 6; j++) joiners.push(keep(await TestClient.named(two.port, `j${j}`)));
  joined = true;
  await sending;
  let crossed = 0;
  for (const c of joiners) {
    await c.waitFor((t) => senders.every((_, s) => t.replace(/\x1b\[\d+m/g, "").includes(`s${s} end\r\n`)), 30_000);
    const got = numbers(c.text, SENDERS);
    // --history-on-join is 20: what a joiner saw starts at some line and runs on without a gap or a repeat.
    for (let s = 0; s < SENDERS; s++) {
      const seen = got[s]!;
      const first = seen[0] ?? sent[s]!;
      assert.equal(seen, Array.from({ length: sent[s]! - first }, (_, i) => first + i), `sender s${s}: every line from ${first} on, once, in order`);
    }
    if (/\[\d\d:\d\d\] s\d+: /.test(c.text.replace(/\x1b\[\d+m/g, '')) && / > s\d+: s/.test(c.text.replace(/\x1b\[\d+m/g, ''))) crossed++;
  }
  assert.ok(crossed >= 2, `joiners that saw both history and live lines: ${crossed}`);
});
cluster.run();
