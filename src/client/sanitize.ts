// What may reach the user's terminal from the network.
//
// The network is not trusted: an escape sequence can move the cursor, rewrite the screen, set the
// window title, or (on some terminals) answer back as if the user had typed. So, in every mode:
// - C0 control characters other than \n and \t, DEL and C1 (U+0080..U+009F) are removed; \r is
//   removed too (the server's \r\n becomes \n; a lone \r could overwrite a line already shown);
// - every escape sequence is removed whole (CSI, OSC/DCS/SOS/PM/APC strings, two-byte escapes),
//   except colour when colours are on (a TTY without --no-color): of an SGR (`ESC [ … m`) only the
//   colour parameters pass (foreground, background, 256-colour and RGB, and their resets), never
//   another attribute (conceal, blink, reverse…), which could hide or disguise what is shown.
// With colours off the output holds no escape sequence at all and no control character but \n and \t.
//
// Text arrives in chunks, and a chunk can end inside an escape sequence: `TerminalSanitizer` keeps
// such an unfinished sequence until the next chunk. A string sequence (OSC…) that never ends is cut
// at the end of its line, so a hostile server cannot hide everything that follows.

const ESC = 0x1b;
const BEL = 0x07;
/** The longest unfinished escape sequence held between chunks (an OSC title or hyperlink fits). */
const MAX_PENDING = 8192;

/**
 * The colour part of an SGR's parameters, or null when it has none. Kept: a reset (empty or 0, so
 * colours end where the server ends them), 30–37, 39, 40–47, 49, 90–97, 100–107, and 38/48 with
 * their 256-colour (`;5;n`) or RGB (`;2;r;g;b`) arguments, in either ';' or ':' form.
 */
export function colourParams(params: string): string | null {
  if (!/^[0-9;:]*$/.test(params)) return null;
  if (params === '' || params === '0') return params;
  const parts = params.split(';');
  const kept: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.includes(':')) {
      // 38:5:n or 38:2::r:g:b (the colon form carries its arguments itself).
      const head = Number(p.slice(0, p.indexOf(':')));
      if (head === 38 || head === 48) kept.push(p);
      continue;
    }
    const n = Number(p);
    if ((n === 38 || n === 48) && (parts[i + 1] === '5' || parts[i + 1] === '2')) {
      const count = parts[i + 1] === '5' ? 2 : 4;
      const args = parts.slice(i + 1, i + 1 + count);
      if (args.length === count) kept.push([p, ...args].join(';'));
      i += count;
      continue;
    }
    if (n === 0 || n === 39 || n === 49 || (n >= 30 && n <= 37) || (n >= 40 && n <= 47) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107)) kept.push(p);
  }
  return kept.length > 0 ? kept.join(';') : null;
}

export class TerminalSanitizer {
  private pending = '';

  constructor(private readonly colour: boolean) {}

  /** Cleans a chunk; an unfinished escape sequence at its end is held for the next chunk. */
  push(chunk: string): string {
    const text = this.pending + chunk;
    this.pending = '';
    let out = '';
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === ESC) {
        const end = this.sequenceEnd(text, i);
        if (end < 0) {
          // Held for the next chunk, unless it grows past any real sequence: then it is dropped.
          if (text.length - i <= MAX_PENDING) this.pending = text.slice(i);
          return out;
        }
        if (this.colour) {
          const seq = text.slice(i, end);
          const m = /^\x1b\[([\x30-\x3f]*)m$/.exec(seq);
          const colours = m ? colourParams(m[1] ?? '') : null;
          if (colours !== null) out += `\x1b[${colours}m`;
        }
        i = end;
        continue;
      }
      if (c === 0x0a || c === 0x09) out += text[i];
      else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) || c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
        // dropped: C0 (\r included), DEL, C1, and the bidi controls that would reorder the line
      } else out += text[i];
      i++;
    }
    return out;
  }

  /** The end of the stream: an unfinished sequence is dropped. */
  flush(): string {
    this.pending = '';
    return '';
  }

  /**
   * Where the escape sequence starting at `start` ends (exclusive), or -1 when the text ends first.
   * A string sequence without its terminator ends before the next \n (the \n itself is kept).
   */
  private sequenceEnd(text: string, start: number): number {
    const next = start + 1;
    if (next >= text.length) return -1;
    const k = text[next];
    if (k === '[') {
      let j = next + 1;
      while (j < text.length) {
        const c = text.charCodeAt(j);
        if (c >= 0x40 && c <= 0x7e) return j + 1; // final byte
        if (c < 0x20 || c > 0x3f) return j; // not a CSI byte: the sequence is broken, drop what came so far
        j++;
      }
      return -1;
    }
    if (k === ']' || k === 'P' || k === 'X' || k === '^' || k === '_') {
      for (let j = next + 1; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (c === BEL) return j + 1;
        if (c === ESC) {
          if (j + 1 >= text.length) return -1;
          if (text[j + 1] === '\\') return j + 2;
        }
        if (c === 0x0a) return j; // unterminated: cut at the end of the line
      }
      return -1;
    }
    // nF escapes: intermediates 0x20..0x2f then a final 0x30..0x7e; otherwise a two-byte escape.
    let j = next;
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
    if (j >= text.length) return -1;
    const c = text.charCodeAt(j);
    if (c >= 0x30 && c <= 0x7e) return j + 1;
    return j; // ESC followed by a control or non-ASCII: drop the ESC (and intermediates) alone
  }
}

/** Cleans a complete text in one go (see TerminalSanitizer). */
export function sanitize(text: string, colour: boolean): string {
  const s = new TerminalSanitizer(colour);
  return s.push(text) + s.flush();
}

/** Removes every escape sequence and control character except \n and \t: for plain output. */
export const stripAll = (text: string): string => sanitize(text, false);
