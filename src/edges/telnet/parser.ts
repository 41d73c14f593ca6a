// Telnet's syntax: the first line is the nickname; after it a line is chat, `/me` an action,
// `//text` the literal `/text`, and the other slash commands ask for intents or get an answer
// from the edge itself (usage, /help, an unknown command).

import type { Reading, Sender } from '../edge.js';
import { checkRoom, LOBBY } from '../../model/rooms.js';
import * as texts from './texts.js';

export interface ParserLimits {
  /** Longest topic, in UTF-8 bytes. */
  topicBytes: number;
}

const answer = (text: string): Reading => ({ answer: text });

/** What a telnet line asks for; null for a blank line, or one from a user between rooms (behind a barrier, so never read). */
export function readTelnetLine(line: string, from: Sender, limits: ParserLimits): Reading | null {
  if (from.nick === null) {
    // At the prompt every answer but a join ends with the prompt again: a blank line too.
    if (line.trim() === '') return answer(texts.nickInvalidPrompt(texts.nickProblem('empty')));
    return { intent: { kind: 'claim', nick: line, enter: LOBBY } };
  }
  if (line.trim() === '') return null;
  // Telnet users are in one room at a time: the one they joined last.
  const room = from.rooms[from.rooms.length - 1];
  if (room === undefined) return null; // between rooms: behind a barrier, never read here
  if (!line.startsWith('/')) return { intent: { kind: 'say', room, text: line } };
  if (line.startsWith('//')) return { intent: { kind: 'say', room, text: line.slice(1) } };
  const space = line.search(/\s/);
  const name = (space < 0 ? line.slice(1) : line.slice(1, space)).toLowerCase();
  const arg = space < 0 ? '' : line.slice(space + 1).trim();
  switch (name) {
    case 'who':
      return { intent: { kind: 'who', room } };
    case 'me':
      return arg ? { intent: { kind: 'act', room, text: arg } } : answer(texts.usage('/me ACTION'));
    case 'msg': {
      const gap = arg.search(/\s/);
      const target = gap < 0 ? arg : arg.slice(0, gap);
      const text = gap < 0 ? '' : arg.slice(gap + 1).trim();
      return target && text ? { intent: { kind: 'private', target, text } } : answer(texts.usage('/msg NICK TEXT'));
    }
    case 'nick':
      return arg ? { intent: { kind: 'rename', nick: arg } } : answer(texts.usage('/nick NEWNAME'));
    case 'quit':
      return { intent: arg ? { kind: 'quit', reason: arg } : { kind: 'quit' } };
    case 'join':
    case 'leave': {
      const check = name === 'leave' ? ({ ok: true, room: LOBBY } as const) : checkRoom(arg);
      if (!check.ok) return answer(texts.error(texts.roomProblem(check.problem)));
      if (check.room === room) return answer(texts.alreadyIn(room));
      return { intent: { kind: 'move', from: room, to: check.room } };
    }
    case 'rooms':
      return { intent: { kind: 'rooms' } };
    case 'topic':
      if (!arg) return { intent: { kind: 'topic', room } };
      if (Buffer.byteLength(arg) > limits.topicBytes) return answer(texts.topicTooLong(limits.topicBytes));
      return { intent: { kind: 'topic', room, text: arg } };
    case 'help':
      return answer(texts.help());
    default:
      return answer(texts.unknownCommand(name));
  }
}
