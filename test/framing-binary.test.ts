// TRANSMIT-BINARY (RFC 856) in the framer (src/edges/telnet/framer.ts): the one telnet option
// we agree to, in both directions, answering only what changes the state (RFC 1143), while
// every other option is refused as before. And the other half of binary mode: what we send
// never needs IAC doubling, because UTF-8 never holds the byte 0xFF.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { LineFramer, type LineSink } from '../src/edges/telnet/framer.js';
import * as texts from '../src/edges/telnet/texts.js';
import type { Out } from './helpers/framing.js';

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, NOP = 241, IP = 244;
const BINARY = 0, ECHO = 1, SGA = 3, TIMING_MARK = 6;

/** One framer across several pushes, and what each push put out. */
function session(): { framer: LineFramer; push: (...bytes: Array<number | string>) => Out[] } {
  const framer = new LineFramer();
  const push = (...bytes: Array<number | string>): Out[] => {
    const out: Out[] = [];
    const sink: LineSink = {
      line: (text) => void out.push({ line: text }),
      tooLong: () => out.push({ tooLong: true }),
      reply: (b) => out.push({ reply: [...b] }),
      notice: (t) => out.push({ line: `notice: ${t}` }),
    };
    const chunk = Buffer.concat(bytes.map((b) => (typeof b === 'string' ? Buffer.from(b, 'utf8') : Uint8Array.of(b))));
    framer.push(chunk, sink);
    return out;
  };
  return { framer, push };
}

const asked = suite('binary: our offer at connect');
asked('askBinary is IAC DO BINARY, and the WILL BINARY that answers it is not answered', () => {
  const { framer, push } = session();
  assert.equal([...framer.askBinary()], [IAC, DO, BINARY]);
  assert.equal(framer.binary, { in: false, out: false }, 'asked is not agreed');
  assert.equal(push(IAC, WILL, BINARY), []);
  assert.equal(framer.binary, { in: true, out: false });
  assert.equal(push(IAC, WILL, BINARY), [], 'a repeat confirms the state: no answer');
});
asked('a client that refuses (WONT BINARY) is not answered either, and stays out of binary mode', () => {
  const { framer, push } = session();
  framer.askBinary();
  assert.equal(push(IAC, WONT, BINARY), []);
  assert.equal(framer.binary, { in: false, out: false });
  assert.equal(push(IAC, WILL, BINARY), [{ reply: [IAC, DO, BINARY] }], 'it may still ask later');
});
asked.run();

const requested = suite('binary: requests from the client');
requested('WILL BINARY is answered DO BINARY once; repeats are not answered', () => {
  const { framer, push } = session();
  assert.equal(push(IAC, WILL, BINARY), [{ reply: [IAC, DO, BINARY] }]);
  assert.equal(push(IAC, WILL, BINARY, IAC, WILL, BINARY), []);
  assert.equal(framer.binary, { in: true, out: false });
});
requested('DO BINARY is answered WILL BINARY once; repeats are not answered', () => {
  const { framer, push } = session();
  assert.equal(push(IAC, DO, BINARY), [{ reply: [IAC, WILL, BINARY] }]);
  assert.equal(push(IAC, DO, BINARY), []);
  assert.equal(framer.binary, { in: false, out: true });
});
requested('both at once, as `toggle binary` in Debian telnet sends them', () => {
  const { framer, push } = session();
  assert.equal(push(IAC, DO, BINARY, IAC, WILL, BINARY), [{ reply: [IAC, WILL, BINARY] }, { reply: [IAC, DO, BINARY] }]);
  assert.equal(framer.binary, { in: true, out: true });
});
requested('leaving binary mode (WONT / DONT) is acknowledged once, and only when it was on', () => {
  const { framer, push } = session();
  assert.equal(push(IAC, WONT, BINARY, IAC, DONT, BINARY), [], 'already off: nothing to acknowledge');
  push(IAC, WILL, BINARY, IAC, DO, BINARY);
  assert.equal(push(IAC, WONT, BINARY), [{ reply: [IAC, DONT, BINARY] }]);
  assert.equal(push(IAC, DONT, BINARY), [{ reply: [IAC, WONT, BINARY] }]);
  assert.equal(framer.binary, { in: false, out: false });
  assert.equal(push(IAC, WONT, BINARY, IAC, DONT, BINARY), []);
  assert.equal(push(IAC, WILL, BINARY), [{ reply: [IAC, DO, BINARY] }], 'and back on again');
});
requested('a negotiation cut between reads', () => {
  const { framer, push } = session();
  assert.equal(push(IAC), []);
  assert.equal(push(WILL), []);
  assert.equal(push(BINARY), [{ reply: [IAC, DO, BINARY] }]);
  assert.ok(framer.binary.in);
});
requested.run();

const others = suite('binary: every other option is still refused, every time');
others('DO TIMING-MARK (telnet after Ctrl-C) is answered WONT each time, in binary mode too', () => {
  const { push } = session();
  push(IAC, WILL, BINARY, IAC, DO, BINARY);
  for (let i = 0; i < 3; i++) assert.equal(push(IAC, IP, IAC, DO, TIMING_MARK), [{ reply: [IAC, WONT, TIMING_MARK] }]);
});
others('telnet `mode character`: DO SGA agreed once (character mode), DO ECHO refused (the client echoes); WILL anything else refused', () => {
  const { framer, push } = session();
  framer.askBinary();
  assert.equal(push(IAC, DO, SGA, IAC, DO, ECHO), [{ reply: [IAC, WILL, SGA] }, { reply: [IAC, WONT, ECHO] }]);
  assert.equal(push(IAC, WILL, 24, IAC, WILL, 31), [{ reply: [IAC, DONT, 24] }, { reply: [IAC, DONT, 31] }]);
  assert.equal(push(IAC, DO, SGA), [], 'agreed already: not answered again');
  assert.equal(push(IAC, DO, ECHO), [{ reply: [IAC, WONT, ECHO] }], 'a refusal changes no state: it is sent again');
  assert.equal(push(IAC, WILL, SGA), [{ reply: [IAC, DO, SGA] }], 'the client may suppress its go-aheads too');
  assert.equal(push(IAC, WONT, ECHO, IAC, DONT, SGA), [{ reply: [IAC, WONT, SGA] }], 'leaving character mode is acknowledged once');
  assert.equal(push(IAC, DONT, SGA), []);
});
others.run();

const data = suite('binary: data');
data('the lines of the report arrive whole in binary mode (Enter is a bare LF there)', () => {
  const { framer, push } = session();
  framer.askBinary();
  assert.equal(push(IAC, WILL, BINARY, 'ａｌｉｃｉａ\n', 'как у вас\n', '日本語 🎉\n', 'ѝ\r\n'), [
    { line: 'ａｌｉｃｉａ' },
    { line: 'как у вас' },
    { line: '日本語 🎉' },
    { line: 'ѝ' },
  ]);
});
data('IAC IAC is a data 255 inside binary text: kept as a byte, so it decodes to U+FFFD', () => {
  const { push } = session();
  push(IAC, WILL, BINARY);
  assert.equal(push('日', IAC, IAC, '本\n'), [{ line: '日\ufffd本' }]);
});
data('a telnet command inside a multi-byte character leaves the character whole', () => {
  const { push } = session();
  push(IAC, WILL, BINARY);
  const c = [...Buffer.from('ｃ')];
  assert.equal(push(c[0]!, IAC, NOP, c[1]!, IAC, DO, TIMING_MARK, c[2]!, '\n'), [{ reply: [IAC, WONT, TIMING_MARK] }, { line: 'ｃ' }]);
});
data('character at a time: DEL erases a whole multi-byte character', () => {
  const { push } = session();
  push(IAC, WILL, BINARY);
  const typed = [...Buffer.from('ок日'), 0x7f, ...Buffer.from('本')];
  for (const b of typed) assert.equal(push(b), []);
  assert.equal(push(0x0d, 0x00), [{ line: 'ок本' }]);
});
data.run();

const outbound = suite('binary: what we send never holds an IAC byte');
outbound('UTF-8 from any string (lone surrogates included) holds no 0xFF', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !Buffer.from(s, 'utf8').includes(IAC)), { numRuns: 2000 });
});
outbound('nor does any rendered text, whatever the nick and the message', () => {
  const any = fc.string({ unit: 'binary', maxLength: 40 });
  fc.assert(
    fc.property(any, any, fc.nat(), (a, b, n) => {
      const rendered = [
        texts.banner(n), texts.message(a, b), texts.action(a, b), texts.privateFrom(a, b), texts.privateTo(a, b),
        texts.joined(a, b), texts.left(a, b, a), texts.renamed(a, b), texts.info(a), texts.error(a),
        texts.nickInvalidPrompt(a), texts.whoLines([a, b]), texts.roomList(new Map([[a, n]])),
      ];
      for (const text of rendered) assert.not.ok(Buffer.from(text, 'utf8').includes(IAC), JSON.stringify(text));
    }),
    { numRuns: 500 },
  );
});
outbound.run();
