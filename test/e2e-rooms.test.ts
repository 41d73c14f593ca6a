import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostForRoom } from '../src/runtime/placement.js';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { countNumbered, numbered } from './helpers/sequence.js';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let clients: TestClient[] = [];

async function named(nick: string): Promise<TestClient> {
  const c = await TestClient.named(server.port, nick);
  clients.push(c);
  return c;
}
async function joinRoom(c: TestClient, nick: string, room: string): Promise<void> {
  c.send(`/join ${room}\n`);
  await c.waitFor(texts.joined(nick, room));
}
/** A room name that placement puts on `host` of `hosts`. */
function roomOn(host: number, hosts: number, prefix: string): string {
  for (let i = 0; ; i++) if (hostForRoom(`${prefix}${i}`, hosts) === host) return `${prefix}${i}`;
}

const rooms = suite('e2e: rooms on a pool of two Workers');
rooms.before.each(async () => {
  server = await startServer({ workers: 2 });
});
rooms.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server.close();
});

rooms('rooms are apart; /msg, /nick and /rooms reach across them', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  const carol = await named('carol');
  const a = roomOn(0, 2, 'a');
  const b = roomOn(1, 2, 'b');
  await joinRoom(alice, 'alice', a);
  await joinRoom(bob, 'bob', b);
  alice.send('only for room a\n');
  bob.send('only for room b\n');
  carol.send('only for the lobby\n');
  bob.send(`/msg alice hello from ${b}\n`);
  await alice.waitFor(texts.privateFrom('bob', `hello from ${b}`));
  carol.send('/nick ALICE\n');
  await carol.waitFor('already in use');
  carol.send('/rooms\n');
  await carol.waitFor(` > ${b} (1)`);
  assert.match(carol.text, ` > lobby (1)`);
  assert.match(carol.text, ` > ${a} (1)`);
  await TestClient.settle();
  assert.not.match(alice.text, 'only for room b');
  assert.not.match(alice.text, 'only for the lobby');
  assert.not.match(bob.text, 'only for room a');
  assert.not.match(carol.text, 'only for room');
});

rooms('/join under traffic: each line lands in exactly the room it was sent in, in order', async () => {
  const target = roomOn(1, 2, 't');
  const lobbyWatcher = await named('lw');
  const roomWatcher = await named('rw');
  await joinRoom(roomWatcher, 'rw', target);
  const mover = await named('mover');
  const talkers = [await named('t1'), await named('t2')];
  let burst = '';
  for (let i = 0; i < 300; i++) burst += `${i}\n`;
  for (const t of talkers) t.send(burst);
  let moverLines = '';
  for (let i = 0; i < 200; i++) moverLines += `${i}\n`;
  moverLines += `/join ${target}\n`;
  for (let i = 200; i < 400; i++) moverLines += `${i}\n`;
  mover.send(moverLines);
  await lobbyWatcher.waitFor(() => countNumbered(lobbyWatcher) >= 800, 20_000);
  await roomWatcher.waitFor(() => countNumbered(roomWatcher) >= 200, 20_000);
  await TestClient.settle(200);
  const inLobby = numbered(lobbyWatcher).filter((l) => l.startsWith('mover#')).map((l) => Number(l.slice(6)));
  const inRoom = numbered(roomWatcher).filter((l) => l.startsWith('mover#')).map((l) => Number(l.slice(6)));
  assert.equal(inLobby, Array.from({ length: 200 }, (_, i) => i), 'the lobby got exactly the lines before /join');
  assert.equal(inRoom, Array.from({ length: 200 }, (_, i) => i + 200), 'the room got exactly the lines after');
  for (const t of ['t1', 't2']) {
    const seen = numbered(lobbyWatcher).filter((l) => l.startsWith(`${t}#`)).map((l) => Number(l.split('#')[1]));
    assert.equal(seen, Array.from({ length: 300 }, (_, i) => i), `${t}'s lines, once each and in order`);
  }
  assert.is(numbered(roomWatcher).filter((l) => l.startsWith('t')).length, 0, 'lobby talk never reached the room');
});

rooms('killing one Worker: rooms on the other see nothing; its own rooms come back whole', async () => {
  const safe = roomOn(0, 2, 's'); // host 0 also holds the directory
  const doomed = roomOn(1, 2, 'd');
  const s1 = await named('s1');
  const s2 = await named('s2');
  const d1 = await named('d1');
  const d2 = await named('d2');
  await joinRoom(s1, 's1', safe);
  await joinRoom(s2, 's2', safe);
  await joinRoom(d1, 'd1', doomed);
  await joinRoom(d2, 'd2', doomed);
  s2.clear();
  d2.clear();
  let lines = '';
  for (let i = 0; i < 1000; i++) lines += `${i}\n`;
  s1.send(lines);
  d1.send(lines);
  await d2.waitFor(() => countNumbered(d2) >= 100, 10_000);
  server.kill(1);
  await s2.waitFor(() => countNumbered(s2) >= 1000, 20_000);
  await d2.waitFor(() => countNumbered(d2) >= 1000, 20_000);
  await TestClient.settle(200);
  assert.is(server.gateway.system.restarts, 1);
  for (const [c, from] of [[s2, 's1'], [d2, 'd1']] as const) {
    const nums = numbered(c).map((l) => Number(l.slice(from.length + 1)));
    assert.equal(nums, Array.from({ length: 1000 }, (_, i) => i), `${from}'s lines: once each, in order`);
  }
  assert.is(s2.plainLines().filter((l) => !/ > s1: \d+$/.test(l) && l !== '').length, 0, 'the safe room saw nothing but its chat');
  d2.clear();
  d2.send('/who\n');
  await d2.waitFor(' > in the room: @d1, d2');
  d1.send('after\n');
  await d2.waitFor(texts.message('d1', 'after'));
});

rooms.run();
