// Every message that crosses between the gateway (main thread) and the actor hosts
// (Workers). Plain data only, so structured clone carries it unchanged; each union is
// discriminated by `t`.

/** A connection, numbered by the gateway that owns its socket. */
export type ConnId = number;

/** Where an actor lives in the system: the nickname directory or one room. */
export type Address = 'directory' | `room:${string}`;

export type RoomAddress = `room:${string}`;
export const roomAddress = (room: string): RoomAddress => `room:${room}`;
export const roomOf = (address: Address): string | null => (address.startsWith('room:') ? address.slice(5) : null);

/** Messages the directory (nickname registry) understands. */
export type DirectoryMsg =
  /** A line from a connection without a name yet: its nickname attempt. */
  | { t: 'claim'; conn: ConnId; text: string }
  /** /nick from a member of `room`. */
  | { t: 'rename'; conn: ConnId; room: string; nick: string }
  /** /msg: the directory knows where every nickname is. */
  | { t: 'private'; conn: ConnId; from: string; target: string; text: string }
  /** The connection is now in `room` (for /rooms). */
  | { t: 'located'; conn: ConnId; room: string }
  /** /rooms: the directory knows where everyone is. */
  | { t: 'rooms'; conn: ConnId }
  /** The named user is gone; the name is free again. */
  | { t: 'release'; conn: ConnId };

/** Messages a room actor understands. */
export type RoomMsg =
  /** `moved`: from another room (/join, /leave), rather than a new name entering the lobby. */
  | { t: 'join'; conn: ConnId; nick: string; moved?: boolean }
  | { t: 'line'; conn: ConnId; text: string }
  /** `from` travels with it: a room rebuilt after a crash may already know the new name. */
  | { t: 'renamed'; conn: ConnId; from: string; nick: string }
  /** The connection closed. */
  | { t: 'leave'; conn: ConnId };

export type Envelope =
  | { to: 'directory'; msg: DirectoryMsg }
  | { to: `room:${string}`; msg: RoomMsg };

/** What an actor host hands back to the gateway after a batch. */
export type Effect =
  /**
   * Write `text` to every connection in `to` but `except` (-1: none). `to` may also name
   * connections closed for good (ids are never reused): the gateway skips those.
   */
  | { t: 'deliver'; to: Int32Array; except: ConnId; text: string }
  /** A message for an actor that lives on another host: the gateway forwards it. */
  | { t: 'send'; env: Envelope }
  /** The directory's record of a connection's nickname changed (null: released). */
  | { t: 'named'; conn: ConnId; nick: string | null }
  /** The room a connection is in changed (null: in none). */
  | { t: 'placed'; conn: ConnId; room: string | null }
  /** A line that could change where the connection's next line goes has been fully handled. */
  | { t: 'settled'; conn: ConnId }
  /** Close the connection once what is queued for it has been written. */
  | { t: 'close'; conn: ConnId };

/** One connection as the gateway last heard from the actors: what a restarted host is rebuilt from. */
export interface MemberRecord {
  conn: ConnId;
  nick: string;
  room: string | null;
}
