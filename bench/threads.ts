// Spreads a load generator's connections over client pools: worker threads, or the main
// thread itself (threads = 0). The main thread calls every pool at once and gets one
// answer per pool.

import { Worker } from 'node:worker_threads';
import { ClientPool } from './client-pool.js';
import type { ConnSpec, FromPool, PoolApi, PoolMethod, PoolSetup } from './pool-messages.js';

type Answer<M extends PoolMethod> = Awaited<ReturnType<PoolApi[M]>>;

/** One pool behind a Worker, with the same calls as a ClientPool. */
class ThreadPool {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: FromPool) => {
      if (msg.type === 'ready') return;
      const w = this.waiting.get(msg.id);
      if (w === undefined) return;
      this.waiting.delete(msg.id);
      if (msg.type === 'result') w.resolve(msg.value);
      else w.reject(new Error(msg.message));
    });
    const fail = (err: Error): void => {
      this.exited = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`client pool thread exited (${code})`)));
  }

  static start(setup: PoolSetup): Promise<ThreadPool> {
    const worker = new Worker(new URL('./pool-worker.js', import.meta.url));
    return new Promise((resolve, reject) => {
      worker.once('message', (msg: FromPool) => (msg.type === 'ready' ? resolve(new ThreadPool(worker)) : reject(new Error('bad start'))));
      worker.once('error', reject);
      worker.postMessage({ type: 'setup', setup });
    });
  }

  call<M extends PoolMethod>(method: M, args: Parameters<PoolApi[M]>): Promise<Answer<M>> {
    if (this.exited !== null) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as Answer<M>), reject });
      this.worker.postMessage({ type: 'call', id, method, args });
    });
  }
}

class LocalPool {
  constructor(private readonly pool: ClientPool) {}
  call<M extends PoolMethod>(method: M, args: Parameters<PoolApi[M]>): Promise<Answer<M>> {
    const fn = this.pool[method] as (...a: unknown[]) => Promise<Answer<M>>;
    return fn.apply(this.pool, args);
  }
}

export class Pools {
  private constructor(private readonly pools: Array<ThreadPool | LocalPool>) {}

  /** Deals connections round-robin over `threads` worker threads (0: all in this thread). */
  static async open(base: Omit<PoolSetup, 'conns'>, conns: ConnSpec[], threads: number): Promise<Pools> {
    const n = Math.max(1, threads);
    const parts: ConnSpec[][] = Array.from({ length: n }, () => []);
    conns.forEach((c, i) => parts[i % n]!.push(c));
    // One pure receiver per room and pool keeps the order hashes senders are compared to.
    for (const part of parts) {
      const seen = new Set<string>();
      for (const c of part) {
        if (c.sender < 0 && !seen.has(c.room)) {
          seen.add(c.room);
          c.reference = true;
        }
      }
    }
    const setups = parts.map((part): PoolSetup => ({ ...base, conns: part, joinsInFlight: Math.ceil(base.joinsInFlight / n) }));
    if (threads <= 0) return new Pools([new LocalPool(new ClientPool(setups[0]!))]);
    return new Pools(await Promise.all(setups.map((s) => ThreadPool.start(s))));
  }

  get size(): number {
    return this.pools.length;
  }

  /** Calls every pool at once: one answer per pool. */
  all<M extends PoolMethod>(method: M, ...args: Parameters<PoolApi[M]>): Promise<Array<Answer<M>>> {
    return Promise.all(this.pools.map((p) => p.call(method, args)));
  }

  /** Calls one pool (its own arguments, e.g. a per-thread nick prefix). */
  one<M extends PoolMethod>(index: number, method: M, ...args: Parameters<PoolApi[M]>): Promise<Answer<M>> {
    return this.pools[index]!.call(method, args);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.pools.map((p) => p.call('close', [])));
  }
}
