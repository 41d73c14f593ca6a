// The cluster adapter: the same ActorSystem the gateway uses in a single process, carried
// out by several node-chat processes sharing one Redis.
//
// Shape (and why):
// - Each room has its own log, a Redis Stream (XADD / XREAD). A node reads only the logs of
//   rooms its users are in, from the last id it applied, so recovery after a reconnect reads
//   what was missed in those rooms and nothing else (unlike one stream for every event).
//   The log's order is the room's order on every node.
// - Decisions that must be made in one place (a nickname claim, a rename, a leave, a move, the
//   reaping of a dead node) are Lua scripts (scripts.ts): atomic next to the log, with no lease
//   to hand over when a node dies, because no node owns a room.
// - A node's liveness is a key with a short expiry it keeps renewing (liveness.ts); any node that sees it
//   gone runs the reaping script, which announces the dead node's users' leaves exactly once.
// - Redis round trips per chat line: one script call that XADDs it (pipelined by ioredis),
//   whatever the number of recipients; each node then reads the line once and fans it out to
//   its own sockets. The script makes the XADD safe to send twice (see scripts.ts).

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ActorSystem, SystemHooks } from '../runtime/system.js';
import { isBarrier } from '../edges/telnet/commands.js';
import { interpret } from '../model/intents.js';
import { roomOf, type ConnId, type Envelope, type MemberRecord } from '../model/messages.js';
import { checkNick, nickKey } from '../model/nicknames.js';
import * as texts from '../edges/telnet/texts.js';
import { gidOf, type InboxEvent, type RoomEvent } from './events.js';
import { keys, LOG_PREFIX } from './keys.js';
import { ALIVE_MS, HEARTBEAT_MS, heartbeat, refusedForMemory, storeEpoch, trimmedPast } from './liveness.js';
import { Replica } from './replica.js';
import { reapDeadNodes, scriptCalls, type Scripted } from './scripts.js';

export interface ClusterOptions {
  url: string;
  /** Entries kept per room log (XADD MAXLEN ~). */
  retention: number;
  /** This node's id; made fresh when absent. Kept across a restart of the cluster Worker. */
  node?: string;
}

const INBOX_RETENTION = 1000;

export class ClusterSystem implements ActorSystem {
  readonly node: string;
  readonly restarts = 0;
  pending = 0;
  /** Envelopes fully handled so far (the Worker shell reports it, for the gateway's backlog). */
  completed = 0;
  private readonly redis: Redis;
  private readonly reader: Redis;
  private readonly scripts: Scripted;
  private readonly replica: Replica;
  private readerId: number | null = null;
  private inboxPos = '0-0';
  private elsewhere = 0;
  private epoch: string | null = null;
  private degraded = false;
  /** While Redis refuses heartbeats for memory, and a liveness period after (see heartbeat). */
  private noReapUntil = 0;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private flushScheduled = false;
  private reasserting = false;
  /** Between Redis coming back and knowing whether it lost its data: the heartbeat must not guess. */
  private recovering = false;
  /**
   * Operation numbers for the scripts' replay check (see scripts.ts): per connection, counting up by
   * one from a base past any number an earlier run of this node (a restarted Worker) can have used.
   */
  private readonly ops = new Map<ConnId, number>();
  private readonly opBase = Date.now() * 1000;

  constructor(
    private readonly options: ClusterOptions,
    private readonly hooks: Pick<SystemHooks, 'onEffects' | 'openHere'>,
  ) {
    this.node = options.node ?? randomBytes(6).toString('hex');
    this.replica = new Replica(this.node);
    // maxRetriesPerRequest null: while Redis is away, commands wait in order instead of failing;
    // the gateway's backlog limit pauses senders so the wait is bounded.
    const settings = { maxRetriesPerRequest: null, connectionName: `node-chat:${this.node}` };
    this.redis = new Redis(options.url, settings);
    this.reader = new Redis(options.url, settings);
    this.scripts = scriptCalls(this.redis);
    this.redis.on('error', () => {}); // reported through 'close' / 'ready' below; ioredis reconnects
    this.reader.on('error', () => {});
    this.redis.on('close', () => this.down());
    this.redis.on('ready', () => void this.up());
    this.reader.on('ready', () => {
      void this.reader.client('ID').then((id) => (this.readerId = Number(id)));
    });
    this.timers.push(setInterval(() => void this.heartbeat(), HEARTBEAT_MS), setInterval(() => void this.reap(), HEARTBEAT_MS));
    void this.heartbeat();
    void this.readLoop();
  }

  openElsewhere(): number {
    return this.elsewhere;
  }

  kill(): void {
    throw new Error('a cluster node has no actor host to kill; kill the process instead');
  }

  send(env: Envelope): void {
    this.pending++;
    this.handle(env)
      .catch((err: unknown) => {
        console.error(`node-chat: cluster: ${err instanceof Error ? err.message : String(err)}`);
        // A sender waiting on this line (a barrier) must not wait for ever for an answer that cannot
        // come; a line that was not a barrier must not release the lines held behind an earlier one.
        const msg = env.msg;
        const barrier = msg.t === 'claim' || (msg.t === 'line' && isBarrier(msg.text));
        this.reply(msg.conn, texts.error('that could not be done just now (the chat store failed); please try again'), barrier);
      })
      .finally(() => {
        this.pending--;
        this.completed++;
      });
  }

  /**
   * After a restart of the Worker this runs in: take back the node's users as the gateway knows
   * them, and read on from the end of their rooms' logs. Lines logged while the Worker was down
   * are not delivered to this node's users (at most once, across that restart).
   */
  async restore(records: MemberRecord[]): Promise<void> {
    // The node's registrations in Redis are the truth (a move or rename may have completed there
    // while its effects were lost with the Worker); the gateway's records say which conns are ours.
    const registered = await this.redis.hgetall(keys.conns(this.node));
    const rooms = new Map<string, Array<[ConnId, string]>>();
    for (const r of records) {
      const info = registered[gidOf(this.node, r.conn)];
      const [room, key, nick] = info ? (info.split('\t') as [string, string, string]) : [];
      if (!room || !key || !nick) {
        this.forget(r.conn);
        continue;
      }
      this.replica.locals.set(r.conn, { nick, key, room });
      if (nick !== r.nick) this.replica.effects.push({ t: 'named', conn: r.conn, nick });
      if (room !== r.room) this.replica.effects.push({ t: 'placed', conn: r.conn, room });
      rooms.set(room, [...(rooms.get(room) ?? []), [r.conn, nick]]);
    }
    for (const [room, members] of rooms) {
      const last = await this.redis.xrevrange(keys.log(room), '+', '-', 'COUNT', 1);
      this.replica.followFrom(room, last[0]?.[0] ?? '0-0');
      for (const [conn, nick] of members) this.replica.restoreMember(room, conn, nick);
    }
    this.wakeReader();
    this.replica.deliver(this.replica.everyLocal(), -1, texts.error('this server had a hiccup: lines sent in the last moment may not have reached you'));
    this.scheduleFlush();
  }


  async close(): Promise<void> {
    // Let the leaves of the users the gateway just said goodbye to reach the logs.
    for (let i = 0; i < 20 && this.pending > 0; i++) await new Promise((r) => setTimeout(r, 50));
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.redis
      .multi()
      .srem(keys.nodes, this.node)
      .hdel(keys.load, this.node)
      .del(keys.alive(this.node), keys.conns(this.node), keys.inbox(this.node))
      .exec()
      .catch(() => {});
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // --- what the gateway sends -----------------------------------------------------------

  private async handle(env: Envelope): Promise<void> {
    const msg = env.msg;
    if (env.to === 'directory') {
      if (msg.t === 'claim') return this.claim(msg.conn, msg.text);
      if (msg.t === 'release') return this.leave(msg.conn, false, '');
      return;
    }
    const room = roomOf(env.to)!;
    if (msg.t === 'line') return this.line(msg.conn, room, msg.text);
    if (msg.t === 'leave') return this.leave(msg.conn, false, '');
  }

  private async claim(conn: ConnId, text: string): Promise<void> {
    const check = checkNick(text);
    if (!check.ok) return this.reply(conn, texts.nickInvalidPrompt(check.why), true);
    const id = await this.expecting(texts.LOBBY, () =>
      this.scripts.ncEnter(gidOf(this.node, conn), this.nextOp(conn), this.node, texts.LOBBY, check.key, check.nick, this.options.retention),
    );
    if (id === null) return this.reply(conn, texts.nickTaken(), true);
    // The join, read back from the log, names and settles the connection.
  }

  private async line(conn: ConnId, room: string, text: string): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return;
    const intent = interpret(text, room);
    if (intent === null) return;
    const gid = gidOf(this.node, conn);
    const retention = this.options.retention;
    switch (intent.kind) {
      case 'say':
        return this.append(conn, room, { t: 'msg', g: gid, n: me.nick, x: intent.text });
      case 'action':
        return this.append(conn, room, { t: 'act', g: gid, n: me.nick, x: intent.text });
      case 'who':
        return this.reply(conn, texts.whoLines(await this.redis.hvals(keys.members(room))), true);
      case 'private': {
        const target = await this.scripts.ncPrivate(gid, this.nextOp(conn), nickKey(intent.target), me.nick, intent.text, INBOX_RETENTION);
        return this.reply(conn, target === null ? texts.noUser(intent.target) : texts.privateTo(target, intent.text), true);
      }
      case 'rename': {
        const check = checkNick(intent.nick);
        if (!check.ok) return this.reply(conn, texts.error(check.why), true);
        if (check.nick === me.nick) return this.reply(conn, texts.alreadyKnownAs(check.nick), true);
        const id = await this.scripts.ncRename(gid, this.nextOp(conn), this.node, room, me.key, check.key, me.nick, check.nick, retention);
        if (id === null) return this.reply(conn, texts.nickInUse(check.nick), true);
        return; // the rename, read back from the log, settles
      }
      case 'quit':
        return this.leave(conn, true, intent.reason ?? '');
      case 'move': {
        await this.expecting(intent.room, () => this.scripts.ncMove(gid, this.nextOp(conn), this.node, room, intent.room, me.key, me.nick, retention));
        return;
      }
      case 'rooms': {
        const counts = await this.redis.hgetall(keys.rooms);
        return this.reply(conn, texts.roomList(new Map(Object.entries(counts).map(([r, n]) => [r, Number(n)]))), true);
      }
      case 'reply':
        return this.reply(conn, intent.text, intent.settle);
    }
  }

  private async leave(conn: ConnId, quit: boolean, reason: string): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return;
    const op = this.nextOp(conn);
    this.ops.delete(conn);
    await this.scripts.ncLeave(gidOf(this.node, conn), op, this.node, me.room, me.key, me.nick, reason, quit ? '1' : '0', this.options.retention);
  }

  private async append(conn: ConnId, room: string, e: RoomEvent & { g: string }): Promise<void> {
    await this.scripts.ncSay(e.g, this.nextOp(conn), room, JSON.stringify(e), this.options.retention);
  }

  /** The connection's next operation number (see `ops`). */
  private nextOp(conn: ConnId): number {
    const n = (this.ops.get(conn) ?? this.opBase) + 1;
    this.ops.set(conn, n);
    return n;
  }

  private reply(conn: ConnId, text: string, settle: boolean): void {
    this.replica.deliver(Int32Array.of(conn), -1, text);
    if (settle) this.replica.effects.push({ t: 'settled', conn });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      const effects = this.replica.take();
      if (effects.length > 0) this.hooks.onEffects(effects);
    });
  }

  // --- reading the logs --------------------------------------------------------------------

  /**
   * Runs a script that writes a join of ours into `room`, with the room expected beforehand (see
   * Replica.expect). Resolves with the join's id, or null when the script wrote none.
   */
  private async expecting(room: string, script: () => Promise<string | null>): Promise<string | null> {
    this.replica.expect(room);
    let id: string | null = null;
    try {
      id = await script();
    } finally {
      if (id === null) this.replica.unexpect(room);
      else if (this.replica.written(room, id)) this.wakeReader();
    }
    return id;
  }

  /** The reader blocks in XREAD on the rooms it had; a new room must interrupt it. */
  private wakeReader(): void {
    if (this.readerId !== null) void this.redis.client('UNBLOCK', this.readerId).catch(() => {});
  }

  private async readLoop(): Promise<void> {
    // Known before the first blocking XREAD (commands run in order on a connection): without it a
    // new room could not interrupt that first block, and the first join would wait it out.
    this.readerId = Number(await this.reader.client('ID'));
    while (!this.closed) {
      // A room waiting for its first expected join's id is not read yet (Replica.written starts it).
      const rooms = [...this.replica.rooms].filter(([, f]) => f.pos !== null) as Array<[string, { pos: string }]>;
      const streams = [keys.inbox(this.node), ...rooms.map(([r]) => keys.log(r))];
      const ids = [this.inboxPos, ...rooms.map(([, f]) => f.pos)];
      let result: Array<[string, Array<[string, string[]]>]> | null;
      try {
        result = (await this.reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', ...streams, ...ids)) as typeof result;
      } catch {
        if (!this.closed) await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (!result) continue;
      for (const [key, entries] of result) {
        for (const [id, fields] of entries) {
          const json = fields[1];
          if (json === undefined) continue;
          if (key.startsWith(LOG_PREFIX)) this.replica.apply(key.slice(LOG_PREFIX.length), id, JSON.parse(json) as RoomEvent);
          else {
            this.inboxPos = id;
            this.replica.applyInbox(JSON.parse(json) as InboxEvent);
          }
        }
      }
      const effects = this.replica.take();
      if (effects.length > 0) this.hooks.onEffects(effects);
    }
  }

  // --- liveness, failures and Redis outages -------------------------------------------------

  private async heartbeat(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready') return;
    try {
      const beat = await heartbeat(this.redis, this.node, this.hooks.openHere());
      this.elsewhere = beat.elsewhere;
      // Put our users back, so the rest of the cluster sees them again.
      if (beat.lost && this.replica.locals.size > 0 && !this.recovering) await this.reassert('this server lost touch with the chat for a while');
    } catch (err) {
      // Over maxmemory nobody's heartbeat gets through: reaping waits until they could again.
      if (refusedForMemory(err)) this.noReapUntil = Date.now() + ALIVE_MS + HEARTBEAT_MS;
      // Otherwise Redis is away: 'close' has told the users; 'ready' will pick up from here.
    }
  }

  private async reap(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready' || Date.now() < this.noReapUntil) return;
    await reapDeadNodes(this.redis, this.scripts, this.node, this.options.retention).catch(() => {}); // next round
  }

  private down(): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.replica.deliver(this.replica.everyLocal(), -1, texts.error('the chat is degraded: its message store is unreachable; your lines will go out when it is back'));
    this.scheduleFlush();
  }

  private async up(): Promise<void> {
    if (this.closed) return;
    this.recovering = true;
    try {
      await this.recover();
    } finally {
      this.recovering = false;
    }
  }

  /** Redis is (back) up: find out whether it kept its data, and say so. */
  private async recover(): Promise<void> {
    const epoch = await storeEpoch(this.redis);
    const wasDegraded = this.degraded;
    this.degraded = false;
    if (this.epoch !== null && epoch !== this.epoch) {
      // Redis came back empty: its logs start again, and our users must be registered again.
      this.epoch = epoch;
      for (const room of this.replica.rooms.values()) room.pos = '0-0';
      this.inboxPos = '0-0';
      await this.reassert('the message store restarted and lost recent history; lines sent just before may be lost');
      this.wakeReader();
      void this.heartbeat();
      return;
    }
    this.epoch = epoch;
    void this.heartbeat(); // register and be seen alive now, not a second from now
    if (!wasDegraded) return;
    const missed = await trimmedPast(this.redis, this.replica.rooms);
    const notice = missed.length === 0 ? 'the chat is back: nothing was missed' : `the chat is back, but some lines in ${missed.join(', ')} were missed (older than the store keeps)`;
    this.replica.deliver(this.replica.everyLocal(), -1, texts.info(notice));
    this.scheduleFlush();
  }

  private async reassert(why: string): Promise<void> {
    if (this.reasserting) return;
    this.reasserting = true;
    try {
      // Only those the shared state lost: a user who registered since (after a reap) is there already.
      const registered = new Set(await this.redis.hkeys(keys.conns(this.node)));
      const lost = [...this.replica.locals].filter(([conn]) => !registered.has(gidOf(this.node, conn)));
      this.replica.deliver(Int32Array.from(lost.map(([conn]) => conn)), -1, texts.error(why));
      for (const [conn, me] of lost) {
        const id = await this.expecting(me.room, () =>
          this.scripts.ncEnter(gidOf(this.node, conn), this.nextOp(conn), this.node, me.room, me.key, me.nick, this.options.retention),
        );
        if (id === null) {
          // Someone else took the name while we were away: this user has to come back under another.
          this.replica.deliver(Int32Array.of(conn), -1, texts.error(`your nickname ${me.nick} was taken while this server was away; please reconnect`));
          this.forget(conn);
        }
      }
      this.scheduleFlush();
    } finally {
      this.reasserting = false;
    }
  }

  /** A local user the shared state no longer has: unnamed, out of every room, and closed. */
  private forget(conn: ConnId): void {
    this.replica.drop(conn);
    this.replica.effects.push({ t: 'placed', conn, room: null }, { t: 'named', conn, nick: null }, { t: 'close', conn }, { t: 'settled', conn });
  }

}
