// Events as IRC lines, for broadcasts: what every IRC recipient of one codec variant gets in the
// same bytes (see caps.ts). Answers to one user (numerics) are in replies.ts.

import type { ChatEvent, MsgId } from '../../model/events.js';
import type { ModeChange } from '../../model/moderation.js';
import type { Codec } from '../edge.js';
import { channel, source } from './names.js';
import { clientTagText, type ClientTags } from './client-tags.js';
import { splitBytes } from './split.js';

export const CRLF = '\r\n';
/** An IRC line's bytes without its tags, CR LF included. */
export const LINE_BYTES = 512;

export const TIME = 1;
export const TAGS = 2;
export const AWAY = 4;
export const SETNAME = 8;

// Nothing that ends or cuts an IRC line can be in a text (the framers split lines there), but a
// line to IRC clients is a command stream: one stray CR or LF would be a second command.
const BREAKS = /[\r\n\0]/g;
const ANY_BREAK = /[\r\n\0]/;
const safe = (text: string): string => (ANY_BREAK.test(text) ? text.replace(BREAKS, ' ') : text);

/**
 * The tags an event's line carries in variant `bits`: its server time and its id, then (message-tags
 * only) the sender's client-only tags, after the server's as the spec orders them.
 */
export function tagsFor(bits: number, at: number | undefined, id: MsgId | undefined, client?: ClientTags): string {
  const parts: string[] = [];
  if (bits & TIME && at !== undefined) parts.push(`time=${new Date(at).toISOString()}`);
  if (bits & TAGS && id !== undefined) parts.push(`msgid=${id}`);
  if (bits & TAGS && client !== undefined) {
    const text = clientTagText(client);
    if (text !== '') parts.push(text);
  }
  return parts.length === 0 ? '' : `@${parts.join(';')} `;
}

/**
 * `text` from `from` to `target` as PRIVMSG (or NOTICE) lines; an action as CTCP ACTION. A text
 * its sender could send in one line (`VERB target text` within 512 bytes) goes out in one,
 * though our `:nick!user@host` prefix may take that line past 512 bytes: one message in is one
 * message out (as ergo does; irctest's buffering cases ask for it, or for truncation, and we
 * lose nothing). A longer text (telnet's, up to 4096 bytes) is cut into lines each within 512
 * bytes without their tags. Pieces after the first carry `<id>:<n>` as their msgid, so every
 * line has its own.
 */
export function messageLines(bits: number, at: number | undefined, id: MsgId | undefined, from: string, verb: string, target: string, text: string, action: boolean, client?: ClientTags): string {
  const body = `${verb} ${target} :${action ? '\x01ACTION ' : ''}`;
  const head = `:${source(from)} ${body}`;
  const tail = action ? '\x01' : '';
  const clean = safe(text);
  const bytes = Buffer.byteLength(clean);
  // The trailing `:` counts for nothing: a one-word text may have been sent without it.
  const asSent = Buffer.byteLength(body) - 1 + bytes + tail.length + CRLF.length <= LINE_BYTES;
  const budget = LINE_BYTES - Buffer.byteLength(head) - tail.length - CRLF.length;
  const pieces = asSent ? [clean] : splitBytes(clean, Math.max(1, budget));
  let out = '';
  for (let n = 0; n < pieces.length; n++) out += `${tagsFor(bits, at, n === 0 || id === undefined ? id : `${id}:${n}`, client)}${head}${pieces[n]}${tail}${CRLF}`;
  return out;
}

/**
 * A TAGMSG from `from` to `target`: only to clients that negotiated message-tags (the others
 * get nothing, server-time or not: it is made of tags), '' for the others.
 */
export function tagmsgLine(bits: number, at: number, id: MsgId, from: string, target: string, client: ClientTags): string {
  if (!(bits & TAGS)) return '';
  return `${tagsFor(bits, at, id, client)}:${source(from)} TAGMSG ${target}${CRLF}`;
}

/** A broadcast event in variant `bits`; '' for an event that is not a broadcast. */
export function renderBroadcast(event: ChatEvent, bits: number): string {
  switch (event.k) {
    case 'joined':
      return `${tagsFor(bits, event.at, event.id)}:${source(event.nick)} JOIN ${channel(event.room)}${CRLF}`;
    case 'left': {
      const tags = tagsFor(bits, event.at, event.id);
      if (event.how === 'part' || event.how === 'moved') {
        const reason = event.reason ? ` :${safe(event.reason)}` : '';
        return `${tags}:${source(event.nick)} PART ${channel(event.room)}${reason}${CRLF}`;
      }
      const why = event.how === 'lost' ? 'Connection lost' : event.reason ? `Quit: ${safe(event.reason)}` : 'Quit';
      return `${tags}:${source(event.nick)} QUIT :${why}${CRLF}`;
    }
    case 'said':
      return messageLines(bits, event.at, event.id, event.nick, event.notice ? 'NOTICE' : 'PRIVMSG', channel(event.room), event.text, false, event.tags);
    case 'acted':
      return messageLines(bits, event.at, event.id, event.nick, 'PRIVMSG', channel(event.room), event.text, true, event.tags);
    case 'tagged':
      return tagmsgLine(bits, event.at, event.id, event.nick, channel(event.room), event.tags);
    case 'renamed':
      return `${tagsFor(bits, event.at, event.id)}:${source(event.from)} NICK ${event.nick}${CRLF}`;
    case 'topicSet':
      return `${tagsFor(bits, event.at, event.id)}:${source(event.nick)} TOPIC ${channel(event.room)} :${safe(event.text)}${CRLF}`;
    case 'kicked':
      return `${tagsFor(bits, event.at, event.id)}:${source(event.by)} KICK ${channel(event.room)} ${event.nick} :${safe(event.reason ?? event.by)}${CRLF}`;
    case 'modeChanged':
      return `${tagsFor(bits, event.at, event.id)}:${source(event.nick)} MODE ${channel(event.room)} ${modeText(event.changes)}${CRLF}`;
    case 'awayChanged':
      if (!(bits & AWAY)) return '';
      return event.text === undefined ? `:${source(event.nick)} AWAY${CRLF}` : `:${source(event.nick)} AWAY :${safe(event.text)}${CRLF}`;
    case 'realnameChanged':
      // Only to clients that negotiated setname (IRCv3 setname: MUST NOT be sent to the others).
      return bits & SETNAME ? `:${source(event.nick)} SETNAME :${safe(event.real)}${CRLF}` : '';
    default:
      return '';
  }
}

/** Changes as IRC writes them: `+o-v bob carol` (a signed run of letters, then their arguments). */
export function modeText(changes: readonly ModeChange[]): string {
  let letters = '';
  let sign = '';
  const args: string[] = [];
  for (const c of changes) {
    const s = c.set ? '+' : '-';
    if (s !== sign) letters += sign = s;
    letters += c.mode;
    if (c.arg !== undefined) args.push(safe(c.arg).replace(/ /g, '_'));
  }
  if (args.length === 0) return letters;
  // The last argument is written as a trailing parameter only if it must be (it starts with ':').
  const last = args[args.length - 1]!;
  if (last.startsWith(':') || last === '') args[args.length - 1] = `:${last}`;
  return `${letters} ${args.join(' ')}`;
}

/** One codec per variant, made once: sessions with the same variant share it (see caps.ts). */
class IrcCodec implements Codec {
  readonly protocol = 'irc';
  constructor(readonly bits: number) {}
  render(event: ChatEvent): string {
    return renderBroadcast(event, this.bits);
  }
}

const codecs = new Map<number, IrcCodec>();

export function codecFor(bits: number): IrcCodec {
  let codec = codecs.get(bits);
  if (codec === undefined) codecs.set(bits, (codec = new IrcCodec(bits)));
  return codec;
}

export { safe };
