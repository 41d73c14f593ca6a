// What the load generator puts on the wire and reads back: chunk → line splitting with
// Buffer.indexOf (never byte by byte), and the numbered, timestamped payload of a bench line.
//
// A bench line's text is `#m<sender>.<seq>.<sentUs>.` padded with `x` to the line size; the
// server shows it to the others as `\x1b[96m > NICK:\x1b[39m TEXT\r\n` (texts.message).

export interface LineHandler {
  /** One line, `buf[start, end)`, without its `\n` (a `\r` before it is kept). Valid only during the call. */
  line(buf: Buffer, start: number, end: number): void;
}

const LF = 0x0a;
/** A line longer than this is a broken stream, not a line: the splitter throws. */
export const MAX_LINE_BYTES = 1 << 20;

/** Splits a byte stream into lines; a line cut across chunks is joined once, with one copy. */
export class LineSplitter {
  private rest: Buffer | null = null;

  /** Bytes after the last `\n` seen (a prompt without newline, or half a line). */
  get pending(): Buffer | null {
    return this.rest;
  }

  clearPending(): void {
    this.rest = null;
  }

  push(chunk: Buffer, handler: LineHandler): void {
    let pos = 0;
    if (this.rest !== null) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.rest = Buffer.concat([this.rest, chunk]);
        if (this.rest.length > MAX_LINE_BYTES) throw new Error(`line longer than ${MAX_LINE_BYTES} bytes`);
        return;
      }
      const whole = Buffer.concat([this.rest, chunk.subarray(0, nl)]);
      this.rest = null;
      handler.line(whole, 0, whole.length);
      pos = nl + 1;
    }
    const len = chunk.length;
    while (pos < len) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) break;
      handler.line(chunk, pos, nl);
      pos = nl + 1;
    }
    // Copy the tail so the 64 KB chunk it came from is not kept alive by a few bytes.
    if (pos < len) this.rest = Buffer.from(chunk.subarray(pos));
  }
}

export const enum LineKind {
  Message, // cyan: ` > NICK: TEXT`
  Grey, // joins, leaves, info
  Other,
}

/** The colour a line starts with: ESC [ 9 6 m (cyan) or ESC [ 9 0 m (grey). */
export function lineKind(buf: Buffer, start: number, end: number): LineKind {
  if (end - start < 5 || buf[start] !== 0x1b || buf[start + 1] !== 0x5b || buf[start + 2] !== 0x39 || buf[start + 4] !== 0x6d) {
    return LineKind.Other;
  }
  const c = buf[start + 3];
  return c === 0x36 ? LineKind.Message : c === 0x30 ? LineKind.Grey : LineKind.Other;
}

/** What parsePayload found; one shared object, overwritten by each call (no allocation per line). */
export const parsed = { kind: 0, sender: 0, seq: 0, sentUs: 0 };

export const PAYLOAD_BENCH = 0x6d; // 'm': a numbered line from a sender
export const PAYLOAD_CHURN = 0x63; // 'c': a churn client's line

const HASH = 0x23;
const DOT = 0x2e;

/**
 * Reads `#<kind><sender>.<seq>.<sentUs>.` out of a message line (ESC and nick first).
 * Returns false when the line holds no bench payload.
 */
export function parsePayload(buf: Buffer, start: number, end: number): boolean {
  let i = start + 8; // past `\x1b[96m > `
  while (i < end && buf[i] !== HASH) i++;
  return parsePayloadAt(buf, i, end);
}

/** The same, for a payload that starts at `i` exactly (the trailing parameter of an IRC PRIVMSG). */
export function parsePayloadAt(buf: Buffer, i: number, end: number): boolean {
  if (i + 2 >= end || buf[i] !== HASH) return false;
  parsed.kind = buf[i + 1]!;
  i += 2;
  let n = 0;
  let field = 0;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === DOT) {
      if (field === 0) parsed.sender = n;
      else if (field === 1) parsed.seq = n;
      else {
        parsed.sentUs = n;
        return true;
      }
      field++;
      n = 0;
    } else if (b >= 0x30 && b <= 0x39) {
      n = n * 10 + (b - 0x30);
    } else {
      return false;
    }
  }
  return false;
}

/** One line to send, `\n` included, `size` bytes long when the numbers fit. */
export function payloadLine(kind: 'm' | 'c', sender: number, seq: number, sentUs: number, size: number): string {
  const head = `#${kind}${sender}.${seq}.${sentUs}.`;
  const pad = size - 1 - head.length;
  return pad > 0 ? `${head}${'x'.repeat(pad)}\n` : `${head}\n`;
}
