// Binary mode over real sockets: what a client receives at connect, byte for byte, and what the
// server answers to a client's side of the negotiation. (test/telnet-binary-tmux.test.ts does the
// same with Debian's telnet.)

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

const IAC = 255, DO = 253, WONT = 252, WILL = 251, IP = 244;
const BINARY = 0, TIMING_MARK = 6;

let server: TestServer | undefined;
let clients: TestClient[] = [];

const wire = suite('e2e: binary mode on the wire');
wire.before.each(async () => {
  server = await startServer();
});
wire.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  server = undefined;
});

async function connect(): Promise<TestClient> {
  const c = await TestClient.connect(server!.port);
  clients.push(c);
  return c;
}

wire('a new connection receives IAC DO BINARY, then the banner, and nothing else', async () => {
  const c = await connect();
  await c.waitFor(texts.NICK_PROMPT);
  await TestClient.settle();
  assert.equal([...c.bytes], [IAC, DO, BINARY, ...Buffer.from(texts.banner(0))]);
  assert.is(c.text, texts.banner(0), 'what a telnet user reads');
});

wire('the answer to our offer is not answered; DO BINARY is, once; DO TIMING-MARK still gets WONT', async () => {
  const c = await connect();
  await c.waitFor(texts.NICK_PROMPT);
  c.clear();
  c.send(Uint8Array.of(IAC, WILL, BINARY, IAC, DO, BINARY, IAC, DO, BINARY, IAC, WILL, BINARY));
  c.send(Uint8Array.of(IAC, IP, IAC, DO, TIMING_MARK));
  await c.waitFor(() => c.bytes.length >= 6);
  await TestClient.settle();
  assert.equal([...c.bytes], [IAC, WILL, BINARY, IAC, WONT, TIMING_MARK]);
});

wire('in binary mode, a fullwidth nickname ending in a bare LF (as Debian telnet sends it) is taken', async () => {
  const bob = await TestClient.named(server!.port, 'bob');
  clients.push(bob);
  const c = await connect();
  await c.waitFor(texts.NICK_PROMPT);
  c.send(Buffer.concat([Uint8Array.of(IAC, WILL, BINARY), Buffer.from('ａｌｉｃｉａ\nкак у вас 🎉\n')]));
  await bob.waitFor(texts.message('ａｌｉｃｉａ', 'как у вас 🎉'));
});

wire('character at a time in binary mode: DEL erases a whole multi-byte character', async () => {
  // What a telnet in character mode sends (Debian's cannot get there with us: we refuse SGA).
  const bob = await TestClient.named(server!.port, 'bob');
  clients.push(bob);
  const c = await connect();
  await c.waitFor(texts.NICK_PROMPT);
  c.send(Buffer.concat([Uint8Array.of(IAC, WILL, BINARY), Buffer.from('ａｌｉｃｉａ\r\n')]));
  await bob.waitFor('ａｌｉｃｉａ joined the room');
  for (const b of [...Buffer.from('ок 日'), 0x7f, ...Buffer.from('本'), 0x0d, 0x00]) {
    c.send(Uint8Array.of(b));
    await TestClient.settle(2); // separate reads, as keystrokes are
  }
  await bob.waitFor(texts.message('ａｌｉｃｉａ', 'ок 本'));
});

wire.run();
