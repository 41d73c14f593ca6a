// A throwaway redis-server on a free port, persistence off, for cluster tests.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';

export interface TestRedis {
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Stops and starts it again on the same port: empty, as after a crash without persistence. */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function launch(port: number): Promise<ChildProcess> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: `apt-get install redis-server` (.ci/run does it)');
  }
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

export async function startRedis(): Promise<TestRedis> {
  // A free port can be taken between finding it and redis binding it (tests run two at a time): try again.
  let port = 0;
  let child: ChildProcess | null = null;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
    } catch (err) {
      if (attempt >= 3 || String(err).includes('not installed')) throw err;
    }
  }
  const handle: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    stop: () => stopChild(handle.process),
    restart: async () => {
      await stopChild(handle.process);
      handle.process = await launch(port);
    },
  };
  return handle;
}
