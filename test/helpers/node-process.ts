// A node-chat server in its own process (for tests that kill it), from the built dist/.
// Started and awaited by the bench's one start-up wait (bench/child.ts).

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startListening } from '../../bench/child.js';

export interface NodeProcess {
  port: number;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startNode(args: string[]): Promise<NodeProcess> {
  const { child, port, output } = await startListening(process.execPath, ['dist/src/main.js', '--port', '0', '--host', '127.0.0.1', '--flood-rate', '0', ...args], {
    name: 'node',
    timeoutMs: 10_000,
  });
  return {
    port,
    child,
    output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
}
