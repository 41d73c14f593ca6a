// The telnet edge: the framer (bytes → clean lines, telnet negotiation), the slash-command
// reader, and the classic texts as its codec.

import type { Config } from '../../config.js';
import type { Codec, Edge, Reading } from '../edge.js';
import { LineFramer } from './framer.js';
import { readTelnetLine, type ParserLimits } from './parser.js';
import { renderTelnet } from './render.js';
import * as texts from './texts.js';

export const telnetCodec: Codec = { protocol: 'telnet', render: renderTelnet };

const NOTHING: Reading[] = [];

/** The telnet edge's settings from the configuration (main.ts and the tests build it alike). */
export const telnetLimits = (c: Config): ParserLimits & { maxLine: number; historyOnJoin: number } => ({
  topicBytes: c.topicBytes,
  maxLine: c.maxLine,
  history: c.history,
  historyOnJoin: c.historyOnJoin,
});

/** `historyOnJoin`: lines shown on joining a room (`--history-on-join`), before the join line. */
export function telnetEdge(limits: ParserLimits & { maxLine: number; historyOnJoin?: number }): Edge {
  const onJoin = limits.history ? (limits.historyOnJoin ?? 0) : 0;
  return {
    protocol: 'telnet',
    open: () => ({
      codec: telnetCodec,
      framer: new LineFramer(limits.maxLine),
      read: (line, from) => {
        const reading = readTelnetLine(line, from, limits);
        return reading === null ? NOTHING : [reading];
      },
      greeting: (others) => texts.banner(others),
      lineTooLong: (max, named) => (named ? texts.lineTooLong(max) : texts.nameTooLong(max)),
      farewell: (why, named) => texts.farewell(why, named),
      joinReplay: () => onJoin,
    }),
  };
}
