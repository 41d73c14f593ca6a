// What a named user's line asks for, decided from the line alone. The room actor carries
// intents out in a process; the cluster adapter carries the same intents out through Redis.
// Keeping the reading of a line here means both agree on every command and every error.

import { isBarrier, parseLine } from '../edges/telnet/commands.js';
import { checkRoom } from './rooms.js';
import * as texts from '../edges/telnet/texts.js';

export type Intent =
  | { kind: 'say'; text: string }
  | { kind: 'action'; text: string }
  | { kind: 'who' }
  | { kind: 'private'; target: string; text: string }
  | { kind: 'rename'; nick: string }
  | { kind: 'quit'; reason: string | undefined }
  | { kind: 'move'; room: string }
  | { kind: 'rooms' }
  /** An answer to the sender alone; `settle` when the line was a barrier that goes no further. */
  | { kind: 'reply'; text: string; settle: boolean };

const reply = (line: string, text: string): Intent => ({ kind: 'reply', text, settle: isBarrier(line) });

/** Reads a line from a member of `room`; null for a blank line. */
export function interpret(line: string, room: string): Intent | null {
  if (line.trim() === '') return null;
  const parsed = parseLine(line);
  if (parsed.kind === 'text') return { kind: 'say', text: parsed.text };
  const { name, arg } = parsed;
  switch (name) {
    case 'who':
      return { kind: 'who' };
    case 'me':
      return arg ? { kind: 'action', text: arg } : reply(line, texts.error('usage: /me ACTION'));
    case 'msg': {
      const space = arg.search(/\s/);
      const target = space < 0 ? arg : arg.slice(0, space);
      const text = space < 0 ? '' : arg.slice(space + 1).trim();
      return target && text ? { kind: 'private', target, text } : reply(line, texts.error('usage: /msg NICK TEXT'));
    }
    case 'nick':
      return arg ? { kind: 'rename', nick: arg } : reply(line, texts.error('usage: /nick NEWNAME'));
    case 'quit':
      return { kind: 'quit', reason: arg || undefined };
    case 'join':
    case 'leave': {
      const check = name === 'leave' ? ({ ok: true, room: texts.LOBBY } as const) : checkRoom(arg);
      if (!check.ok) return reply(line, texts.error(check.why));
      if (check.room === room) return reply(line, texts.info(`you are already in ${room}`));
      return { kind: 'move', room: check.room };
    }
    case 'rooms':
      return { kind: 'rooms' };
    case 'help':
      return reply(line, texts.help());
    default:
      return reply(line, texts.unknownCommand(name));
  }
}
