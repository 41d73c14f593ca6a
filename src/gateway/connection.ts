// One client connection's state on the gateway: its transport (a TCP socket, or a WebSocket),
// its protocol's edge (framer, reader, codec), the lines it sent that wait for their turn, and
// the bytes waiting to be written to it.

import type { ConnId } from '../model/messages.js';
import type { Codec, Framer, LineSink, Reading, Session } from '../edges/edge.js';
import type { CloseReason, ProtocolCounts } from './counts.js';

/**
 * What the gateway needs of a connection's transport. A net.Socket is one as it is, so the TCP
 * hot path calls the socket itself, with no wrapper between; a WebSocket is one through
 * WebSocketLink (gateway/ws-link.ts), which writes the frames its codec built.
 */
export interface Link {
  /** False once the transport holds more than its high-water mark (then writableLength is worth reading). */
  write(data: Buffer): boolean;
  /** Bytes accepted by write and not yet handed to the kernel: what the send-queue cap counts. */
  readonly writableLength: number;
  /** end() or destroy() was called: nothing more may be written. */
  readonly writableEnded: boolean;
  /** Stop reading (and resume): the flood limit, the held cap and barriers use them. */
  pause(): unknown;
  resume(): unknown;
  /** Close once what was written is sent. */
  end(): unknown;
  /** Close now (a peer that does not read). */
  destroySoon(): void;
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** A line waiting for its turn, or what is left of one whose first intent was a barrier. */
export type Held = string | Reading;

export class Connection {
  readonly framer: Framer;
  /** How events read on this connection: delivery renders once per codec, not per connection. Follows session.codec (see Gateway.forward). */
  codec: Codec;
  /** Its name as the actors last said (null: none yet), for what is rendered for it alone. */
  nick: string | null = null;
  /** The last name it had (null: never named), kept after its release for the log's close line. */
  lastNick: string | null = null;
  /** When it last sent anything, and when a keepalive ping went out unanswered since (0: none); see Gateway.keepalive. */
  heardAt = 0;
  pingedAt = 0;
  /** Lines received but not yet forwarded: behind a barrier, or throttled by the flood limit. */
  readonly held: Held[] = [];
  /** The text held, in UTF-16 units: with held.length, what the held cap counts. */
  heldChars = 0;
  /** Where its framer's lines go (set by the gateway when the socket is accepted). */
  sink: LineSink | null = null;
  /** A line that can move this connection to another actor is in flight; later lines wait. */
  awaiting = false;
  /** Paused because the actors are behind (see Gateway.releaseBacklog). */
  backlogged = false;
  /** The socket is gone; the connection lingers until its in-flight barrier settles. */
  closed = false;
  /** The server asked for the close (quit, kick, shutdown). */
  ending = false;
  /** The operator account it logged in as (OPER, /oper), or null. */
  oper: string | null = null;
  /** The reason its /quit gave, told to its rooms when it departs. */
  quitReason: string | undefined = undefined;
  /** Its rooms and the directory have been told it is gone. */
  departed = false;
  /** When the server first saw it go (its FIN, an error, the close), as a count: departures keep that order. */
  goneAt = 0;

  /** Why it ended, the first cause seen (null: still open, or not yet known); see CloseReason. */
  closeReason: CloseReason | null = null;
  /** The socket error's code, when it ended with one. */
  closeError: string | undefined = undefined;
  /** When it was accepted (the gateway's clock, ms). */
  openedAt = 0;

  /** Output for this event-loop turn, written in one go by the gateway's flush. */
  readonly out: Buffer[] = [];
  outBytes = 0;
  /**
   * In a cluster, what arrives for it between its join and the history it is shown on joining
   * (read from Redis): held, so the history comes first (see Gateway.replayFromStore). null: none held.
   */
  outHeld: Buffer[] | null = null;
  outHeldBytes = 0;
  /** Cluster: histories on joining asked of the store and not answered yet (output is held while any is). */
  replaysPending = 0;
  /** Events in `out` (what its protocol's `events` count gets once it is written). */
  outEvents = 0;
  inFlushList = false;

  /** Flood control: a token bucket, refilled lazily when a line arrives. */
  tokens: number;
  refilledAt = 0;
  /** When the connection first had lines waiting for tokens (0: not throttled). */
  throttledSince = 0;
  floodTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: ConnId,
    /** Its transport: for TCP, the socket itself. */
    readonly socket: Link,
    readonly address: string,
    /** Its protocol's view of it: framer, reader, codec. */
    readonly session: Session,
    floodBurst: number,
    /** Its protocol's totals (see counts.ts), bumped as it is read and written. */
    readonly counts: ProtocolCounts,
  ) {
    this.framer = session.framer;
    this.codec = session.codec;
    this.tokens = floodBurst;
  }

  /** The protocol it speaks, as metrics and logs name it. */
  get protocol(): string {
    return this.counts.protocol;
  }

  /** Records why it ends, unless an earlier cause was seen. */
  ends(reason: CloseReason, error?: string): void {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    this.closeError = error;
  }

  clearTimers(): void {
    if (this.floodTimer) clearTimeout(this.floodTimer);
    this.floodTimer = null;
  }
}
