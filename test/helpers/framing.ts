// Runs bytes through a LineFramer and records what comes out, for framing tests.

import { LineFramer, type LineSink } from '../../src/edges/telnet/framer.js';

export type Out = { line: string } | { tooLong: true } | { reply: number[] };

export function frame(chunks: Array<Uint8Array | string>, maxLine = 4096): { out: Out[]; framer: LineFramer } {
  const framer = new LineFramer(maxLine);
  const out: Out[] = [];
  const sink: LineSink = {
    line: (text) => void out.push({ line: text }),
    tooLong: () => out.push({ tooLong: true }),
    reply: (bytes) => out.push({ reply: [...bytes] }),
    notice: (text) => out.push({ line: `notice: ${text}` }),
  };
  for (const c of chunks) framer.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c, sink);
  return { out, framer };
}

export const linesOf = (chunks: Array<Uint8Array | string>, maxLine?: number): string[] =>
  frame(chunks, maxLine).out.flatMap((o) => ('line' in o ? [o.line] : []));
