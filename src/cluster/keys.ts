// Every Redis key node-chat uses, in one place: the scripts (scripts.ts) build the same names
// in Lua from PREFIX. One Redis (or a primary with replicas), not Redis Cluster: the scripts
// touch keys they derive (a dead node's rooms), which Cluster forbids.

export const PREFIX = 'nc:';
const P = PREFIX;

export const keys = {
  /** Set when the first node meets this Redis; a different or missing value means Redis lost its data. */
  epoch: `${P}epoch`,
  /** When the epoch began (ms, Redis's clock), set with it: a message id older than this is from a store that was lost. */
  epochAt: `${P}epoch-at`,
  /** The nodes that have registered (a set); a member whose `alive` key expired is reaped. */
  nodes: `${P}nodes`,
  /** node → connections open there (a hash), for the banner's count. */
  load: `${P}load`,
  /** room → member count (a hash), for /rooms. */
  rooms: `${P}rooms`,
  alive: (node: string) => `${P}alive:${node}`,
  /** Set by the reaping script: the node was taken for dead; its users must register again. */
  reaped: (node: string) => `${P}reaped:${node}`,
  /** gid → "key\tnick" for every named connection of a node (a hash): what is reaped if it dies. */
  conns: (node: string) => `${P}conns:${node}`,
  /** The rooms a connection is in, in the order joined (a list). */
  in: (gid: string) => `${P}in:${gid}`,
  /** A room's topic (a hash: x text, n who set it, at when in ms); gone when the room empties. */
  topic: (room: string) => `${P}topic:${room}`,
  /** A connection's operation results that a resend may still ask for, for the replay check (a sorted set; see scripts.ts). */
  op: (gid: string) => `${P}op:${gid}`,
  /** Private messages for a node's connections (a stream). */
  inbox: (node: string) => `${P}inbox:${node}`,
  /** Folded nickname → gid of its holder. */
  nick: (key: string) => `${P}nick:${key}`,
  /** A room's members in the order they joined it (a sorted set of gids, scored by `joins`). */
  order: (room: string) => `${P}order:${room}`,
  /** Joins so far, in every room: the score of the next member of `order`. */
  joins: `${P}joins`,
  /** gid → nick of a room's members (a hash). */
  members: (room: string) => `${P}members:${room}`,
  /** gid → "user\treal" of IRC users (a hash): what WHOIS and WHO show; gone when the user leaves. */
  profiles: `${P}profiles`,
  /** gid → away message (a hash). */
  away: `${P}away`,
  /** The gids of users with IRC user mode +i (a set): WHO and NAMES of a room hide them from outsiders. */
  invisible: `${P}invisible`,
  /** Names given up, newest first (a list of JSON, capped): what WHOWAS shows. */
  was: `${P}was`,
  /**
   * A room's settings (a hash: t n m i s as '1'/'0', k its key, l its limit, c when it was made in
   * ms); absent fields read as the defaults (model/moderation.ts). Like every key of a room's
   * moderation below, gone when the room empties (the lobby's stay).
   */
  modes: (room: string) => `${P}modes:${room}`,
  /** A room's bans in the order set (a list of JSON {f folded mask, mask, by, at}), at most MAX_BANS. */
  bans: (room: string) => `${P}bans:${room}`,
  /** The gids of a room's operators, and of its voiced members (sets); a member leaving leaves them. */
  ops: (room: string) => `${P}ops:${room}`,
  voiced: (room: string) => `${P}voiced:${room}`,
  /** Nickname keys invited into a room and not yet joined (a sorted set, oldest lowest), at most 100. */
  invited: (room: string) => `${P}invited:${room}`,
  /** The room's ordered, replayable event log (a stream). */
  log: (room: string) => `${P}log:${room}`,
  /**
   * A private conversation's lines (a stream; `pair` is pairOf's, see private-lua.ts): its ids
   * are the lines' msgids on every node. It and the keys below expire when nobody writes to them.
   */
  pm: (pair: string) => `${P}pm:${pair}`,
  /** What a conversation's stream holds, in bytes as counted against `--history-room-bytes`. */
  pmBytes: (pair: string) => `${P}pmbytes:${pair}`,
  /** A nickname's correspondents: their nickname keys, scored by the time of the newest line (a sorted set), for TARGETS. */
  pmWith: (key: string) => `${P}pmwith:${key}`,
} as const;

export const LOG_PREFIX = `${P}log:`;

/**
 * The two nickname keys of a private conversation as one name, the same from either side: in
 * the order of their UTF-8 bytes (the order the Lua pairOf compares in; Lua's own `<` follows the
 * C locale's collation, which Redis may set), joined by a tab, which no nickname key can hold.
 */
export function pairOf(a: string, b: string): string {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? `${a}\t${b}` : `${b}\t${a}`;
}
