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
  await tom.waitFor('people in dev');
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
cluster.run();
