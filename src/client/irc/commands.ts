// What the user types, turned into IRC lines. Pure: the session gives the context (current channel,
// our own prefix for the length budget) and applies the result.

import { byteLength, MAX_LINE_BYTES, serialize, splitUtf8 } from './message.js';

export interface InputContext {
  readonly current: string | undefined; // the channel plain lines go to
  readonly nick: string;
  readonly selfPrefix: string | undefined; // nick!user@host once known
  readonly chantypes: string; // from 005 CHANTYPES, '#&' by default
}

export type LocalLine = { readonly kind: 'info' | 'error' | 'sent'; readonly text: string };

export interface Mapped {
  readonly send: readonly string[]; // serialised lines, without CR LF
  readonly local: readonly LocalLine[]; // lines shown to the user alone
  readonly quit?: string; // the user leaves; the reason (possibly empty) went with QUIT
  readonly current?: string; // the current channel changes (a /join of a channel already joined)
}

export const DEFAULT_QUIT = 'leaving';

export const HELP: readonly string[] = [
  'commands:',
  '/join #CHANNEL   join a channel (or switch to one already joined)',
  '/part [#CHANNEL] [REASON]  leave the current or the named channel',
  '/msg NICK TEXT   a private message (also to a channel)',
  '/me ACTION       say what you are doing',
  '/nick NEW        change your nickname',
  '/names [#CHANNEL]  who is in the channel (/who does the same)',
  '/topic [TEXT]    show or set the topic of the current channel',
  '/quote LINE      send a raw IRC line',
  '/quit [REASON]   leave',
  '/help            this list',
  '//text           send a line that starts with /',
];

/**
 * The room for the text of `COMMAND target :text` when the server relays it with our prefix in
 * front: 512 bytes minus CR LF, `:prefix `, and `COMMAND target :`. Until our prefix is known, we
 * assume the longest usual user (10) and host (63).
 */
export function textBudget(command: string, target: string, ctx: Pick<InputContext, 'nick' | 'selfPrefix'>): number {
  const prefix = ctx.selfPrefix ?? `${ctx.nick}!${'u'.repeat(10)}@${'h'.repeat(63)}`;
  return MAX_LINE_BYTES - 2 - byteLength(`:${prefix} `) - byteLength(`${command} ${target} :`);
}

/** PRIVMSG/NOTICE of any length: as many lines as the byte limit needs, split on character boundaries. */
export function textLines(command: 'PRIVMSG' | 'NOTICE', target: string, text: string, ctx: InputContext, ctcp?: string): string[] {
  const wrap = ctcp ? (t: string): string => `\x01${ctcp} ${t}\x01` : (t: string): string => t;
  const budget = textBudget(command, target, ctx) - (ctcp ? byteLength(ctcp) + 3 : 0);
  return splitUtf8(text, Math.max(budget, 16)).map((piece) => serialize(command, target, wrap(piece)));
}

const NO_CHANNEL = 'you are in no channel: /join #CHANNEL first (or /msg NICK TEXT)';

function isChannel(name: string, ctx: InputContext): boolean {
  return name !== '' && ctx.chantypes.includes(name[0] ?? '');
}

/** `/join x` means `#x`: the name gets the first channel prefix when it has none. */
export function channelName(name: string, ctx: InputContext): string {
  return isChannel(name, ctx) ? name : `${ctx.chantypes[0] ?? '#'}${name}`;
}

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

/** `/cmd rest`: the command name (lower case) and the rest of the line after one run of spaces. */
function splitCommand(line: string): { name: string; rest: string } {
  const m = /^\/(\S*)\s*([\s\S]*)$/.exec(line);
  return { name: (m?.[1] ?? '').toLowerCase(), rest: m?.[2] ?? '' };
}

/** Maps one line the user typed. `joined` tells which channels we are in (folded). */
export function mapInput(raw: string, ctx: InputContext, joined: (channel: string) => boolean = () => false): Mapped {
  const line = raw.replace(/[\r\n\0]/g, ' ');
  const none: Mapped = { send: [], local: [] };
  const error = (text: string): Mapped => ({ send: [], local: [{ kind: 'error', text }] });
  if (line.trim() === '') return none;
  if (!line.startsWith('/') || line.startsWith('//')) {
    const text = line.startsWith('//') ? line.slice(1) : line;
    if (!ctx.current) return error(NO_CHANNEL);
    return { send: textLines('PRIVMSG', ctx.current, text, ctx), local: [] };
  }
  const { name, rest } = splitCommand(line);
  const args = words(rest);
  switch (name) {
    case 'join': {
      if (args.length === 0) return error('usage: /join #CHANNEL [KEY]');
      const channels = (args[0] ?? '').split(',').filter((c) => c !== '').map((c) => channelName(c, ctx));
      if (channels.length === 1 && joined(channels[0] ?? '')) {
        return { send: [], local: [{ kind: 'info', text: `now talking in ${channels[0]}` }], current: channels[0] ?? '' };
      }
      const params = args[1] ? [channels.join(','), args[1]] : [channels.join(',')];
      return { send: [serialize('JOIN', ...params)], local: [] };
    }
    case 'part':
    case 'leave': {
      let channel = ctx.current;
      let reason = rest.trim();
      if (args[0] && isChannel(args[0], ctx)) {
        channel = args[0];
        reason = rest.trim().slice(args[0].length).trim();
      }
      if (!channel) return error(NO_CHANNEL);
      return { send: [reason ? serialize('PART', channel, reason) : serialize('PART', channel)], local: [] };
    }
    case 'msg':
    case 'query': {
      const m = /^(\S+)\s+([\s\S]*\S[\s\S]*)$/.exec(rest);
      if (!m) return error('usage: /msg NICK TEXT');
      const target = m[1] ?? '';
      const text = m[2] ?? '';
      if (target.startsWith(':')) return error('usage: /msg NICK TEXT (a nickname cannot start with :)');
      return { send: textLines('PRIVMSG', target, text, ctx), local: [{ kind: 'sent', text: `(to ${target}) ${text}` }] };
    }
    case 'me': {
      if (!ctx.current) return error(NO_CHANNEL);
      if (rest.trim() === '') return error('usage: /me ACTION');
      return { send: textLines('PRIVMSG', ctx.current, rest, ctx, 'ACTION'), local: [] };
    }
    case 'nick': {
      if (args.length !== 1) return error('usage: /nick NEW');
      return { send: [serialize('NICK', args[0] ?? '')], local: [] };
    }
    case 'names':
    case 'who': {
      const channel = args[0] ? channelName(args[0], ctx) : ctx.current;
      if (!channel) return error(NO_CHANNEL);
      return { send: [serialize('NAMES', channel)], local: [] };
    }
    case 'topic': {
      if (!ctx.current) return error(NO_CHANNEL);
      return { send: [rest.trim() ? serialize('TOPIC', ctx.current, rest.trim()) : serialize('TOPIC', ctx.current)], local: [] };
    }
    case 'quote':
    case 'raw': {
      if (rest.trim() === '') return error('usage: /quote IRC LINE');
      return { send: [rest.trim()], local: [] };
    }
    case 'quit': {
      const reason = rest.trim() || DEFAULT_QUIT;
      return { send: [serialize('QUIT', reason)], local: [], quit: reason };
    }
    case 'help':
      return { send: [], local: HELP.map((text) => ({ kind: 'info' as const, text })) };
    default:
      return error(`unknown command /${name} (try /help)`);
  }
}
