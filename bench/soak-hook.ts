// Preloaded into the server under soak (`node --expose-gc --import soak-hook.js main.js …`;
// Workers inherit the flags, so it runs in every actor host too). On SIGUSR2 the main thread
// collects garbage, asks every Worker for its heap over a BroadcastChannel, and prints
//   soak-stats {"rss":…,"heapUsed":…,"workerHeaps":[…],"resources":{"TCPSocketWrap":3,…}}
// so the soak reads heaps and open handles from outside with no code in src/.

import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const channel = new BroadcastChannel('node-chat-soak-stats');
channel.unref();

if (isMainThread) {
  process.on('SIGUSR2', () => {
    gc();
    const workerHeaps: Array<{ threadId: number; heapUsed: number }> = [];
    channel.onmessage = (event) => workerHeaps.push(event.data as { threadId: number; heapUsed: number });
    channel.postMessage('ask');
    // Replies come within a few ms; a Worker busy with a batch answers after it.
    setTimeout(() => {
      channel.onmessage = () => {};
      const m = process.memoryUsage();
      const resources: Record<string, number> = {};
      for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
      const stats = { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, workerHeaps, resources };
      process.stdout.write(`soak-stats ${JSON.stringify(stats)}\n`);
    }, 300);
  });
} else {
  channel.onmessage = (event) => {
    if (event.data !== 'ask') return;
    gc();
    channel.postMessage({ threadId, heapUsed: process.memoryUsage().heapUsed });
  };
}

export {};
