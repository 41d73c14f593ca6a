// comlink's Node adapter, typed. Its UMD build sets module.exports to the function itself
// while its .d.ts declares an ES default export, so under NodeNext TypeScript sees a
// namespace where Node gives the function: the one cast lives here.

import type { MessagePort, Worker } from 'node:worker_threads';
import type { Endpoint } from 'comlink';
import adapter from 'comlink/dist/umd/node-adapter.js';

export const nodeEndpoint = adapter as unknown as (port: Worker | MessagePort) => Endpoint;
