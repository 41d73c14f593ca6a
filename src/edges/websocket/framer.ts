// WebSocket messages → IRC lines. Each message is one IRC line (IRCv3 WebSocket), read by the
// IRC framer itself, so a line over the IRC limits is answered 417, NUL is dropped and invalid
// UTF-8 in a binary message becomes U+FFFD, exactly as on TCP (a text message's UTF-8 was
// checked by ws: invalid closes the connection with 1007). A CR or LF inside a message ends a
// line there, as it does on TCP: a second command is never hidden inside a first.
//
// ws may hand over messages it had already read after the gateway asked it to pause (it
// empties its buffer first); while the IRC framer holds unread bytes, they wait here, in order.

import type { Framer, LineSink } from '../edge.js';

const LF = Buffer.from('\n');

export class MessageFramer implements Framer {
  private readonly waiting: Buffer[] = [];
  private waitingBytes = 0;

  constructor(private readonly lines: Framer) {}

  get unreadBytes(): number {
    return this.lines.unreadBytes + this.waitingBytes;
  }

  get heldBytes(): number {
    return this.lines.heldBytes;
  }

  /** One message. */
  push(message: Uint8Array, sink: LineSink): void {
    const line = Buffer.concat([message, LF]);
    if (this.lines.unreadBytes > 0 || this.waiting.length > 0) {
      this.waiting.push(line);
      this.waitingBytes += line.length;
      return;
    }
    this.lines.push(line, sink);
  }

  resume(sink: LineSink): void {
    this.lines.resume(sink);
    while (this.lines.unreadBytes === 0 && this.waiting.length > 0) {
      const line = this.waiting.shift()!;
      this.waitingBytes -= line.length;
      this.lines.push(line, sink);
    }
  }
}
