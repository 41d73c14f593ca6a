// What every protocol edge gives the gateway: a framer per connection (bytes → lines), a reader
// (line → intent, or an answer the edge gives by itself), and a codec (event → bytes). The
// gateway knows nothing of any protocol's syntax beyond this.

import type { ChatEvent } from '../model/events.js';
import type { Intent } from '../model/intents.js';

export interface LineSink {
  /** A complete line, decoded (invalid UTF-8 → U+FFFD) and cleaned of control characters. */
  line(text: string): void;
  /** A line longer than the cap ended; it was dropped whole. */
  tooLong(): void;
  /** Bytes to send back at once (protocol negotiation). */
  reply(bytes: Buffer): void;
}

export interface Framer {
  /** Bytes to send before anything else (a protocol's own negotiation), if any. */
  opening?(): Buffer;
  push(chunk: Uint8Array, sink: LineSink): void;
  /** Bytes held for the unfinished line. */
  readonly heldBytes: number;
}

/**
 * Renders events in one protocol. Delivery renders an event once per codec that has recipients
 * for it and shares the bytes among them, so a codec's output for an event addressed to several
 * connections must not depend on which one receives it.
 */
export interface Codec {
  readonly protocol: string;
  render(event: ChatEvent): string;
}

/** What the actors last said about the connection a line came from. */
export interface Sender {
  nick: string | null;
  /** The rooms it is in, in the order joined. */
  rooms: readonly string[];
}

/** What a line asks for: an intent for the actors, an answer the edge gives itself, or nothing. */
export type Reading = { intent: Intent } | { answer: string } | null;

export interface Edge {
  readonly codec: Codec;
  framer(maxLine: number): Framer;
  read(line: string, from: Sender): Reading;
  /** The first bytes a new connection gets; `others`: how many else are connected. */
  greeting(others: number): string;
  /** A line over the cap was dropped. */
  lineTooLong(max: number): string;
  /** The last line before the server closes the connection, saying why. */
  farewell(why: string, named: boolean): string;
}
