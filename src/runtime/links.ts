// How the gateway reaches one actor host: through a Worker (comlink), or directly on the
// main thread (the same host, for measuring what the thread hop costs).

import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { Envelope } from '../model/messages.js';
import { nodeEndpoint } from './comlink-node.js';
import { ActorHost, type HostApi, type HostOutput, type Snapshot } from './host.js';
import type { HostWorkerData } from './host.worker.js';

export interface HostLink {
  handle(batch: Envelope[]): Promise<HostOutput>;
  restore(snapshot: Snapshot): Promise<void>;
  /** Called once if the host dies on its own (not after close()). */
  onExit(listener: (why: string) => void): void;
  close(): Promise<void>;
  /** Ends the host as a crash would (tests, and a host that stops answering); null where it cannot be. */
  readonly kill: (() => void) | null;
}

export type LinkFactory = (index: number, hosts: number) => HostLink;

const WORKER_FILE = new URL('./host.worker.js', import.meta.url);

export const workerLink: LinkFactory = (index, hosts) => {
  const workerData: HostWorkerData = { index, hosts };
  const worker = new Worker(WORKER_FILE, { workerData });
  const api = Comlink.wrap<HostApi>(nodeEndpoint(worker));
  let closing = false;
  let exitListener: ((why: string) => void) | null = null;
  let exited = false;
  const exit = (why: string): void => {
    if (exited || closing) return;
    exited = true;
    exitListener?.(why);
  };
  worker.on('error', (err) => exit(`worker error: ${err instanceof Error ? err.message : String(err)}`));
  worker.on('exit', (code) => exit(`worker exited with code ${code}`));
  return {
    handle: (batch) => api.handle(batch),
    restore: (snapshot) => api.restore(snapshot),
    onExit: (listener) => {
      exitListener = listener;
    },
    close: async () => {
      closing = true;
      api[Comlink.releaseProxy]();
      await worker.terminate();
    },
    kill: () => {
      void worker.terminate();
    },
  };
};

export const inThreadLink: LinkFactory = (index, hosts) => {
  const host = new ActorHost(index, hosts);
  return {
    handle: async (batch) => host.handle(batch),
    restore: async (snapshot) => host.restore(snapshot),
    onExit: () => {},
    close: async () => {},
    kill: null,
  };
};
