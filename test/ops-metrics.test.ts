// /metrics over real sockets: scraped over HTTP before and after known traffic from telnet, IRC
// and WebSocket clients, every counter moved by exactly that traffic; closes counted by their
// reason (quit, peer, kicks); refusals; an actor host's crash moves the restart counter.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Config } from '../src/config.js';
import * as texts from '../src/edges/telnet/texts.js';
import type { ActorPool } from '../src/runtime/pool.js';
import { createMetrics } from '../src/ops/metrics.js';
import { TestClient } from './helpers/client.js';
import { ircUser } from './helpers/irc.js';
import { startWebServer, wsUser, WsClient, type WebServer } from './helpers/web.js';
import { waitUntil } from './helpers/wait.js';
import { parseMetrics } from './helpers/metrics.js';

let server: WebServer | null = null;
let clients: Array<{ close(): void }> = [];
const keep = <T extends { close(): void }>(c: T): T => (clients.push(c), c);

async function start(overrides: Partial<Config> = {}): Promise<WebServer> {
  server = await startWebServer(overrides);
  server.web.metrics = createMetrics(server.gateway);
  return server;
}

/** One scrape: every sample as `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${server!.httpPort}/metrics`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', 'text/plain');
  return parseMetrics(await res.text());
}

/** The sample, or 0 when absent (a label set never counted). */
const value = (m: Map<string, number>, key: string): number => m.get(key) ?? 0;
const delta = (before: Map<string, number>, after: Map<string, number>, key: string): number => value(after, key) - value(before, key);

const cleanup = async (): Promise<void> => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  server = null;
};

const traffic = suite('metrics: counters after known traffic');
traffic.after.each(cleanup);

traffic('telnet, IRC and WebSocket users chat: lines, events and bytes move by exactly what was sent and received', async () => {
  await start();
  const alice = keep(await TestClient.named(server!.port, 'alice'));
  const bob = keep(await TestClient.named(server!.port, 'bob'));
  const carol = keep(await ircUser(server!.ircPort, 'carol'));
  carol.send('JOIN #lobby\r\n');
  await carol.waitFor(/ 366 carol #lobby /);
  const dave: WsClient = keep(await wsUser(server!.httpPort, 'dave'));
  dave.send('JOIN #lobby');
  await dave.waitFor(/ 366 dave #lobby /);
  await bob.waitFor('dave joined the room');
  await alice.waitFor('dave joined the room');
  await carol.waitFor(/:dave!\S+ JOIN #lobby/);

  const before = await scrape();
  assert.is(value(before, 'nodechat_connections{protocol="telnet",state="named"}'), 2);
  assert.is(value(before, 'nodechat_connections{protocol="irc",state="named"}'), 1);
  assert.is(value(before, 'nodechat_connections{protocol="websocket",state="named"}'), 1);
  assert.is(value(before, 'nodechat_connections{protocol="telnet",state="registering"}'), 0);
  assert.is(value(before, 'nodechat_connections_opened_total{protocol="telnet"}'), 2);
  assert.is(value(before, 'nodechat_named_users'), 4);
  assert.is(value(before, 'nodechat_rooms'), 1);
  assert.is(value(before, 'nodechat_rooms_here'), 1);
  assert.is(value(before, 'nodechat_actor_host_restarts_total'), 0);
  assert.ok(before.has('nodejs_eventloop_lag_seconds'), 'event-loop lag');

  const wire = [alice, bob, carol].map((c) => c.bytes.length);
  const frames = dave.messages.length;
  const N = 5;
  const M = 3;
  for (let i = 0; i < N; i++) alice.send(`from alice ${i}\r\n`);
  for (let i = 0; i < M; i++) carol.send(`PRIVMSG #lobby :from carol ${i}\r\n`);
  await bob.waitFor(texts.message('alice', `from alice ${N - 1}`));
  await bob.waitFor(texts.message('carol', `from carol ${M - 1}`));
  await alice.waitFor(texts.message('carol', `from carol ${M - 1}`));
  await carol.waitFor(`:from alice ${N - 1}`);
  await dave.waitFor(`:from alice ${N - 1}`);
  await dave.waitFor(`:from carol ${M - 1}`);
  const after = await scrape();

  assert.ok(delta(before, after, 'nodechat_history_bytes') >= (N + M) * 100, 'each line kept costs at least its object');
  assert.is(value(after, 'nodechat_history_bytes'), server!.gateway.historyBytes());
  assert.is(delta(before, after, 'nodechat_lines_received_total{protocol="telnet"}'), N);
  assert.is(delta(before, after, 'nodechat_lines_received_total{protocol="irc"}'), M);
  assert.is(delta(before, after, 'nodechat_lines_received_total{protocol="websocket"}'), 0);
  // Nobody gets their own line: bob N + M, alice M (telnet); carol N (IRC); dave N + M (WebSocket).
  assert.is(delta(before, after, 'nodechat_events_delivered_total{protocol="telnet"}'), N + 2 * M);
  assert.is(delta(before, after, 'nodechat_events_delivered_total{protocol="irc"}'), N);
  assert.is(delta(before, after, 'nodechat_events_delivered_total{protocol="websocket"}'), N + M);
  const got = [alice, bob, carol].map((c, i) => c.bytes.length - wire[i]!);
  assert.is(delta(before, after, 'nodechat_bytes_written_total{protocol="telnet"}'), got[0]! + got[1]!);
  assert.is(delta(before, after, 'nodechat_bytes_written_total{protocol="irc"}'), got[2]!);
  // Each line is one WebSocket message; these are short, so each frame's header is 2 bytes.
  const wsBytes = dave.messages.slice(frames).reduce((n, m) => n + Buffer.byteLength(m.text) + 2, 0);
  assert.is(delta(before, after, 'nodechat_bytes_written_total{protocol="websocket"}'), wsBytes);
  const writes = delta(before, after, 'nodechat_socket_writes_total{protocol="telnet"}');
  assert.ok(writes >= 2 && writes <= N + 2 * M, `telnet writes ${writes}: at least one per recipient, at most one per event`);
  assert.is(delta(before, after, 'nodechat_connections_opened_total{protocol="telnet"}'), 0);
  assert.is(value(after, 'nodechat_actor_backlog'), 0);
  assert.ok(value(after, 'nodechat_actor_messages_total{host="0"}') > value(before, 'nodechat_actor_messages_total{host="0"}'));
});

traffic('closes are counted by reason: quit, peer, ping timeout; refusals by reason', async () => {
  await start({ maxConnections: 4 });
  const quitter = keep(await TestClient.named(server!.port, 'quitter'));
  quitter.send('/quit\r\n');
  await quitter.waitClosed();
  const dropper = keep(await TestClient.named(server!.port, 'dropper'));
  dropper.close();
  // A quiet IRC client: the injected clock sweeps as if 200 s, then 300 s, had passed.
  const quiet = keep(await ircUser(server!.ircPort, 'quiet'));
  const t0 = performance.now();
  server!.gateway.keepalive(t0 + 200_000);
  await quiet.waitFor('PING :node-chat');
  server!.gateway.keepalive(t0 + 300_000);
  await quiet.waitClosed();
  await waitUntil(() => server!.gateway.stats().open === 0, { timeoutMs: 5000, failure: () => 'timed out waiting for every connection gone' });

  const m = await scrape();
  assert.is(value(m, 'nodechat_disconnects_total{protocol="telnet",reason="quit"}'), 1);
  assert.is(value(m, 'nodechat_disconnects_total{protocol="telnet",reason="peer"}'), 1);
  assert.is(value(m, 'nodechat_disconnects_total{protocol="irc",reason="ping_timeout"}'), 1);
  assert.is(value(m, 'nodechat_disconnects_total{protocol="irc",reason="peer"}'), 0);
  assert.is(value(m, 'nodechat_disconnects_total{protocol="telnet",reason="send_queue"}'), 0);
  for (const state of ['registering', 'named', 'closing']) assert.is(value(m, `nodechat_connections{protocol="telnet",state="${state}"}`), 0, state);

  // Four may be open at once: the fifth is turned away.
  for (let i = 0; i < 4; i++) keep(await TestClient.connect(server!.port));
  await waitUntil(() => server!.gateway.stats().open === 4, { timeoutMs: 5000, failure: () => 'timed out waiting for four open' });
  const fifth = keep(await TestClient.connect(server!.port));
  await fifth.waitClosed();
  // A WebSocket at the cap: upgraded, told why, closed (counted under its own protocol).
  const ws = keep(await WsClient.open(server!.httpPort));
  await waitUntil(() => ws.closeCode !== null, { timeoutMs: 5000, failure: () => 'timed out waiting for the WebSocket to be closed' });
  const refused = await scrape();
  assert.is(value(refused, 'nodechat_connections_refused_total{protocol="telnet",reason="full"}'), 1);
  assert.is(value(refused, 'nodechat_connections_refused_total{protocol="websocket",reason="full"}'), 1);
  assert.is(value(refused, 'nodechat_connections{protocol="telnet",state="registering"}'), 4);
});

traffic('kicks are counted by cause: a registration timeout, a flooder (and its one throttled stretch)', async () => {
  await start({ registerTimeoutSeconds: 2, floodRate: 1, floodBurst: 1, floodKickSeconds: 0 });
  const silent = keep(await TestClient.connect(server!.port));
  // Burst 1: the name takes the token, the next line waits a second, the one after is over the limit again.
  const flooder = keep(await TestClient.named(server!.port, 'flooder'));
  flooder.send('one\r\ntwo\r\nthree\r\n');
  await silent.waitClosed(10_000); // no nickname within 2 s
  await flooder.waitClosed(5000);
  await waitUntil(() => server!.gateway.stats().open === 0, { timeoutMs: 5000, failure: () => 'timed out waiting for every connection gone' });
  const m = await scrape();
  assert.is(value(m, 'nodechat_disconnects_total{protocol="telnet",reason="registration_timeout"}'), 1);
  assert.is(value(m, 'nodechat_disconnects_total{protocol="telnet",reason="flood"}'), 1);
  assert.is(value(m, 'nodechat_throttles_total{protocol="telnet"}'), 1);
  assert.is(value(m, 'nodechat_lines_received_total{protocol="telnet"}'), 4, 'the name and three lines');
});

const actors = suite('metrics: actor hosts');
actors.after.each(async () => {
  delete process.env.NODE_CHAT_TEST_CRASH_ON;
  await cleanup();
});

actors('a Worker killed moves the restart counter by one; rooms and users are as before', async () => {
  await start();
  const a = keep(await TestClient.named(server!.port, 'a'));
  const b = keep(await TestClient.named(server!.port, 'b'));
  const before = await scrape();
  (server!.gateway.system as ActorPool).kill(0);
  await waitUntil(() => server!.gateway.system.restarts === 1, { timeoutMs: 5000, failure: () => 'timed out waiting for the restart' });
  a.send('after the crash\r\n');
  await b.waitFor(texts.message('a', 'after the crash'));
  const after = await scrape();
  assert.is(delta(before, after, 'nodechat_actor_host_restarts_total'), 1);
  assert.is(value(after, 'nodechat_named_users'), 2);
  assert.is(value(after, 'nodechat_rooms'), 1);
  assert.is(value(after, 'nodechat_actor_messages_dropped_total'), 0);
});

actors('a message that kills its host every time: the restarts and the one dropped message are counted', async () => {
  process.env.NODE_CHAT_TEST_CRASH_ON = 'poison';
  await start();
  const a = keep(await TestClient.named(server!.port, 'a'));
  const b = keep(await TestClient.named(server!.port, 'b'));
  a.send('poison\r\nafter\r\n');
  await b.waitFor(texts.message('a', 'after'));
  const m = await scrape();
  assert.is(value(m, 'nodechat_actor_host_restarts_total'), server!.gateway.system.restarts);
  assert.ok(value(m, 'nodechat_actor_host_restarts_total') >= 3);
  assert.is(value(m, 'nodechat_actor_messages_dropped_total'), 1);
});

traffic.run();
actors.run();
