// A fuzz run against a running server: thousands of connections' worth of random and
// adversarial byte streams (random bytes, IAC storms, unterminated subnegotiations, 100 KB
// with no newline, lone CRs, invalid UTF-8, escape sequences in names and lines, resets in
// the middle of a write, half-closed sockets), a limited number at once and bounded in time.
// Afterwards: no crash, no unhandled rejection, no actor restart, no connection left behind,
// the watchers never received a control byte that is not one of the server's own colours,
// and a well-behaved pair still chats correctly.
//
// FUZZ_SEED=n reproduces a run (the seed is printed when the test fails).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';
import { waitUntil } from './helpers/wait.js';

const TOTAL = Number(process.env.FUZZ_TOTAL ?? 2000);
const CONCURRENT = 50;
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const IAC = 255, DO = 253, DONT = 254, WILL = 251, WONT = 252, SB = 250, SE = 240;
const ESCAPES = ['\x1b[31m', '\x1b[2J\x1b[H', '\x1b]0;owned\x07', '\x1b]8;;http://evil\x1b\\link', '\x1bc', '\x1b[?1049h', '\x9b2J', '\u009b31m', '\u0085', '\x07', '\x1b', '\x1b[', '\x00', '\x7f', '\b\b\b'];

type Finish = 'end' | 'destroy' | 'reset' | 'wait';

interface Script {
  kind: string;
  writes: Uint8Array[];
  finish: Finish;
}

/** What each fuzz connection does; every kind is chosen with equal chance. */
function makeScript(rnd: () => number, n: number): Script {
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const bytes = (len: number): Buffer => {
    const b = Buffer.allocUnsafe(len);
    for (let i = 0; i < len; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  };
  const finish = (): Finish => pick(['end', 'destroy', 'reset', 'end'] as const);
  const s = (text: string): Buffer => Buffer.from(text, 'utf8');
  const name = `f${n}`;
  const kinds: Array<() => Script> = [
    () => ({ kind: 'random bytes', writes: Array.from({ length: int(1, 6) }, () => bytes(int(1, 2000))), finish: finish() }),
    () => ({ kind: 'named, then random bytes', writes: [s(`${name}\r\n`), ...Array.from({ length: int(1, 6) }, () => bytes(int(1, 500)))], finish: finish() }),
    () => {
      const storm = Buffer.alloc(3 * int(100, 5000));
      for (let i = 0; i < storm.length; i += 3) storm.set(rnd() < 0.05 ? [IAC, SE, IAC] : [IAC, pick([DO, DONT, WILL, WONT, IAC, SB, 241, 244, 246]), int(0, 255)], i);
      return { kind: 'IAC storm', writes: [storm, s(`${name}\r\nstill here\r\n`)], finish: finish() };
    },
    () => ({ kind: 'unterminated SB', writes: [Buffer.from([IAC, SB, 24]), s(`${name}\r\n`), bytes(int(0, 3000)), s('hello\r\n')], finish: pick(['destroy', 'reset', 'end'] as const) }),
    () => ({ kind: '100 KB without newline', writes: [s(`${name}\r\n`), Buffer.alloc(100_000, pick([0x61, 0x20, 0xe2, 0x1b])), s('\r\nafter the long one\r\n')], finish: finish() }),
    () => ({ kind: 'lone CRs', writes: [s(`${name}\r`), s('one\rtwo\r\rthree\r'), s('\r\0four\r')], finish: finish() }),
    () => ({ kind: 'invalid UTF-8', writes: [Buffer.concat([s(name), Buffer.from([0xc3, 0x28, 0x0a])]), Buffer.from([0xf0, 0x9f, 0x98, 0x0a, 0xed, 0xa0, 0x80, 0x41, 0x0a, 0xc0, 0xaf, 0xff, 0xfe, 0x0a]), Buffer.from([0xe2, 0x98]), Buffer.from([0x83, 0x0a])], finish: finish() }),
    () => {
      const evil = () => pick(ESCAPES);
      const lines = Array.from({ length: int(1, 8) }, () => `${evil()}hi${evil()} there${evil()}`);
      return { kind: 'escape sequences', writes: [s(`${evil()}${name}${evil()}\r\n`), ...lines.map((l) => s(`${l}\r\n`)), s(`/me ${evil()}waves\r\n/msg w1 ${evil()}psst\r\n/nick ${name}${evil()}x\r\n`)], finish: finish() };
    },
    () => ({ kind: 'reset mid-write', writes: [s(`${name}\r\nhello\r\n`), bytes(int(10_000, 200_000))], finish: 'reset' }),
    () => ({ kind: 'half-open', writes: [s(`${name}\r\nbye from a half-closed socket\r\n`)], finish: 'end' }),
    () => ({ kind: 'connect and vanish', writes: [], finish: pick(['destroy', 'reset', 'end'] as const) }),
    () => ({ kind: 'character at a time with erases', writes: [...`${name}x\b\r\nhé\x7f\x7fllo\r\0`].map((c) => s(c)), finish: finish() }),
    () => ({ kind: 'commands with junk', writes: [s(`${name}\r\n/nick \x1b[31mred\r\n/msg w1 \x07hi\r\n/who\r\n/nick\r\n/msg\r\n//x\r\n/unknown\x00\r\n/join \x1b[31mred\r\n/join #games\r\nin games\r\n/rooms\r\n/leave\r\n/join ${'r'.repeat(40)}\r\n/quit \x1b[2Jbye\r\n`)], finish: 'wait' }),
    () => ({ kind: 'taken and invalid names', writes: [s(`W1\r\nｗ１\r\n/x\r\n${'y'.repeat(40)}\r\na b\r\nz\u200bz\r\n${name}\r\n`)], finish: finish() }),
    () => ({ kind: 'many lines in one write', writes: [s(`${name}\r\n` + Array.from({ length: int(10, 300) }, (_, i) => `${i}`).join('\n') + '\n')], finish: finish() }),
  ];
  return pick(kinds)();
}

interface Outcome {
  kind: string;
  problem?: string;
}

async function fuzzOne(port: number, script: Script): Promise<Outcome> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  socket.on('data', () => {}); // read and drop: a well-read socket, so the send-queue cap stays out of it
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const connected = await Promise.race([new Promise<boolean>((r) => socket.once('connect', () => r(true))), closed.then(() => false)]);
  if (!connected) return { kind: script.kind };
  for (const w of script.writes) {
    if (socket.destroyed) break;
    socket.write(w);
    await tick();
  }
  switch (script.finish) {
    case 'destroy':
      socket.destroy();
      break;
    case 'reset':
      socket.resetAndDestroy();
      break;
    case 'end':
      socket.end(); // half-close: the server must see it and close its side
      break;
    case 'wait':
      break; // the script ends with /quit: the server closes
  }
  // Liveness, not timing: a server that never closes a half-closed or quit connection leaks it.
  const cancel = new AbortController();
  const timer = sleep(15_000, 'stuck' as const, { signal: cancel.signal }).catch(() => 'closed' as const);
  const r = await Promise.race([closed.then(() => 'closed' as const), timer]);
  cancel.abort();
  if (r === 'stuck') {
    socket.destroy();
    return { kind: script.kind, problem: `the server never closed a "${script.kind}" connection (finish: ${script.finish})` };
  }
  return { kind: script.kind };
}

/** A received stream with the server's colours and line ends removed must hold no control character. */
const OWN_COLOURS = /\x1b\[(?:9[0-7]|39)m/g;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
function foreignControls(received: string): string[] {
  const bad: string[] = [];
  for (const line of received.replace(OWN_COLOURS, '').split('\r\n')) {
    if (CONTROL.test(line)) bad.push(JSON.stringify(line));
  }
  return bad;
}

let server: TestServer | undefined;
let clients: TestClient[] = [];
const failures: string[] = [];
const onRejection = (err: unknown): void => void failures.push(`unhandledRejection: ${String(err)}`);
const onException = (err: unknown): void => void failures.push(`uncaughtException: ${String(err)}`);

const fuzz = suite('fuzz: random and adversarial byte streams against a running server');
fuzz.before(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});
fuzz.after(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

fuzz(`${TOTAL} connections, ${CONCURRENT} at once, then the server still serves well-behaved clients (seed ${SEED})`, async () => {
  server = await startServer({ workers: 2 }); // two actor hosts: the directory and the rooms talk across threads
  const gateway = server.gateway;
  const port = server.port;
  // Two watchers sit in the room through it all: they see what fuzzers who got a name send.
  const w1 = await TestClient.named(port, 'w1');
  const w2 = await TestClient.named(port, 'w2');
  clients.push(w1, w2);

  const rnd = prng(SEED);
  const started = Date.now();
  const outcomes: Outcome[] = [];
  let next = 0;
  async function lane(): Promise<void> {
    while (next < TOTAL && Date.now() - started < BUDGET_MS) {
      const n = next++;
      outcomes.push(await fuzzOne(port, makeScript(rnd, n)));
    }
  }
  await Promise.all(Array.from({ length: CONCURRENT }, lane));

  console.log(`  ${outcomes.length} fuzz connections in ${Date.now() - started} ms (seed ${SEED})`);
  const problems = outcomes.flatMap((o) => (o.problem ? [o.problem] : []));
  assert.equal(problems, [], `seed ${SEED}`);
  assert.ok(outcomes.length >= Math.min(TOTAL, 500), `only ${outcomes.length} connections ran (seed ${SEED})`);

  // Every fuzz socket is closed on our side; the server forgets them all (its close events may trail ours).
  await untilGateway(() => gateway.stats().open === 2 && gateway.stats().named === 2 && gateway.system.pending === 0, 10_000);
  assert.equal(gateway.stats(), { ...gateway.stats(), open: 2, named: 2, restarts: 0 }, `seed ${SEED}`);

  // The watchers are still served, and they never saw a foreign control byte.
  w1.send('are you there?\r\n');
  await w2.waitFor(texts.message('w1', 'are you there?'));
  w2.send('/who\r\n');
  await w2.waitFor(texts.info('in the room: w1, w2'));
  for (const w of [w1, w2]) assert.equal(foreignControls(w.text), [], `seed ${SEED}`);
  assert.ok(/\x1b\[96m > f\d+:/.test(w1.text), 'some fuzzers got a name and talked (else the check above proves little)');

  // A new well-behaved pair chats as if nothing happened.
  const alice = await TestClient.named(port, 'alice');
  const bob = await TestClient.named(port, 'bob');
  clients.push(alice, bob);
  await alice.waitFor(texts.joined('bob', 'lobby'));
  alice.send('hello bob\r\n');
  await bob.waitFor(texts.message('alice', 'hello bob'));
  bob.send('/msg alice hi alice\r\n/me waves\r\n');
  await alice.waitFor(texts.privateFrom('bob', 'hi alice'));
  await alice.waitFor(texts.action('bob', 'waves'));
  await bob.waitFor(texts.privateTo('alice', 'hi alice'));
  alice.send('/quit done\r\n');
  await alice.waitClosed();
  await bob.waitFor(texts.left('alice', 'lobby', 'done'));
  for (const c of [alice, bob]) assert.equal(foreignControls(c.text), []);

  for (const c of clients) c.close();
  clients = [];
  await untilGateway(() => gateway.stats().open === 0 && gateway.stats().named === 0, 10_000);
  assert.equal(failures, [], `seed ${SEED}`);
  assert.is(gateway.stats().restarts, 0, 'no actor host crashed');
});

/** Polls until `cond` holds; fails with what it saw after `ms` (a liveness bound, not a timing check). */
function untilGateway(cond: () => boolean, ms: number): Promise<void> {
  return waitUntil(cond, {
    timeoutMs: ms,
    pollMs: 20,
    failure: () => `still not so after ${ms} ms: ${JSON.stringify(server?.gateway.stats())}, pending ${server?.gateway.system.pending}`,
  });
}

fuzz.run();
