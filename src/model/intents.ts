// What a user asks for, whatever protocol it was typed in. Each edge parses its own syntax into
// these; the actors (or the cluster adapter) carry them out and never see command text.

import type { HistorySelect } from './history.js';
import type { ModeChange } from './moderation.js';
import type { ClientTags } from './events.js';

export type Intent =
  /** The first nickname (telnet: the line at the prompt); `enter`: the room it starts in (none for IRC). */
  | { kind: 'claim'; nick: string; enter: string | null; profile?: Profile }
  /**
   * `notice`: a line nobody should answer automatically (IRC NOTICE); telnet shows it as any line.
   * `tags`: the client-only tags it was sent with (IRC), relayed with it (see ClientTags).
   * `outside`: the sender is not in the room (IRC PRIVMSG to a channel one is not on): the room
   * takes it only under `-n`.
   */
  | { kind: 'say'; room: string; text: string; notice?: boolean; tags?: ClientTags; outside?: boolean }
  | { kind: 'act'; room: string; text: string; tags?: ClientTags; outside?: boolean }
  /** Tags alone to a room's members (IRC TAGMSG). */
  | { kind: 'tagmsg'; room: string; tags: ClientTags }
  /** Tags alone to one user (IRC TAGMSG to a nick). */
  | { kind: 'privateTagmsg'; target: string; tags: ClientTags }
  /** Join `room` and stay in the others (IRC JOIN); `key`: the room's password, if it has one. */
  | { kind: 'join'; room: string; key?: string }
  /** Leave `room` and stay in the chat (IRC PART). */
  | { kind: 'part'; room: string; reason?: string }
  /** Leave `from` for `to` in one step (telnet /join, /leave: one current room). */
  | { kind: 'move'; from: string; to: string; key?: string }
  /** Change the room's modes or members' status; no changes: ask for the modes; `+b` alone: ask for the bans. */
  | { kind: 'mode'; room: string; changes: ModeChange[] }
  | { kind: 'kick'; room: string; nick: string; reason?: string }
  | { kind: 'invite'; room: string; nick: string }
  /** Log in as a server operator (checked by the gateway against the operators file). */
  | { kind: 'oper'; name: string; password: string }
  /** A server operator disconnects a user. */
  | { kind: 'kill'; nick: string; reason: string }
  | { kind: 'rename'; nick: string }
  | { kind: 'private'; target: string; text: string; notice?: boolean; tags?: ClientTags }
  /** `ifMember`: answered only if the asker is in the room (the NAMES after a join, which may have been refused). */
  | { kind: 'who'; room: string; ifMember?: boolean }
  | { kind: 'rooms' }
  /** Without `text`, a question; with it, a new topic. */
  | { kind: 'topic'; room: string; text?: string }
  /**
   * What is known of some users: those named in `nicks`, or everyone in `room`; `past`: of names
   * recently given up (IRC WHOWAS). `ask` is the asker's own tag, returned with the answer so an
   * edge knows which question it answers (IRC WHOIS, WHO, ISON and USERHOST all ask this).
   * `mask`: every user whose nickname matches it (`*`, `?`), at most LOOKUP_LIMIT of them.
   */
  | { kind: 'lookup'; ask: string; nicks?: string[]; room?: string; past?: boolean; mask?: string }
  /** How many users and rooms there are (IRC LUSERS). */
  | { kind: 'count' }
  /** Away with a message, or back (no text); the user's rooms hear of it. */
  | { kind: 'away'; text?: string }
  /** Invisible (IRC user mode +i) or not: WHO and NAMES hide an invisible user from those sharing no room with it. */
  | { kind: 'invisible'; on: boolean }
  /** A new real name (IRC SETNAME): WHOIS shows it, and the user's rooms hear of it. */
  | { kind: 'setname'; real: string }
  /** Leave the chat; the gateway closes the connection and its rooms hear why. */
  | { kind: 'quit'; reason?: string }
  /**
   * Past lines of a room or of a private conversation with the user named `target` (see
   * model/history.ts); `ask`: the edge's tag, returned with the answer (see the history event).
   */
  | { kind: 'history'; ask: string; target: string; room: boolean; select: HistorySelect }
  /** Which conversations had lines between two times (ms), `limit` at most (IRC CHATHISTORY TARGETS). */
  | { kind: 'historyTargets'; from: number; to: number; limit: number };

/**
 * Whether an intent holds its sender's later lines until it has settled: it can change where
 * the next line goes or what name it carries (claim, rename, join, part, move), or its answer
 * comes from another actor or from the shared store (private, who, rooms, a topic: in a cluster
 * one is answered from the store and set through the log), so a user's answers arrive in the
 * order the commands were typed. Decided here, once, and carried
 * with the intent: the runtime and the cluster adapter only read the flag.
 */
export function isBarrier(intent: Intent): boolean {
  switch (intent.kind) {
    case 'say':
    case 'act':
    case 'tagmsg':
    case 'quit':
      return false;
    case 'history':
    case 'historyTargets':
      return true; // a room's: after the asker's earlier lines (see the gateway's envelope); a cluster's from the store
    case 'away':
      return true; // its answer (away / back) must come before the user's next answers
    default:
      return true;
  }
}

/** What a user says of itself besides its nickname (IRC USER's username and real name). */
export interface Profile {
  user: string;
  real: string;
}
