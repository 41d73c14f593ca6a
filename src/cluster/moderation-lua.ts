// A room's moderation as the cluster's Lua scripts read and change it: the same rules as
// model/moderation.ts (joinRefusal, matchMask, defaultModes) and actors/modes.ts (applyModes),
// over the keys keys.ts lists (modes, bans, ops, voiced, invited). The scripts in scripts.ts
// include these helpers and decide with them in the same atomic step as a join, a line or a
// mode change, so two nodes cannot both let a user past a limit or a ban.
//
// Folding: Lua cannot fold text as nickKey does (NFKC, look-alikes), so nothing is folded here.
// A user's mask is its nickname key (kept in `conns:<node>` since its claim) followed by the
// folded tail every user shares (`!~u@node-chat`, see MASK_TAIL); bans are stored with their
// mask folded by TS when set. nickKey works character by character and `!` composes with
// nothing, so key .. tail is nickKey of the whole mask (a test checks it).

import { checkKey, checkLimit, isFlag, MASK_TAIL, MAX_BANS, MAX_MODE_CHANGES, normalizeMask, type ModeChange, type ModeLetter } from '../model/moderation.js';
import { nickKey } from '../model/nicknames.js';

/** The tail of every user's mask, folded as matchMask folds it. */
export const FOLDED_TAIL = nickKey(`!${MASK_TAIL}`);

/** Invitations a room keeps; older ones lapse (as in the room actor). */
export const MAX_INVITED = 100;

/** `text` as a Lua string literal, every byte that is not a letter or digit escaped: safe for any input. */
export function luaString(text: string): string {
  let out = "'";
  for (const byte of Buffer.from(text, 'utf8')) out += /[A-Za-z0-9]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `\\${byte}`;
  return `${out}'`;
}

/** Lua helpers; expects P (the key prefix) and LOBBY to be defined before it. */
export const MODERATION_LUA = `
local TAIL = ${luaString(FOLDED_TAIL)}
local MAX_BANS = ${MAX_BANS}
local MAX_INVITED = ${MAX_INVITED}
local function nodeOf(gid) return string.match(gid, '^(.*):[^:]*$') end
-- The nickname key of a registered gid (nil when the store no longer has it).
local function keyOf(gid)
  local info = redis.call('HGET', P..'conns:'..nodeOf(gid), gid)
  if not info then return nil end
  return string.match(info, '^([^\\t]*)')
end
-- A string as its UTF-8 characters (a JavaScript string's code points: what matchMask walks).
local function chars(s)
  local t = {}
  for c in string.gmatch(s, '[%z\\1-\\127\\194-\\244][\\128-\\191]*') do t[#t + 1] = c end
  return t
end
-- matchMask's glob (* and ?), with one backtrack point: no pattern is built from input, and a
-- mask of many stars costs no more than matchMask does.
local function glob(m, t)
  local mi, ti, star, mark = 1, 1, 0, 0
  while ti <= #t do
    if mi <= #m and (m[mi] == '?' or m[mi] == t[ti]) then
      mi, ti = mi + 1, ti + 1
    elseif mi <= #m and m[mi] == '*' then
      star, mark, mi = mi, ti, mi + 1
    elseif star > 0 then
      mark = mark + 1
      mi, ti = star + 1, mark
    else return false end
  end
  while mi <= #m and m[mi] == '*' do mi = mi + 1 end
  return mi > #m
end
local function banned(room, key)
  if not key then return false end
  local bans = redis.call('LRANGE', P..'bans:'..room, 0, -1)
  if #bans == 0 then return false end
  local target = chars(key..TAIL)
  for _, b in ipairs(bans) do
    if glob(chars(cjson.decode(b).f), target) then return true end
  end
  return false
end
-- A flag (t n m i s) as set, or its default: +t everywhere but the lobby, +n everywhere, the others off.
local function flag(room, f)
  local v = redis.call('HGET', P..'modes:'..room, f)
  if v then return v == '1' end
  if f == 'n' then return true end
  if f == 't' then return room ~= LOBBY end
  return false
end
local function isOp(room, gid) return redis.call('SISMEMBER', P..'ops:'..room, gid) == 1 end
local function isVoiced(room, gid) return redis.call('SISMEMBER', P..'voiced:'..room, gid) == 1 end
-- Why a join of \`gid\` (nickname key \`key\`, with room key \`given\`, '' for none) is refused, or nil,
-- in joinRefusal's order: ban, then an invitation lets one past +i +k +l. \`oper\` (a server
-- operator's nick, '' for none) gets past everything; \`back\` (a refused move returning) past all but a ban.
local function refusal(room, gid, key, given, oper, back)
  if oper ~= '' then return nil end
  local size = redis.call('HLEN', P..'members:'..room)
  if size == 0 and room ~= LOBBY then return nil end -- a new room: nothing set yet
  if banned(room, key) then return 'banned' end
  if back or (key and redis.call('ZSCORE', P..'invited:'..room, key)) then return nil end
  local m = redis.call('HMGET', P..'modes:'..room, 'i', 'k', 'l')
  if m[1] == '1' then return 'inviteOnly' end
  if m[2] and given ~= m[2] then return 'badKey' end
  if m[3] and size >= tonumber(m[3]) then return 'full' end
  return nil
end
-- Whether a member may speak: not when banned or in a moderated room, unless an operator or voiced.
local function maySpeak(room, gid)
  local moderated = flag(room, 'm')
  if not moderated and redis.call('LLEN', P..'bans:'..room) == 0 then return true end
  if isOp(room, gid) or isVoiced(room, gid) then return true end
  return not moderated and not banned(room, keyOf(gid))
end
local function forgetRoom(room)
  redis.call('DEL', P..'modes:'..room, P..'bans:'..room, P..'ops:'..room, P..'voiced:'..room, P..'invited:'..room)
end
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * ARGV: gid seq node room changes-json oper maxlen → JSON {id?, s?, c: applied, n: by, r: refusals} or a refusal code
 * (x:notInRoom, x:notOperator), or NOT_THERE when the asker is not registered. The changes come
 * checked and folded by TS (see clusterChanges); the rules are applyModes'.
 */
export const MODE_LUA = `
local gid, seq, node, room, json, oper, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local earlier = replay(gid, seq)
if earlier then return earlier end
if redis.call('HEXISTS', P..'conns:'..node, gid) == 0 then return done(gid, seq, NOT_THERE) end
local nick = redis.call('HGET', P..'members:'..room, gid)
if not nick and oper == '' then return done(gid, seq, 'x:notInRoom') end
if oper == '' and not isOp(room, gid) then return done(gid, seq, 'x:notOperator') end
-- A server operator's change to a room nobody is in would outlive it (its next joiner makes it anew).
if not nick and room ~= LOBBY and redis.call('HLEN', P..'members:'..room) == 0 then return done(gid, seq, 'x:noSuchRoom') end
local by = nick or oper
-- applied: ModeChange objects, as the log carries them to every node's modeChanged.
local applied, refused = {}, {}
local M = P..'modes:'..room
redis.call('HSETNX', M, 'c', now())
for _, c in ipairs(cjson.decode(json)) do
  local m, s, a = c.m, c.s, c.a
  if m == 't' or m == 'n' or m == 'm' or m == 'i' or m == 's' then
    if flag(room, m) ~= s then
      redis.call('HSET', M, m, s and '1' or '0')
      applied[#applied + 1] = {set=s, mode=m}
    end
  elseif m == 'o' or m == 'v' then
    local who = redis.call('GET', P..'nick:'..c.f)
    local name = who and redis.call('HGET', P..'members:'..room, who)
    if not name then refused[#refused + 1] = {code='notMember', nick=a}
    else
      local list = P..(m == 'o' and 'ops:' or 'voiced:')..room
      if (redis.call('SISMEMBER', list, who) == 1) ~= s then
        if s then redis.call('SADD', list, who) else redis.call('SREM', list, who) end
        applied[#applied + 1] = {set=s, mode=m, arg=name}
      end
    end
  elseif m == 'b' then
    local B = P..'bans:'..room
    local bans, found = redis.call('LRANGE', B, 0, -1), nil
    for _, b in ipairs(bans) do if cjson.decode(b).f == c.f then found = b end end
    if s ~= (found ~= nil) then
      if s and #bans >= MAX_BANS then refused[#refused + 1] = {code='banListFull'}
      else
        if s then redis.call('RPUSH', B, cjson.encode({f=c.f, mask=a, by=by, at=now()}))
        else redis.call('LREM', B, 1, found) end
        applied[#applied + 1] = {set=s, mode=m, arg=a}
      end
    end
  elseif m == 'k' or m == 'l' then
    local current = redis.call('HGET', M, m)
    if not s then
      if current then
        redis.call('HDEL', M, m)
        applied[#applied + 1] = m == 'k' and {set=false, mode=m, arg='*'} or {set=false, mode=m}
      end
    elseif a and a ~= current then
      redis.call('HSET', M, m, a)
      applied[#applied + 1] = {set=true, mode=m, arg=a}
    end
  end
end
local answer = {r=refused, c=applied, n=by}
if #applied > 0 then
  local ev = {t='mode', g=gid, n=by, c=applied}
  -- A member reads it back in the room's log and settles then; a server operator from outside settles on the answer.
  if nick then ev.s, answer.s = 1, 1 end
  answer.id = append(room, ev, maxlen)
end
return done(gid, seq, cjson.encode(answer))
`;

/**
 * ARGV: gid seq node room targetKey reason oper maxlen → JSON {id, s?, n, by, g} (`s`: the kicker is a member,
 * and settles on reading its kick), a refusal code, or NOT_THERE.
 */
export const KICK_LUA = `
local gid, seq, node, room, target, reason, oper, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local earlier = replay(gid, seq)
if earlier then return earlier end
if redis.call('HEXISTS', P..'conns:'..node, gid) == 0 then return done(gid, seq, NOT_THERE) end
local nick = redis.call('HGET', P..'members:'..room, gid)
if not nick and oper == '' then return done(gid, seq, 'x:notInRoom') end
if oper == '' and not isOp(room, gid) then return done(gid, seq, 'x:notOperator') end
local victim = redis.call('GET', P..'nick:'..target)
local name = victim and redis.call('HGET', P..'members:'..room, victim)
if not name then return done(gid, seq, 'x:notMember') end
local ev = {t='kick', g=victim, n=name, by=nick or oper, k=gid}
if reason ~= '' then ev.r = reason end
if nick then ev.s = 1 end
-- Logged before the member is out: its own node reads it as the room's last word to it.
local id = append(room, ev, maxlen)
part(victim, room)
return done(gid, seq, cjson.encode({id=id, s=ev.s, n=name, by=ev.by, g=victim}))
`;

/**
 * ARGV: gid seq node room targetKey oper maxlen → 'ok:NICK' (invited, told through its node's
 * inbox), 'x:alreadyMember:NICK', 'x:noSuchNick' (nothing recorded, as the room actor does), a
 * refusal code, or NOT_THERE.
 */
export const INVITE_LUA = `
local gid, seq, node, room, target, oper, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local earlier = replay(gid, seq)
if earlier then return earlier end
if redis.call('HEXISTS', P..'conns:'..node, gid) == 0 then return done(gid, seq, NOT_THERE) end
local nick = redis.call('HGET', P..'members:'..room, gid)
if not nick and oper == '' then return done(gid, seq, 'x:notInRoom') end
if flag(room, 'i') and oper == '' and not isOp(room, gid) then return done(gid, seq, 'x:notOperator') end
local who = redis.call('GET', P..'nick:'..target)
local already = who and redis.call('HGET', P..'members:'..room, who)
if already then return done(gid, seq, 'x:alreadyMember:'..already) end
local info = who and redis.call('HGET', P..'conns:'..nodeOf(who), who)
-- A name nobody has is not invited: whoever takes it later gets no way in (as the room actor does).
if not info then return done(gid, seq, 'x:noSuchNick') end
-- Kept only while the room exists: an empty room's next joiner makes it anew, uninvited.
if redis.call('HLEN', P..'members:'..room) > 0 or room == LOBBY then
  local I = P..'invited:'..room
  if not redis.call('ZSCORE', I, target) then
    redis.call('ZADD', I, redis.call('INCR', P..'joins'), target)
    redis.call('ZREMRANGEBYRANK', I, 0, -(MAX_INVITED + 1))
  end
end
redis.call('XADD', P..'inbox:'..nodeOf(who), 'MAXLEN', '~', maxlen, '*', 'e', cjson.encode({t='inv', to=who, r=room, by=nick or oper}))
return done(gid, seq, 'ok:'..string.match(info, '\\t(.*)$'))
`;

/**
 * ARGV: gid seq targetKey reason maxlen → 'ok' (the target's node is told through its inbox),
 * 'x:noSuchNick', or NOT_THERE. Whether the asker is a server operator the gateway decided.
 */
export const KILL_LUA = `
local gid, seq, target, reason, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local earlier = replay(gid, seq)
if earlier then return earlier end
local mine = redis.call('HGET', P..'conns:'..nodeOf(gid), gid)
if not mine then return done(gid, seq, NOT_THERE) end
local who = redis.call('GET', P..'nick:'..target)
if not who or not redis.call('HGET', P..'conns:'..nodeOf(who), who) then return done(gid, seq, 'x:noSuchNick') end
local ev = {t='kill', to=who, by=string.match(mine, '\\t(.*)$'), r=reason}
redis.call('XADD', P..'inbox:'..nodeOf(who), 'MAXLEN', '~', maxlen, '*', 'e', cjson.encode(ev))
return done(gid, seq, 'ok')
`;

/** One change as MODE_LUA takes it: `a` checked (a key, a limit, a whole mask), `f` folded (a nickname key, a ban mask). */
export interface ScriptChange {
  s: boolean;
  m: ModeLetter;
  a?: string;
  f?: string;
}

/**
 * What applyModes would look at, checked and folded here, where nickKey runs: at most
 * MAX_MODE_CHANGES, taken before any is dropped (as applyModes slices first); a change missing
 * its argument, a bad key or limit changes nothing, as there.
 */
export function scriptChanges(changes: readonly ModeChange[]): ScriptChange[] {
  const out: ScriptChange[] = [];
  for (const { set: s, mode: m, arg } of changes.slice(0, MAX_MODE_CHANGES)) {
    if (isFlag(m)) out.push({ s, m });
    else if (m === 'o' || m === 'v') {
      if (arg !== undefined) out.push({ s, m, a: arg, f: nickKey(arg) });
    } else if (m === 'b') {
      if (arg === undefined) continue;
      const mask = normalizeMask(arg);
      out.push({ s, m, a: mask, f: nickKey(mask) });
    } else if (!s) out.push({ s, m });
    else {
      const value = m === 'k' ? checkKey(arg) : checkLimit(arg);
      if (value !== null) out.push({ s, m, a: String(value) });
    }
  }
  return out;
}
