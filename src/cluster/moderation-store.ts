// Reading a room's members and moderation back from the store, for what users ask (WHO and
// NAMES with their @ and + marks, MODE #room, the ban list, WHOIS marks), and turning the
// scripts' refusals into the notices the room actor would give. Nothing here decides: the
// scripts (moderation-lua.ts) do.

import type { Redis } from 'ioredis';
import type { Notice } from '../model/events.js';
import { defaultModes, type Ban, type JoinRefusal, type RoomModes } from '../model/moderation.js';
import { keys } from './keys.js';
import { REFUSED } from './scripts.js';

const JOIN_REFUSALS = new Set<string>(['banned', 'inviteOnly', 'badKey', 'full']);

/**
 * The notice for a script's `x:CODE[:ARG]` answer about `room` (`nick`: the user the command named).
 * A code this node does not know (a newer node's script) reads as the store refusing.
 */
export function refusalOf(answer: string, room: string, nick = ''): Notice {
  const [code = '', arg] = answer.slice(REFUSED.length).split(/:(.*)/s);
  switch (code) {
    case 'notInRoom':
    case 'notOperator':
    case 'noSuchRoom':
    case 'cannotSpeak':
      return { code, room };
    case 'notMember':
      return { code, room, nick };
    case 'alreadyMember':
      return { code, room, nick: arg ?? nick };
    case 'noSuchNick':
      return { code, nick };
    case 'joinRefused':
      if (arg !== undefined && JOIN_REFUSALS.has(arg)) return { code, room, why: arg as JoinRefusal };
  }
  return { code: 'storeFailed' };
}

/** A status mark as the room actor writes it: '@' operator, '+' voiced, both, or ''. */
const mark = (op: boolean, voiced: boolean): string => (op ? '@' : '') + (voiced ? '+' : '');

export class RoomStore {
  constructor(private readonly redis: Redis) {}

  /** The room's members in the order they joined it, with their marks, as one reading. */
  /** A room's members in the order they came: nicknames, status marks and gids (same order). */
  async members(room: string): Promise<{ nicks: string[]; marks: string[]; gids: string[] }> {
    const read = await this.redis.multi().zrange(keys.order(room), 0, -1).hgetall(keys.members(room)).smembers(keys.ops(room)).smembers(keys.voiced(room)).exec();
    const [gids, names, ops, voiced] = (read ?? []).map(([, value]) => value) as [string[]?, Record<string, string>?, string[]?, string[]?];
    const nicks: string[] = [];
    const marks: string[] = [];
    const members: string[] = [];
    const opSet = new Set(ops ?? []);
    const voiceSet = new Set(voiced ?? []);
    for (const gid of gids ?? []) {
      const nick = names?.[gid];
      if (nick === undefined) continue;
      nicks.push(nick);
      marks.push(mark(opSet.has(gid), voiceSet.has(gid)));
      members.push(gid);
    }
    return { nicks, marks, gids: members };
  }

  /** The room's settings and when it was made; `member`: the asker (`gid`) may see the key. */
  async modes(room: string, gid: string, oper: boolean): Promise<{ modes: RoomModes; created: number; member: boolean }> {
    const [fields, member] = await Promise.all([this.redis.hgetall(keys.modes(room)), this.redis.hexists(keys.members(room), gid)]);
    const modes = defaultModes(room);
    const flag = (f: string, fallback: boolean): boolean => (fields[f] === undefined ? fallback : fields[f] === '1');
    modes.topicLock = flag('t', modes.topicLock);
    modes.noOutside = flag('n', modes.noOutside);
    modes.moderated = flag('m', false);
    modes.inviteOnly = flag('i', false);
    modes.secret = flag('s', false);
    if (fields.k !== undefined) modes.key = fields.k;
    if (fields.l !== undefined) modes.limit = Number(fields.l);
    // A room that was never given a time (the lobby, untouched) dates from now, as a fresh actor's would.
    return { modes, created: fields.c !== undefined ? Number(fields.c) : Date.now(), member: member === 1 || oper };
  }

  /** Which of `rooms` are secret (+s). */
  async secret(rooms: readonly string[]): Promise<Set<string>> {
    if (rooms.length === 0) return new Set();
    const pipeline = this.redis.pipeline();
    for (const room of rooms) pipeline.hget(keys.modes(room), 's');
    const read = (await pipeline.exec()) ?? [];
    return new Set(rooms.filter((_, i) => read[i]?.[1] === '1'));
  }

  async bans(room: string): Promise<Ban[]> {
    const list = await this.redis.lrange(keys.bans(room), 0, -1);
    return list.map((json) => {
      const b = JSON.parse(json) as { mask: string; by: string; at: number };
      return { mask: b.mask, by: b.by, at: b.at };
    });
  }

  /** A user's mark in each of `rooms` (same order). */
  async marks(gid: string, rooms: readonly string[]): Promise<string[]> {
    if (rooms.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const room of rooms) pipeline.sismember(keys.ops(room), gid).sismember(keys.voiced(room), gid);
    const read = (await pipeline.exec()) ?? [];
    return rooms.map((_, i) => mark(read[2 * i]?.[1] === 1, read[2 * i + 1]?.[1] === 1));
  }
}
