// The cluster's decisions, made atomically next to the logs by Lua scripts: a nickname claim
// and the join it causes, joining and parting rooms, a move between rooms, a rename announced
// in every room, a topic, a private message, a leave from every room, the reaping of a dead
// node, a node's own departure when it closes. The keys they
// touch are the ones keys.ts lists, derived in Lua from the same prefix. Each script changes the shared state and appends the event that says so in one
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
import { LOBBY } from '../model/rooms.js';
import { keys, PREFIX } from './keys.js';
import { INVITE_LUA, KICK_LUA, KILL_LUA, MODE_LUA, MODERATION_LUA } from './moderation-lua.js';
import { PRIVATE_LUA } from './private-lua.js';

const NOT_THERE_VALUE = 'no';

const PRELUDE = `
local P = '${PREFIX}'
local LOBBY = '${LOBBY}'
local NOT_THERE = '${NOT_THERE_VALUE}'
${MODERATION_LUA}
${PRIVATE_LUA}
local function count(room)
  local n = redis.call('HLEN', P..'members:'..room)
  if n == 0 and room ~= LOBBY then
    redis.call('HDEL', P..'rooms', room)
    redis.call('DEL', P..'topic:'..room)
    forgetRoom(room)
  else redis.call('HSET', P..'rooms', room, n) end
  return n
end
local function append(room, ev, maxlen)
  return redis.call('XADD', P..'log:'..room, 'MAXLEN', '~', maxlen, '*', 'e', cjson.encode(ev))
end
local function topicOf(room)
  local t = redis.call('HMGET', P..'topic:'..room, 'x', 'n', 'at')
  if t[1] then return {x=t[1], n=t[2], at=tonumber(t[3])} end
  return nil
end
local function member(gid, room) return redis.call('HEXISTS', P..'members:'..room, gid) == 1 end
local function register(gid, node, key, nick)
  -- A node is known to the reapers from its first user on, even if it dies before its first heartbeat.
  redis.call('SADD', P..'nodes', node)
  redis.call('SET', P..'nick:'..key, gid)
  redis.call('HSET', P..'conns:'..node, gid, key..'\\t'..nick)
end
-- Into one more room: the join event, with the topic the joiner finds there. The first to join a
-- room that did not exist (not the lobby; not a user the store lost coming back) runs it; an
-- invitation is used up by the join.
local function enter(gid, room, nick, ev, maxlen)
  local fresh = room ~= LOBBY and redis.call('HLEN', P..'members:'..room) == 0
  if fresh then forgetRoom(room) end
  redis.call('HSET', P..'members:'..room, gid, nick)
  -- The order people came in, for /who: a hash keeps none.
  redis.call('ZADD', P..'order:'..room, redis.call('INCR', P..'joins'), gid)
  redis.call('RPUSH', P..'in:'..gid, room)
  local key = keyOf(gid)
  if key then redis.call('ZREM', P..'invited:'..room, key) end
  if fresh and not ev.again then redis.call('SADD', P..'ops:'..room, gid) end
  ev.t, ev.g, ev.n, ev.size, ev.tp = 'join', gid, nick, count(room), topicOf(room)
  local id = append(room, ev, maxlen)
  if fresh then redis.call('HSET', P..'modes:'..room, 'c', string.match(id, '^(%d+)')) end
  return id
end
local function part(gid, room)
  redis.call('SREM', P..'ops:'..room, gid)
  redis.call('SREM', P..'voiced:'..room, gid)
  redis.call('HDEL', P..'members:'..room, gid)
  redis.call('ZREM', P..'order:'..room, gid)
  redis.call('LREM', P..'in:'..gid, 0, room)
  count(room)
end
local function release(gid, node, key)
  if redis.call('GET', P..'nick:'..key) == gid then redis.call('DEL', P..'nick:'..key) end
  redis.call('HDEL', P..'conns:'..node, gid)
  redis.call('DEL', P..'in:'..gid)
  redis.call('SREM', P..'invisible', gid) -- LUSERS counts the set: only registered users may be in it
end
-- Out of every room it is in, each told with \`ev\` (plus who): a quit, or a reap. Returns "room=id" per room.
local function leaveAll(gid, ev, maxlen)
  local written = {}
  for _, room in ipairs(redis.call('LRANGE', P..'in:'..gid, 0, -1)) do
    local nick = redis.call('HGET', P..'members:'..room, gid)
    if nick then
      part(gid, room)
      ev.g, ev.n = gid, nick
      written[#written + 1] = room..'='..append(room, ev, maxlen)
    end
  end
  return written
end
-- Every user of \`node\` out of every room (each told with \`ev\`) and released; the node forgotten.
local function clearNode(node, ev, maxlen)
  local conns = redis.call('HGETALL', P..'conns:'..node)
  for i = 1, #conns, 2 do
    local gid, info = conns[i], conns[i + 1]
    leaveAll(gid, ev, maxlen)
    release(gid, node, string.match(info, '^([^\\t]*)'))
  end
  redis.call('DEL', P..'conns:'..node, P..'inbox:'..node)
  redis.call('HDEL', P..'load', node)
  redis.call('SREM', P..'nodes', node)
  return #conns / 2
end
-- The earlier result of operation \`seq\` of \`gid\` if it already ran ('' stands for nil), else nil.
-- A connection's operations run in the order they were numbered. The node passes, as the last
-- argument, the newest earlier operation of the connection it has sent and not yet had answered
-- (0: none). If that one has not run here yet (ioredis resends after a dropped connection,
-- sometimes late), this one is refused with NCGAP and the node sends it again shortly. Only what
-- is really still on its way can hold an operation back: a failed or rolled-back one cannot.
-- The results are a sorted set (score: the operation's number; member: "number:result"), so the
-- newest is the last one that ran, and the answered ones go in one step (see done).
local function replay(gid, seq)
  local k = P..'op:'..gid
  local r = redis.call('ZRANGE', k, seq, seq, 'BYSCORE', 'LIMIT', 0, 1)[1]
  if r then return string.sub(r, #seq + 2) end
  local pred = tonumber(ARGV[#ARGV]) or 0
  local newest = redis.call('ZRANGE', k, 0, 0, 'REV', 'WITHSCORES')[2]
  if pred > 0 and pred > (tonumber(newest) or 0) then return redis.error_reply('NCGAP') end
  return nil
end
-- Keeps the result for a resend, and drops those no resend can ask for: ioredis sends a command
-- again only while its answer has not arrived, so the node passes, second to last, the oldest
-- operation of the connection still unanswered (the in-flight window's floor). What is older was
-- answered. The expiry is for a connection that goes quiet with something in flight.
local function done(gid, seq, result)
  local k = P..'op:'..gid
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '('..(ARGV[#ARGV - 1] or seq))
  redis.call('ZADD', k, seq, seq..':'..(result or ''))
  redis.call('PEXPIRE', k, 600000)
  if result == nil or result == '' then return false end
  return result
end
`;

const script = (numberOfKeys: number, body: string) => ({ numberOfKeys, lua: PRELUDE + body });

/** What a script answers when the connection is not (or no longer) where the operation needs it: nothing was done. */
export const NOT_THERE = NOT_THERE_VALUE;
/** A script's refusal: `x:` and a Notice code (and, for some, a nickname after another colon). */
export const REFUSED = 'x:';
/** ncRename's answer for a user in no room: renamed, with nobody to tell. */
export const IN_NO_ROOM = 'none';

export const SCRIPTS = {
  /**
   * ARGV: gid seq node rooms(comma-separated) key nick again maxlen → the joins' log ids, comma-separated,
   * IN_NO_ROOM when it joined none, `x:joinRefused:WHY` when registered but turned away by the room (a
   * ban in the lobby), or nil when the name is taken. A telnet claim enters the lobby, an IRC one no
   * room; `again` (1) registers a user the store lost back into its rooms (no room refuses that).
   */
  ncEnter: script(
    0,
    `
local gid, seq, node, rooms, key, nick, again, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local earlier = replay(gid, seq)
if earlier then if earlier == '' then return false end return earlier end
local owner = redis.call('GET', P..'nick:'..key)
if owner and owner ~= gid then return done(gid, seq, nil) end
register(gid, node, key, nick)
local ids, why = {}, nil
for room in string.gmatch(rooms, '[^,]+') do
  if not member(gid, room) then
    local ev, no = {}, nil
    if again == '1' then ev.again = 1 else ev.claim = 1; no = refusal(room, gid, key, '', '', false) end
    if no then why = why or no
    else ids[#ids + 1] = enter(gid, room, nick, ev, maxlen) end
  end
end
if #ids == 0 and why then return done(gid, seq, '${REFUSED}joinRefused:'..why) end
if #ids == 0 then return done(gid, seq, '${IN_NO_ROOM}') end
return done(gid, seq, table.concat(ids, ','))
`,
  ),
  /**
   * ARGV: gid seq node room key oper maxlen → the join's log id, `x:joinRefused:WHY` (a ban, +i, +k,
   * +l: see refusal), or NOT_THERE (not registered, or in the room already). `key`: the one given
   * ('' none); `oper`: a server operator's nickname ('' none), whom nothing refuses.
   */
  ncJoin: script(
    0,
    `
local gid, seq, node, room, given, oper, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local earlier = replay(gid, seq)
if earlier then return earlier end
local info = redis.call('HGET', P..'conns:'..node, gid)
if not info or member(gid, room) then return done(gid, seq, '${NOT_THERE}') end
local why = refusal(room, gid, string.match(info, '^([^\\t]*)'), given, oper, false)
if why then return done(gid, seq, '${REFUSED}joinRefused:'..why) end
return done(gid, seq, enter(gid, room, string.match(info, '\\t(.*)$'), {}, maxlen))
`,
  ),
  /** ARGV: gid seq room reason maxlen → the leave's log id, or NOT_THERE when not a member. */
  ncPart: script(
    0,
    `
local gid, seq, room, reason, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local earlier = replay(gid, seq)
if earlier then return earlier end
local nick = redis.call('HGET', P..'members:'..room, gid)
if not nick then return done(gid, seq, '${NOT_THERE}') end
part(gid, room)
local ev = {t='leave', g=gid, n=nick, part=1}
if reason ~= '' then ev.r = reason end
return done(gid, seq, append(room, ev, maxlen))
`,
  ),
  /**
   * ARGV: gid seq from to key oper maxlen → "joinId,leaveId" (the join in `to`, the leave in `from`),
   * `x:joinRefused:WHY` when `to` turns the user away (checked before it leaves `from`, so it stays
   * there), or NOT_THERE when not in `from` (or in `to` already). `key`, `oper`: as for ncJoin.
   */
  ncMove: script(
    0,
    `
local gid, seq, from, to, given, oper, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local earlier = replay(gid, seq)
if earlier then return earlier end
local nick = redis.call('HGET', P..'members:'..from, gid)
if not nick or member(gid, to) then return done(gid, seq, '${NOT_THERE}') end
local why = refusal(to, gid, keyOf(gid), given, oper, false)
if why then return done(gid, seq, '${REFUSED}joinRefused:'..why) end
part(gid, from)
local left = append(from, {t='leave', g=gid, n=nick, to=to}, maxlen)
return done(gid, seq, enter(gid, to, nick, {moved=1}, maxlen)..','..left)
`,
  ),
  /**
   * ARGV: gid seq node oldKey newKey oldNick newNick maxlen ttl → "room=id,…", the rename's entry in each
   * room the user is in (the first settles), IN_NO_ROOM, NOT_THERE when not registered, or nil when
   * taken. The old name's private conversations go to the new one (`ttl`: their expiry).
   */
  ncRename: script(
    0,
    `
local gid, seq, node, oldKey, newKey, oldNick, newNick, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local earlier = replay(gid, seq)
if earlier then if earlier == '' then return false end return earlier end
if redis.call('HEXISTS', P..'conns:'..node, gid) == 0 then return done(gid, seq, '${NOT_THERE}') end
local owner = redis.call('GET', P..'nick:'..newKey)
if owner and owner ~= gid then return done(gid, seq, nil) end
if redis.call('GET', P..'nick:'..oldKey) == gid then
  redis.call('DEL', P..'nick:'..oldKey)
  movePrivates(oldKey, newKey, tonumber(ARGV[9]))
end
register(gid, node, newKey, newNick)
local written = {}
for i, room in ipairs(redis.call('LRANGE', P..'in:'..gid, 0, -1)) do
  redis.call('HSET', P..'members:'..room, gid, newNick)
  local ev = {t='ren', g=gid, o=oldNick, n=newNick}
  if i == 1 then ev.s = 1 end
  written[i] = room..'='..append(room, ev, maxlen)
end
if #written == 0 then return done(gid, seq, '${IN_NO_ROOM}') end
return done(gid, seq, table.concat(written, ','))
`,
  ),
  /**
   * ARGV: gid seq node key reason maxlen forget → "room=id,…" (its leave in each room it was in), IN_NO_ROOM,
   * or NOT_THERE when the store no longer has the user: gone from every room, the name freed.
   * `forget` (1): the user left the chat, and the name's private conversations go with it (not
   * when its node shuts down: see private-lua.ts).
   */
  ncLeave: script(
    0,
    `
local gid, seq, node, key, reason, maxlen, forget = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local earlier = replay(gid, seq)
if earlier then return earlier end
if redis.call('HEXISTS', P..'conns:'..node, gid) == 0 then return done(gid, seq, '${NOT_THERE}') end
if forget == '1' and redis.call('GET', P..'nick:'..key) == gid then forgetPrivates(key) end
local ev = {t='leave', quit=1}
if reason ~= '' then ev.r = reason end
local written = leaveAll(gid, ev, maxlen)
release(gid, node, key)
if #written == 0 then return done(gid, seq, '${IN_NO_ROOM}') end
return done(gid, seq, table.concat(written, ','))
`,
  ),
  /**
   * ARGV: gid seq room event-json maxlen outside → log id, `x:cannotSpeak` (a moderated room and no
   * voice, or banned; from outside, also +n), `x:noSuchRoom` (from outside, to a room nobody is in), or
   * NOT_THERE when not a member and not sent from `outside` ('1': IRC, to a channel one is not on):
   * a chat line or action, logged once.
   */
  ncSay: script(
    0,
    `
local gid, seq, room, json, maxlen, outside = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local earlier = replay(gid, seq)
if earlier then return earlier end
if not member(gid, room) then
  if outside ~= '1' then return done(gid, seq, '${NOT_THERE}') end
  if room ~= LOBBY and redis.call('HLEN', P..'members:'..room) == 0 then return done(gid, seq, '${REFUSED}noSuchRoom') end
  -- Under -n an outsider speaks as a member without voice would: not banned, not in a moderated room.
  if flag(room, 'n') then return done(gid, seq, '${REFUSED}cannotSpeak') end
end
if not maySpeak(room, gid) then return done(gid, seq, '${REFUSED}cannotSpeak') end
return done(gid, seq, redis.call('XADD', P..'log:'..room, 'MAXLEN', '~', maxlen, '*', 'e', json))
`,
  ),
  /**
   * ARGV: gid seq room text oper maxlen → log id, `x:notOperator` (+t, and the setter neither a room
   * nor a server operator), or NOT_THERE when not a member: the room's new topic.
   */
  ncTopic: script(
    0,
    `
local gid, seq, room, text, oper, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local earlier = replay(gid, seq)
if earlier then return earlier end
local nick = redis.call('HGET', P..'members:'..room, gid)
if not nick then return done(gid, seq, '${NOT_THERE}') end
if oper == '' and flag(room, 't') and not isOp(room, gid) then return done(gid, seq, '${REFUSED}notOperator') end
local id = append(room, {t='topic', g=gid, n=nick, x=text}, maxlen)
-- An empty topic unsets it, as in one process (a joiner then finds none).
if text == '' then redis.call('DEL', P..'topic:'..room)
else redis.call('HSET', P..'topic:'..room, 'x', text, 'n', nick, 'at', string.match(id, '^(%d+)')) end
return done(gid, seq, id)
`,
  ),
  /**
   * ARGV: gid seq targetKey text maxlen notice keep bytes ttl → the target's nickname (with a tab
   * and the line's id in its conversation's history when `keep`, its most lines, is not 0), nil
   * when nobody has it, or NOT_THERE when the sender is not registered (its node was reaped): it
   * must not speak under a name that may be someone else's by now. The sender is named as the
   * store has it; `notice` (1) marks an IRC NOTICE. The line is kept (see private-lua.ts) and
   * handed to the addressee's inbox in this one step, its history id with it (`i`). ARGV 10: its
   * client-only tags as JSON text ('' for none), handed on unread; ARGV 11 '1': tags alone (IRC
   * TAGMSG), never kept, answered with the nickname, a tab and the inbox entry's id (its msgid).
   */
  ncPrivate: script(
    0,
    `
local gid, seq, targetKey, text, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local earlier = replay(gid, seq)
if earlier then if earlier == '' then return false end return earlier end
local mine = redis.call('HGET', P..'conns:'..string.match(gid, '^(.*):[^:]*$'), gid)
if not mine then return done(gid, seq, '${NOT_THERE}') end
local from = string.match(mine, '\\t(.*)$')
local owner = redis.call('GET', P..'nick:'..targetKey)
if not owner then return done(gid, seq, nil) end
local node = string.match(owner, '^(.*):[^:]*$')
local info = redis.call('HGET', P..'conns:'..node, owner)
if not info then return done(gid, seq, nil) end
local nick = string.match(info, '\\t(.*)$')
if ARGV[11] == '1' then
  local id = redis.call('XADD', P..'inbox:'..node, 'MAXLEN', '~', maxlen, '*', 'e', cjson.encode({t='ptag', to=owner, f=from, tg=ARGV[10]}))
  return done(gid, seq, nick..'\t'..id)
end
local ev = {t='priv', to=owner, f=from, x=text}
if ARGV[6] == '1' then ev.no = 1 end
if ARGV[10] ~= '' then ev.tg = ARGV[10] end
local keep, answer = tonumber(ARGV[7]) or 0, nick
if keep > 0 then
  local line = {f=from, to=nick, x=text, no=ev.no, tg=ev.tg}
  ev.i = keepPrivate(string.match(mine, '^([^\t]*)'), targetKey, cjson.encode(line), keep, tonumber(ARGV[8]), tonumber(ARGV[9]))
  answer = nick..'\t'..ev.i
end
redis.call('XADD', P..'inbox:'..node, 'MAXLEN', '~', maxlen, '*', 'e', cjson.encode(ev))
return done(gid, seq, answer)
`,
  ),
  /** Room mode changes (see MODE_LUA in moderation-lua.ts). */
  ncMode: script(0, MODE_LUA),
  /** A kick (see KICK_LUA). */
  ncKick: script(0, KICK_LUA),
  /** An invitation, recorded and handed on (see INVITE_LUA). */
  ncInvite: script(0, INVITE_LUA),
  /** A server operator's kill, handed on to the target's node (see KILL_LUA). */
  ncKill: script(0, KILL_LUA),
  /** ARGV: node maxlen → how many of its users were announced gone (0 if it is alive or already reaped). */
  ncReap: script(
    0,
    `
local node, maxlen = ARGV[1], ARGV[2]
if redis.call('EXISTS', P..'alive:'..node) == 1 then return 0 end
local n = clearNode(node, {t='leave', reaped=1}, maxlen)
redis.call('SET', P..'reaped:'..node, '1', 'EX', 86400)
return n
`,
  ),
  /**
   * ARGV: node maxlen → how many of its users were still registered. A node closing: each user it
   * still holds leaves (its release may not have run yet: behind a late barrier, or in an NCGAP
   * retry) and the node is forgotten, in one step, so no name or membership outlives it.
   */
  ncDepart: script(
    0,
    `
local node, maxlen = ARGV[1], ARGV[2]
local n = clearNode(node, {t='leave', quit=1}, maxlen)
redis.call('DEL', P..'alive:'..node)
return n
`,
  ),
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export type Scripted = Record<ScriptName, (...args: Array<string | number>) => Promise<string | null>>;

/**
 * The scripts as methods of `redis`. Scripts a connection causes take (gid, seq, …): each call
 * also passes the oldest operation of that gid still in flight (itself, if none is older: the
 * results below it can go) and the newest earlier one still in flight (0: none); one refused
 * because that predecessor has not run yet (NCGAP) is sent again until its turn comes (bounded,
 * and never after `stopped()`).
 */
export function scriptCalls(redis: Redis, stopped: () => boolean = () => false): Scripted {
  for (const [name, def] of Object.entries(SCRIPTS)) redis.defineCommand(name, def);
  // defineCommand adds methods that ioredis' types cannot know about: the one cast is here.
  const raw = redis as unknown as Scripted;
  const inflight = new Map<string, Set<number>>();
  const call =
    (name: ScriptName) =>
    async (...args: Array<string | number>): Promise<string | null> => {
      if (name === 'ncReap' || name === 'ncDepart') return raw[name](...args);
      const gid = String(args[0]);
      const seq = Number(args[1]);
      let mine = inflight.get(gid);
      if (!mine) inflight.set(gid, (mine = new Set()));
      mine.add(seq);
      try {
        for (let attempt = 0; ; attempt++) {
          let pred = 0;
          let floor = seq;
          for (const other of mine) {
            if (other < seq && other > pred) pred = other;
            if (other < floor) floor = other;
          }
          try {
            return await raw[name](...args, floor, pred);
          } catch (err) {
            // Not once the node has closed: what it still held was released then (ncDepart).
            if (!String(err).includes('NCGAP') || attempt >= 500 || stopped()) throw err;
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
