// What every protocol edge gives the gateway: a framer per connection (bytes → lines), a reader
// (line → intent, or an answer the edge gives by itself), and a codec (event → bytes). The
// gateway knows nothing of any protocol's syntax beyond this.

import type { ChatEvent, Farewell } from '../model/events.js';
import type { Intent } from '../model/intents.js';

export interface LineSink {
  /**
   * A complete line, decoded (invalid UTF-8 → U+FFFD) and cleaned of control characters. False:
   * take no more for now; the framer keeps the rest of what it was given until `resume`.
   */
  line(text: string): boolean | void;
  /** A line longer than the cap ended; it was dropped whole. */
  tooLong(): void;
  /** Bytes to send back at once, as they are (telnet's option negotiation). */
  reply(bytes: Buffer): void;
  /**
   * A line of the protocol's own to send back at once, framed as the connection's other output
   * (over WebSocket, a message): IRC's WARN for invalid UTF-8.
   */
  notice(text: string): void;
}

export interface Framer {
  /** Bytes to send before anything else (a protocol's own negotiation), if any. */
  opening?(): Buffer;
  push(chunk: Uint8Array, sink: LineSink): void;
  /** Goes on with what a sink that said "no more" left unread (nothing while a push is running). */
  resume(sink: LineSink): void;
  /** Bytes received and not yet read into lines because the sink said "no more". */
  readonly unreadBytes: number;
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
  /**
   * How this codec's text (and its session's answers) becomes bytes on the wire, when that is
   * not plain UTF-8: IRC over WebSocket frames each line as a message. Called once per render,
   * so the framing is shared by every recipient of the codec, as the text is.
   */
  encode?(text: string): Buffer;
}

/** `text` from a session or codec as its transport sends it (see Codec.encode). */
export const encoded = (codec: Codec, text: string): Buffer => (codec.encode === undefined ? Buffer.from(text, 'utf8') : codec.encode(text));

/** What the actors last said about the connection a line came from. */
export interface Sender {
  nick: string | null;
  /** The rooms it is in, in the order joined. */
  rooms: readonly string[];
}

/** What a line asks for: an intent for the actors, or an answer the edge gives itself. */
export type Reading = { intent: Intent } | { answer: string };

/**
 * One connection as its protocol sees it: its framer, how its lines read (a line may ask for
 * several things, or for nothing), and its codec. A session may keep state of its own (IRC's
 * registration, its capabilities); the gateway gives it what the actors said of the
 * connection (its name, its rooms) with each line.
 */
export interface Session {
  /** It may change after a line is read (IRC capabilities): the gateway looks again after each. */
  readonly codec: Codec;
  readonly framer: Framer;
  /** The first bytes the connection gets; `others`: how many else are connected. */
  greeting(others: number): string;
  read(line: string, from: Sender): Reading[];
  /** A line over the cap was dropped (`named`: after the first nickname). */
  lineTooLong(max: number, named: boolean): string;
  /** The last line before the server closes the connection, saying why. */
  farewell(why: Farewell, named: boolean): string;
  /**
   * An event addressed to this connection alone, rendered for it (IRC numerics name their
   * recipient, `nick`; an answer reads as the question it answers). Delivery calls it only for
   * deliveries with one recipient; without it, the codec renders those too.
   */
  renderFor?(event: ChatEvent, nick: string | null): string;
  /** The sender of a broadcast gets it too (IRC echo-message): read once per delivery, not per recipient. */
  readonly echoes?: boolean;
  /**
   * Whether a happening announced in several rooms (see Once in model/events.ts) was shown to
   * this connection already; records it when not. Called only for events that carry a `once`.
   */
  seen?(once: string): boolean;
  /**
   * Lines of a room's history to show on joining it (0 or absent: none), as a `history` event
   * with ask `join`, rendered by renderFor or the codec. Before the join's own line, unless
   * `replayAfterJoin` (IRC: a client shows a channel's lines only once it has joined it).
   */
  joinReplay?(): number;
  readonly replayAfterJoin?: boolean;
  /** Keepalive: a line to send when the peer has been quiet for a while, or null for none (telnet has TCP keepalive only). */
  ping?(): string | null;
}

/** A protocol the gateway listens for: a session per connection. */
export interface Edge {
  readonly protocol: string;
  open(): Session;
}
