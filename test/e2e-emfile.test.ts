import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { startListening } from '../bench/child.js';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';

let server: ChildProcess | null = null;
const sockets: net.Socket[] = [];
const clients: TestClient[] = [];

const emfile = suite('limits: running out of file descriptors');
emfile.after(async () => {
  for (const s of sockets) s.destroy();
  for (const c of clients) c.close();
  if (server && server.exitCode === null) {
    server.kill('SIGKILL');
    await once(server, 'exit');
  }
});

emfile('EMFILE: the server keeps serving the connections it has, and accepts again when fds free up', async () => {
  // A file limit far below the connection cap, so accept() itself runs out of descriptors.
  const started = await startListening('sh', ['-c', `ulimit -n 120 && exec "${process.execPath}" dist/src/main.js --port 0 --host 127.0.0.1 --flood-rate 0 --max-connections 5000`], {
    name: 'the server (ulimit -n 120)',
  });
  server = started.child;
  const port = started.port;
  const alice = await TestClient.named(port, 'alice');
  const bob = await TestClient.named(port, 'bob');
  clients.push(alice, bob);
  // Far more connections than descriptors: the extra ones are refused or closed at once.
  let refused = 0;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      const s = net.connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => {});
      s.on('data', () => {});
      await Promise.race([once(s, 'close').then(() => refused++), new Promise((r) => setTimeout(r, 2000))]);
    }),
  );
  assert.ok(refused > 0, 'some connections could not be taken');
  assert.is(server.exitCode, null, 'the server is still running');
  alice.send('still here\n');
  await bob.waitFor(texts.message('alice', 'still here'));
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 500));
  const carol = await TestClient.named(port, 'carol');
  clients.push(carol);
  await alice.waitFor(texts.joined('carol', 'lobby'));
});

emfile.run();
