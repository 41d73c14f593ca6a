// A node-chat server in its own process (for tests that kill it), from the built dist/.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface NodeProcess {
  port: number;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startNode(args: string[]): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['dist/src/main.js', '--port', '0', '--host', '127.0.0.1', '--flood-rate', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 10_000;
  while (!/listening on \S+:(\d+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`node did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port: Number(/listening on \S+:(\d+)/.exec(out)![1]),
    child,
    output: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
}
