// What the actors say happened, as plain data: who said what, who joined, what went wrong (as a
// code with its arguments). Every edge renders these in its own protocol (telnet texts, IRC
// lines…), once per event per protocol; nothing here knows any protocol's syntax.

import type { NickProblem } from './nicknames.js';
import type { Profile } from './intents.js';
import type { Kept } from './history.js';
import type { Ban, JoinRefusal, ModeChange, RoomModes } from './moderation.js';

/**
 * A room event's id: unique within its room, ordered as the room's events are. `<ms>-<n>`, the
 * form of a Redis stream id; in cluster mode it is the id of the event's entry in the room's log,
 * so every node names an event the same way.
 */
export type MsgId = string;

/**
 * The client-only tags a line was sent with (IRCv3 message-tags: keys starting '+', values
 * unescaped), already checked by the edge that read them: plain data, never protocol bytes. An
 * edge that shows tags writes them in its own syntax; the others ignore them.
 */
export type ClientTags = Readonly<Record<string, string>>;

/** How a member left a room. */
export type LeaveHow =
  /** Gone from the chat: `/quit` (with its reason, if any) or the connection closed. */
  | 'quit'
  /** Left this room for another one (`/join`, `/leave` on telnet). */
  | 'moved'
  /** Left this room and stays in the chat (IRC PART). */
  | 'part'
  /** Its node was taken for dead by another node of the cluster. */
  | 'lost';

/** Fields every room event that is part of the room's history carries. */
interface InRoom {
  room: string;
  id: MsgId;
  /** Server time, ms since the epoch. */
  at: number;
}

export type ChatEvent =
  | (InRoom & { k: 'joined'; nick: string })
  /** `once` (see Once): on a quit or a loss, announced in each of the user's rooms. */
  | (InRoom & { k: 'left'; nick: string; how: LeaveHow; reason?: string; once?: Once })
  | (InRoom & { k: 'said'; nick: string; text: string; notice?: boolean; tags?: ClientTags })
  | (InRoom & { k: 'acted'; nick: string; text: string; tags?: ClientTags })
  /**
   * Tags and nothing else (IRC TAGMSG: typing notifications, reactions) to a room's members. Not
   * part of its history (see RoomEvent): most are ephemeral, and they would push lines out of it.
   */
  | (InRoom & { k: 'tagged'; nick: string; tags: ClientTags })
  | (InRoom & { k: 'renamed'; from: string; nick: string; once?: Once })
  /** A member went away (with `text`) or came back; not part of the room's history. */
  | { k: 'awayChanged'; room: string; nick: string; text?: string; once: Once }
  /**
   * A member took a new real name (IRC SETNAME): to everyone in `room`, the member included; to
   * the user alone (no room) when it is in none. Not part of the room's history.
   */
  | { k: 'realnameChanged'; room?: string; nick: string; real: string; once: Once }
  | (InRoom & { k: 'topicSet'; nick: string; text: string })
  /** `nick` changed the room's modes or its members' status: the changes that took effect, in order. */
  | (InRoom & { k: 'modeChanged'; nick: string; changes: ModeChange[] })
  /** `by` put `nick` out of the room (to everyone in it, `nick` included). */
  | (InRoom & { k: 'kicked'; by: string; nick: string; reason?: string })
  /** To one user who asked: the room's settings (`member`: the asker is in it, so it may see the key). */
  | { k: 'modes'; room: string; modes: RoomModes; created: number; member: boolean }
  /** To one user who asked: the room's bans. */
  | { k: 'bans'; room: string; bans: Ban[] }
  /** To the user `by` invited into `room`. */
  | { k: 'invited'; room: string; by: string; nick: string }
  /** To the inviter, once the invitation was handed on. */
  | { k: 'inviteSent'; room: string; nick: string }
  /** To a user whose first nickname was accepted (before its first room's join, if it enters one). */
  /** `users`, `rooms`, `invisible`, `local`: as in counts (for IRC's LUSERS at registration). */
  | { k: 'welcome'; nick: string; users?: number; rooms?: number; invisible?: number; local?: number }
  /** To one user who asked: how many users and rooms there are. */
  /**
   * `users`: everyone named (in a cluster, on every node); `invisible`: how many of them are +i;
   * `local`: those on this node (a cluster's; none: all of them); `rooms`: rooms with someone in them;
   * `peak`: the most users there have been at once; `unknown`, `opers`: connections on this node
   * that have no name yet, and server operators logged in here (both filled in by the gateway).
   */
  | { k: 'counts'; users: number; rooms: number; invisible?: number; local?: number; peak?: number; unknown?: number; opers?: number }
  /** To one user who asked (a lookup): what is known of the users found, and which were not. */
  | { k: 'users'; ask: string; users: UserInfo[]; missing: string[] }
  /** To a user in no room who renamed itself (in rooms, each room announces `renamed`). */
  | { k: 'nickChanged'; from: string; nick: string }
  /** To one member: how many are in the room it just moved to. */
  | { k: 'roomSize'; room: string; count: number }
  /** To one member: the room's topic as it stands (on joining it, or when asked). */
  | { k: 'topic'; room: string; text: string; by: string; at: number }
  /** To one member who asked: the room has no topic. */
  | { k: 'noTopic'; room: string }
  /**
   * To one member who asked: who is in the room, in the order they came. `secret`: the room is
   * +s (IRC NAMES marks it `@`); asked from outside a secret room, `nicks` is empty.
   */
  | { k: 'members'; room: string; nicks: string[]; marks?: string[]; secret?: boolean }
  /** To one user who asked: every room with its member count, in no particular order. */
  | { k: 'rooms'; rooms: Array<[room: string, count: number]> }
  /** To the addressee of a private message. */
  | { k: 'private'; id: MsgId; at: number; from: string; to: string; text: string; notice?: boolean; tags?: ClientTags }
  /**
   * Tags alone (IRC TAGMSG) to the user `to`; `echo`: the sender's own copy, once it was handed on
   * (its edge shows it only with echo-message). Not kept in history, as a room's `tagged`.
   */
  | { k: 'privateTagged'; id: MsgId; at: number; from: string; to: string; tags: ClientTags; echo?: boolean }
  /**
   * To the sender of a private message, once it was handed on: to whom (as the addressee spells
   * it); `away`: the addressee's away message; `id`/`at`: the message's, where known.
   */
  | { k: 'privateSent'; to: string; text: string; notice?: boolean; away?: string; id?: MsgId; at?: number; tags?: ClientTags }
  /** To one user: an answer that is no chat event (a refusal, a notice about the server). */
  | { k: 'notice'; notice: Notice }
  /**
   * To one user: past events of a room or of its private conversation with `target` (the nick as
   * asked), oldest first, answering `ask` (the edge's tag for its question; `join`: the replay on
   * joining a room). `refused`: not a conversation it may read. `reset`: the store lost its data
   * since the message asked about (a cluster's Redis restarted empty), so the answer may miss some.
   */
  | { k: 'history'; ask: string; target: string; events: Kept[]; refused?: boolean; reset?: boolean }
  /** To one user (IRC CHATHISTORY TARGETS): conversations with lines in a time window, each with its latest line's time, earliest first. */
  | { k: 'historyTargets'; targets: HistoryTarget[] };

/** A conversation with lines: a room, or a private conversation with the user named `nick`; `at`: its latest line's time. */
export type HistoryTarget = { room: string; at: number } | { nick: string; at: number };

/** Where a nickname was asked for: the first one (at the prompt) or a rename. */
export type NickStage = 'claim' | 'rename';

export type Notice =
  | { code: 'nickInvalid'; stage: NickStage; problem: NickProblem }
  | { code: 'nickTaken'; stage: NickStage; nick: string }
  | { code: 'nickUnchanged'; nick: string }
  | { code: 'noSuchNick'; nick: string }
  /** A join past the cap on rooms per connection. */
  | { code: 'tooManyRooms'; max: number }
  /** The shared store refused or failed (cluster): the intent was not carried out. */
  | { code: 'storeFailed' }
  /** The actors lost what was in flight (a Worker restarted): try the nickname again. */
  | { code: 'claimLost' }
  /** The actors restarted: lines of the last moment may be lost (cluster, at most once). */
  | { code: 'hiccup' }
  /** Cluster: the shared store is unreachable; lines wait until it is back. */
  | { code: 'degraded' }
  /** Cluster: the store is back; `missed`: rooms whose oldest unread lines it no longer had. */
  | { code: 'recovered'; missed: string[] }
  /** Cluster: lines of `room` were trimmed from its log before this node could read them. */
  | { code: 'missed'; room: string }
  /** Cluster: private messages to this node were trimmed from its inbox before it could read them. */
  | { code: 'privatesMissed' }
  /** Cluster: the store restarted empty and lost recent history. */
  | { code: 'storeReset' }
  /** Cluster: this node was taken for dead while it stalled; its users are registered again. */
  | { code: 'lostTouch' }
  /** Cluster: while this node was away someone else took the user's nickname. */
  | { code: 'nickLost'; nick: string }
  /** The user is now marked away (`away`), or back. */
  | { code: 'away'; away: boolean }
  /** The user is now invisible (`on`), or not (IRC user mode i). */
  | { code: 'invisible'; on: boolean }
  /** Only the room's operators (or a server operator) may do that. */
  | { code: 'notOperator'; room: string }
  /** The asker is not in the room it asked about. */
  | { code: 'notInRoom'; room: string }
  /** The room does not exist (nobody is in it). */
  | { code: 'noSuchRoom'; room: string }
  /** `nick` is not in the room. */
  | { code: 'notMember'; room: string; nick: string }
  /** `nick` is in the room already (an invitation). */
  | { code: 'alreadyMember'; room: string; nick: string }
  /** The room turned the join away. */
  | { code: 'joinRefused'; room: string; why: JoinRefusal }
  /** The room is moderated (or the speaker banned): the line was not sent. */
  | { code: 'cannotSpeak'; room: string }
  /** No such room mode letter. */
  | { code: 'unknownMode'; mode: string }
  /** The room holds as many bans as it may. */
  | { code: 'banListFull'; room: string }
  /** To the member kicked: it is out of `room`. */
  | { code: 'kicked'; room: string; by: string; reason?: string }
  /** A server operator login: accepted, refused, or refused unchecked (`tooFast`: after a failure, wait). */
  | { code: 'oper'; ok: boolean; tooFast?: boolean }
  /** Only server operators may do that. */
  | { code: 'notOper' }
  /** A server operator disconnects this user. */
  | { code: 'killed'; by: string; reason: string };

/**
 * The same value on every copy of one happening announced in several rooms (a quit, a rename,
 * an away): an edge whose user shares several of those rooms shows it once (IRC's one QUIT).
 */
export type Once = string;

/** One user as a lookup finds it. */
export interface UserInfo {
  nick: string;
  profile?: Profile;
  /** The rooms it is in, in the order joined (for a past name: none). */
  rooms: string[];
  /** Its status in each of `rooms` (same order): '@' operator, '+' voiced, '@+' both, '' neither. */
  marks?: string[];
  /** The address it connects from: for server operators' eyes only (filled in by the gateway). */
  address?: string;
  /** Whether it is a server operator. */
  oper?: boolean;
  away?: string;
  /** Server time it took the name (a past name: when it gave it up). */
  since: number;
}

/** Why the server closes a connection (or turns it away): each edge says it in its own words. */
export type Farewell =
  | { code: 'flooding' }
  /** It stopped reading: more than `bytes` waited for it. */
  | { code: 'slow'; bytes: number }
  | { code: 'registerTimeout'; seconds: number }
  /** A keepalive ping went unanswered that long. */
  | { code: 'pingTimeout'; seconds: number }
  | { code: 'shutdown' }
  | { code: 'full'; max: number }
  | { code: 'perAddress'; max: number }
  /** Connection numbers are never reused, and the last one is gone. */
  | { code: 'idsExhausted' };

/** The events that belong to a room's history (they carry an id and a time). */
export type RoomEvent = Exclude<Extract<ChatEvent, { id: MsgId; room: string }>, { k: 'tagged' }>;
