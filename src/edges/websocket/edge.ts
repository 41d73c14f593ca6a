// IRC over WebSocket (https://ircv3.net/specs/extensions/websocket): the IRC edge itself, on
// another transport. Registration, capabilities, commands and renders are the IRC session's;
// this edge changes only how its bytes travel: one IRC line per WebSocket message (the framer),
// and each codec's text framed once per render (frames.ts), so every WebSocket recipient of a
// codec variant shares one buffer of frames. `binary.ircv3.net` and `text.ircv3.net` differ
// only in the opcode; a client that offers neither gets text.

import type { ChatEvent, Farewell } from '../../model/events.js';
import type { Codec, Edge, Reading, Sender, Session } from '../edge.js';
import { frameLines, TEXT, BINARY, type Opcode } from './frames.js';
import { MessageFramer } from './framer.js';

export const SUBPROTOCOL_TEXT = 'text.ircv3.net';
export const SUBPROTOCOL_BINARY = 'binary.ircv3.net';

/** The subprotocol to agree to: the first of ours in the client's order of preference, or null (then: text). */
export function chooseSubprotocol(offered: Iterable<string>): string | null {
  for (const p of offered) if (p === SUBPROTOCOL_TEXT || p === SUBPROTOCOL_BINARY) return p;
  return null;
}

export const opcodeFor = (subprotocol: string | null): Opcode => (subprotocol === SUBPROTOCOL_BINARY ? BINARY : TEXT);

/** One framing codec per (IRC codec variant, opcode), made once: recipients of a variant share it. */
const framed = [new Map<Codec, Codec>(), new Map<Codec, Codec>()];

function framedCodec(inner: Codec, opcode: Opcode): Codec {
  const made = framed[opcode === TEXT ? 0 : 1]!;
  let codec = made.get(inner);
  if (codec === undefined) {
    codec = { protocol: 'websocket', render: (event: ChatEvent) => inner.render(event), encode: (text: string) => frameLines(text, opcode) };
    made.set(inner, codec);
  }
  return codec;
}

class WebSocketSession implements Session {
  readonly framer: MessageFramer;

  constructor(
    private readonly irc: Session,
    private readonly opcode: Opcode,
  ) {
    this.framer = new MessageFramer(irc.framer);
  }

  /** The IRC session's codec variant (it follows its capabilities), framed. */
  get codec(): Codec {
    return framedCodec(this.irc.codec, this.opcode);
  }

  get echoes(): boolean {
    return this.irc.echoes === true;
  }

  greeting(others: number): string {
    return this.irc.greeting(others);
  }

  read(line: string, from: Sender): Reading[] {
    return this.irc.read(line, from);
  }

  lineTooLong(max: number, named: boolean): string {
    return this.irc.lineTooLong(max, named);
  }

  farewell(why: Farewell, named: boolean): string {
    return this.irc.farewell(why, named);
  }

  renderFor(event: ChatEvent, nick: string | null): string {
    return this.irc.renderFor ? this.irc.renderFor(event, nick) : this.irc.codec.render(event);
  }

  seen(once: string): boolean {
    return this.irc.seen?.(once) === true;
  }

  ping(): string | null {
    return this.irc.ping?.() ?? null;
  }
}

/** `irc` (the IRC edge) over WebSocket messages with `opcode`. */
export function webSocketEdge(irc: Edge, opcode: Opcode): Edge {
  return { protocol: 'websocket', open: () => new WebSocketSession(irc.open(), opcode) };
}
