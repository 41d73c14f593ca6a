// The framer: a socket's bytes in, clean lines out. Pure (no I/O): the gateway feeds it
// chunks and acts on what the sink receives. It owns everything a byte stream can do to a
// line: splits at any byte, \n / \r\n / \r\0 / lone \r endings, UTF-8 cut between reads,
// telnet IAC commands, backspace from character-at-a-time clients, and the line cap.

import type { Framer, LineSink } from '../edge.js';
import { cleanText } from './sanitize.js';

export type { LineSink };

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const BS = 0x08;
const DEL = 0x7f;

const enum Telnet {
  Data,
  Command, // after IAC
  Option, // after IAC WILL/WONT/DO/DONT: the option byte
  Sub, // inside IAC SB … IAC SE
  SubCommand, // IAC seen inside a subnegotiation
}

// One scratch buffer for every framer: push() is synchronous, so only one line is ever being
// built at a time, and an idle connection holds no buffer at all (see `pending`).
let scratch = Buffer.allocUnsafe(8192);

export class LineFramer implements Framer {
  /** Bytes of the unfinished line, copied out of scratch between reads; null when none. */
  private pending: Buffer | null = null;
  /** Bytes received for the current line, counted before any stripping. */
  private received = 0;
  private overflow = false;
  private afterCR = false;
  private telnet = Telnet.Data;
  private verb = 0;

  constructor(readonly maxLine = 4096) {
    if (scratch.length < maxLine + 1) scratch = Buffer.allocUnsafe(maxLine + 1);
  }

  /** Bytes held for the unfinished line: never more than maxLine. */
  get heldBytes(): number {
    return this.pending ? this.pending.length : 0;
  }

  push(chunk: Uint8Array, sink: LineSink): void {
    const buf = scratch;
    const max = this.maxLine;
    let w = 0;
    if (this.pending) {
      w = this.pending.copy(buf, 0);
      this.pending = null;
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      this.received++;
      if (this.telnet !== Telnet.Data) {
        // IAC IAC is a literal 255; never valid UTF-8 alone, it is kept so that it decodes to U+FFFD.
        if (!this.telnetByte(b, sink)) continue;
      } else {
        if (this.afterCR) {
          this.afterCR = false;
          if (b === LF || b === NUL) {
            this.received--;
            continue;
          }
        }
        if (b === LF || b === CR) {
          this.afterCR = b === CR;
          this.endLine(buf, w, sink);
          w = 0;
          continue;
        }
        if (b === IAC) {
          this.telnet = Telnet.Command;
          continue;
        }
      }
      if (this.overflow) continue;
      if (this.received > max) {
        this.overflow = true; // dropped whole: stop holding bytes for it
        w = 0;
        continue;
      }
      if (b === BS || b === DEL) {
        // Erase one character, not one byte: step back over UTF-8 continuation bytes.
        if (w > 0) {
          w--;
          while (w > 0 && (buf[w]! & 0xc0) === 0x80) w--;
        }
        continue;
      }
      buf[w++] = b;
    }
    if (w > 0) this.pending = Buffer.from(buf.subarray(0, w));
  }

  private endLine(buf: Buffer, w: number, sink: LineSink): void {
    const overflow = this.overflow;
    this.received = 0;
    this.overflow = false;
    if (overflow) sink.tooLong();
    else sink.line(cleanText(buf.toString('utf8', 0, w)));
  }

  /** Steps the telnet state machine; true when the byte is data (the 255 of IAC IAC). */
  private telnetByte(b: number, sink: LineSink): boolean {
    switch (this.telnet) {
      case Telnet.Command:
        if (b === IAC) {
          this.telnet = Telnet.Data;
          return true;
        }
        if (b >= WILL && b <= DONT) {
          this.verb = b;
          this.telnet = Telnet.Option;
        } else if (b === SB) this.telnet = Telnet.Sub;
        else this.telnet = Telnet.Data; // a two-byte command (NOP, IP, AYT, GA…): nothing to keep
        return false;
      case Telnet.Option:
        this.telnet = Telnet.Data;
        // Refuse every option: we stay a plain line-mode NVT. Answering matters: telnet hides
        // output after Ctrl-C until its DO TIMING-MARK gets an answer.
        if (this.verb === DO) sink.reply(Buffer.from([IAC, WONT, b]));
        else if (this.verb === WILL) sink.reply(Buffer.from([IAC, DONT, b]));
        return false;
      case Telnet.Sub:
        if (b === IAC) this.telnet = Telnet.SubCommand;
        else if (this.received > this.maxLine) {
          // A subnegotiation that never ends would swallow the connection for good: past the
          // line cap, give it up and drop the line it was in.
          this.telnet = Telnet.Data;
          this.overflow = true;
        }
        return false;
      case Telnet.SubCommand:
        this.telnet = b === SE ? Telnet.Data : Telnet.Sub;
        return false;
      default:
        return false;
    }
  }
}
