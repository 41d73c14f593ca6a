// What a room's log holds: events, as plain data, one JSON field per stream entry. A node
// renders them for its own connections; the order of the log is the room's one order.

/** A connection's cluster-wide id: "<node>:<local id>". */
export type Gid = string;

export type RoomEvent =
  | { t: 'join'; g: Gid; n: string; moved?: 1; size: number }
  /** `reaped`: announced by another node that took this user's node for dead. */
  | { t: 'leave'; g: Gid; n: string; r?: string; quit?: 1; to?: string; reaped?: 1 }
  | { t: 'msg'; g: Gid; n: string; x: string }
  | { t: 'act'; g: Gid; n: string; x: string }
  | { t: 'ren'; g: Gid; o: string; n: string };

export type InboxEvent = { t: 'priv'; to: Gid; f: string; x: string };

export const gidOf = (node: string, conn: number): Gid => `${node}:${conn}`;

/** The local connection id of a gid, or -1 when it lives on another node. */
export function localConn(gid: Gid, node: string): number {
  return gid.length > node.length && gid.startsWith(node) && gid[node.length] === ':' ? Number(gid.slice(node.length + 1)) : -1;
}

export const nodeOfGid = (gid: Gid): string => gid.slice(0, gid.lastIndexOf(':'));

/** The stream id just before `id`, so that XREAD (which is exclusive) starts at `id` itself. */
export function before(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  if (seq !== '0') return `${ms}-${BigInt(seq) - 1n}`;
  return ms === '0' ? '0-0' : `${BigInt(ms) - 1n}-18446744073709551615`;
}

/** Stream ids compare as (ms, seq) pairs. */
export function idLess(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am < bm || (am === bm && as < bs);
}
