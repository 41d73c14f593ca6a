// The Worker shell: one ActorHost, exposed to the gateway through comlink. Nothing else
// lives here, so everything the host does is tested without a Worker.

import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from './comlink-node.js';
import { ActorHost } from './host.js';

export interface HostWorkerData {
  index: number;
  hosts: number;
}

const { index, hosts } = workerData as HostWorkerData;
// NODE_CHAT_TEST_CRASH_ON is a test hook (never a user command): a line with that exact text throws.
const crashOn = process.env.NODE_CHAT_TEST_CRASH_ON ?? null;
Comlink.expose(new ActorHost(index, hosts, { crashOn }), nodeEndpoint(parentPort!));
