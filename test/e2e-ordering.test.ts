import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TestClient } from './helpers/client.js';
import { checkSequences, countNumbered, numbered } from './helpers/sequence.js';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let clients: TestClient[] = [];

const order = suite('e2e: ordering under load');
order.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server.close();
});

async function room(size: number): Promise<TestClient[]> {
  clients = [];
  for (let i = 0; i < size; i++) clients.push(await TestClient.named(server.port, `u${i}`));
  return clients;
}

function sendAll(sender: TestClient, count: number): void {
  let batch = '';
  for (let k = 0; k < count; k++) batch += `${k}\n`;
  sender.send(batch);
}

order('300 connections closed one after another: the room hears them leave in that order', async () => {
  server = await startServer();
  const watcher = await TestClient.named(server.port, 'watcher');
  const leavers: TestClient[] = [];
  for (let i = 0; i < 300; i++) leavers.push(await TestClient.named(server.port, `v${i}`));
  clients = [watcher, ...leavers];
  watcher.clear();
  for (const c of leavers) c.socket.end(); // one loop: the server sees the FINs in this order
  await watcher.waitFor(() => (watcher.text.match(/left the room/g) ?? []).length >= 300, 20_000);
  const order = [...watcher.plainLines().join('\n').matchAll(/ > v(\d+) left the room/g)].map((m) => Number(m[1]));
  const inversions = order.filter((n, i) => i > 0 && n < order[i - 1]!).length;
  assert.is(order.length, 300);
  assert.is(inversions, 0, `leaves out of order: ${order.slice(0, 40).join(', ')}…`);
});
order('20 clients, 5 sending 200 numbered lines at once: each line once, in order, one order for all', async () => {
  server = await startServer();
  const all = await room(20);
  const senders = all.slice(0, 5);
  for (const s of senders) sendAll(s, 200);
  await Promise.all(all.map((c, i) => c.waitFor(() => countNumbered(c) >= (i < 5 ? 800 : 1000), 20_000)));
  await TestClient.settle(200);
  const problems = checkSequences(
    all.map((c, i) => ({ own: i < 5 ? `u${i}` : null, lines: numbered(c) })),
    senders.map((_, i) => `u${i}`),
    200,
  );
  assert.equal(problems, []);
});

order('a worker killed mid-stream: restarted, restored, every line still once and in order', async () => {
  server = await startServer();
  const all = await room(10);
  const senderNames = ['u0', 'u1', 'u2', 'u3'];
  const perSender = 1500;
  for (const s of all.slice(0, 4)) sendAll(s, perSender);
  const watcher = all[9]!;
  await watcher.waitFor(() => countNumbered(watcher) >= 300, 20_000);
  assert.ok(countNumbered(watcher) < 4 * perSender, 'the kill lands mid-stream');
  server.kill(0);
  await Promise.all(all.map((c, i) => c.waitFor(() => countNumbered(c) >= (i < 4 ? 3 * perSender : 4 * perSender), 30_000)));
  await TestClient.settle(200);
  assert.ok(server.gateway.system.restarts >= 1, 'the worker was restarted');
  const problems = checkSequences(
    all.map((c, i) => ({ own: i < 4 ? `u${i}` : null, lines: numbered(c) })),
    senderNames,
    perSender,
  );
  assert.equal(problems, []);
  // The restored room still knows everyone: names stay taken, chat goes on.
  const late = await TestClient.connect(server.port);
  clients.push(late);
  await late.waitFor('press enter');
  late.send('U5\n');
  await late.waitFor('already in use');
  all[5]!.send('after the crash\n');
  await all[6]!.waitFor('after the crash');
});

order('a join storm: everyone sees exactly the joins from their own on, in the one order', async () => {
  server = await startServer();
  clients = [];
  const watcher = await TestClient.named(server.port, 'watcher');
  clients.push(watcher);
  const storm = await Promise.all(Array.from({ length: 40 }, () => TestClient.connect(server.port)));
  clients.push(...storm);
  await Promise.all(storm.map((c) => c.waitFor('press enter')));
  storm.forEach((c, i) => c.send(`j${i}\n`));
  const joins = (c: TestClient) => [...c.text.matchAll(/ > (j\d+) joined the room/g)].map((m) => m[1]!);
  await watcher.waitFor(() => joins(watcher).length === 40);
  await Promise.all(storm.map((c, i) => c.waitFor(`j${i} joined the room`)));
  await TestClient.settle(200);
  const order = joins(watcher);
  storm.forEach((c, i) => {
    const from = order.indexOf(`j${i}`);
    assert.equal(joins(c), order.slice(from), `j${i} sees its own join and every later one, once, in order`);
  });
});

order.run();
