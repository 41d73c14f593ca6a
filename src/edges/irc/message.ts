// One IRC line, parsed and written (modern.ircdocs.horse "Message format", IRCv3 message-tags).
// Pure; checked against the ircdocs parser-tests vectors (test/irc-edge-message.test.ts).
// The terminal client has its own parser (src/client/irc/message.ts): the edges and the
// client are separate parts that import nothing of each other.

export interface IrcLine {
  tags: Record<string, string>;
  /** Without its leading ':'; null when absent. */
  source: string | null;
  /** As sent (callers upper-case it to dispatch). */
  verb: string;
  params: string[];
}

const TAG_UNESCAPES: Record<string, string> = { ':': ';', s: ' ', r: '\r', n: '\n', '\\': '\\' };

function unescapeTag(value: string): string {
  if (!value.includes('\\')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '\\') out += c;
    else if (i + 1 < value.length) out += TAG_UNESCAPES[value[++i]!] ?? value[i]!; // unknown escape: the character itself
    // a trailing lone backslash is dropped
  }
  return out;
}

export function escapeTag(value: string): string {
  return value.replace(/[\\; \r\n]/g, (c) => (c === '\\' ? '\\\\' : c === ';' ? '\\:' : c === ' ' ? '\\s' : c === '\r' ? '\\r' : '\\n'));
}

/** Parses one line without its CR LF; null for a line with no verb. Runs of spaces separate words (RFC 1459). */
export function parseLine(line: string): IrcLine | null {
  let i = 0;
  const n = line.length;
  const spaces = (): void => {
    while (i < n && line.charCodeAt(i) === 32) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32) i++;
    return line.slice(start, i);
  };
  const tags: Record<string, string> = {};
  spaces();
  if (line[i] === '@') {
    i++;
    for (const tag of word().split(';')) {
      if (tag === '') continue;
      const eq = tag.indexOf('=');
      if (eq < 0) tags[tag] = '';
      else tags[tag.slice(0, eq)] = unescapeTag(tag.slice(eq + 1));
    }
    spaces();
  }
  let source: string | null = null;
  if (line[i] === ':') {
    i++;
    source = word();
    spaces();
  }
  const verb = word();
  if (verb === '') return null;
  const params: string[] = [];
  for (;;) {
    spaces();
    if (i >= n) break;
    if (line[i] === ':') {
      params.push(line.slice(i + 1));
      break;
    }
    params.push(word());
  }
  return { tags, source, verb, params };
}

/**
 * Writes a line without CR LF. The last parameter gets a ':' when it needs one (empty, has a
 * space, or starts with ':'), or always with `trailing` (numerics: lists such as 302 and 353
 * read as one parameter to naive clients only with it).
 */
export function joinLine(msg: { tags?: Record<string, string | undefined>; source?: string | null; verb: string; params?: readonly string[]; trailing?: boolean }): string {
  let out = '';
  if (msg.tags) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(msg.tags)) parts.push(v === undefined || v === '' ? k : `${k}=${escapeTag(v)}`);
    if (parts.length > 0) out += `@${parts.join(';')} `;
  }
  if (msg.source) out += `:${msg.source} `;
  out += msg.verb;
  const params = msg.params ?? [];
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    const last = k === params.length - 1;
    out += last && (msg.trailing === true || p === '' || p.includes(' ') || p.startsWith(':')) ? ` :${p}` : ` ${p}`;
  }
  return out;
}

/** nick!user@host split as the ircdocs userhost vectors expect: missing parts are empty. */
export function splitSource(source: string): { nick: string; user: string; host: string } {
  const at = source.indexOf('@');
  const hostless = at < 0 ? source : source.slice(0, at);
  const host = at < 0 ? '' : source.slice(at + 1);
  const bang = hostless.indexOf('!');
  return bang < 0 ? { nick: hostless, user: '', host } : { nick: hostless.slice(0, bang), user: hostless.slice(bang + 1), host };
}
