// The telnet edge: the framer (bytes → clean lines, telnet negotiation), the slash-command
// reader, and the classic texts as its codec.

import type { Codec, Edge } from '../edge.js';
import { LineFramer } from './framer.js';
import { readTelnetLine, type ParserLimits } from './parser.js';
import { renderTelnet } from './render.js';
import * as texts from './texts.js';

export const telnetCodec: Codec = { protocol: 'telnet', render: renderTelnet };

export function telnetEdge(limits: ParserLimits): Edge {
  return {
    codec: telnetCodec,
    framer: (maxLine) => new LineFramer(maxLine),
    read: (line, from) => readTelnetLine(line, from, limits),
    greeting: (others) => texts.banner(others),
    lineTooLong: (max) => texts.lineTooLong(max),
    farewell: (why, named) => texts.farewell(why, named),
  };
}
