// The IRC message grammar (RFC 1459 / RFC 2812, with IRCv3 message tags), parsed and written.
//
// Why our own parser and not a library such as irc-framework: the grammar is one line of text with
// four parts (tags, prefix, command, params) and fits in this file; we need exact control over the
// two places where a client goes wrong (CR/LF/NUL injection from user input, and the 512-byte limit
// split on character boundaries), and a library brings its own event model, reconnect logic and
// dependencies that our terminal client would have to work around. Everything here is pure and
// unit-tested in test/irc-message.test.ts.

export interface Prefix {
  readonly raw: string; // nick!user@host, or a server name
  readonly nick: string; // the nick, or the server name
  readonly user?: string;
  readonly host?: string;
}

export interface IrcMessage {
  readonly tags: Readonly<Record<string, string>>;
  readonly prefix?: Prefix;
  readonly command: string; // upper case, or three digits
  readonly params: readonly string[];
}

/** The protocol's limit for one line, CR LF included (RFC 1459 §2.3). Tags have their own budget. */
export const MAX_LINE_BYTES = 512;

function unescapeTagValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = value[++i];
    if (n === undefined) break; // a trailing lone backslash is dropped
    out += n === ':' ? ';' : n === 's' ? ' ' : n === 'r' ? '\r' : n === 'n' ? '\n' : n;
  }
  return out;
}

export function parsePrefix(raw: string): Prefix {
  const bang = raw.indexOf('!');
  const at = raw.indexOf('@', bang < 0 ? 0 : bang);
  if (bang < 0 && at < 0) return { raw, nick: raw };
  const nick = raw.slice(0, bang >= 0 ? bang : at);
  const user = bang >= 0 ? raw.slice(bang + 1, at >= 0 ? at : undefined) : undefined;
  const host = at >= 0 ? raw.slice(at + 1) : undefined;
  return { raw, nick, ...(user !== undefined ? { user } : {}), ...(host !== undefined ? { host } : {}) };
}

/** Parses one line (with or without its CR LF). Returns null for an empty or malformed line. */
export function parseMessage(input: string): IrcMessage | null {
  const line = input.replace(/[\r\n]+$/, '');
  let i = 0;
  const skipSpaces = (): void => {
    while (line[i] === ' ') i++;
  };
  const word = (): string => {
    const end = line.indexOf(' ', i);
    const w = end < 0 ? line.slice(i) : line.slice(i, end);
    i = end < 0 ? line.length : end;
    return w;
  };
  const tags: Record<string, string> = {};
  skipSpaces();
  if (line[i] === '@') {
    i++;
    for (const tag of word().split(';')) {
      if (tag === '') continue;
      const eq = tag.indexOf('=');
      if (eq < 0) tags[tag] = '';
      else tags[tag.slice(0, eq)] = unescapeTagValue(tag.slice(eq + 1));
    }
    skipSpaces();
  }
  let prefix: Prefix | undefined;
  if (line[i] === ':') {
    i++;
    const raw = word();
    if (raw === '') return null;
    prefix = parsePrefix(raw);
    skipSpaces();
  }
  const command = word();
  if (!/^(?:[A-Za-z]+|\d{3})$/.test(command)) return null;
  const params: string[] = [];
  for (;;) {
    skipSpaces();
    if (i >= line.length) break;
    if (line[i] === ':') {
      params.push(line.slice(i + 1));
      break;
    }
    params.push(word());
  }
  return { tags, ...(prefix ? { prefix } : {}), command: command.toUpperCase(), params };
}

/** CR, LF and NUL end or break an IRC line: from user text they become spaces, never line breaks. */
export function neutralise(text: string): string {
  return text.replace(/[\r\n\0]/g, ' ');
}

/**
 * Writes a message as one line, without the final CR LF. Every parameter passes through
 * `neutralise`, so no input can start a second command. A middle parameter must be one non-empty
 * word that does not start with ':' (a programming error otherwise); the last one gets a ':' when
 * it needs it.
 */
export function serialize(command: string, ...params: readonly string[]): string {
  if (!/^(?:[A-Za-z]+|\d{3})$/.test(command)) throw new Error(`bad IRC command ${JSON.stringify(command)}`);
  let out = command.toUpperCase();
  params.forEach((raw, index) => {
    const p = neutralise(raw);
    const last = index === params.length - 1;
    if (!last) {
      if (p === '' || p.includes(' ') || p.startsWith(':')) throw new Error(`bad IRC middle parameter ${JSON.stringify(p)}`);
      out += ` ${p}`;
    } else {
      out += p === '' || p.includes(' ') || p.startsWith(':') ? ` :${p}` : ` ${p}`;
    }
  });
  return out;
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Splits text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character: pieces break
 * between grapheme clusters (so an accent stays with its letter and an emoji sequence stays whole),
 * and only a single cluster longer than the budget is broken, between code points.
 * Empty text gives one empty piece.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (maxBytes < 4) throw new Error(`maxBytes ${maxBytes} is too small for a UTF-8 character`);
  const pieces: string[] = [];
  let current = '';
  let size = 0;
  const push = (unit: string, bytes: number): void => {
    if (size + bytes > maxBytes && current !== '') {
      pieces.push(current);
      current = '';
      size = 0;
    }
    current += unit;
    size += bytes;
  };
  for (const { segment } of graphemes.segment(text)) {
    const bytes = byteLength(segment);
    if (bytes <= maxBytes) push(segment, bytes);
    else for (const cp of segment) push(cp, byteLength(cp));
  }
  if (current !== '' || pieces.length === 0) pieces.push(current);
  return pieces;
}

/** IRC's case folding for nick and channel comparisons (CASEMAPPING from 005; rfc1459 by default). */
export function ircLower(text: string, casemapping = 'rfc1459'): string {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (casemapping === 'ascii') return lower;
  const map: Record<string, string> = { '[': '{', ']': '}', '\\': '|', ...(casemapping === 'strict-rfc1459' ? {} : { '~': '^' }) };
  return lower.replace(/[[\]\\~]/g, (c) => map[c] ?? c);
}
