// The gateway's side of cluster mode: the ActorSystem it talks to, backed by the cluster
// Worker (cluster.worker.ts). Envelopes go over in batches, one comlink call per event-loop
// turn; effects come back on a MessagePort as the Worker reads them from the logs.
// Supervised: a dead cluster Worker is restarted with the same node id and given back this
// node's users from what the gateway knows.

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import * as Comlink from 'comlink';
import { nodeEndpoint } from '../runtime/comlink-node.js';
import { quietEvents, type ActorSystem, type SystemEvents, type SystemFactory, type SystemHooks } from '../runtime/system.js';
import type { ClusterSample, SystemSample } from '../model/samples.js';
import type { ConnId, Effect, Envelope, MemberRecord } from '../model/messages.js';
import type { ClusterOptions } from './redis-system.js';

export interface ClusterApi {
  send(batch: Envelope[]): void;
  setOpen(n: number): void;
  restore(records: MemberRecord[]): Promise<void>;
  /** Its counts for /metrics (see ClusterSystem.clusterSample). */
  sample(): Promise<ClusterSample>;
  close(): Promise<void>;
}

/** What the cluster Worker sends the gateway unasked, on its MessagePort. */
export type ClusterPush =
  | { t: 'effects'; effects: Effect[] }
  /** `degraded`: why the node does not serve as it should (Redis unreachable), or null. */
  | { t: 'status'; completed: number; elsewhere: number; degraded: string | null }
  /** Redis became unreachable (degraded), or reachable again; for the operator's log. */
  | { t: 'health'; degraded: boolean; missed: number }
  /** A store command failed; for the operator's log. */
  | { t: 'problem'; message: string };

/** How long a scrape waits for the cluster Worker's sample before reporting without it. */
const SAMPLE_WAIT_MS = 2000;

const WORKER_FILE = new URL('./cluster.worker.js', import.meta.url);

export const clusterSystem =
  (options: ClusterOptions, events: SystemEvents = quietEvents): SystemFactory =>
  (hooks) =>
    new RemoteCluster({ ...options, node: options.node ?? randomBytes(6).toString('hex') }, hooks, events);

export class RemoteCluster implements ActorSystem {
  restarts = 0;
  private worker!: Worker;
  private api!: Comlink.Remote<ClusterApi>;
  private port!: MessagePort;
  private queued: Envelope[] = [];
  private flushScheduled = false;
  private sent = 0;
  private completed = 0;
  private elsewhere = 0;
  /** What the Worker last said of Redis (see ClusterSystem.degradedWhy); until its first word, not serving. */
  private degraded: string | null = 'not connected to redis yet';
  private closing = false;
  private readonly loadTimer: NodeJS.Timeout;

  constructor(
    private readonly options: ClusterOptions,
    private readonly hooks: SystemHooks,
    private readonly events: SystemEvents = quietEvents,
  ) {
    this.start();
    this.loadTimer = setInterval(() => void this.api.setOpen(hooks.openHere()), 250);
  }

  get pending(): number {
    return this.sent - this.completed;
  }

  /** Rooms' history is their logs in Redis: the cluster Worker answers history questions from them. */
  readonly keepsHistory = true;

  openElsewhere(): number {
    return this.elsewhere;
  }

  health(): string | null {
    return this.degraded;
  }

  send(env: Envelope): void {
    this.queued.push(env);
    this.sent++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        const batch = this.queued;
        this.queued = [];
        void this.api.send(batch);
      });
    }
  }

  /** The Worker's counts; while it does not answer (restarting, stuck), none but the restarts. */
  async sample(): Promise<SystemSample> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), SAMPLE_WAIT_MS)));
    const cluster = await Promise.race([this.api.sample().catch(() => null), late]);
    clearTimeout(timer);
    return { rooms: cluster?.rooms ?? null, hosts: [], dropped: 0, cluster };
  }

  /** Ends the cluster Worker as a crash would (tests). */
  kill(): void {
    void this.worker.terminate();
  }

  async close(): Promise<void> {
    // From here on, a Worker that exits is not started again, and a restore cut short is no failure.
    this.closing = true;
    clearInterval(this.loadTimer);
    if (this.queued.length > 0) void this.api.send(this.queued.splice(0));
    // Bounded: with Redis away, the Worker's goodbye to it could wait for ever.
    await Promise.race([this.api.close().catch(() => {}), new Promise((r) => setTimeout(r, 3000).unref())]);
    this.port.close();
    await this.worker.terminate();
  }

  /**
   * What died with the Worker was in flight: give the new one this node's users, say goodbye for
   * those whose socket closed meanwhile, and release everyone who was waiting on a lost answer.
   */
  private async recover(lost: ConnId[]): Promise<void> {
    const records = this.hooks.snapshot().members.filter((r) => !r.released); // topics live in Redis
    try {
      await this.api.restore(records);
    } catch (err) {
      // Closing meanwhile: the Worker's connections to Redis were closed under the restore.
      if (this.closing) return;
      // The store failed it: reported, and those waiting are still answered (below).
      this.events.storeFailed(err instanceof Error ? err.message : String(err));
    }
    const waiting = new Set(lost);
    // Closed meanwhile: say goodbye for them (one still waiting gets its leave from the gateway once settled).
    for (const r of records) if (!this.hooks.isOpen(r.conn) && !waiting.has(r.conn)) this.send({ to: 'directory', msg: { t: 'release', conn: r.conn } });
    const named = new Set(records.map((r) => r.conn));
    const effects: Effect[] = [];
    for (const conn of lost) {
      if (!named.has(conn)) effects.push({ t: 'deliver', to: Int32Array.of(conn), except: -1, event: { k: 'notice', notice: { code: 'claimLost' } } });
      effects.push({ t: 'settled', conn });
    }
    if (effects.length > 0) this.hooks.onEffects(effects);
  }

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.completed = 0;
    this.sent = this.queued.length;
    this.worker = new Worker(WORKER_FILE, { workerData: { options: this.options, port: port2 }, transferList: [port2] });
    this.api = Comlink.wrap<ClusterApi>(nodeEndpoint(this.worker));
    void this.api.setOpen(this.hooks.openHere());
    port1.on('message', (m: ClusterPush) => {
      if (m.t === 'effects') this.hooks.onEffects(m.effects);
      else if (m.t === 'health') this.events.health(m.degraded, m.missed);
      else if (m.t === 'problem') this.events.storeFailed(m.message);
      else {
        this.completed = m.completed;
        this.elsewhere = m.elsewhere;
        this.degraded = m.degraded;
        this.hooks.onEffects([]); // the backlog may have drained with no effect to show for it
      }
    });
    let error = '';
    this.worker.on('error', (err) => (error = `: ${err.message}`));
    this.worker.on('exit', (code) => {
      if (this.closing) return;
      this.restarts++;
      this.events.restarted('cluster worker', `exited with code ${code}${error}`);
      this.port.close();
      // Waiting when the Worker died, with nothing of theirs still queued here: their answer is lost.
      const queued = new Set(this.queued.map((env) => env.msg.conn));
      const lost = this.hooks.awaiting().filter((conn) => !queued.has(conn));
      this.start();
      void this.recover(lost);
    });
  }
}
