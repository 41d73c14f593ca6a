// Which actor carries out an intent, and the message it gets: the directory for what concerns
// names (claims, renames, private messages, the room list), the room for everything said or
// asked in it. Pure, so the gateway and the tests route the same way.

import { isBarrier, type Intent } from '../model/intents.js';
import { roomAddress, type ConnId, type Envelope } from '../model/messages.js';

/**
 * The envelope for `intent` from connection `conn` (named `nick`, null before its first name), with
 * its barrier flag; null for a quit (the gateway closes the connection, and departure tells its
 * rooms), for a server-operator login (the gateway checks it), for the history questions the
 * gateway answers itself (TARGETS, a private conversation's), or for a join from a connection
 * without a name. `oper`: the connection is a server operator.
 */
/** A line from outside the room carries its sender's name: the room has no member to read it from. */
const outside = (intent: { outside?: boolean }, nick: string | null): { from?: string } => (intent.outside && nick !== null ? { from: nick } : {});

export function route(conn: ConnId, nick: string | null, intent: Intent, oper = false): Envelope | null {
  const barrier = isBarrier(intent);
  // A server operator moderates every room: the gateway vouches for it (see Gateway.oper).
  const op = oper && nick !== null ? { oper: nick } : {};
  switch (intent.kind) {
    case 'claim':
      return { to: 'directory', msg: { t: 'claim', conn, nick: intent.nick, enter: intent.enter, ...(intent.profile ? { profile: intent.profile } : {}) }, barrier };
    case 'rename':
      return { to: 'directory', msg: { t: 'rename', conn, nick: intent.nick }, barrier };
    case 'private':
      return { to: 'directory', msg: { t: 'private', conn, target: intent.target, text: intent.text, ...(intent.notice ? { notice: true } : {}), ...(intent.tags ? { tags: intent.tags } : {}) }, barrier };
    case 'privateTagmsg':
      return { to: 'directory', msg: { t: 'tagmsg', conn, target: intent.target, tags: intent.tags }, barrier };
    case 'lookup': {
      const { kind: _, ...ask } = intent;
      return { to: 'directory', msg: { t: 'lookup', conn, ...ask }, barrier };
    }
    case 'count':
      return { to: 'directory', msg: { t: 'count', conn }, barrier };
    case 'away':
      return { to: 'directory', msg: intent.text === undefined ? { t: 'away', conn } : { t: 'away', conn, text: intent.text }, barrier };
    case 'invisible':
      return { to: 'directory', msg: { t: 'invisible', conn, on: intent.on }, barrier };
    case 'setname':
      return { to: 'directory', msg: { t: 'setname', conn, real: intent.real }, barrier };
    case 'rooms':
      return { to: 'directory', msg: { t: 'rooms', conn }, barrier };
    case 'say':
      return { to: roomAddress(intent.room), msg: { t: 'say', conn, text: intent.text, ...(intent.notice ? { notice: true } : {}), ...(intent.tags ? { tags: intent.tags } : {}), ...outside(intent, nick) }, barrier };
    case 'act':
      return { to: roomAddress(intent.room), msg: { t: 'act', conn, text: intent.text, ...(intent.tags ? { tags: intent.tags } : {}), ...outside(intent, nick) }, barrier };
    case 'tagmsg':
      return { to: roomAddress(intent.room), msg: { t: 'tagmsg', conn, tags: intent.tags }, barrier };
    case 'who':
      return { to: roomAddress(intent.room), msg: intent.ifMember ? { t: 'who', conn, ifMember: true } : { t: 'who', conn }, barrier };
    case 'topic':
      return { to: roomAddress(intent.room), msg: intent.text === undefined ? { t: 'topic', conn } : { t: 'topic', conn, text: intent.text, ...op }, barrier };
    case 'mode':
      return { to: roomAddress(intent.room), msg: { t: 'mode', conn, changes: intent.changes, ...op }, barrier };
    case 'kick':
      return { to: roomAddress(intent.room), msg: { t: 'kick', conn, nick: intent.nick, ...(intent.reason ? { reason: intent.reason } : {}), ...op }, barrier };
    case 'invite':
      return { to: roomAddress(intent.room), msg: { t: 'invite', conn, nick: intent.nick, ...op }, barrier };
    case 'kill':
      return { to: 'directory', msg: { t: 'kill', conn, nick: intent.nick, reason: intent.reason, oper }, barrier };
    case 'oper':
      return null; // the gateway checks it against the operators file itself
    case 'part':
      return { to: roomAddress(intent.room), msg: intent.reason ? { t: 'part', conn, reason: intent.reason } : { t: 'part', conn }, barrier };
    case 'move':
      return { to: roomAddress(intent.from), msg: { t: 'move', conn, to: intent.to, ...(intent.key !== undefined ? { key: intent.key } : {}), ...op }, barrier };
    case 'join':
      return nick === null ? null : { to: roomAddress(intent.room), msg: { t: 'join', conn, nick, ...(intent.key !== undefined ? { key: intent.key } : {}), ...op }, barrier };
    case 'history':
      // A room's: through the room, so the answer follows the asker's earlier lines there. A
      // private conversation's is the gateway's to answer.
      return intent.room ? { to: roomAddress(intent.target), msg: { t: 'history', conn, ask: intent.ask, select: intent.select }, barrier } : null;
    case 'quit':
    case 'historyTargets':
      return null;
  }
}
