// Server-to-client WebSocket frames (RFC 6455 §5.2), built once per event and shared by every
// recipient of a codec: a frame from the server is not masked, so its bytes are the same for
// every socket. IRC over WebSocket (IRCv3) puts one IRC line per message, without its CR LF.

export const TEXT = 0x1;
export const BINARY = 0x2;
export type Opcode = typeof TEXT | typeof BINARY;

const FIN = 0x80;
const LF = 10;
const CR = 13;

/** The header's length for a payload of `n` bytes: 7-bit, 16-bit or 64-bit length. */
const headerLength = (n: number): number => (n < 126 ? 2 : n < 65536 ? 4 : 10);

function writeHeader(out: Buffer, at: number, opcode: Opcode, n: number): number {
  out[at] = FIN | opcode;
  if (n < 126) {
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 65536) {
    out[at + 1] = 126;
    out.writeUInt16BE(n, at + 2);
    return at + 4;
  }
  out[at + 1] = 127;
  out.writeUInt32BE(Math.floor(n / 2 ** 32), at + 2);
  out.writeUInt32BE(n >>> 0, at + 6);
  return at + 10;
}

/**
 * Each line of `text` (ended by CR LF, LF, or the end of the text) as one unmasked, unfragmented
 * message with `opcode`, back to back in one buffer; empty lines are not sent. The text is
 * UTF-8 encoded from a JS string, so a text frame's payload is always valid UTF-8.
 */
export function frameLines(text: string, opcode: Opcode): Buffer {
  const payload = Buffer.from(text, 'utf8');
  // First pass: the size of the result; second: the frames. Most texts are one line.
  let size = 0;
  let start = 0;
  while (start < payload.length) {
    let lf = payload.indexOf(LF, start);
    if (lf < 0) lf = payload.length;
    const n = lineEnd(payload, start, lf) - start;
    if (n > 0) size += headerLength(n) + n;
    start = lf + 1;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  start = 0;
  while (start < payload.length) {
    let lf = payload.indexOf(LF, start);
    if (lf < 0) lf = payload.length;
    const end = lineEnd(payload, start, lf);
    if (end > start) {
      at = writeHeader(out, at, opcode, end - start);
      at += payload.copy(out, at, start, end);
    }
    start = lf + 1;
  }
  return out;
}

/** Where the line that runs up to `lf` ends, without the CR of its CR LF. */
const lineEnd = (payload: Buffer, start: number, lf: number): number => (lf > start && payload[lf - 1] === CR ? lf - 1 : lf);
