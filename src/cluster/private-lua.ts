// Private conversations' history in a cluster, as Lua the scripts share (scripts.ts puts it in
// their prelude): the line a private message script hands to the addressee's inbox is kept, in
// the same script, in its conversation's stream, so a line delivered is a line kept and a line
// kept was delivered.
//
// A conversation is named by its two nickname keys (keys.pairOf): a node's restart changes every
// connection id, and its users come back under their names, so a name pair is what finds the
// conversation again, from any node. Since a name is all that says who someone is (there are no
// accounts), a conversation goes when one of its two leaves the chat (a quit or a lost
// connection), as it does in one process, so whoever takes the name next never reads it; it
// follows a rename to the new name. A node that stops (a shutdown, a crash, a reap) is not its
// users leaving: their conversations stay for them to come back to, until they expire.
//
// Bounded: per conversation by `--history` lines and `--history-room-bytes` (exactly, as counted
// here: each line's JSON plus ENTRY_OVERHEAD; Redis's real memory per entry differs with its
// encoding), per nickname by MAX_CORRESPONDENTS conversations (past it, the one written to longest
// ago goes, for both sides), and in time: every key expires `--private-history-ttl` after its last
// line, so the conversations of users who never came back vanish.

/** Conversations one nickname keeps; what a rename or a leave walks through (in one script). */
export const MAX_CORRESPONDENTS = 100;

/** What a kept line counts for besides its JSON: its stream id and Redis's bookkeeping, roughly. */
export const ENTRY_OVERHEAD = 100;

export const PRIVATE_LUA = `
local MAX_CORRESPONDENTS = ${MAX_CORRESPONDENTS}
local ENTRY_OVERHEAD = ${ENTRY_OVERHEAD}
-- The conversation of keys a and b: the smaller by bytes first (as keys.ts pairOf does).
local function pairOf(a, b)
  local n, i = math.min(#a, #b), 1
  while i <= n and string.byte(a, i) == string.byte(b, i) do i = i + 1 end
  local swap
  if i <= n then swap = string.byte(a, i) > string.byte(b, i) else swap = #a > #b end
  if swap then return b..'\\t'..a end
  return a..'\\t'..b
end
-- The conversation of a and b is gone, for both of them.
local function dropPair(a, b)
  local pair = pairOf(a, b)
  redis.call('DEL', P..'pm:'..pair, P..'pmbytes:'..pair)
  redis.call('ZREM', P..'pmwith:'..a, b)
  redis.call('ZREM', P..'pmwith:'..b, a)
end
-- a's correspondents within MAX_CORRESPONDENTS (the one written to longest ago goes) and the expiry.
local function boundCorrespondents(a, ttl)
  local k = P..'pmwith:'..a
  while redis.call('ZCARD', k) > MAX_CORRESPONDENTS do dropPair(a, redis.call('ZRANGE', k, 0, 0)[1]) end
  redis.call('PEXPIRE', k, ttl)
end
-- a wrote to b (or b to a) at \`at\` (ms): the newest time of their conversation, for TARGETS.
local function correspond(a, b, at, ttl)
  local k = P..'pmwith:'..a
  redis.call('ZADD', k, at, b)
  -- Conversations not written to for a whole expiry are gone already: so is their mention.
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '('..(at - ttl))
  boundCorrespondents(a, ttl)
end
-- Keeps \`json\` (a line between keys a and b) in their conversation: returns its stream id, the
-- line's msgid on every node. Oldest lines go past \`max\` lines or \`cap\` bytes (one always stays).
local function keepPrivate(a, b, json, max, cap, ttl)
  local pair = pairOf(a, b)
  local k, kb = P..'pm:'..pair, P..'pmbytes:'..pair
  local id = redis.call('XADD', k, '*', 'e', json)
  local bytes = redis.call('INCRBY', kb, #json + ENTRY_OVERHEAD)
  local n = redis.call('XLEN', k)
  while n > 1 and (n > max or bytes > cap) do
    local oldest = redis.call('XRANGE', k, '-', '+', 'COUNT', 1)[1]
    redis.call('XDEL', k, oldest[1])
    bytes = redis.call('DECRBY', kb, #oldest[2][2] + ENTRY_OVERHEAD)
    n = n - 1
  end
  redis.call('PEXPIRE', k, ttl)
  redis.call('PEXPIRE', kb, ttl)
  local at = tonumber(string.match(id, '^(%d+)'))
  correspond(a, b, at, ttl)
  if b ~= a then correspond(b, a, at, ttl) end
  return id
end
-- Every conversation of key a is gone (its holder left the chat).
local function forgetPrivates(a)
  for _, b in ipairs(redis.call('ZRANGE', P..'pmwith:'..a, 0, -1)) do dropPair(a, b) end
  redis.call('DEL', P..'pmwith:'..a)
end
-- Key a's conversations now belong to key b (its holder's new name); one b already had with the
-- same correspondent (a previous holder of that name's, left by a crash) is replaced.
local function movePrivates(a, b, ttl)
  if a == b then return end
  local list = redis.call('ZRANGE', P..'pmwith:'..a, 0, -1, 'WITHSCORES')
  for i = 1, #list, 2 do
    local c, at = list[i], list[i + 1]
    if c == b then dropPair(a, c)
    else
      local to = c
      if c == a then to = b end
      local from, into = pairOf(a, c), pairOf(b, to)
      for _, s in ipairs({'pm:', 'pmbytes:'}) do
        if redis.call('EXISTS', P..s..from) == 1 then redis.call('RENAME', P..s..from, P..s..into) end
      end
      redis.call('ZADD', P..'pmwith:'..b, at, to)
      if c ~= a then
        redis.call('ZREM', P..'pmwith:'..c, a)
        redis.call('ZADD', P..'pmwith:'..c, at, b)
      end
    end
  end
  redis.call('DEL', P..'pmwith:'..a)
  if #list > 0 then boundCorrespondents(b, ttl) end
end
`;
