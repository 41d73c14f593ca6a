// Bytes → IRC lines. A line ends at LF, CR LF or a lone CR (clients send CR LF; some bots send
// LF alone, and a CR in the middle of a line must not hide a second command from our reader:
// it is a line end wherever it stands). NUL is never part of an IRC line: it is dropped. Invalid
// UTF-8 becomes U+FFFD, and the sender is told so at once with a standard reply (`WARN *
// INVALID_UTF8`, IRCv3 utf8-only: we advertise UTF8ONLY, and replace rather than refuse, so that
// no line is lost for one bad byte). Formatting controls (bold, colour…) stay: they pass between IRC users;
// the telnet renderer strips them. No telnet negotiation: an IRC client never sends IAC.
//
// Limits (modern.ircdocs.horse, IRCv3 message-tags "Size limit"): 512 bytes for the message
// without its tags, CR LF included, and up to 4096 for the tags part a client sends ('@' and the
// space after it included: 4094 bytes of tag data; 8191 is the total once a server adds its own,
// which only lines to clients carry). A longer line is dropped whole and answered 417
// (ERR_INPUTTOOLONG), nothing of it relayed; bytes held for an unfinished line never exceed the
// sum, so a client that never sends a line end costs bounded memory.

import { isUtf8 } from 'node:buffer';
import type { LineSink } from '../edge.js';
import { ResumableFramer } from '../resumable.js';
import { SERVER } from './names.js';

export const MAX_BODY_BYTES = 512;
/** The tags part of a line to a client: the client's tags and the server's. */
export const MAX_TAGS_BYTES = 8191;
/** The tags part of a line from a client, '@' and the space after it included. */
export const MAX_CLIENT_TAGS_BYTES = 4096;
const MAX_HELD = MAX_BODY_BYTES + MAX_CLIENT_TAGS_BYTES;

const LF = 10;
const CR = 13;
const NUL = 0;
const AT = 64;
const SPACE = 32;

export class IrcFramer extends ResumableFramer {
  private parts: Buffer[] = [];
  private held = 0;
  /** The current line went past the cap: drop what remains of it, then say so. */
  private overflowing = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  get heldBytes(): number {
    return this.held;
  }

  protected read(chunk: Uint8Array, sink: LineSink): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b !== LF && b !== CR) continue;
      this.take(chunk.subarray(start, i));
      start = i + 1;
      if (!this.end(sink)) return this.keepUnread(chunk.subarray(start)); // the sink is full
    }
    this.take(chunk.subarray(start));
  }

  private take(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.overflowing) return;
    if (this.held + bytes.length > MAX_HELD) {
      this.overflowing = true;
      this.parts = [];
      this.held = 0;
      return;
    }
    this.parts.push(Buffer.from(bytes));
    this.held += bytes.length;
  }

  /** False when the sink takes no more for now. */
  private end(sink: LineSink): boolean {
    if (this.overflowing) {
      this.overflowing = false;
      sink.tooLong();
      return true;
    }
    if (this.held === 0) return true; // the LF of a CR LF, or a blank line
    const raw = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    if (!withinLimits(raw)) {
      sink.tooLong();
      return true;
    }
    const bytes = raw.includes(NUL) ? raw.filter((b) => b !== NUL) : raw;
    const text = this.decoder.decode(bytes);
    // A U+FFFD may also have been sent as such (valid UTF-8): only then is the line read again.
    if (text.includes('\ufffd') && !isUtf8(bytes)) sink.notice(`:${SERVER} WARN * INVALID_UTF8 :Invalid UTF-8 in your line was replaced with U+FFFD\r\n`);
    return sink.line(text) !== false;
  }
}

/** Tags up to 4096 bytes, the rest up to 510 (512 with the CR LF it came with); measured on the bytes sent. */
function withinLimits(line: Buffer): boolean {
  let body = 0;
  if (line[0] === AT) {
    const space = line.indexOf(SPACE);
    if (space < 0) return line.length <= MAX_CLIENT_TAGS_BYTES;
    if (space + 1 > MAX_CLIENT_TAGS_BYTES) return false;
    body = space + 1;
  }
  return line.length - body <= MAX_BODY_BYTES - 2;
}
