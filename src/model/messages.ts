// Every message that crosses between the gateway (main thread) and the actor hosts (Workers),
// and between actors. Plain data only, so structured clone carries it unchanged; each union is
// discriminated by `t`.

import type { ChatEvent, ClientTags } from './events.js';
import type { Profile } from './intents.js';
import type { HistorySelect } from './history.js';
import type { ModeChange, RoomState } from './moderation.js';

/** A connection, numbered by the gateway that owns its socket. */
export type ConnId = number;

/** Where an actor lives in the system: the nickname directory or one room. */
export type Address = 'directory' | `room:${string}`;

export type RoomAddress = `room:${string}`;
export const roomAddress = (room: string): RoomAddress => `room:${room}`;
export const roomOf = (address: Address): string | null => (address.startsWith('room:') ? address.slice(5) : null);

/** Messages the directory (nickname registry) understands. */
export type DirectoryMsg =
  /** A connection without a name yet asks for its first one, and to start in `enter` (null: in no room). */
  | { t: 'claim'; conn: ConnId; nick: string; enter: string | null; profile?: Profile }
  | { t: 'rename'; conn: ConnId; nick: string }
  /** The directory knows where every nickname is. */
  | { t: 'private'; conn: ConnId; target: string; text: string; notice?: boolean; tags?: ClientTags }
  /** Tags alone to one user (IRC TAGMSG). */
  | { t: 'tagmsg'; conn: ConnId; target: string; tags: ClientTags }
  /** What is known of some users (see the lookup intent). */
  | { t: 'lookup'; conn: ConnId; ask: string; nicks?: string[]; room?: string; past?: boolean; mask?: string }
  | { t: 'count'; conn: ConnId }
  | { t: 'away'; conn: ConnId; text?: string }
  | { t: 'setname'; conn: ConnId; real: string }
  | { t: 'invisible'; conn: ConnId; on: boolean }
  /** A room took the connection in (`present`) or let it go (for /rooms, and to announce renames). */
  | { t: 'located'; conn: ConnId; room: string; present: boolean }
  | { t: 'rooms'; conn: ConnId }
  /**
   * The named user is gone (`reason`: the one its /quit gave); the name is free again. `stays`: it
   * did not leave, its server is shutting down (a cluster keeps its private history for its return).
   */
  | { t: 'release'; conn: ConnId; reason?: string; stays?: boolean }
  /**
   * Cluster only (one process's gateway answers from the history it keeps): the lines of the
   * asker's private conversation with nickname `target` (a history event, `ask` returned with it),
   * and the conversations and rooms with lines between `from` and `to` (a historyTargets event).
   */
  | { t: 'history'; conn: ConnId; ask: string; target: string; select: HistorySelect }
  | { t: 'targets'; conn: ConnId; from: number; to: number; limit: number }
  /** A room hands on `by`'s invitation of `nick`; if `nick` exists, the room is told to record it (admit). */
  | { t: 'invite'; conn: ConnId; room: string; by: string; nick: string }
  /** A room did not find `nick` among its members: the directory tells the asker whether it exists at all (IRC 441 or 401); `settle`: it settles the asker's command (the last such answer does, so it comes before the next one's). */
  | { t: 'notHere'; conn: ConnId; room: string; nick: string; settle: boolean }
  /** A member's status in a room changed ('@', '+', '@+' or ''), for WHO and WHOIS. */
  | { t: 'status'; conn: ConnId; room: string; mark: string }
  /** A server operator (`oper`, vouched for by the gateway) disconnects `nick`. */
  | { t: 'kill'; conn: ConnId; nick: string; reason: string; oper: boolean }
  /**
   * A room became secret (+s) or stopped being (`conn`: whoever changed it): the directory hides
   * it from LIST, /rooms, WHO and WHOIS for those not in it.
   */
  | { t: 'secret'; conn: ConnId; room: string; on: boolean };

/** Messages a room actor understands. */
export type RoomMsg =
  /**
   * `moved`: from another room in one step (a telnet /join), rather than a join on its own; `from`:
   * that room, where a refused move goes back to; `back`: such a return (only a ban stops it).
   * `oper`: a server operator (its nickname), whom no mode stops.
   */
  | { t: 'join'; conn: ConnId; nick: string; moved?: boolean; key?: string; oper?: string; from?: string; back?: boolean }
  /** `from`: the sender's nickname when it is not a member (a line from outside, taken only under -n). */
  | { t: 'say'; conn: ConnId; text: string; notice?: boolean; tags?: ClientTags; from?: string }
  | { t: 'act'; conn: ConnId; text: string; tags?: ClientTags; from?: string }
  /** Tags alone to the room's members (IRC TAGMSG). */
  | { t: 'tagmsg'; conn: ConnId; tags: ClientTags }
  | { t: 'who'; conn: ConnId; ifMember?: boolean }
  /** `oper` on these: the asker is a server operator, with its nickname (it may be in no room). */
  | { t: 'topic'; conn: ConnId; text?: string; oper?: string }
  | { t: 'mode'; conn: ConnId; changes: ModeChange[]; oper?: string }
  | { t: 'kick'; conn: ConnId; nick: string; reason?: string; oper?: string }
  | { t: 'invite'; conn: ConnId; nick: string; oper?: string }
  | { t: 'part'; conn: ConnId; reason?: string }
  /** Leave this room for `to` (which then settles). */
  | { t: 'move'; conn: ConnId; to: string; key?: string; oper?: string }
  /**
   * The directory renamed a member. `from` travels with it: a room rebuilt after a crash may
   * already know the new name. `settle`: this room settles the rename (one of the user's rooms).
   */
  | { t: 'renamed'; conn: ConnId; from: string; nick: string; settle: boolean }
  /** The directory handed on an invitation of `nick` (who exists, as connection `conn`): the room records it. */
  | { t: 'admit'; conn: ConnId; nick: string }
  /** The directory marked a member away (with `text`) or back. */
  | { t: 'away'; conn: ConnId; text?: string }
  /** The directory gave a member a new real name; `once`: the happening's token (see Once). */
  | { t: 'setname'; conn: ConnId; real: string; once: string }
  /** The directory marked a member invisible (`on`) or not: NAMES from outside the room leaves it out. */
  | { t: 'invisible'; conn: ConnId; on: boolean }
  /** The connection closed (`reason`: the one its /quit gave). */
  | { t: 'leave'; conn: ConnId; reason?: string }
  /**
   * The member asks for the room's past lines: a barrier, so the answer comes after its own
   * earlier lines are in. A single process's room only settles it (the gateway keeps history and
   * answers then); a cluster reads the room's log.
   */
  | { t: 'history'; conn: ConnId; ask: string; select: HistorySelect };

export type Envelope = ({ to: 'directory'; msg: DirectoryMsg } | { to: RoomAddress; msg: RoomMsg }) & {
  /**
   * The sender's later lines wait until this has settled (see isBarrier in model/intents.ts),
   * decided once where the intent was parsed: a system that must give up an envelope reads it
   * here to know whether someone waits on it.
   */
  barrier?: boolean;
};

/** What an actor host hands back to the gateway after a batch. */
export type Effect =
  /**
   * Deliver `event` to every connection in `to` but `except` (-1: none). `to` may also name
   * connections closed for good (ids are never reused): the gateway skips those.
   */
  | { t: 'deliver'; to: Int32Array; except: ConnId; event: ChatEvent }
  /** The directory's record of a connection's nickname changed (null: released). */
  | { t: 'named'; conn: ConnId; nick: string | null }
  /** The connection is now in `room` (`present`), or no longer. */
  | { t: 'placed'; conn: ConnId; room: string; present: boolean }
  /** A barrier of this connection has been fully handled: its next line may go. */
  | { t: 'settled'; conn: ConnId }
  /** Close the connection once what is queued for it has been written (`reason`: what its rooms hear). */
  | { t: 'close'; conn: ConnId; reason?: string }
  /** A room's moderation changed: the gateway keeps the last one, to rebuild the room after a crash. */
  | { t: 'roomState'; room: string; state: RoomState };

/** One connection as the gateway last heard from the actors: what a restarted host is rebuilt from. */
export interface MemberRecord {
  conn: ConnId;
  nick: string;
  /** The rooms it is in, in the order it joined them. */
  rooms: string[];
  /**
   * When it joined each of `rooms` (same order), as a count over every join the gateway heard
   * of: a rebuilt room lists its members in the order they came, as it did before.
   */
  since: number[];
  /**
   * Its name was released but its rooms have not yet said it left (the directory and the rooms
   * hear of a departure apart): the rooms keep it until its leave, the directory must not.
   */
  released?: boolean;
}
