// The cluster's decisions, made atomically next to the logs by Lua scripts: a nickname claim
// and the join it causes, a rename, a leave, a move between rooms, the reaping of a dead
// node. Each script changes the shared state and appends the event that says so in one
// step, so two nodes racing for a name cannot both win, and a name is free exactly when its
// holder's leave is in the log.
//
// Every script a connection causes carries that connection's operation number. ioredis sends a
// command again when the connection to Redis drops before the reply; the number makes the
// second run return the first run's result instead of acting twice, so a line is logged once.
// Under load a resend was seen to arrive after later operations of the same connection: the
// scripts refuse an operation that comes ahead of its turn (NCGAP), and the node retries it, so a
// connection's lines reach the log in the order sent.

import type { Redis } from 'ioredis';
import { keys } from './keys.js';

const PRELUDE = `
local P = 'nc:'
local function count(room)
  local n = redis.call('HLEN', P..'members:'..room)
  if n == 0 and room ~= 'lobby' then redis.call('HDEL', P..'rooms', room) else redis.call('HSET', P..'rooms', room, n) end
  return n
end
local function append(room, ev, maxlen)
  return redis.call('XADD', P..'log:'..room, 'MAXLEN', '~', maxlen, '*', 'e', cjson.encode(ev))
end
local function enter(gid, node, room, key, nick)
  -- A node is known to the reapers from its first user on, even if it dies before its first heartbeat.
  redis.call('SADD', P..'nodes', node)
  redis.call('SET', P..'nick:'..key, gid)
  redis.call('HSET', P..'members:'..room, gid, nick)
  redis.call('HSET', P..'conns:'..node, gid, room..'\\t'..key..'\\t'..nick)
  return count(room)
end
local function release(gid, node, key)
  if redis.call('GET', P..'nick:'..key) == gid then redis.call('DEL', P..'nick:'..key) end
  redis.call('HDEL', P..'conns:'..node, gid)
end
-- The earlier result of operation \`seq\` of \`gid\` if it already ran ('' stands for nil), else nil.
-- A connection's operations run in the order they were numbered. The node passes, as the last
-- argument, the newest earlier operation of the connection it has sent and not yet had answered
-- (0: none). If that one has not run here yet (ioredis resends after a dropped connection,
-- sometimes late), this one is refused with NCGAP and the node sends it again shortly. Only what
-- is really still on its way can hold an operation back: a failed or rolled-back one cannot.
local function replay(gid, seq)
  local k = P..'op:'..gid
  local r = redis.call('HGET', k, seq)
  if r then return r end
  local pred = tonumber(ARGV[#ARGV]) or 0
  local last = tonumber(redis.call('HGET', k, 'last') or '0')
  if pred > 0 and pred > last then return redis.error_reply('NCGAP') end
  return nil
end
local function done(gid, seq, result)
  local k = P..'op:'..gid
  redis.call('HSET', k, seq, result or '', 'last', seq)
  -- Keep the last ten thousand results, and none for long.
  redis.call('HDEL', k, string.format('%.0f', tonumber(seq) - 10000))
  redis.call('PEXPIRE', k, 600000)
  if result == nil or result == '' then return false end
  return result
end
local function part(gid, room)
  redis.call('HDEL', P..'members:'..room, gid)
  count(room)
end
`;

const script = (numberOfKeys: number, body: string) => ({ numberOfKeys, lua: PRELUDE + body });

export const SCRIPTS = {
  /** ARGV: gid seq node room key nick maxlen → the join's log id, or nil when the name is taken. */
  ncEnter: script(
    0,
    `
local gid, seq, node, room, key, nick, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local earlier = replay(gid, seq)
if earlier then if earlier == '' then return false end return earlier end
local owner = redis.call('GET', P..'nick:'..key)
if owner and owner ~= gid then return done(gid, seq, nil) end
local size = enter(gid, node, room, key, nick)
return done(gid, seq, append(room, {t='join', g=gid, n=nick, size=size}, maxlen))
`,
  ),
  /** ARGV: gid seq node room oldKey newKey oldNick newNick maxlen → log id, or nil when taken. */
  ncRename: script(
    0,
    `
local gid, seq, node, room, oldKey, newKey, oldNick, newNick, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local earlier = replay(gid, seq)
if earlier then if earlier == '' then return false end return earlier end
local owner = redis.call('GET', P..'nick:'..newKey)
if owner and owner ~= gid then return done(gid, seq, nil) end
release(gid, node, oldKey)
enter(gid, node, room, newKey, newNick)
return done(gid, seq, append(room, {t='ren', g=gid, o=oldNick, n=newNick}, maxlen))
`,
  ),
  /** ARGV: gid seq node room key nick reason quit maxlen → log id. */
  ncLeave: script(
    0,
    `
local gid, seq, node, room, key, nick, reason, quit, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local earlier = replay(gid, seq)
if earlier then return earlier end
release(gid, node, key)
part(gid, room)
local ev = {t='leave', g=gid, n=nick}
if reason ~= '' then ev.r = reason end
if quit == '1' then ev.quit = 1 end
return done(gid, seq, append(room, ev, maxlen))
`,
  ),
  /** ARGV: gid seq node from to key nick maxlen → the join's log id in `to`. */
  ncMove: script(
    0,
    `
local gid, seq, node, from, to, key, nick, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local earlier = replay(gid, seq)
if earlier then return earlier end
part(gid, from)
append(from, {t='leave', g=gid, n=nick, to=to}, maxlen)
local size = enter(gid, node, to, key, nick)
return done(gid, seq, append(to, {t='join', g=gid, n=nick, moved=1, size=size}, maxlen))
`,
  ),
  /** ARGV: gid seq room event-json maxlen → log id: a chat line or action, logged once. */
  ncSay: script(
    0,
    `
local gid, seq, room, json, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local earlier = replay(gid, seq)
if earlier then return earlier end
return done(gid, seq, redis.call('XADD', P..'log:'..room, 'MAXLEN', '~', maxlen, '*', 'e', json))
`,
  ),
  /** ARGV: gid seq targetKey fromNick text maxlen → the target's nickname, or nil when nobody has it. */
  ncPrivate: script(
    0,
    `
local gid, seq, targetKey, from, text, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local earlier = replay(gid, seq)
if earlier then if earlier == '' then return false end return earlier end
local owner = redis.call('GET', P..'nick:'..targetKey)
if not owner then return done(gid, seq, nil) end
local node = string.match(owner, '^(.*):[^:]*$')
local info = redis.call('HGET', P..'conns:'..node, owner)
if not info then return done(gid, seq, nil) end
local nick = string.match(info, '\\t([^\\t]*)$')
redis.call('XADD', P..'inbox:'..node, 'MAXLEN', '~', maxlen, '*', 'e', cjson.encode({t='priv', to=owner, f=from, x=text}))
return done(gid, seq, nick)
`,
  ),
  /** ARGV: node maxlen → how many of its users were announced gone (0 if it is alive or already reaped). */
  ncReap: script(
    0,
    `
local node, maxlen = ARGV[1], ARGV[2]
if redis.call('EXISTS', P..'alive:'..node) == 1 then return 0 end
local conns = redis.call('HGETALL', P..'conns:'..node)
for i = 1, #conns, 2 do
  local gid, info = conns[i], conns[i + 1]
  local room, key, nick = string.match(info, '^([^\\t]*)\\t([^\\t]*)\\t(.*)$')
  release(gid, node, key)
  part(gid, room)
  append(room, {t='leave', g=gid, n=nick, r='connection lost', reaped=1}, maxlen)
end
redis.call('DEL', P..'conns:'..node, P..'inbox:'..node)
redis.call('SET', P..'reaped:'..node, '1', 'EX', 86400)
redis.call('HDEL', P..'load', node)
redis.call('SREM', P..'nodes', node)
return #conns / 2
`,
  ),
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export type Scripted = Record<ScriptName, (...args: Array<string | number>) => Promise<string | null>>;

/**
 * The scripts as methods of `redis`. Scripts a connection causes take (gid, seq, …): each call
 * also passes the newest earlier operation of that gid still in flight, and one refused because
 * that predecessor has not run yet (NCGAP) is sent again until its turn comes (bounded).
 */
export function scriptCalls(redis: Redis): Scripted {
  for (const [name, def] of Object.entries(SCRIPTS)) redis.defineCommand(name, def);
  // defineCommand adds methods that ioredis' types cannot know about: the one cast is here.
  const raw = redis as unknown as Scripted;
  const inflight = new Map<string, Set<number>>();
  const call =
    (name: ScriptName) =>
    async (...args: Array<string | number>): Promise<string | null> => {
      if (name === 'ncReap') return raw[name](...args);
      const gid = String(args[0]);
      const seq = Number(args[1]);
      let mine = inflight.get(gid);
      if (!mine) inflight.set(gid, (mine = new Set()));
      mine.add(seq);
      try {
        for (let attempt = 0; ; attempt++) {
          let pred = 0;
          for (const other of mine) if (other < seq && other > pred) pred = other;
          try {
            return await raw[name](...args, pred);
          } catch (err) {
            if (!String(err).includes('NCGAP') || attempt >= 500) throw err;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      } finally {
        mine.delete(seq);
        if (mine.size === 0) inflight.delete(gid);
      }
    };
  return Object.fromEntries((Object.keys(SCRIPTS) as ScriptName[]).map((name) => [name, call(name)])) as Scripted;
}

/** Every other registered node whose liveness key expired is reaped (its users' leaves announced, once). */
export async function reapDeadNodes(redis: Redis, scripts: Scripted, self: string, retention: number): Promise<void> {
  const nodes = (await redis.smembers(keys.nodes)).filter((n) => n !== self);
  if (nodes.length === 0) return;
  const alive = await Promise.all(nodes.map((n) => redis.exists(keys.alive(n))));
  for (const [i, n] of nodes.entries()) if (alive[i] === 0) await scripts.ncReap(n, retention);
}
