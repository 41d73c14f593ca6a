// IRC events shown the way node-chat shows its own: ` > alice joined the room #chan` in grey,
// ` > alice: hi` in cyan, private lines in magenta, errors in yellow. Each function returns one
// display line with its colours and without a line end; the terminal strips the colours when they
// are off. Pure: the session decides what to show, this file only words it.

import { CYAN, GREY, MAGENTA, RESET, YELLOW } from '../../edges/telnet/texts.js';
import type { IrcMessage } from './message.js';

export const grey = (text: string): string => `${GREY} > ${text}${RESET}`;
export const yellow = (text: string): string => `${YELLOW} > ${text}${RESET}`;
const paren = (reason: string | undefined): string => (reason ? ` (${reason})` : '');

export interface RenderContext {
  readonly isMe: (nick: string) => boolean;
  readonly isCurrent: (channel: string) => boolean;
  readonly isChannel: (target: string) => boolean;
}

export const joinLine = (nick: string, channel: string): string => `${GREY} > ${nick} joined the room ${channel}${RESET}`;
export const partLine = (nick: string, channel: string, reason?: string): string =>
  `${GREY} > ${nick} left the room ${channel}${paren(reason)}${RESET}`;
export const quitLine = (nick: string, reason?: string): string => `${GREY} > ${nick} left the chat${paren(reason)}${RESET}`;
export const nickLine = (from: string, to: string): string => `${GREY} > ${from} is now known as ${to}${RESET}`;
export const kickLine = (victim: string, channel: string, by: string, reason?: string): string =>
  `${GREY} > ${victim} was kicked from ${channel} by ${by}${paren(reason)}${RESET}`;
export const topicLine = (nick: string, channel: string, topic: string): string =>
  topic ? `${GREY} > ${nick} set the topic of ${channel}: ${topic}${RESET}` : `${GREY} > ${nick} cleared the topic of ${channel}${RESET}`;

/** A PRIVMSG or NOTICE, CTCP ACTION included, from `nick` to `target`. */
export function textLine(kind: 'PRIVMSG' | 'NOTICE', nick: string, target: string, text: string, ctx: RenderContext): string {
  const action = /^\x01ACTION(?: ([\s\S]*?))?\x01?$/.exec(text);
  const where = ctx.isChannel(target) && !ctx.isCurrent(target) ? ` (${target})` : '';
  if (kind === 'PRIVMSG' && action) {
    const who = ctx.isChannel(target) ? nick + where : `${nick} (private)`;
    return `${GREY} * ${who} ${action[1] ?? ''}${RESET}`;
  }
  if (!ctx.isChannel(target)) {
    const label = kind === 'NOTICE' ? 'notice' : 'private';
    return `${MAGENTA} > ${nick} (${label}):${RESET} ${text}`;
  }
  return kind === 'NOTICE' ? `${CYAN} > ${nick}${where} (notice):${RESET} ${text}` : `${CYAN} > ${nick}${where}:${RESET} ${text}`;
}

/** Numerics that say nothing a user needs (or that the session shows its own way). */
const HIDDEN_NUMERICS = new Set(['004', '005', '333', '353', '366', '329', '315']);

/**
 * A numeric reply shown readably: our own nick (the first parameter) left out, the middle
 * parameters as a subject, the last one as the text: `401 me bob :No such nick` → ` > bob: No such nick`.
 * Errors (400–599) in yellow. Returns null for numerics not worth a line.
 */
export function numericLine(message: IrcMessage): string | null {
  if (HIDDEN_NUMERICS.has(message.command)) return null;
  const params = message.params.slice(1);
  const last = params.length > 0 ? params[params.length - 1] ?? '' : '';
  const middle = params.slice(0, -1).join(' ');
  const code = Number(message.command);
  let text: string;
  if (message.command === '332') text = `topic of ${params[0] ?? ''}: ${last}`;
  else if (message.command === '331') text = `${params[0] ?? ''} has no topic`;
  else if (params.length > 1 && params.slice(0, -1).every((x) => /^\d+$/.test(x))) {
    // Counts (251–266): `254 me 2 :channels formed` reads "2 channels formed"; when the text
    // already says the numbers (`265 me 1 1 :Current local users: 1, Max: 1`) they are not repeated.
    const numbers = params.slice(0, -1);
    text = numbers.every((n) => new RegExp(`\\b${n}\\b`).test(last)) ? last : `${middle} ${last}`;
  } else text = middle ? `${middle}: ${last}` : last;
  if (text.trim() === '') return null;
  return code >= 400 && code < 600 ? yellow(text) : grey(text);
}

/** The member list after NAMES (353 … 366), wrapped like node-chat's /who. */
export function namesLines(channel: string, nicks: readonly string[], width = 400): string[] {
  const head = `in ${channel}: `;
  const lines: string[] = [];
  let line = head;
  nicks.forEach((nick, i) => {
    const piece = nick + (i < nicks.length - 1 ? ', ' : '');
    if (line.length + piece.length > width && line !== head) {
      lines.push(grey(line.trimEnd()));
      line = '  ';
    }
    line += piece;
  });
  lines.push(grey(line.trimEnd()));
  return lines;
}

/** Any other message: its command and parameters, so that nothing the server says is lost. */
export function genericLine(message: IrcMessage): string {
  const who = message.prefix ? `${message.prefix.nick} ` : '';
  return grey(`${who}${message.command} ${message.params.join(' ')}`.trim());
}
