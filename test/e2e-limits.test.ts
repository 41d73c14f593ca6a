import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { startListening } from '../bench/child.js';
import type { Config } from '../src/config.js';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { countNumbered } from './helpers/sequence.js';
import { startServer, type TestServer } from './helpers/server.js';
import { waitUntil } from './helpers/wait.js';

let server: TestServer | null = null;
let clients: TestClient[] = [];

async function start(overrides: Partial<Config> = {}): Promise<TestServer> {
  server = await startServer(overrides);
  return server;
}
async function named(nick: string): Promise<TestClient> {
  const c = await TestClient.named(server!.port, nick);
  clients.push(c);
  return c;
}
async function connect(): Promise<TestClient> {
  const c = await TestClient.connect(server!.port);
  clients.push(c);
  return c;
}
const cleanup = async (): Promise<void> => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  server = null;
};

const slow = suite('limits: a slow consumer');
slow.after.each(cleanup);
slow('a client that stops reading is cut off at its queue cap; the others keep up', async () => {
  await start({ sendQueue: 256 * 1024 });
  const sender = await named('sender');
  const reader = await named('reader');
  const stalled = await named('stalled');
  stalled.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue
  await reader.waitFor('stalled joined the room'); // a joiner hears its own join first: wait for the reader's copy
  // The reader counts lines as they stream, without keeping them, so it keeps up like a real client.
  reader.clear();
  reader.socket.removeAllListeners('data');
  let lines = 0;
  let sawLeave = false;
  const leave = Buffer.from(texts.left('stalled', 'lobby'));
  let tail = Buffer.alloc(0); // the leave line may be split between reads
  reader.socket.on('data', (d: Buffer) => {
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    if (d.includes(leave) || Buffer.concat([tail, d.subarray(0, leave.length)]).includes(leave)) sawLeave = true;
    tail = Buffer.from(d.subarray(-leave.length));
  });
  const until = (ok: () => boolean, ms: number): Promise<void> => waitUntil(ok, { timeoutMs: ms, pollMs: 5, failure: () => `timed out (${lines} lines)` });
  // Rounds of 100 lines, each sent once the reader has the last: a reader that keeps reading
  // is never far behind, while the stalled one falls further behind every round.
  const line = 'x'.repeat(900);
  const total = 30_000; // ≈ 27 MB: far more than loopback buffers plus the cap
  for (let sent = 0; sent < total; ) {
    let chunk = '';
    for (let i = 0; i < 100; i++, sent++) chunk += `${line} ${sent}\n`;
    sender.send(chunk);
    const expected = sent + (sawLeave ? 1 : 0);
    await until(() => lines >= expected, 10_000);
  }
  await until(() => sawLeave, 30_000);
  assert.is(server!.gateway.stats().open, 2, 'the stalled connection is gone from the server');
  await until(() => lines >= total + 1, 60_000);
  assert.is(lines, total + 1, 'the reader got every line, and the leave line');
  stalled.socket.resume(); // a paused socket never sees its close: read what is left
  await stalled.waitClosed(30_000);
});
slow.run();

const flood = suite('limits: a flooder');
flood.after.each(cleanup);
flood('over the burst, lines are throttled (not dropped), and others are not slowed', async () => {
  await start({ floodRate: 20, floodBurst: 5, floodKickSeconds: 30 });
  const flooder = await named('flooder');
  const other = await named('other');
  const watcher = await named('watcher');
  let burst = '';
  for (let i = 0; i < 40; i++) burst += `${i}\n`;
  flooder.send(burst);
  await watcher.waitFor(() => countNumbered(watcher) >= 5);
  other.send('meanwhile\n');
  await watcher.waitFor(() => countNumbered(watcher) === 40, 10_000);
  // Not slowed: a line sent while the flood is held back is not queued behind it. Asserted as
  // an order in what the watcher received (how fast the pacing goes is the bench's business).
  const at = (text: string): number => watcher.text.indexOf(text);
  assert.ok(at(texts.message('other', 'meanwhile')) >= 0, 'the other line arrived');
  assert.ok(at(texts.message('other', 'meanwhile')) < at(texts.message('flooder', '39')), 'the other line overtook the paced flood');
  const nums = [...watcher.text.matchAll(/flooder:\x1b\[39m (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(nums, Array.from({ length: 40 }, (_, i) => i), 'all of them, in order');
});
flood('a pasted flood: what one connection holds stays under the cap, the rest is read as it drains, nothing lost', async () => {
  await start({ floodRate: 2000, floodBurst: 5, floodKickSeconds: 30, heldLines: 50 });
  const flooder = await named('flooder');
  const watcher = await named('watcher');
  const conn = [...server!.gateway['conns'].values()].find((c) => c.id === 1)!;
  let most = 0;
  const sample = setInterval(() => (most = Math.max(most, conn.held.length)), 1);
  let paste = '';
  for (let i = 0; i < 3000; i++) paste += `${i}\n`;
  flooder.send(paste); // about 14 KB: a few reads, each of thousands of lines
  try {
    await watcher.waitFor(texts.message('flooder', '2999'), 20_000);
  } finally {
    clearInterval(sample);
  }
  assert.ok(most <= 50, `held at most ${most} lines`);
  const nums = [...watcher.text.matchAll(/flooder:\x1b\[39m (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(nums, Array.from({ length: 3000 }, (_, i) => i));
});
flood('a sender that stays over the limit past the ceiling is disconnected with a reason', async () => {
  await start({ floodRate: 2, floodBurst: 2, floodKickSeconds: 1 });
  const flooder = await named('flooder');
  const watcher = await named('watcher');
  const timer = setInterval(() => !flooder.closed && flooder.send('spam\n'.repeat(20)), 100);
  try {
    await flooder.waitClosed(10_000);
  } finally {
    clearInterval(timer);
  }
  assert.match(flooder.text, 'flooding');
  await watcher.waitFor(texts.left('flooder', 'lobby'));
});
flood('a flood of commands that wait on an answer (/msg) is kicked all the same', async () => {
  await start({ floodRate: 2, floodBurst: 2, floodKickSeconds: 1 });
  const flooder = await named('flooder');
  const timer = setInterval(() => !flooder.closed && flooder.send('/msg flooder x\n'.repeat(20)), 100);
  try {
    await flooder.waitClosed(10_000);
  } finally {
    clearInterval(timer);
  }
  assert.match(flooder.text, 'flooding');
});
flood.run();

const caps = suite('limits: connections and registration');
caps.after.each(cleanup);
caps('over the total cap, a new socket gets one line of reason and is closed', async () => {
  await start({ maxConnections: 2 });
  const a = await connect();
  const b = await connect();
  await a.waitFor(texts.NICK_PROMPT);
  await b.waitFor(texts.NICK_PROMPT);
  const c = await connect();
  await c.waitClosed();
  assert.match(c.text, 'the server is full');
  b.close();
  await TestClient.settle();
  const d = await connect();
  await d.waitFor(texts.NICK_PROMPT);
  assert.match(d.text, '1 other person');
});
caps('refused sockets that never close their side do not keep their descriptors', async () => {
  await start({ maxConnections: 1 });
  const first = await connect();
  await first.waitFor(texts.NICK_PROMPT);
  const fds = (): number => readdirSync('/proc/self/fd').length;
  const before = fds();
  const refused: TestClient[] = [];
  for (let i = 0; i < 10; i++) refused.push(await connect()); // never read past the notice, never closed here
  for (const r of refused) await r.waitFor('the server is full');
  await waitUntil(() => server!.gateway['refusing'] === 0, { timeoutMs: 1500, failure: () => 'the refused sockets were not let go' });
  // Our 10 client sockets live in this process too; the server's ends of them must be gone.
  assert.ok(fds() <= before + 10 + 1, `${fds() - before} descriptors more than before`);
  for (const r of refused) r.close();
});
caps('no nickname within the timeout: told why, then closed', async () => {
  await start({ registerTimeoutSeconds: 1 });
  const idle = await connect();
  await idle.waitClosed(5000);
  assert.match(idle.text, 'no nickname chosen');
  const named2 = await named('quick');
  await TestClient.settle(1500); // past its deadline, which still comes due
  assert.not.ok(named2.closed, 'a named user is not timed out');
});
caps.run();

const crash = suite('limits: a crashing actor');
crash.after.each(async () => {
  delete process.env.NODE_CHAT_TEST_CRASH_ON;
  await cleanup();
});
crash('a line that throws in the actor: host restarted, the line given up, everyone else unharmed', async () => {
  process.env.NODE_CHAT_TEST_CRASH_ON = 'poison';
  await start();
  const a = await named('a');
  const b = await named('b');
  a.send('before\npoison\nafter\n');
  await b.waitFor(texts.message('a', 'after'));
  assert.ok(server!.gateway.system.restarts >= 3, `restarted ${server!.gateway.system.restarts} times`);
  assert.not.match(b.text, 'poison');
  assert.match(b.text, texts.message('a', 'before'));
  b.send('/who\n');
  await b.waitFor('in the room: a, b');
});
crash.run();

const shutdown = suite('limits: graceful shutdown');
shutdown('SIGTERM: every user gets the notice, the process exits 0', async () => {
  const { child, port } = await startListening(process.execPath, ['dist/src/main.js', '--port', '0', '--host', '127.0.0.1'], { name: 'the server', stderr: 'inherit' });
  try {
    const a = await TestClient.named(port, 'a');
    const b = await TestClient.connect(port);
    await b.waitFor(texts.NICK_PROMPT);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.is(code, 0);
    for (const c of [a, b]) {
      await c.waitClosed();
      assert.match(c.text, texts.farewell({ code: 'shutdown' }, true));
    }
  } finally {
    child.kill('SIGKILL');
  }
});
shutdown.run();

const keepalive = suite('limits: a vanished peer');
keepalive.after.each(cleanup);
/** The kernel's timer on the server's end of a connection: `tr` and seconds left, from /proc/net/tcp (Linux). */
function serverSideTimer(serverPort: number, clientPort: number): { tr: number; seconds: number } | null {
  const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
  for (const row of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = row.trim().split(/\s+/);
    if (f.length < 6 || !f[1]!.endsWith(`:${hex(serverPort)}`) || !f[2]!.endsWith(`:${hex(clientPort)}`)) continue;
    const [tr, when] = f[5]!.split(':');
    return { tr: parseInt(tr!, 16), seconds: parseInt(when!, 16) / 100 }; // USER_HZ is 100 on Linux
  }
  return null;
}
keepalive('an idle connection has TCP keepalive armed after the configured silence', async () => {
  // A peer that vanishes (cable pulled, laptop closed) sends nothing: only keepalive probes find
  // out. Loopback cannot lose a peer, so this checks the kernel armed the probe timer as configured.
  await start({ keepAliveSeconds: 37 });
  const a = await named('a');
  const b = await named('b');
  await b.waitFor('b joined the room');
  await TestClient.settle(200); // the last segments acknowledged: no retransmit timer pending
  for (const c of [a, b]) {
    const timer = serverSideTimer(server!.port, c.socket.localPort!);
    assert.ok(timer, 'the server end is in /proc/net/tcp');
    assert.is(timer!.tr, 2, 'the keepalive timer is the one pending');
    assert.ok(timer!.seconds > 30 && timer!.seconds <= 37, `due within the configured 37 s (${timer!.seconds} s)`);
  }
});
keepalive.run();
