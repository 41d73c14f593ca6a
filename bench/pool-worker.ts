// A client pool in a worker thread: a thin shell that answers the main thread's calls.

import { parentPort } from 'node:worker_threads';
import { ClientPool } from './client-pool.js';
import type { FromPool, ToPool } from './pool-messages.js';

const port = parentPort;
if (port === null) throw new Error('pool-worker.js runs inside a Worker');

let pool: ClientPool | null = null;
const post = (msg: FromPool): void => port.postMessage(msg);

port.on('message', (msg: ToPool) => {
  if (msg.type === 'setup') {
    pool = new ClientPool(msg.setup);
    post({ type: 'ready' });
    return;
  }
  const target = pool;
  if (target === null) {
    post({ type: 'error', id: msg.id, message: 'call before setup' });
    return;
  }
  // The method and its arguments come from PoolApi on the other side (threads.ts).
  const fn = target[msg.method] as (...args: unknown[]) => Promise<unknown>;
  fn.apply(target, msg.args).then(
    (value) => post({ type: 'result', id: msg.id, value }),
    (err: unknown) => post({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }),
  );
  if (msg.method === 'close') setImmediate(() => port.close());
});
