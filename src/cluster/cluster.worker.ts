// The cluster Worker shell: a ClusterSystem (Redis, the room logs, what each event means for
// this node's connections) off the gateway thread, as the rooms' actors are in a single
// process. Effects and status go back on a MessagePort; the API is carried by comlink.

import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from '../runtime/comlink-node.js';
import type { Envelope, MemberRecord } from '../model/messages.js';
import { ClusterSystem, type ClusterOptions } from './redis-system.js';
import type { ClusterApi, ClusterPush } from './remote.js';

const { options, port } = workerData as { options: ClusterOptions; port: MessagePort };
let open = 0;
const push = (message: ClusterPush): void => port.postMessage(message);
const system = new ClusterSystem(options, {
  onEffects: (effects) => push({ t: 'effects', effects }),
  openHere: () => open,
  onHealth: (degraded, missed) => push({ t: 'health', degraded, missed }),
  onProblem: (message) => push({ t: 'problem', message }),
});

// The gateway's backlog counts envelopes not yet handled, and /healthz says whether Redis is
// reachable: tell it both, now and then (when they changed).
let reported = -1;
let elsewhere = -1;
let degraded: string | null = null;
setInterval(() => {
  if (system.completed === reported && system.openElsewhere() === elsewhere && system.degradedWhy() === degraded) return;
  reported = system.completed;
  elsewhere = system.openElsewhere();
  degraded = system.degradedWhy();
  push({ t: 'status', completed: reported, elsewhere, degraded });
}, 20).unref();

const api: ClusterApi = {
  send(batch: Envelope[]) {
    for (const env of batch) system.send(env);
  },
  setOpen(n: number) {
    open = n;
  },
  restore: (records: MemberRecord[]) => system.restore(records),
  sample: () => system.clusterSample(),
  close: () => system.close(),
};
Comlink.expose(api, nodeEndpoint(parentPort!));
