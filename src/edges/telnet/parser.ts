// Telnet's syntax: the first line is the nickname; after it a line is chat, `/me` an action,
// `//text` the literal `/text`, and the other slash commands ask for intents or get an answer
// from the edge itself (usage, /help, an unknown command).

import type { Reading, Sender } from '../edge.js';
import type { Intent } from '../../model/intents.js';
import { checkRoom, LOBBY } from '../../model/rooms.js';
import { normalizeMask, parseModes, type ModeChange } from '../../model/moderation.js';
import * as texts from './texts.js';

export interface ParserLimits {
  /** Longest topic, in UTF-8 bytes. */
  topicBytes: number;
  /** Most lines /history shows (the events a room keeps); 0 or absent: history is off. */
  history?: number;
}

/** Lines /history shows without a number. */
export const HISTORY_LINES = 20;

const answer = (text: string): Reading => ({ answer: text });
const ask = (intent: Intent): Reading => ({ intent });

/** What a telnet line asks for; null for a blank line from a named user. */
export function readTelnetLine(line: string, from: Sender, limits: ParserLimits): Reading | null {
  if (from.nick === null) {
    // At the prompt every answer but a join ends with the prompt again: a blank line too.
    if (line.trim() === '') return answer(texts.nickInvalidPrompt(texts.nickProblem('empty')));
    return ask({ kind: 'claim', nick: line, enter: LOBBY });
  }
  if (line.trim() === '') return null;
  // Telnet users are in one room at a time: the one they joined last. None only when a move was
  // given up (its room crashed on it): what needs no room still works, and /join gets back.
  const room = from.rooms[from.rooms.length - 1];
  if (!line.startsWith('/') || line.startsWith('//')) {
    const text = line.startsWith('//') ? line.slice(1) : line;
    return room === undefined ? answer(texts.inNoRoom()) : ask({ kind: 'say', room, text });
  }
  const space = line.search(/\s/);
  const name = (space < 0 ? line.slice(1) : line.slice(1, space)).toLowerCase();
  const arg = space < 0 ? '' : line.slice(space + 1).trim();
  switch (name) {
    case 'msg': {
      const gap = arg.search(/\s/);
      const target = gap < 0 ? arg : arg.slice(0, gap);
      const text = gap < 0 ? '' : arg.slice(gap + 1).trim();
      return target && text ? ask({ kind: 'private', target, text }) : answer(texts.usage('/msg NICK TEXT'));
    }
    case 'nick':
      return arg ? ask({ kind: 'rename', nick: arg }) : answer(texts.usage('/nick NEWNAME'));
    case 'quit':
      return ask(arg ? { kind: 'quit', reason: arg } : { kind: 'quit' });
    case 'rooms':
      return ask({ kind: 'rooms' });
    case 'help':
      return answer(arg.toLowerCase() === 'modes' ? texts.modesHelp() : texts.help());
    case 'join':
    case 'leave': {
      const [wanted = '', key] = arg.split(/\s+/);
      const check = name === 'leave' ? ({ ok: true, room: LOBBY } as const) : checkRoom(wanted);
      if (!check.ok) return answer(texts.error(texts.roomProblem(check.problem)));
      const keyed = key !== undefined && name === 'join' ? { key } : {};
      if (room === undefined) return ask({ kind: 'join', room: check.room, ...keyed });
      if (check.room === room) return answer(texts.alreadyIn(room));
      return ask({ kind: 'move', from: room, to: check.room, ...keyed });
    }
    case 'oper': {
      const [account, password] = arg.split(/\s+/);
      return account && password ? ask({ kind: 'oper', name: account, password }) : answer(texts.usage('/oper NAME PASSWORD'));
    }
    case 'kill': {
      const gap = arg.search(/\s/);
      const nick = gap < 0 ? arg : arg.slice(0, gap);
      const reason = gap < 0 ? '' : arg.slice(gap + 1).trim();
      return nick ? ask({ kind: 'kill', nick, reason: reason || 'no reason given' }) : answer(texts.usage('/kill NICK [REASON]'));
    }
  }
  if (room === undefined) return answer(texts.inNoRoom());
  switch (name) {
    case 'who':
      return ask({ kind: 'who', room });
    case 'me':
      return arg ? ask({ kind: 'act', room, text: arg }) : answer(texts.usage('/me ACTION'));
    case 'history': {
      const max = limits.history ?? 0;
      if (max === 0) return answer(texts.error('history is off on this server'));
      if (arg !== '' && !/^\d{1,9}$/.test(arg)) return answer(texts.usage('/history [N]'));
      const limit = Math.min(max, arg === '' ? HISTORY_LINES : Math.max(1, Number(arg)));
      return ask({ kind: 'history', ask: 'telnet', target: room, room: true, select: { dir: 'latest', limit } });
    }
    case 'topic':
      if (!arg) return ask({ kind: 'topic', room });
      if (Buffer.byteLength(arg) > limits.topicBytes) return answer(texts.topicTooLong(limits.topicBytes));
      return ask({ kind: 'topic', room, text: arg });
    case 'op':
    case 'deop':
    case 'voice':
    case 'devoice':
    case 'ban':
    case 'unban': {
      const target = arg.split(/\s+/)[0];
      if (!target) return answer(texts.usage(`/${name} ${name.endsWith('ban') ? 'MASK' : 'NICK'}`));
      const change: ModeChange = { set: !name.startsWith('de') && !name.startsWith('un'), mode: name.endsWith('op') ? 'o' : name.endsWith('voice') ? 'v' : 'b', arg: name.endsWith('ban') ? normalizeMask(target) : target };
      return ask({ kind: 'mode', room, changes: [change] });
    }
    case 'bans':
      return ask({ kind: 'mode', room, changes: [{ set: true, mode: 'b' }] });
    case 'kick': {
      const gap = arg.search(/\s/);
      const nick = gap < 0 ? arg : arg.slice(0, gap);
      const reason = gap < 0 ? '' : arg.slice(gap + 1).trim();
      if (!nick) return answer(texts.usage('/kick NICK [REASON]'));
      return ask(reason ? { kind: 'kick', room, nick, reason } : { kind: 'kick', room, nick });
    }
    case 'invite':
      return arg ? ask({ kind: 'invite', room, nick: arg.split(/\s+/)[0]! }) : answer(texts.usage('/invite NICK'));
    case 'mode': {
      if (!arg) return ask({ kind: 'mode', room, changes: [] });
      const [flags = '', ...rest] = arg.split(/\s+/);
      if (!/^[+-]/.test(flags)) return answer(texts.usage('/mode [+|-FLAGS [ARGS]] (/help modes)'));
      const { changes, unknown } = parseModes(flags, rest);
      if (unknown.length > 0) return answer(texts.notice({ code: 'unknownMode', mode: unknown.join('') }));
      return changes.length === 0 ? answer(texts.usage('/mode [+|-FLAGS [ARGS]] (/help modes)')) : ask({ kind: 'mode', room, changes });
    }
    default:
      return answer(texts.unknownCommand(name));
  }
}
