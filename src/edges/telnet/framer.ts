// The framer: a socket's bytes in, clean lines out. Pure (no I/O): the gateway feeds it
// chunks and acts on what the sink receives. It owns everything a byte stream can do to a
// line: splits at any byte, \n / \r\n / \r\0 / lone \r endings, UTF-8 cut between reads,
// telnet IAC commands and option negotiation, backspace from character-at-a-time clients, and
// the line cap.

import type { LineSink } from '../edge.js';
import { ResumableFramer } from '../resumable.js';
import { cleanText } from './sanitize.js';

export type { LineSink };

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
/** TRANSMIT-BINARY (RFC 856): UTF-8 typed at Debian's telnet arrives as typed. */
const BINARY = 0;
/**
 * SUPPRESS-GO-AHEAD (RFC 858): we never send GA anyway, and Debian's telnet enters character mode
 * (`mode character`: each key sent as it is typed) only once the server agrees to it.
 */
const SGA = 3;
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

// Where one direction of binary mode stands: RFC 1143's NO, YES and WANTYES. We never ask to
// leave binary mode, so its WANTNO and the queue bits have nothing to record.
const enum Side {
  No,
  Yes,
  Asked, // we sent DO BINARY and wait for the answer
}

// One scratch buffer for every framer: push() is synchronous, so only one line is ever being
// built at a time, and an idle connection holds no buffer at all (see `pending`).
let scratch = Buffer.allocUnsafe(8192);

export class LineFramer extends ResumableFramer {
  /** Bytes of the unfinished line, copied out of scratch between reads; null when none. */
  private pending: Buffer | null = null;
  /** Bytes received for the current line, counted before any stripping. */
  private received = 0;
  private overflow = false;
  private afterCR = false;
  private telnet = Telnet.Data;
  private verb = 0;
  /**
   * Where each agreed option stands, each way: `in` is the client's side (its WILL / WONT, our DO /
   * DONT), `out` ours (our WILL / WONT, its DO / DONT).
   */
  private readonly agreed: Record<number, { in: Side; out: Side }> = {
    [BINARY]: { in: Side.No, out: Side.No },
    [SGA]: { in: Side.No, out: Side.No },
  };

  constructor(readonly maxLine = 4096) {
    super();
    if (scratch.length < maxLine + 1) scratch = Buffer.allocUnsafe(maxLine + 1);
  }

  /** Bytes held for the unfinished line: never more than maxLine. */
  get heldBytes(): number {
    return this.pending ? this.pending.length : 0;
  }

  /** Binary mode agreed in each direction (asked for but not yet answered counts as not). */
  get binary(): { in: boolean; out: boolean } {
    const b = this.agreed[BINARY]!;
    return { in: b.in === Side.Yes, out: b.out === Side.Yes };
  }

  /**
   * IAC DO BINARY, for the gateway to send first. Debian's telnet never asks for binary mode
   * itself, and outside it takes a typed byte with the top bit set for the key it is without
   * that bit (the 0x83 of "ｃ" becomes Ctrl-C, the 0x9d of "ѝ" its ^] escape); in binary mode
   * it sends what was typed. The client's WILL that answers is then not answered again.
   * Not IAC WILL BINARY too: Debian's telnet shows our UTF-8 fine without it, and with it turns
   * its terminal's output processing off, so its own echo of Enter no longer returns to the
   * start of the line. A client that asks (DO BINARY) gets it all the same.
   */
  opening(): Buffer {
    return this.askBinary();
  }

  askBinary(): Buffer {
    const b = this.agreed[BINARY]!;
    if (b.in === Side.No) b.in = Side.Asked;
    return Buffer.from([IAC, DO, BINARY]);
  }

  protected read(chunk: Uint8Array, sink: LineSink): void {
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
          if (!this.endLine(buf, w, sink)) {
            // The sink is full: keep the rest, unread, for resume (its own copy: at most one read).
            this.keepUnread(chunk.subarray(i + 1));
            return;
          }
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

  /** False when the sink takes no more for now. */
  private endLine(buf: Buffer, w: number, sink: LineSink): boolean {
    const overflow = this.overflow;
    this.received = 0;
    this.overflow = false;
    if (overflow) {
      sink.tooLong();
      return true;
    }
    return sink.line(cleanText(buf.toString('utf8', 0, w))) !== false;
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
        if (b === BINARY || b === SGA) {
          this.negotiate(b, sink);
          return false;
        }
        // Refuse every other option: we stay a line-mode NVT. Answering matters: telnet hides
        // output after Ctrl-C until its DO TIMING-MARK gets an answer, so a refusal is sent
        // every time (it changes no state, so it cannot start a loop).
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

  // Neither option changes how lines are framed. In binary mode telnet still ends lines with
  // CR / LF, and IAC IAC is still a data 255; outbound needs no IAC doubling either: we only ever
  // write UTF-8 made by Buffer.from(string), and UTF-8 never holds the byte 0xFF. In character mode
  // (SGA) the framer reads bytes one at a time all the same, and erases a whole character on
  // backspace (see read); the client echoes locally, since we WONT ECHO.
  private negotiate(option: number, sink: LineSink): void {
    const state = this.agreed[option]!;
    switch (this.verb) {
      case WILL:
        state.in = agree(state.in, DO, option, sink);
        return;
      case DO:
        state.out = agree(state.out, WILL, option, sink);
        return;
      case WONT:
        state.in = disagree(state.in, DONT, option, sink);
        return;
      default: // DONT
        state.out = disagree(state.out, WONT, option, sink);
    }
  }
}

// RFC 1143: answer only a request that changes the state. Answering one that confirms it (the
// reply to our own offer, or a repeat) is how two peers end up acknowledging each other forever.
function agree(side: Side, answer: number, option: number, sink: LineSink): Side {
  if (side === Side.No) sink.reply(Buffer.from([IAC, answer, option]));
  return Side.Yes;
}

/** A WONT / DONT: acknowledged only when binary was on; a refusal of our offer needs no answer. */
function disagree(side: Side, answer: number, option: number, sink: LineSink): Side {
  if (side === Side.Yes) sink.reply(Buffer.from([IAC, answer, option]));
  return Side.No;
}
