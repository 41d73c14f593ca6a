// Property tests of the framer (src/edges/telnet/framer.ts) with fast-check: whatever bytes arrive and
// however the reads split them, the same events come out, no line carries a control
// character, and a connection never holds more than the line cap.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { LineFramer, type LineSink } from '../src/edges/telnet/framer.js';
import { cleanText } from '../src/edges/telnet/sanitize.js';
import type { Out } from './helpers/framing.js';

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240, BINARY = 0, SGA = 3;
/** The options the framer agrees to (the rest it refuses every time). */
const AGREED = [BINARY, SGA];
// Everything cleanText removes: C0 but tab, DEL, C1, bidi marks, embeddings, overrides and isolates, line and paragraph separators.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

/** Feeds `chunks` one push at a time; `onStep` sees the framer after each. */
function feed(chunks: Uint8Array[], maxLine: number, onStep?: (framer: LineFramer) => void): Out[] {
  const framer = new LineFramer(maxLine);
  const out: Out[] = [];
  const sink: LineSink = {
    line: (text) => void out.push({ line: text }),
    tooLong: () => out.push({ tooLong: true }),
    reply: (b) => out.push({ reply: [...b] }),
    notice: (t) => out.push({ line: `notice: ${t}` }),
  };
  for (const c of chunks) {
    framer.push(c, sink);
    onStep?.(framer);
  }
  return out;
}

/** Splits `data` at the given cut points (any numbers: taken modulo the length, sorted, deduplicated). */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  if (data.length === 0) return [data];
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of at) {
    out.push(data.subarray(from, c)); // empty reads included: they must change nothing
    from = c;
  }
  out.push(data.subarray(from));
  return out;
}

// --- what a socket can send ----------------------------------------------------------------

const ending = fc.constantFrom('\n', '\r\n', '\r\0', '\r').map(bytes);
const telnetCommand = fc.oneof(
  fc.tuple(fc.constantFrom(DO, DONT, WILL, WONT), fc.integer({ min: 0, max: 255 })).map(([verb, opt]) => Uint8Array.of(IAC, verb, opt)),
  fc.integer({ min: 241, max: 249 }).map((cmd) => Uint8Array.of(IAC, cmd)),
  fc.uint8Array({ maxLength: 8 }).map((body) => concat([Uint8Array.of(IAC, SB), body.map((b) => (b === IAC ? 0x41 : b)), Uint8Array.of(IAC, SE)])),
  fc.constant(Uint8Array.of(IAC, SB, 24, IAC, IAC, 1, IAC, SE)),
  fc.constant(Uint8Array.of(IAC, IAC)),
);
const telnetJunk = fc.oneof(
  telnetCommand,
  fc.constant(Uint8Array.of(IAC)), // a lone IAC: eats the next byte
  fc.constant(Uint8Array.of(IAC, SB, 31)), // a subnegotiation that never ends
  fc.constant(Uint8Array.of(IAC, SE)),
);
const escapes = fc
  .constantFrom('\x1b[31m', '\x1b[2J', '\x1b]0;title\x07', '\x1b]8;;http://x\x1b\\', '\x1bc', '\x1b', '\x9b2J', '\u0085', '\u009d0;x\u009c', '\x1b[?1049h')
  .map(bytes);
const controls = fc.integer({ min: 0, max: 0x1f }).map((b) => Uint8Array.of(b));
const erase = fc.constantFrom(0x08, 0x7f).map((b) => Uint8Array.of(b));
const ascii = fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(bytes);
const unicode = fc.string({ unit: 'grapheme', maxLength: 6 }).map(bytes);
const randomBytes = fc.uint8Array({ maxLength: 16 });
const run = fc.tuple(fc.integer({ min: 1, max: 80 }), fc.constantFrom(0x61, 0xe2)).map(([n, b]) => new Uint8Array(n).fill(b));
const badUtf8 = fc.constantFrom(Uint8Array.of(0xc3), Uint8Array.of(0xe2, 0x98), Uint8Array.of(0xf0, 0x9f, 0x98), Uint8Array.of(0x80), Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xed, 0xa0, 0x80));

const piece = fc.oneof(
  { arbitrary: ascii, weight: 4 },
  { arbitrary: unicode, weight: 2 },
  { arbitrary: ending, weight: 4 },
  { arbitrary: telnetJunk, weight: 2 },
  { arbitrary: escapes, weight: 2 },
  { arbitrary: controls, weight: 1 },
  { arbitrary: erase, weight: 1 },
  { arbitrary: randomBytes, weight: 2 },
  { arbitrary: run, weight: 1 },
  { arbitrary: badUtf8, weight: 1 },
);
const stream = fc.array(piece, { maxLength: 40, size: 'max' }).map(concat);
/** Small caps too, so over-long lines happen often. */
const maxLine = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(4096));
const cuts = fc.array(fc.nat(), { maxLength: 20, size: 'max' });

// FC_RUNS=20000 node dist/test/framing.property.test.js for a long hunt.
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 400) };

// --- properties ------------------------------------------------------------------------------

const chunking = suite('framing properties: chunking');
chunking('any chunking of any byte string gives the same lines, tooLong and reply events', () => {
  fc.assert(
    fc.property(stream, cuts, maxLine, (data, at, max) => {
      const whole = feed([data], max);
      assert.equal(feed(split(data, at), max), whole);
    }),
    RUNS,
  );
});
chunking('one byte per read gives the same events as one read', () => {
  fc.assert(
    fc.property(stream, maxLine, (data, max) => {
      assert.equal(feed([...data].map((b) => Uint8Array.of(b)), max), feed([data], max));
    }),
    RUNS,
  );
});
chunking('two framers fed interleaved do not disturb each other (they share one scratch buffer)', () => {
  fc.assert(
    fc.property(stream, stream, cuts, cuts, maxLine, (a, b, cutsA, cutsB, max) => {
      const fa = new LineFramer(max);
      const fb = new LineFramer(max);
      const outA: Out[] = [];
      const outB: Out[] = [];
      const sink = (out: Out[]): LineSink => ({ line: (t) => void out.push({ line: t }), tooLong: () => out.push({ tooLong: true }), reply: (r) => out.push({ reply: [...r] }), notice: (t) => out.push({ line: `notice: ${t}` }) });
      const sa = sink(outA);
      const sb = sink(outB);
      const ca = split(a, cutsA);
      const cb = split(b, cutsB);
      for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
        if (ca[i]) fa.push(ca[i]!, sa);
        if (cb[i]) fb.push(cb[i]!, sb);
      }
      assert.equal(outA, feed([a], max));
      assert.equal(outB, feed([b], max));
    }),
    { numRuns: 200 },
  );
});
chunking.run();

const clean = suite('framing properties: nothing reaches a terminal');
clean('no output line holds a control character (C0 but tab, DEL, C1, ESC)', () => {
  fc.assert(
    fc.property(stream, cuts, maxLine, (data, at, max) => {
      for (const o of feed(split(data, at), max)) {
        if ('line' in o) assert.not.ok(CONTROL.test(o.line), `control character in ${JSON.stringify(o.line)}`);
      }
    }),
    RUNS,
  );
});
clean('cleanText of any string holds no control character and is idempotent', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(fc.constantFrom('\x1b', '\x1b[', '\x1b]', '\x07', '\x9b', '\x85', '\r', '\0', '\t', '\x7f'), { maxLength: 10 }), (text, specials) => {
      const mixed = specials.reduce((s, x, i) => s.slice(0, (i * 7) % (s.length + 1)) + x + s.slice((i * 7) % (s.length + 1)), text);
      const once = cleanText(mixed);
      assert.not.ok(CONTROL.test(once), JSON.stringify(once));
      assert.is(cleanText(once), once);
    }),
    RUNS,
  );
});
clean('telnet replies are only option answers: WONT/DONT, or any of the four for BINARY and SGA', () => {
  fc.assert(
    fc.property(stream, maxLine, (data, max) => {
      for (const o of feed([data], max)) {
        if (!('reply' in o)) continue;
        assert.is(o.reply.length, 3);
        assert.is(o.reply[0], IAC);
        if (AGREED.includes(o.reply[2]!)) assert.ok(o.reply[1]! >= WILL && o.reply[1]! <= DONT);
        else assert.ok(o.reply[1] === WONT || o.reply[1] === DONT);
      }
    }),
    RUNS,
  );
});
clean.run();

const memory = suite('framing properties: memory per connection');
memory('bytes held stay within the line cap after every read', () => {
  fc.assert(
    fc.property(stream, cuts, maxLine, (data, at, max) => {
      feed(split(data, at), max, (framer) => assert.ok(framer.heldBytes <= max, `held ${framer.heldBytes} > ${max}`));
    }),
    RUNS,
  );
});
memory('a stream with no line ending holds at most the cap, however long', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 2000 }), { minLength: 1, maxLength: 30 }), maxLine, (chunks, max) => {
      const noEnd = chunks.map((c) => c.map((b) => (b === 0x0a || b === 0x0d ? 0x61 : b)));
      feed(noEnd, max, (framer) => assert.ok(framer.heldBytes <= max, `held ${framer.heldBytes} > ${max}`));
    }),
    { numRuns: 100 },
  );
});
memory.run();

// A reference for streams without telnet bytes: split at the endings, judge each line by its
// length as received, erase, decode, clean. Written differently from the framer on purpose.
function reference(data: Uint8Array, max: number): Out[] {
  const out: Out[] = [];
  const latin1 = Buffer.from(data).toString('latin1');
  const parts = latin1.split(/\r\n|\r\0|\r|\n/);
  parts.pop(); // the unfinished line
  for (const part of parts) {
    if (part.length > max) {
      out.push({ tooLong: true });
      continue;
    }
    const kept: number[] = [];
    for (const b of Buffer.from(part, 'latin1')) {
      if (b !== 0x08 && b !== 0x7f) kept.push(b);
      else if (kept.length > 0) {
        // one character: pop continuation bytes and the byte that leads them
        let popped: number;
        do popped = kept.pop()!;
        while (kept.length > 0 && (popped & 0xc0) === 0x80);
      }
    }
    out.push({ line: cleanText(Buffer.from(kept).toString('utf8')) });
  }
  return out;
}

const model = suite('framing properties: against a reference');
model('without telnet bytes, the events are those of split-at-endings, cap as received, erase, decode, clean', () => {
  const noIac = fc.array(fc.oneof(ascii, unicode, ending, escapes, controls, erase, run, badUtf8, randomBytes), { maxLength: 40, size: 'max' }).map((parts) => concat(parts).map((b) => (b === IAC ? 0x3f : b)));
  fc.assert(
    fc.property(noIac, cuts, maxLine, (data, at, max) => {
      // a final \r is a complete ending for the reference but leaves the framer waiting for \n or \0: append one
      const full = concat([data, bytes('\n')]);
      assert.equal(feed(split(full, at), max), reference(full, max));
    }),
    RUNS,
  );
});
model.run();

// The options the framer agrees to (BINARY, SGA): each direction answered only when it changes.
class AgreedModel {
  private on = new Map<string, boolean>(); // keyed by option and the verb that turns a direction on: WILL (theirs) or DO (ours)
  answer(verb: number, option: number): Out[] {
    const key = `${option}:${verb === WILL || verb === WONT ? WILL : DO}`;
    const wanted = verb === WILL || verb === DO;
    if ((this.on.get(key) ?? false) === wanted) return [];
    this.on.set(key, wanted);
    const reply = { [WILL]: DO, [WONT]: DONT, [DO]: WILL, [DONT]: WONT }[verb]!;
    return [{ reply: [IAC, reply, option] }];
  }
}

const roundTrip = suite('framing properties: round trip');
const printable = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !CONTROL.test(s) && Buffer.from(s).toString('utf8') === s);
roundTrip('printable text with any ending comes out unchanged, however it is split', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(printable, ending), { maxLength: 8 }), cuts, (lines, at) => {
      // a lone \r then an empty line ending in \n is one \r\n ending, not two: not this property's case
      const data = concat(lines.flatMap(([text, end], i) => [bytes(text), end.length === 1 && end[0] === 0x0d && lines[i + 1]?.[0] === '' ? bytes('\r\n') : end]));
      const max = Math.max(1, ...lines.map(([t]) => Buffer.byteLength(t)));
      // a trailing lone \r is still waiting for the byte after it, but it has ended its line
      assert.equal(feed(split(data, at), max), lines.map(([text]) => ({ line: text })));
    }),
    RUNS,
  );
});
roundTrip('complete telnet commands anywhere inside a line change nothing but the replies', () => {
  fc.assert(
    fc.property(printable, fc.array(fc.tuple(fc.nat(), telnetCommand), { maxLength: 6 }), cuts, (text, inserts, at) => {
      const raw = bytes(text);
      const parts: Uint8Array[] = [];
      const sorted = inserts.map(([pos, cmd]) => [pos % (raw.length + 1), cmd] as const).sort((a, b) => a[0] - b[0]);
      let from = 0;
      const replies: Out[] = [];
      const agreed = new AgreedModel();
      let literal255 = 0;
      for (const [pos, cmd] of sorted) {
        // keep multi-byte characters whole: insert only before a lead byte
        let p = Math.max(pos, from);
        while (p < raw.length && (raw[p]! & 0xc0) === 0x80) p++;
        parts.push(raw.subarray(from, p), cmd);
        from = p;
        if (cmd.length === 3 && AGREED.includes(cmd[2]!)) replies.push(...agreed.answer(cmd[1]!, cmd[2]!));
        else if (cmd[1] === DO) replies.push({ reply: [IAC, WONT, cmd[2]!] });
        else if (cmd[1] === WILL) replies.push({ reply: [IAC, DONT, cmd[2]!] });
        if (cmd.length === 2 && cmd[1] === IAC) literal255++;
      }
      parts.push(raw.subarray(from), bytes('\r\n'));
      const data = concat(parts);
      const out = feed(split(data, at), 4096);
      const line = out.pop();
      assert.equal(out, replies);
      assert.ok(line && 'line' in line);
      // IAC IAC is a data byte 255, which decodes to U+FFFD: remove those to compare
      const got = literal255 ? line.line.replace(/\ufffd/g, '') : line.line;
      assert.is(got, literal255 ? text.replace(/\ufffd/g, '') : text);
    }),
    RUNS,
  );
});
roundTrip.run();
