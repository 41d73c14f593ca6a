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
import type { ClientTags, HistoryTarget, Notice, UserInfo } from '../model/events.js';
import type { Profile } from '../model/intents.js';
import { roomOf, type ConnId, type DirectoryMsg, type Envelope, type MemberRecord, type RoomMsg } from '../model/messages.js';
import { checkNick, nickKey } from '../model/nicknames.js';
import { LOBBY } from '../model/rooms.js';
import { gidOf, idLess, idTime, nodeOfGid, type InboxEvent, type LogEvent } from './events.js';
import { keys, LOG_PREFIX, pairOf } from './keys.js';
import { ALIVE_MS, HEARTBEAT_MS, heartbeat, oldestOf, refusedForMemory, storeEpoch, trimmedPast, trimmedRead } from './liveness.js';
import { Replica } from './replica.js';
import { newestLine, readHistory, readPrivate } from './history.js';
import type { HistorySelect } from '../model/history.js';
import { IN_NO_ROOM, NOT_THERE, REFUSED, reapDeadNodes, scriptCalls, type Scripted } from './scripts.js';
import { refusalOf, RoomStore } from './moderation-store.js';
import { scriptChanges } from './moderation-lua.js';
import type { ClusterSample } from '../model/samples.js';
import { defaultConfig, privateHistoryOf, type PrivateHistory } from '../config.js';

export interface ClusterOptions {
  url: string;
  /** Entries kept per room log (XADD MAXLEN ~). */
  retention: number;
  /** This node's id; made fresh when absent. Kept across a restart of the cluster Worker. */
  node?: string;
  /** How private conversations are kept (see private-lua.ts); the defaults' when absent. */
  privateHistory?: PrivateHistory;
}

const INBOX_RETENTION = 1000;
/** Heartbeat round trips kept between two samples (one a second: ten minutes' worth). */
const RTT_KEPT = 600;

/** What the node tells the operator's log, beyond its effects (see SystemEvents). */
export interface ClusterReports {
  /** Redis became unreachable, or reachable again (`missed`: rooms whose lines were trimmed meanwhile). */
  onHealth?(degraded: boolean, missed: number): void;
  /** A store command failed (Redis's or the client's message). */
  onProblem?(message: string): void;
}

/** The millisecond part of a stream id ("1764620000000-3"). */
const idMs = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** A JSON list as cjson writes it: an empty one comes as {}. */
const asList = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);

/** The "room=id,…" answer of ncRename and ncLeave as pairs (none for any other answer). */
function written(answer: string | null): Array<[room: string, id: string]> {
  if (answer === null || !answer.includes('=')) return [];
  return answer.split(',').map((pair) => pair.split('=') as [string, string]);
}

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
  /** What the store says of rooms' members and moderation (WHO, MODE, the ban list). */
  private readonly store: RoomStore;
  /** How private conversations are kept in Redis. */
  private readonly pm: PrivateHistory;
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
  /** A heartbeat said our users are gone from the store, and no reassert has run since. */
  private mustReassert = false;
  /** Rooms whose users the last recovery told of missed lines: the reader does not tell them again. */
  private readonly toldMissed = new Set<string>();
  /**
   * The last operation number given out, for the scripts' replay check (see scripts.ts). One
   * counter for the whole node: the numbers only have to grow for each connection, across its
   * whole life and across a restart of this Worker (it starts from the clock, in µs, past any
   * number an earlier run can have reached), so no record per connection is needed.
   */
  private lastOp: number;
  /** Connections whose leave has been sent and not answered yet. */
  private readonly leaving = new Set<ConnId>();
  /** For /metrics (see sample): heartbeat round trips since the last sample, and reconnections. */
  private rttMs: number[] = [];
  private reconnects = 0;

  constructor(
    private readonly options: ClusterOptions,
    private readonly hooks: Pick<SystemHooks, 'onEffects' | 'openHere'> & ClusterReports,
    /** Where the node reads the time: the reaping hold-off and the operation numbers' start. */
    private readonly clock: () => number = Date.now,
  ) {
    this.lastOp = clock() * 1000;
    this.pm = options.privateHistory ?? privateHistoryOf(defaultConfig());
    this.node = options.node ?? randomBytes(6).toString('hex');
    this.replica = new Replica(this.node);
    // maxRetriesPerRequest null: while Redis is away, commands wait in order instead of failing;
    // the gateway's backlog limit pauses senders so the wait is bounded.
    const settings = { maxRetriesPerRequest: null, connectionName: `node-chat:${this.node}` };
    this.redis = new Redis(options.url, settings);
    this.reader = new Redis(options.url, settings);
    this.scripts = scriptCalls(this.redis, () => this.closed);
    this.store = new RoomStore(this.redis);
    this.redis.on('error', () => {}); // reported through 'close' / 'ready' below; ioredis reconnects
    this.reader.on('error', () => {});
    this.redis.on('close', () => this.down());
    this.redis.on('ready', () => void this.up());
    // A 'ready' after the first is a reconnection (ioredis makes each one by itself).
    for (const connection of [this.redis, this.reader]) {
      let first = true;
      connection.on('ready', () => {
        if (!first) this.reconnects++;
        first = false;
      });
    }
    this.reader.on('ready', () => {
      this.reader.client('ID').then(
        (id) => (this.readerId = Number(id)),
        () => {}, // disconnected meanwhile (a close): the next 'ready' asks again
      );
    });
    this.timers.push(setInterval(() => void this.heartbeat(), HEARTBEAT_MS), setInterval(() => void this.reap(), HEARTBEAT_MS));
    void this.heartbeat();
    void this.readLoop();
  }

  openElsewhere(): number {
    return this.elsewhere;
  }

  /** Why this node does not serve as it should, or null (what /healthz says, through the gateway). */
  degradedWhy(): string | null {
    if (this.degraded) return 'redis unreachable: the chat is degraded';
    if (this.epoch === null) return 'not connected to redis yet';
    if (this.recovering) return 'catching up after a redis outage';
    return null;
  }

  send(env: Envelope): void {
    this.pending++;
    this.handle(env)
      .catch((err: unknown) => {
        this.hooks.onProblem?.(err instanceof Error ? err.message : String(err));
        // A sender waiting on this (a barrier) must not wait for ever for an answer that cannot
        // come; what was not a barrier must not release the lines held behind an earlier one.
        this.refuse(env.msg.conn, { code: 'storeFailed' }, env.barrier === true);
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
      const gid = gidOf(this.node, r.conn);
      const info = registered[gid];
      const tab = info ? info.indexOf('\t') : -1;
      if (!info || tab < 0) {
        this.forget(r.conn);
        continue;
      }
      const key = info.slice(0, tab);
      const nick = info.slice(tab + 1);
      const inRooms = await this.redis.lrange(keys.in(gid), 0, -1);
      this.replica.locals.set(r.conn, { nick, key, rooms: inRooms });
      if (nick !== r.nick) this.replica.effects.push({ t: 'named', conn: r.conn, nick });
      for (const room of r.rooms) if (!inRooms.includes(room)) this.replica.effects.push({ t: 'placed', conn: r.conn, room, present: false });
      for (const room of inRooms) {
        if (!r.rooms.includes(room)) this.replica.effects.push({ t: 'placed', conn: r.conn, room, present: true });
        rooms.set(room, [...(rooms.get(room) ?? []), [r.conn, nick]]);
      }
    }
    // Private messages too are read on from the end: what the old Worker may have delivered
    // already must not be delivered again (at most once, across the restart).
    const lastPrivate = (await this.redis.xrevrange(keys.inbox(this.node), '+', '-', 'COUNT', 1))[0]?.[0];
    if (lastPrivate !== undefined && idLess(this.inboxPos, lastPrivate)) this.inboxPos = lastPrivate;
    for (const [room, members] of rooms) {
      const last = await this.redis.xrevrange(keys.log(room), '+', '-', 'COUNT', 1);
      this.replica.followFrom(room, last[0]?.[0] ?? '0-0');
      for (const [conn, nick] of members) this.replica.restoreMember(room, conn, nick);
    }
    // Registered here but unknown to the gateway: a claim that ran while its answer died with the
    // old Worker (the user is asked for a name again). Its name, rooms and registration would
    // stay until this node is reaped (for ever, while it lives): it leaves, as a closed one would.
    // `registered` was read before any envelope for the new Worker ran, so a claim made since is not taken for one.
    const known = new Set(records.map((r) => gidOf(this.node, r.conn)));
    for (const [gid, info] of Object.entries(registered)) {
      // Its private conversations stay: the name may have been this node's user's before (a crash).
      if (!known.has(gid)) await this.scripts.ncLeave(gid, this.nextOp(), this.node, info.slice(0, info.indexOf('\t')), '', this.options.retention, '0');
    }
    this.wakeReader();
    this.replica.notify(this.replica.everyLocal(), { code: 'hiccup' });
    this.scheduleFlush();
  }

  /**
   * For /metrics, when scraped: the heartbeats' round trips since the last sample, and how far
   * this node's reading of each room log it follows is behind the log's newest entry (one
   * pipelined XREVRANGE … COUNT 1 per room; skipped while Redis is unreachable, so nothing queues up).
   */
  async clusterSample(): Promise<ClusterSample> {
    const rttMs = this.rttMs;
    this.rttMs = [];
    const base = { rttMs, reconnects: this.reconnects, degraded: this.degraded };
    if (this.redis.status !== 'ready') return { ...base, rooms: null, lagMs: [] };
    const followed = [...this.replica.rooms].filter(([, f]) => f.pos !== null);
    const pipeline = this.redis.pipeline().hlen(keys.rooms);
    for (const [room] of followed) pipeline.xrevrange(keys.log(room), '+', '-', 'COUNT', 1);
    const replies = await pipeline.exec().catch(() => null);
    if (replies === null) return { ...base, rooms: null, lagMs: [] };
    const rooms = typeof replies[0]?.[1] === 'number' ? replies[0][1] : null;
    const lagMs: Array<[string, number]> = [];
    followed.forEach(([room, f], i) => {
      const newest = replies[i + 1]?.[1];
      const head = Array.isArray(newest) && Array.isArray(newest[0]) ? String(newest[0][0]) : null;
      // f.pos has moved on with whatever was applied while the pipeline ran: where it stands now.
      const pos = f.pos;
      lagMs.push([room, head === null || pos === null || !idLess(pos, head) ? 0 : Math.max(0, idMs(head) - idMs(pos))]);
    });
    return { ...base, rooms, lagMs };
  }

  /** Connections this node keeps any record of (tests: nothing may stay behind a connection that is gone). */
  tracked(): number {
    const conns = new Set(this.replica.locals.keys());
    for (const room of this.replica.rooms.values()) for (const conn of room.members.keys()) conns.add(conn);
    return conns.size;
  }

  /** Stops as a killed Worker would: timers and connections dropped, no goodbye to Redis (tests). */
  crash(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.reader.disconnect();
    this.redis.disconnect();
  }

  async close(): Promise<void> {
    // Let the leaves of the users the gateway just said goodbye to reach the logs.
    for (let i = 0; i < 20 && this.pending > 0; i++) await new Promise((r) => setTimeout(r, 50));
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    // Whoever is still registered here leaves now (a leave behind a late barrier or in an NCGAP
    // retry would otherwise be lost), and the node is forgotten, in one script. If Redis is away,
    // nothing is deleted: the node's liveness key expires and another node reaps its users.
    await this.scripts.ncDepart(this.node, this.options.retention).catch(() => {});
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // --- what the gateway sends -----------------------------------------------------------

  private async handle(env: Envelope): Promise<void> {
    if (env.to === 'directory') return this.directory(env.msg);
    return this.room(roomOf(env.to)!, env.msg, env.barrier === true);
  }

  private async directory(msg: DirectoryMsg): Promise<void> {
    switch (msg.t) {
      case 'claim':
        return this.claim(msg.conn, msg.nick, msg.enter, msg.profile);
      case 'rename':
        return this.rename(msg.conn, msg.nick);
      case 'private':
        return this.private(msg.conn, msg.target, msg.text, msg.notice === true, msg.tags);
      case 'tagmsg':
        return this.privateTags(msg.conn, msg.target, msg.tags);
      case 'lookup': {
        const found = msg.room !== undefined ? await this.inRoom(msg.room, gidOf(this.node, msg.conn)) : msg.past ? await this.pastNames(msg.nicks ?? []) : await this.named(msg.nicks ?? [], msg.conn);
        this.replica.deliver(Int32Array.of(msg.conn), -1, { k: 'users', ask: msg.ask, ...found });
        return this.settle(msg.conn);
      }
      case 'count':
        this.replica.deliver(Int32Array.of(msg.conn), -1, { k: 'counts', ...(await this.counts()) });
        return this.settle(msg.conn);
      case 'away':
        return this.away(msg.conn, msg.text);
      case 'setname':
        return this.setname(msg.conn, msg.real);
      case 'invisible': {
        if (!this.replica.locals.has(msg.conn)) return this.settle(msg.conn);
        const gid = gidOf(this.node, msg.conn);
        await (msg.on ? this.redis.sadd(keys.invisible, gid) : this.redis.srem(keys.invisible, gid));
        this.replica.notify(Int32Array.of(msg.conn), { code: 'invisible', on: msg.on });
        return this.settle(msg.conn);
      }
      case 'rooms': {
        const counts = Object.entries(await this.redis.hgetall(keys.rooms));
        // A secret room is listed only to its members.
        const secret = await this.store.secret(counts.map(([r]) => r));
        const mine = new Set(this.replica.locals.get(msg.conn)?.rooms ?? []);
        const rooms = counts.filter(([r]) => !secret.has(r) || mine.has(r)).map(([r, n]): [string, number] => [r, Number(n)]);
        this.replica.deliver(Int32Array.of(msg.conn), -1, { k: 'rooms', rooms });
        return this.settle(msg.conn);
      }
      case 'release':
        return this.leave(msg.conn, msg.reason ?? '', msg.stays === true);
      case 'history':
        return this.privateHistory(msg.conn, msg.ask, msg.target, msg.select);
      case 'targets':
        return this.targets(msg.conn, msg.from, msg.to, msg.limit);
      case 'kill':
        return this.kill(msg.conn, msg.nick, msg.reason, msg.oper);
      case 'located':
      case 'status':
      case 'invite':
      case 'secret':
        return; // a room actor's bookkeeping: in a cluster, the scripts keep it (and WHO reads marks from the store)
    }
  }

  private async room(room: string, msg: RoomMsg, barrier: boolean): Promise<void> {
    const conn = msg.conn;
    const me = this.replica.locals.get(conn);
    // The release says goodbye for every room at once.
    if (msg.t === 'leave' || msg.t === 'renamed') return;
    // Not (or no longer) registered: a barrier must still settle; anything else must not (it would
    // let go the lines held behind an earlier barrier).
    if (!me) return barrier ? this.settle(conn) : undefined;
    const gid = gidOf(this.node, conn);
    const retention = this.options.retention;
    switch (msg.t) {
      case 'away':
      case 'setname':
      case 'invisible':
        return; // the directory's part of an away or a new real name (see away, setname): in a cluster, logged there
      case 'say':
      case 'act':
      case 'tagmsg': {
        const e: LogEvent =
          msg.t === 'tagmsg'
            ? { t: 'tag', g: gid, n: me.nick, tg: msg.tags }
            : msg.t === 'act'
              ? { t: 'act', g: gid, n: me.nick, x: msg.text, ...(msg.tags ? { tg: msg.tags } : {}) }
              : { t: 'msg', g: gid, n: me.nick, x: msg.text, ...(msg.notice ? { no: 1 as const } : {}), ...(msg.tags ? { tg: msg.tags } : {}) };
        // `from`: sent from outside the room (IRC, under -n); the script checks the room takes it.
        const id = await this.scripts.ncSay(gid, this.nextOp(), room, JSON.stringify(e), retention, msg.t !== 'tagmsg' && msg.from !== undefined ? '1' : '');
        // A NOTICE is never answered automatically, a refusal included (IRC); nor is a TAGMSG.
        if (id !== null && id.startsWith(REFUSED) && !(msg.t === 'say' && msg.notice) && msg.t !== 'tagmsg') this.refuse(conn, refusalOf(id, room), false);
        return;
      }
      case 'who': {
        const inside = (await this.redis.hexists(keys.members(room), gid)) === 1;
        if (msg.ifMember && !inside) return this.settle(conn);
        const [all, secret] = await Promise.all([this.store.members(room), this.store.secret([room])]);
        const hidden = secret.has(room) && !inside;
        // Asked from outside the room: a secret room shows nobody, another its visible members.
        const shown = inside || hidden || all.gids.length === 0 ? null : (await this.redis.smismember(keys.invisible, ...all.gids)).map((x) => x === 0);
        const nicks = hidden ? [] : shown === null ? all.nicks : all.nicks.filter((_, i) => shown[i]);
        const marks = hidden ? [] : shown === null ? all.marks : all.marks.filter((_, i) => shown[i]);
        this.replica.deliver(Int32Array.of(conn), -1, { k: 'members', room, nicks, ...(marks.some((m) => m !== '') ? { marks } : {}), ...(secret.has(room) ? { secret: true } : {}) });
        return this.settle(conn);
      }
      case 'mode':
        return this.mode(conn, gid, room, msg);
      case 'kick':
        return this.kick(conn, gid, room, msg);
      case 'invite': {
        const answer = await this.scripts.ncInvite(gid, this.nextOp(), this.node, room, nickKey(msg.nick), msg.oper ?? '', INBOX_RETENTION);
        if (answer === null || answer === NOT_THERE) return this.settle(conn);
        if (answer.startsWith(REFUSED)) return this.refuse(conn, refusalOf(answer, room, msg.nick), true);
        // The invitee's node reads the invitation from its inbox (as a private message).
        this.replica.deliver(Int32Array.of(conn), -1, { k: 'inviteSent', room, nick: answer.slice(answer.indexOf(':') + 1) });
        return this.settle(conn);
      }
      case 'history': {
        // From the room's log: the same on every node, with the ids live delivery used.
        const { events, reset } = await readHistory(this.redis, room, msg.select, retention);
        this.replica.deliver(Int32Array.of(conn), -1, { k: 'history', ask: msg.ask, target: room, events, ...(reset ? { reset: true } : {}) });
        // The replay on joining is no barrier (the gateway asked for it, not the user): nothing to settle.
        return barrier ? this.settle(conn) : this.scheduleFlush();
      }
      case 'topic': {
        if (msg.text !== undefined) {
          const id = await this.scripts.ncTopic(gid, this.nextOp(), room, msg.text, msg.oper ?? '', retention);
          if (id === NOT_THERE || id === null) return this.refuse(conn, { code: 'notInRoom', room }, true);
          if (id.startsWith(REFUSED)) return this.refuse(conn, refusalOf(id, room), true);
          return; // everyone, the setter included, reads it from the log; the setter's copy settles
        }
        const [text, by, at] = await this.redis.hmget(keys.topic(room), 'x', 'n', 'at');
        const event = text != null && by != null ? ({ k: 'topic', room, text, by, at: Number(at) } as const) : ({ k: 'noTopic', room } as const);
        this.replica.deliver(Int32Array.of(conn), -1, event);
        return this.settle(conn);
      }
      case 'part': {
        const id = await this.scripts.ncPart(gid, this.nextOp(), room, msg.reason ?? '', retention);
        if (id === NOT_THERE || id === null) return this.settle(conn);
        // The leave, read back from the log, settles.
        this.replica.wrote(room, id, { t: 'leave', g: gid, n: me.nick, part: 1, ...(msg.reason ? { r: msg.reason } : {}) });
        return;
      }
      case 'move': {
        const refused = { answer: '' };
        const ids = await this.expecting(
          [msg.to],
          () => this.refusing(refused, this.scripts.ncMove(gid, this.nextOp(), room, msg.to, msg.key ?? '', msg.oper ?? '', retention)),
          () => ({ t: 'join', g: gid, n: me.nick, size: -1, moved: 1 }),
        );
        // Turned away by the new room before leaving this one: the user stays where it was.
        if (refused.answer !== '') return this.refuse(conn, refusalOf(refused.answer, msg.to), true);
        if (ids === null) return this.settle(conn);
        if (ids[1] !== undefined) this.replica.wrote(room, ids[1], { t: 'leave', g: gid, n: me.nick, to: msg.to });
        return;
      }
      case 'join': {
        const refused = { answer: '' };
        const ids = await this.expecting(
          [room],
          () => this.refusing(refused, this.scripts.ncJoin(gid, this.nextOp(), this.node, room, msg.key ?? '', msg.oper ?? '', retention)),
          () => ({ t: 'join', g: gid, n: me.nick, size: -1 }),
        );
        if (refused.answer !== '') return this.refuse(conn, refusalOf(refused.answer, room), true);
        if (ids === null) return this.settle(conn);
        // An away user who joins: logged after its join, so the members hear it then (away-notify).
        const away = await this.redis.hget(keys.away, gid);
        if (away !== null) await this.redis.xadd(keys.log(room), 'MAXLEN', '~', retention, '*', 'e', JSON.stringify({ t: 'away', g: gid, n: me.nick, x: away } satisfies LogEvent));
        return;
      }
    }
  }

  /** A script's answer, with a refusal (`x:…`) kept in `into` and read as no join written. */
  private async refusing(into: { answer: string }, answer: Promise<string | null>): Promise<string | null> {
    const a = await answer;
    if (a === null || !a.startsWith(REFUSED)) return a;
    into.answer = a;
    return null;
  }

  /** Mode changes, or a question about the modes or the bans (answered from the store). */
  private async mode(conn: ConnId, gid: string, room: string, msg: Extract<RoomMsg, { t: 'mode' }>): Promise<void> {
    const me = Int32Array.of(conn);
    if (msg.changes.length === 0) {
      this.replica.deliver(me, -1, { k: 'modes', room, ...(await this.store.modes(room, gid, msg.oper !== undefined)) });
      return this.settle(conn);
    }
    if (msg.changes.length === 1 && msg.changes[0]!.mode === 'b' && msg.changes[0]!.arg === undefined) {
      this.replica.deliver(me, -1, { k: 'bans', room, bans: await this.store.bans(room) });
      return this.settle(conn);
    }
    const answer = await this.scripts.ncMode(gid, this.nextOp(), this.node, room, JSON.stringify(scriptChanges(msg.changes)), msg.oper ?? '', this.options.retention);
    if (answer === null || answer === NOT_THERE) return this.settle(conn);
    if (answer.startsWith(REFUSED)) return this.refuse(conn, refusalOf(answer, room), true);
    const result = JSON.parse(answer) as { id?: string; s?: 1; n: string; c: unknown; r: unknown };
    // cjson writes an empty list as {}: read anything but an array as none.
    for (const r of asList<{ code: string; nick?: string }>(result.r)) {
      this.replica.notify(me, r.code === 'notMember' ? { code: 'notMember', room, nick: r.nick ?? '' } : { code: 'banListFull', room });
    }
    if (result.id === undefined || result.s === undefined) return this.settle(conn);
    // A member settles on reading its change back from the log (after the others' lines before it).
    this.replica.wrote(room, result.id, { t: 'mode', g: gid, n: result.n, c: asList(result.c), s: 1 });
    this.scheduleFlush();
  }

  private async kick(conn: ConnId, gid: string, room: string, msg: Extract<RoomMsg, { t: 'kick' }>): Promise<void> {
    const reason = msg.reason ?? '';
    const answer = await this.scripts.ncKick(gid, this.nextOp(), this.node, room, nickKey(msg.nick), reason, msg.oper ?? '', this.options.retention);
    if (answer === null || answer === NOT_THERE) return this.settle(conn);
    if (answer.startsWith(REFUSED)) return this.refuse(conn, refusalOf(answer, room, msg.nick), true);
    const result = JSON.parse(answer) as { id: string; s?: 1; n: string; by: string; g: string };
    if (result.s === undefined) return this.settle(conn);
    this.replica.wrote(room, result.id, { t: 'kick', g: result.g, n: result.n, by: result.by, k: gid, s: 1, ...(reason ? { r: reason } : {}) });
    this.scheduleFlush();
  }

  /** A server operator (the gateway vouched for it) disconnects a user on whatever node it is. */
  private async kill(conn: ConnId, nick: string, reason: string, oper: boolean): Promise<void> {
    if (!this.replica.locals.has(conn)) return this.settle(conn);
    if (!oper) return this.refuse(conn, { code: 'notOper' }, true);
    const answer = await this.scripts.ncKill(gidOf(this.node, conn), this.nextOp(), nickKey(nick), reason, INBOX_RETENTION);
    if (answer !== null && answer.startsWith(REFUSED)) return this.refuse(conn, refusalOf(answer, '', nick), true);
    this.settle(conn); // the target's node reads the kill from its inbox, tells it and closes it
  }

  private async claim(conn: ConnId, text: string, enter: string | null, profile?: Profile): Promise<void> {
    const check = checkNick(text);
    if (!check.ok) return this.refuse(conn, { code: 'nickInvalid', stage: 'claim', problem: check.problem }, true);
    const rooms = enter === null ? [] : [enter];
    let registered = false;
    let refused = '';
    const gid = gidOf(this.node, conn);
    const ids = await this.expecting(
      rooms,
      async () => {
        const answer = await this.scripts.ncEnter(gid, this.nextOp(), this.node, rooms.join(','), check.key, check.nick, '0', this.options.retention);
        if (answer?.startsWith(REFUSED)) refused = answer; // named, and turned away by its first room (a ban)
        registered = answer === IN_NO_ROOM || refused !== '';
        return registered ? null : answer;
      },
      () => ({ t: 'join', g: gid, n: check.nick, size: -1, claim: 1 }),
    );
    if (ids === null && !registered) return this.refuse(conn, { code: 'nickTaken', stage: 'claim', nick: check.nick }, true);
    if (profile) await this.redis.hset(keys.profiles, gidOf(this.node, conn), `${profile.user}\t${profile.real}`);
    // IRC's welcome carries LUSERS (telnet's shows none of it).
    this.replica.deliver(Int32Array.of(conn), -1, { k: 'welcome', nick: check.nick, ...(profile ? await this.counts() : {}) });
    if (registered) {
      // In no room: nothing in a log to name and settle it.
      this.replica.locals.set(conn, { nick: check.nick, key: check.key, rooms: [] });
      this.replica.effects.push({ t: 'named', conn, nick: check.nick });
      if (refused !== '' && enter !== null) this.replica.notify(Int32Array.of(conn), refusalOf(refused, enter));
      return this.settle(conn);
    }
    this.scheduleFlush(); // the join, read back from the log, names and settles the connection
  }

  private async rename(conn: ConnId, wanted: string): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return this.settle(conn);
    const check = checkNick(wanted);
    if (!check.ok) return this.refuse(conn, { code: 'nickInvalid', stage: 'rename', problem: check.problem }, true);
    if (check.nick === me.nick) return this.refuse(conn, { code: 'nickUnchanged', nick: check.nick }, true);
    const gid = gidOf(this.node, conn);
    const was = me.nick; // the log's rename, read on another connection, may update `me` before the script answers
    const id = await this.scripts.ncRename(gid, this.nextOp(), this.node, me.key, check.key, me.nick, check.nick, this.options.retention, this.pm.ttlMs);
    if (id === null) return this.refuse(conn, { code: 'nickTaken', stage: 'rename', nick: check.nick }, true);
    if (id !== NOT_THERE) await this.rememberName(gid, was);
    if (id === NOT_THERE) return this.settle(conn);
    for (const [i, [room, at]] of written(id).entries()) {
      this.replica.wrote(room, at, { t: 'ren', g: gid, o: me.nick, n: check.nick, ...(i === 0 ? { s: 1 as const } : {}) });
    }
    if (id === IN_NO_ROOM) {
      // Nobody to tell but the user; in rooms, the renames read back from the logs name and settle.
      this.replica.deliver(Int32Array.of(conn), -1, { k: 'nickChanged', from: me.nick, nick: check.nick });
      me.nick = check.nick;
      me.key = check.key;
      this.replica.effects.push({ t: 'named', conn, nick: check.nick });
      return this.settle(conn);
    }
  }

  private async private(conn: ConnId, target: string, text: string, notice: boolean, tags: ClientTags | undefined): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return this.settle(conn);
    const { lines, bytes, ttlMs } = this.pm;
    const answer = await this.scripts.ncPrivate(gidOf(this.node, conn), this.nextOp(), nickKey(target), text, INBOX_RETENTION, notice ? '1' : '0', lines, bytes, ttlMs, tags ? JSON.stringify(tags) : '', '0');
    if (answer === null) return this.refuse(conn, { code: 'noSuchNick', nick: target }, true);
    // Reaped while this node stalled: until it is registered again (reassert), not sent.
    if (answer === NOT_THERE) return this.refuse(conn, { code: 'storeFailed' }, true);
    // The addressee's nickname, and the line's id in the conversation's history when it is kept.
    const tab = answer.indexOf('\t');
    const to = tab < 0 ? answer : answer.slice(0, tab);
    const kept = tab < 0 ? {} : { id: answer.slice(tab + 1), at: idTime(answer.slice(tab + 1)) };
    // An away addressee's message goes back to the sender (IRC 301); a NOTICE is never answered.
    const owner = notice ? null : await this.redis.get(keys.nick(nickKey(target)));
    const away = owner ? await this.redis.hget(keys.away, owner) : null;
    this.replica.privateSent(conn, to, text, { ...(notice ? { notice: true } : {}), ...(away !== null ? { away } : {}), ...kept, ...(tags ? { tags } : {}) });
    this.settle(conn);
  }

  /** Tags alone to one user (IRC TAGMSG): through the addressee's inbox as a private line, never kept; its inbox id is its msgid. */
  private async privateTags(conn: ConnId, target: string, tags: ClientTags): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return this.settle(conn);
    const answer = await this.scripts.ncPrivate(gidOf(this.node, conn), this.nextOp(), nickKey(target), '', INBOX_RETENTION, '0', 0, 0, 0, JSON.stringify(tags), '1');
    if (answer === null) return this.refuse(conn, { code: 'noSuchNick', nick: target }, true);
    if (answer === NOT_THERE) return this.refuse(conn, { code: 'storeFailed' }, true);
    const tab = answer.indexOf('\t');
    const id = answer.slice(tab + 1);
    this.replica.deliver(Int32Array.of(conn), -1, { k: 'privateTagged', id, at: idTime(id), from: me.nick, to: answer.slice(0, tab), tags, echo: true });
    this.settle(conn);
  }

  /**
   * CHATHISTORY with a nickname: the asker's conversation with that name, read from its stream
   * (the same on every node, ids included); nothing for a user the store does not name.
   */
  private async privateHistory(conn: ConnId, ask: string, target: string, select: HistorySelect): Promise<void> {
    const me = this.replica.locals.get(conn);
    const { events, reset } = me && this.pm.lines > 0 ? await readPrivate(this.redis, pairOf(me.key, nickKey(target)), select, this.pm.lines) : { events: [], reset: false };
    this.replica.deliver(Int32Array.of(conn), -1, { k: 'history', ask, target, events, ...(reset ? { reset: true } : {}) });
    this.settle(conn);
  }

  /**
   * CHATHISTORY TARGETS: the rooms the asker is in and the conversations its name has whose newest
   * line falls between `from` and `to` (exclusive), the oldest first, at most `limit` (as one
   * process answers; each read goes back no further than `from`). A conversation is named as its
   * newest line names the other side.
   */
  private async targets(conn: ConnId, from: number, to: number, limit: number): Promise<void> {
    const me = this.replica.locals.get(conn);
    const targets: HistoryTarget[] = [];
    const inside = (at: number | undefined): at is number => at !== undefined && at > from && at < to;
    if (me && limit > 0) {
      const rooms = await Promise.all(me.rooms.map((room) => newestLine(this.redis, { room }, from, this.options.retention)));
      me.rooms.forEach((room, i) => {
        if (inside(rooms[i]?.at)) targets.push({ room, at: rooms[i]!.at });
      });
      if (this.pm.lines > 0) {
        // Scores are each conversation's newest line: the window and the limit are Redis's to apply.
        const others = await this.redis.zrangebyscore(keys.pmWith(me.key), `(${from}`, `(${to}`, 'LIMIT', 0, limit);
        const newest = await Promise.all(others.map((other) => newestLine(this.redis, { pair: pairOf(me.key, other) }, from, this.pm.lines)));
        for (const line of newest) {
          if (line === null || line.k !== 'private' || !inside(line.at)) continue;
          targets.push({ nick: nickKey(line.from) === me.key ? line.to : line.from, at: line.at });
        }
      }
    }
    targets.sort((a, b) => a.at - b.at);
    this.replica.deliver(Int32Array.of(conn), -1, { k: 'historyTargets', targets: targets.slice(0, limit) });
    this.settle(conn);
  }

  // --- what IRC asks about users (WHOIS, WHO, ISON, USERHOST, WHOWAS, LUSERS, AWAY) ----------

  /** Users by nickname, as the store has them now, as `asker` may see them (secret rooms only if it is in them). */
  private async named(nicks: string[], asker: ConnId): Promise<{ users: UserInfo[]; missing: string[] }> {
    const gids = await Promise.all(nicks.map((n) => this.redis.get(keys.nick(nickKey(n)))));
    const users: UserInfo[] = [];
    const missing: string[] = [];
    const mine = new Set(this.replica.locals.get(asker)?.rooms ?? []);
    const infos = await Promise.all(gids.map((g) => (g === null ? Promise.resolve(null) : this.userInfo(g, mine))));
    infos.forEach((info, i) => (info === null ? missing.push(nicks[i]!) : users.push(info)));
    return { users, missing };
  }

  /** Everyone in `room` (IRC WHO #room); asked by `asker` from outside it, the invisible left out. */
  private async inRoom(room: string, asker: string): Promise<{ users: UserInfo[]; missing: string[] }> {
    let gids = await this.redis.hkeys(keys.members(room));
    const inside = gids.includes(asker);
    // From outside, a secret room shows nobody.
    if (!inside && gids.length > 0 && (await this.store.secret([room])).has(room)) return { users: [], missing: [] };
    if (gids.length > 0 && !inside) {
      const hidden = await this.redis.smismember(keys.invisible, ...gids);
      gids = gids.filter((_, i) => hidden[i] === 0);
    }
    const infos = await Promise.all(gids.map((g) => this.userInfo(g)));
    return { users: infos.filter((u): u is UserInfo => u !== null), missing: [] };
  }

  /** What the store has of user `gid`; with `viewer` (the asker's rooms), its secret rooms only if the asker shares them. */
  private async userInfo(gid: string, viewer?: ReadonlySet<string>): Promise<UserInfo | null> {
    const [info, all, profile, away] = await Promise.all([
      this.redis.hget(keys.conns(nodeOfGid(gid)), gid),
      this.redis.lrange(keys.in(gid), 0, -1),
      this.redis.hget(keys.profiles, gid),
      this.redis.hget(keys.away, gid),
    ]);
    const tab = info?.indexOf('\t') ?? -1;
    if (info == null || tab < 0) return null;
    const secret = viewer === undefined ? null : await this.store.secret(all);
    const rooms = secret === null || secret.size === 0 ? all : all.filter((r) => !secret.has(r) || viewer!.has(r));
    const p = profile?.split('\t');
    const marks = await this.store.marks(gid, rooms);
    return {
      nick: info.slice(tab + 1),
      ...(p && p.length === 2 ? { profile: { user: p[0]!, real: p[1]! } } : {}),
      rooms,
      ...(marks.some((m) => m !== '') ? { marks } : {}),
      ...(away !== null ? { away } : {}),
      since: 0,
    };
  }

  private async pastNames(nicks: string[]): Promise<{ users: UserInfo[]; missing: string[] }> {
    const past = (await this.redis.lrange(keys.was, 0, -1)).map((j) => JSON.parse(j) as UserInfo & { key: string });
    const users: UserInfo[] = [];
    const missing: string[] = [];
    for (const nick of nicks) {
      const found = past.filter((p) => p.key === nickKey(nick));
      if (found.length === 0) missing.push(nick);
      for (const { key: _, ...u } of found) users.push(u);
    }
    return { users, missing };
  }

  /** A name given up, for WHOWAS: the newest 100 are kept. */
  private async rememberName(gid: string, nick: string): Promise<void> {
    const profile = await this.redis.hget(keys.profiles, gid);
    const p = profile?.split('\t');
    const entry = { key: nickKey(nick), nick, rooms: [], since: Date.now(), ...(p && p.length === 2 ? { profile: { user: p[0], real: p[1] } } : {}) };
    await this.redis.multi().lpush(keys.was, JSON.stringify(entry)).ltrim(keys.was, 0, 99).exec();
  }

  /**
   * Users on every node (and how many are +i: the scripts' release takes a user out of the
   * invisible set, on a leave and a reap alike), this node's own, and the rooms with someone in
   * them (the lobby's count stays in the rooms hash at 0).
   */
  private async counts(): Promise<{ users: number; rooms: number; invisible: number; local: number }> {
    const nodes = await this.redis.smembers(keys.nodes);
    const [perNode, rooms, lobby, invisible, local] = await Promise.all([
      Promise.all(nodes.map((n) => this.redis.hlen(keys.conns(n)))),
      this.redis.hlen(keys.rooms),
      this.redis.hget(keys.rooms, LOBBY),
      this.redis.scard(keys.invisible),
      this.redis.hlen(keys.conns(this.node)),
    ]);
    return { users: perNode.reduce((a, b) => a + b, 0), rooms: rooms - (lobby === '0' ? 1 : 0), invisible, local };
  }

  /**
   * Away (with `text`) or back: kept in the store for WHOIS and private messages, and logged in
   * each of the user's rooms for away-notify. Not a script: nothing is decided, and a resent
   * entry only repeats what an edge shows once.
   */
  private async away(conn: ConnId, text: string | undefined): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return this.settle(conn);
    const gid = gidOf(this.node, conn);
    if (text === undefined) await this.redis.hdel(keys.away, gid);
    else await this.redis.hset(keys.away, gid, text);
    const e: LogEvent = { t: 'away', g: gid, n: me.nick, ...(text !== undefined ? { x: text } : {}) };
    await Promise.all(me.rooms.map((room) => this.redis.xadd(keys.log(room), 'MAXLEN', '~', this.options.retention, '*', 'e', JSON.stringify(e))));
    this.replica.notify(Int32Array.of(conn), { code: 'away', away: text !== undefined });
    this.settle(conn);
  }

  /**
   * A new real name: kept in the store for WHOIS, and logged in each of the user's rooms (the
   * user reads it back from there), or told to the user alone in none. As with away, not a script.
   */
  private async setname(conn: ConnId, real: string): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return this.settle(conn);
    const gid = gidOf(this.node, conn);
    const profile = await this.redis.hget(keys.profiles, gid);
    const tab = profile?.indexOf('\t') ?? -1;
    if (profile != null && tab >= 0) await this.redis.hset(keys.profiles, gid, `${profile.slice(0, tab)}\t${real}`);
    const once = String(this.nextOp()); // unique for the connection, so the same name set twice is shown twice
    const e: LogEvent = { t: 'real', g: gid, n: me.nick, x: real, o: once };
    await Promise.all(me.rooms.map((room) => this.redis.xadd(keys.log(room), 'MAXLEN', '~', this.options.retention, '*', 'e', JSON.stringify(e))));
    if (me.rooms.length === 0) this.replica.deliver(Int32Array.of(conn), -1, { k: 'realnameChanged', nick: me.nick, real, once: `s${gid}|${once}` });
    this.settle(conn);
  }

  /** The connection is gone: out of every room, the name freed (its leaves, read from the logs, tell the rooms). */
  private async leave(conn: ConnId, reason: string, stays = false): Promise<void> {
    const me = this.replica.locals.get(conn);
    if (!me) return;
    // From now on a reassert must not register it again: its leave may already have found it
    // gone (reaped) and answered NOT_THERE, and nothing would free the name after.
    this.leaving.add(conn);
    try {
      const gid = gidOf(this.node, conn);
      // Its private conversations go with it, unless it did not leave (its node is shutting down).
      const answer = await this.scripts.ncLeave(gid, this.nextOp(), this.node, me.key, reason, this.options.retention, stays ? '0' : '1');
      for (const [room, at] of written(answer)) this.replica.wrote(room, at, { t: 'leave', g: gid, n: me.nick, quit: 1, ...(reason ? { r: reason } : {}) });
      await this.rememberName(gid, me.nick).catch(() => {});
      await this.redis.multi().hdel(keys.profiles, gid).hdel(keys.away, gid).srem(keys.invisible, gid).exec().catch(() => {});
    } finally {
      this.leaving.delete(conn);
    }
    if (this.replica.locals.get(conn) === me) {
      this.replica.locals.delete(conn);
      this.replica.effects.push({ t: 'named', conn, nick: null });
      this.scheduleFlush();
    }
  }

  /** The next operation number (see `lastOp`). */
  private nextOp(): number {
    return ++this.lastOp;
  }

  /** An answer to one user that is no chat event; `settle` when it ends a barrier. */
  private refuse(conn: ConnId, notice: Notice, settle: boolean): void {
    this.replica.notify(Int32Array.of(conn), notice);
    if (settle) this.replica.effects.push({ t: 'settled', conn });
    this.scheduleFlush();
  }

  private settle(conn: ConnId): void {
    this.replica.effects.push({ t: 'settled', conn });
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
   * Runs a script that writes joins of ours into `rooms` (in that order), with the rooms expected
   * beforehand (see Replica.expect). Resolves with the joins' ids, or null when the script wrote
   * none (the name was taken, or the user was not where the operation needed it).
   */
  private async expecting(rooms: string[], script: () => Promise<string | null>, entry: (room: string) => LogEvent): Promise<string[] | null> {
    for (const room of rooms) this.replica.expect(room);
    let ids: string[] = [];
    try {
      const answer = await script();
      ids = answer === null || answer === NOT_THERE || answer === IN_NO_ROOM || answer === '' ? [] : answer.split(',');
    } finally {
      let wake = false;
      for (const [i, room] of rooms.entries()) {
        const id = ids[i];
        if (id === undefined) this.replica.unexpect(room);
        else {
          if (this.replica.written(room, id)) wake = true;
          this.replica.wrote(room, id, entry(room));
        }
      }
      if (wake) this.wakeReader();
    }
    return ids.length === 0 ? null : ids;
  }

  /** The reader blocks in XREAD on the rooms it had; a new room must interrupt it. */
  private wakeReader(): void {
    if (this.readerId !== null) void this.redis.client('UNBLOCK', this.readerId).catch(() => {});
  }

  private async readLoop(): Promise<void> {
    // Known before the first blocking XREAD (commands run in order on a connection): without it a
    // new room could not interrupt that first block, and the first join would wait it out.
    const id = await this.reader.client('ID').catch(() => null);
    if (id !== null) this.readerId = Number(id);
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
      await this.checkTrimmed(result);
      for (const [key, entries] of result) {
        for (const [id, fields] of entries) {
          const json = fields[1];
          if (json === undefined) continue;
          if (key.startsWith(LOG_PREFIX)) this.replica.apply(key.slice(LOG_PREFIX.length), id, JSON.parse(json) as LogEvent);
          else {
            // A read sent before restore() moved the position on may still bring older entries.
            if (!idLess(this.inboxPos, id)) continue;
            this.inboxPos = id;
            this.replica.applyInbox(id, JSON.parse(json) as InboxEvent);
          }
        }
      }
      const effects = this.replica.take();
      if (effects.length > 0) this.hooks.onEffects(effects);
    }
  }

  /**
   * Whether this read skipped entries the logs (or the inbox) no longer had: asked of every
   * stream that brought something, every time, in one round trip. A room's users are told lines
   * were missed (what they meant for our own connections is made good by the replica: see
   * Replica.apply); private messages lost so are told to every user of this node, as nobody can
   * say whose they were.
   */
  private async checkTrimmed(result: Array<[string, Array<[string, string[]]>]>): Promise<void> {
    const read = result.filter(([, entries]) => entries.length > 0);
    const pipeline = this.reader.pipeline();
    for (const [key] of read) pipeline.xrange(key, '-', '+', 'COUNT', 1);
    const oldest = await pipeline.exec().catch(() => null);
    for (const [i, [key]] of read.entries()) {
      const first = oldestOf(oldest?.[i]?.[1]);
      if (!key.startsWith(LOG_PREFIX)) {
        if (trimmedRead(this.inboxPos, first)) this.replica.notify(this.replica.everyLocal(), { code: 'privatesMissed' });
        continue;
      }
      const room = key.slice(LOG_PREFIX.length);
      const pos = this.replica.rooms.get(room)?.pos;
      // The recovery after an outage has told this room's users already (its 'recovered' notice).
      const told = this.toldMissed.delete(room);
      if (pos && trimmedRead(pos, first) && !told) this.replica.trimmed(room);
    }
  }

  // --- liveness, failures and Redis outages -------------------------------------------------

  private async heartbeat(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready') return;
    try {
      const sent = performance.now();
      const beat = await heartbeat(this.redis, this.node, this.hooks.openHere());
      this.rttMs.push(performance.now() - sent);
      if (this.rttMs.length > RTT_KEPT) this.rttMs.shift();
      this.elsewhere = beat.elsewhere;
      // Put our users back, so the rest of the cluster sees them again. The reaped flag is read
      // once (GETDEL): what it said is kept until a reassert has run, even if one cannot run now.
      if (beat.lost) this.mustReassert = true;
      await this.reassertIfLost();
    } catch (err) {
      // Over maxmemory nobody's heartbeat gets through: reaping waits until they could again.
      if (refusedForMemory(err)) this.noReapUntil = this.clock() + ALIVE_MS + HEARTBEAT_MS;
      // Otherwise Redis is away: 'close' has told the users; 'ready' will pick up from here.
    }
  }

  private async reap(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready' || this.clock() < this.noReapUntil) return;
    await reapDeadNodes(this.redis, this.scripts, this.node, this.options.retention).catch(() => {}); // next round
  }

  private down(): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.hooks.onHealth?.(true, 0);
    this.replica.notify(this.replica.everyLocal(), { code: 'degraded' });
    this.scheduleFlush();
  }

  /**
   * Redis is reachable (again). Run from the 'ready' listener, so nothing may escape it: a
   * recovery cut short by the node closing (or its Worker being killed) has nothing left to do;
   * one Redis refused (over maxmemory the epoch cannot be written) is tried again a heartbeat
   * later, or at the next 'ready' if the connection drops meanwhile.
   */
  private async up(): Promise<void> {
    if (this.closed) return;
    this.recovering = true;
    try {
      await this.recover();
      this.recovering = false;
      await this.reassertIfLost(); // a heartbeat during the recovery may have learnt we were reaped
    } catch (err) {
      if (this.closed) return;
      this.hooks.onProblem?.(err instanceof Error ? err.message : String(err));
      setTimeout(() => {
        if (!this.closed && this.redis.status === 'ready') void this.up();
      }, HEARTBEAT_MS).unref();
    } finally {
      this.recovering = false;
    }
  }

  /** Registers our users again if a heartbeat said the store lost them, once no recovery is under way. */
  private async reassertIfLost(): Promise<void> {
    while (this.mustReassert && !this.recovering && !this.reasserting && !this.closed) {
      this.mustReassert = false;
      if (this.replica.locals.size > 0) await this.reassert({ code: 'lostTouch' });
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
      if (wasDegraded) this.hooks.onHealth?.(false, 0);
      for (const room of this.replica.rooms.values()) room.pos = '0-0';
      this.replica.forgetWritten();
      this.inboxPos = '0-0';
      await this.reassert({ code: 'storeReset' });
      this.wakeReader();
      void this.heartbeat();
      return;
    }
    this.epoch = epoch;
    void this.heartbeat(); // register and be seen alive now, not a second from now
    if (!wasDegraded) return;
    const missed = await trimmedPast(this.redis, this.replica.rooms);
    for (const room of missed) this.toldMissed.add(room);
    this.hooks.onHealth?.(false, missed.length);
    this.replica.notify(this.replica.everyLocal(), { code: 'recovered', missed });
    this.scheduleFlush();
  }

  private async reassert(why: Notice): Promise<void> {
    if (this.reasserting) return;
    this.reasserting = true;
    try {
      // Only those the shared state lost: a user who registered since (after a reap) is there already.
      const registered = new Set(await this.redis.hkeys(keys.conns(this.node)));
      const lost = [...this.replica.locals].filter(([conn]) => !registered.has(gidOf(this.node, conn)));
      this.replica.notify(Int32Array.from(lost.map(([conn]) => conn)), why);
      for (const [conn, me] of lost) {
        if (this.leaving.has(conn) || this.replica.locals.get(conn) !== me) continue; // gone meanwhile
        const gid = gidOf(this.node, conn);
        let taken = false;
        await this.expecting(
          me.rooms,
          async () => {
            const answer = await this.scripts.ncEnter(gid, this.nextOp(), this.node, me.rooms.join(','), me.key, me.nick, '1', this.options.retention);
            taken = answer === null;
            return answer;
          },
          () => ({ t: 'join', g: gid, n: me.nick, size: -1, again: 1 }),
        );
        if (taken) {
          // Someone else took the name while we were away: this user has to come back under another.
          this.replica.notify(Int32Array.of(conn), { code: 'nickLost', nick: me.nick });
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
    this.replica.effects.push({ t: 'close', conn }, { t: 'settled', conn });
  }

}
