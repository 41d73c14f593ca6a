// The IRC wire for the page: reading a line (tags, source, verb, parameters), writing one safely,
// splitting long text to fit a line, and IRC's formatting codes read into styled runs. Pure: no
// DOM, no socket, so Node tests import it as the browser does.

/** A line's budget, CR LF included (RFC 1459 §2.3); the WebSocket carries it without CR LF. */
export const MAX_LINE_BYTES = 512;

const encoder = new TextEncoder();
export const byteLength = (/** @type {string} */ text) => encoder.encode(text).length;

/**
 * @typedef {{ tags: Record<string, string>, source: string, nick: string, verb: string, params: string[] }} IrcMessage
 */

/** @param {string} value */
function unescapeTag(value) {
  return value.replace(/\\(.?)/g, (_, c) => ({ ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' })[/** @type {string} */ (c)] ?? c);
}

/**
 * One received line as a message; null for a blank one. Anything a server sends is accepted:
 * missing parts are empty, never an exception.
 * @param {string} line
 * @returns {IrcMessage | null}
 */
export function parseLine(line) {
  let rest = line.replace(/[\r\n]+$/, '');
  /** @type {Record<string, string>} */
  const tags = {};
  if (rest.startsWith('@')) {
    const space = rest.indexOf(' ');
    const raw = space < 0 ? rest.slice(1) : rest.slice(1, space);
    rest = space < 0 ? '' : rest.slice(space + 1);
    for (const part of raw.split(';')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) tags[part] = '';
      else tags[part.slice(0, eq)] = unescapeTag(part.slice(eq + 1));
    }
  }
  rest = rest.replace(/^ +/, '');
  let source = '';
  if (rest.startsWith(':')) {
    const space = rest.indexOf(' ');
    source = space < 0 ? rest.slice(1) : rest.slice(1, space);
    rest = space < 0 ? '' : rest.slice(space + 1);
  }
  /** @type {string[]} */
  const words = [];
  while (rest !== '') {
    rest = rest.replace(/^ +/, '');
    if (rest === '') break;
    if (rest.startsWith(':')) {
      words.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(' ');
    words.push(space < 0 ? rest : rest.slice(0, space));
    rest = space < 0 ? '' : rest.slice(space + 1);
  }
  const verb = (words.shift() ?? '').toUpperCase();
  if (verb === '') return null;
  const bang = source.indexOf('!');
  const at = source.indexOf('@');
  const nick = bang >= 0 ? source.slice(0, bang) : at >= 0 ? source.slice(0, at) : source;
  return { tags, source, nick, verb, params: words };
}

/**
 * A line to send, without CR LF. What the user typed can never become a second command: CR, LF
 * and NUL become spaces, and only the last parameter may hold spaces (it is sent as trailing).
 * @param {string} verb
 * @param {...string} params
 */
export function formatLine(verb, ...params) {
  const clean = params.map((p) => p.replace(/[\r\n\0]/g, ' '));
  let out = verb;
  clean.forEach((p, i) => {
    const last = i === clean.length - 1;
    if (last && (p === '' || p.includes(' ') || p.startsWith(':'))) out += ` :${p}`;
    else out += ` ${p.replace(/ /g, '') || '*'}`;
  });
  return out;
}

// Grapheme clusters where the browser has Intl.Segmenter (Firefox only since 125); code points elsewhere.
const graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
/** @param {string} text @returns {Iterable<string>} */
const clusters = (text) => (graphemes === null ? text : Array.from(graphemes.segment(text), (s) => s.segment));

/**
 * Text cut into pieces of at most `maxBytes` UTF-8 bytes, between characters (grapheme
 * clusters, so an emoji sequence or an accented letter stays whole; a single cluster longer than
 * the budget is cut between code points). Empty text is one empty piece.
 * @param {string} text
 * @param {number} maxBytes
 */
export function splitText(text, maxBytes) {
  const budget = Math.max(4, maxBytes);
  /** @type {string[]} */
  const pieces = [];
  let current = '';
  let size = 0;
  /** @param {string} unit @param {number} bytes */
  const push = (unit, bytes) => {
    if (size + bytes > budget && current !== '') {
      pieces.push(current);
      current = '';
      size = 0;
    }
    current += unit;
    size += bytes;
  };
  for (const segment of clusters(text)) {
    const bytes = byteLength(segment);
    if (bytes <= budget) push(segment, bytes);
    else for (const cp of segment) push(cp, byteLength(cp));
  }
  if (current !== '' || pieces.length === 0) pieces.push(current);
  return pieces;
}

/**
 * PRIVMSG lines for `text` to `target`, each fitting 512 bytes once the server puts our prefix
 * in front (`selfPrefix`, as our own JOIN showed it; until then a long user@host is assumed).
 * An action is wrapped in CTCP ACTION in every piece.
 * @param {string} target
 * @param {string} text
 * @param {{ nick: string, selfPrefix: string | null, action?: boolean }} ctx
 */
export function messageLines(target, text, ctx) {
  const prefix = ctx.selfPrefix ?? `${ctx.nick}!${'u'.repeat(10)}@${'h'.repeat(63)}`;
  const wrap = ctx.action ? 9 : 0; // \x01ACTION … \x01
  const budget = MAX_LINE_BYTES - 2 - byteLength(`:${prefix} PRIVMSG ${target} :`) - wrap;
  return splitText(text, budget).map((piece) => formatLine('PRIVMSG', target, ctx.action ? `\x01ACTION ${piece}\x01` : piece));
}

/** A CTCP ACTION's text, or null when `text` is not one. @param {string} text */
export function actionText(text) {
  if (!text.startsWith('\x01ACTION')) return null;
  return text.slice(7).replace(/\x01$/, '').replace(/^ /, '');
}

/** Any other CTCP request (VERSION, PING…): the page answers none, and shows none. @param {string} text */
export const isCtcp = (text) => text.startsWith('\x01');

/**
 * @typedef {{ text: string, bold: boolean, italic: boolean, underline: boolean, strike: boolean, mono: boolean, fg: number | null, bg: number | null }} Run
 */

// IRC formatting (modern.ircdocs.horse "Formatting"): toggles, colours \x03FG[,BG] (0–98), hex
// colours \x04RRGGBB (read and dropped), \x16 reverse (swaps the colours), \x0f reset.
const COLOUR = /^\x03(\d{1,2})?(?:,(\d{1,2}))?/;
const HEX = /^\x04([0-9a-fA-F]{6})?(?:,([0-9a-fA-F]{6}))?/;

/**
 * A line's text as runs of one style each, with every control character removed: formatting
 * becomes style, any other C0/C1 control or DEL is dropped (the DOM would show it as a box, or
 * a terminal pasting it would act on it). Colours are numbers 0–15 the stylesheet knows; others
 * are dropped.
 * @param {string} text
 * @returns {Run[]}
 */
export function formatRuns(text) {
  /** @type {Run[]} */
  const runs = [];
  let style = { bold: false, italic: false, underline: false, strike: false, mono: false, fg: /** @type {number | null} */ (null), bg: /** @type {number | null} */ (null) };
  let current = '';
  const flush = () => {
    if (current !== '') runs.push({ text: current, ...style });
    current = '';
  };
  /** @param {Partial<typeof style>} change */
  const restyle = (change) => {
    flush();
    style = { ...style, ...change };
  };
  /** @param {string | undefined} n */
  const colour = (n) => (n === undefined ? null : Number(n) <= 15 ? Number(n) : null);
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const code = text.charCodeAt(i);
    if (c === '\x02') restyle({ bold: !style.bold });
    else if (c === '\x1d') restyle({ italic: !style.italic });
    else if (c === '\x1f') restyle({ underline: !style.underline });
    else if (c === '\x1e') restyle({ strike: !style.strike });
    else if (c === '\x11') restyle({ mono: !style.mono });
    else if (c === '\x16') restyle({ fg: style.bg, bg: style.fg });
    else if (c === '\x0f') restyle({ bold: false, italic: false, underline: false, strike: false, mono: false, fg: null, bg: null });
    else if (c === '\x03') {
      const m = COLOUR.exec(text.slice(i, i + 6));
      const fg = m?.[1];
      const bg = m?.[2];
      if (fg === undefined) restyle({ fg: null, bg: null });
      else restyle(bg === undefined ? { fg: colour(fg) } : { fg: colour(fg), bg: colour(bg) });
      i += (m?.[0].length ?? 1) - 1;
    } else if (c === '\x04') {
      const m = HEX.exec(text.slice(i, i + 15));
      restyle({ fg: null, bg: null });
      i += (m?.[0].length ?? 1) - 1;
    } else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      if (c === '\t') current += ' ';
    } else current += c;
    i++;
  }
  flush();
  return runs;
}

/** The text alone, formatting and controls removed (for titles and tests). @param {string} text */
export const plainText = (text) =>
  formatRuns(text)
    .map((r) => r.text)
    .join('');

/**
 * A key under which two spellings of one nick or channel meet. node-chat folds with NFKC and
 * lower case (CASEMAPPING=rfc8265 is the registered mapping closest to that); for other servers'
 * ascii and rfc1459 this folds at least as much.
 * @param {string} name
 */
export const foldKey = (name) => name.normalize('NFKC').toLowerCase();
