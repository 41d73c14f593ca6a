import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LineFramer } from '../src/edges/telnet/framer.js';
import { cleanText } from '../src/edges/telnet/sanitize.js';
import { frame, linesOf } from './helpers/framing.js';

const IAC = 255, DO = 253, DONT = 254, WILL = 251, WONT = 252, SB = 250, SE = 240;

const endings = suite('framing: line endings');
endings('\\n, \\r\\n, \\r\\0 and a lone \\r each end one line', () => {
  assert.equal(linesOf(['a\nb\r\nc\r\0d\re\n']), ['a', 'b', 'c', 'd', 'e']);
});
endings('\\r\\n split between reads is one ending, not an empty line', () => {
  assert.equal(linesOf(['a\r', '\nb\r', '\0c\n']), ['a', 'b', 'c']);
});
endings('a line split across many reads is joined', () => {
  assert.equal(linesOf(['he', 'l', 'lo wor', 'ld', '\n']), ['hello world']);
});
endings('many lines in one read come out in order', () => {
  const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n';
  assert.equal(linesOf([text]), Array.from({ length: 100 }, (_, i) => `line ${i}`));
});
endings('an unfinished line is held, not emitted', () => {
  const { out, framer } = frame(['no newline yet']);
  assert.equal(out, []);
  assert.is(framer.heldBytes, 'no newline yet'.length);
});
endings('empty lines are lines (the gateway ignores them)', () => {
  assert.equal(linesOf(['\n\r\n']), ['', '']);
});
endings.run();

const utf8 = suite('framing: UTF-8');
utf8('a character cut between reads is joined', () => {
  const bytes = Buffer.from('héllo ☃ 😀\n');
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.equal(linesOf([bytes.subarray(0, cut), bytes.subarray(cut)]), ['héllo ☃ 😀'], `cut at ${cut}`);
  }
});
utf8('invalid UTF-8 becomes U+FFFD', () => {
  assert.equal(linesOf([Uint8Array.of(0x61, 0xc3, 0x28, 0x62, 0x0a)]), ['a\ufffd(b']);
  assert.equal(linesOf([Uint8Array.of(0xf0, 0x9f, 0x0a)]), ['\ufffd']);
});
utf8.run();

const telnet = suite('framing: telnet IAC');
telnet('2-byte commands are removed', () => {
  assert.equal(linesOf([Uint8Array.of(0x61, IAC, 241, 0x62, IAC, 244, 0x0a)]), ['ab']);
});
telnet('DO x is answered WONT x, WILL x with DONT x, and removed', () => {
  const { out } = frame([Uint8Array.of(IAC, DO, 1, 0x61, IAC, WILL, 31, 0x62, 0x0a)]);
  assert.equal(out, [{ reply: [IAC, WONT, 1] }, { reply: [IAC, DONT, 31] }, { line: 'ab' }]);
});
telnet('WONT and DONT are removed without an answer', () => {
  const { out } = frame([Uint8Array.of(IAC, WONT, 1, IAC, DONT, 3, 0x61, 0x0a)]);
  assert.equal(out, [{ line: 'a' }]);
});
telnet('subnegotiation SB … SE is removed, even with IAC IAC inside', () => {
  assert.equal(linesOf([Uint8Array.of(0x61, IAC, SB, 24, 0, IAC, IAC, 0x41, 0x0a, IAC, SE, 0x62, 0x0a)]), ['ab']);
});
telnet('IAC sequences split across reads', () => {
  const { out } = frame([Uint8Array.of(0x61, IAC), Uint8Array.of(DO), Uint8Array.of(6, 0x62), Uint8Array.of(0x0a)]);
  assert.equal(out, [{ reply: [IAC, WONT, 6] }, { line: 'ab' }]);
});
telnet('IAC IAC is a literal 255 byte, which alone is not UTF-8', () => {
  assert.equal(linesOf([Uint8Array.of(0x61, IAC, IAC, 0x62, 0x0a)]), ['a\ufffdb']);
});
telnet('Ctrl-C from telnet (IAC IP, IAC DO TIMING-MARK) gets its answer', () => {
  const { out } = frame([Uint8Array.of(IAC, 244, IAC, DO, 6)]);
  assert.equal(out, [{ reply: [IAC, WONT, 6] }]);
});
telnet.run();

const erase = suite('framing: backspace and DEL');
erase('erase the previous character, typed one byte at a time', () => {
  const typed = ['h', 'e', 'l', 'x', '\b', 'l', 'o', 'o', '\x7f', '\r', '\0'];
  assert.equal(linesOf(typed), ['hello']);
});
erase('erase a whole multi-byte character', () => {
  assert.equal(linesOf(['a☃\b😀\x7fb\n']), ['ab']);
});
erase('backspace at the start of a line does nothing', () => {
  assert.equal(linesOf(['\b\b\x7fok\n']), ['ok']);
});
erase.run();

const pause = suite('framing: a sink that takes no more for now');
pause('the rest of the chunk waits unread until resume, then reads on in order, across line ends and a split CRLF', () => {
  const framer = new LineFramer(4096);
  const got: string[] = [];
  let room = 2;
  const sink = {
    line: (text: string) => (got.push(text), --room > 0),
    tooLong: () => {},
    reply: () => {},
    notice: () => {},
  };
  framer.push(Buffer.from('a\r\nb\r\nc\r\nd\r'), sink);
  assert.equal(got, ['a', 'b']);
  assert.is(framer.unreadBytes, 6, 'c, d and their endings wait');
  room = 1;
  framer.resume(sink);
  assert.equal(got, ['a', 'b', 'c']);
  room = 10;
  framer.resume(sink);
  assert.equal(got, ['a', 'b', 'c', 'd']);
  assert.is(framer.unreadBytes, 0);
  framer.push(Buffer.from('\ne\n'), sink);
  assert.equal(got, ['a', 'b', 'c', 'd', 'e'], 'the LF of the split CRLF is not an empty line');
});
pause('resume inside a push (a sink that calls back into its framer) does nothing', () => {
  const framer = new LineFramer(4096);
  const got: string[] = [];
  const sink = {
    line: (text: string) => {
      got.push(text);
      framer.resume(sink);
      return got.length < 1;
    },
    tooLong: () => {},
    reply: () => {},
    notice: () => {},
  };
  framer.push(Buffer.from('x\ny\n'), sink);
  assert.equal(got, ['x']);
  assert.is(framer.unreadBytes, 2);
});
pause.run();

const cap = suite('framing: line cap');
cap('a line of exactly the cap passes', () => {
  assert.equal(linesOf(['x'.repeat(4096) + '\n']), ['x'.repeat(4096)]);
});
cap('a line over the cap is dropped whole, and the next line works', () => {
  const { out } = frame(['x'.repeat(4097) + '\nnext\n']);
  assert.equal(out, [{ tooLong: true }, { line: 'next' }]);
});
cap('a 200 KB line in small reads: held bytes never exceed the cap', () => {
  const { out, framer } = frame([]);
  void out;
  const sink = { line: () => assert.unreachable('no line'), tooLong: () => {}, reply: () => {}, notice: () => {} };
  let maxHeld = 0;
  for (let i = 0; i < 200; i++) {
    framer.push(Buffer.alloc(1000, 0x61), sink);
    maxHeld = Math.max(maxHeld, framer.heldBytes);
  }
  assert.ok(maxHeld <= 4096, `held ${maxHeld}`);
  assert.is(framer.heldBytes, 0);
});
cap('counted as received: telnet bytes count toward the cap', () => {
  const iacs = Buffer.alloc(3 * 1400);
  for (let i = 0; i < iacs.length; i += 3) iacs.set([IAC, WONT, 1], i);
  const { out } = frame([iacs, 'ok\n']);
  assert.equal(out, [{ tooLong: true }]);
});
cap('a subnegotiation that never ends is given up at the cap, and lines flow again', () => {
  const { out } = frame([Uint8Array.of(0x62, 0x0a, IAC, SB, 24), Buffer.alloc(5000, 0x61), 'x\r\nafter\r\n']);
  assert.equal(out, [{ line: 'b' }, { tooLong: true }, { line: 'after' }]);
});
cap('a client that never sends a newline holds at most the cap', () => {
  const { framer } = frame([Buffer.alloc(100_000, 0x62)]);
  assert.ok(framer.heldBytes <= 4096);
});
cap.run();

const clean = suite('framing: control characters never pass');
clean('ESC sequences are removed whole', () => {
  assert.is(cleanText('a\x1b[31mred\x1b[0m b'), 'ared b');
  assert.is(cleanText('\x1b]0;title\x07x'), 'x');
  assert.is(cleanText('\x1b]8;;http://x\x1b\\link'), 'link');
  assert.is(cleanText('\x1bcreset'), 'reset');
  assert.is(cleanText('\x9b2Jx'), '2Jx');
});
clean('C0 (but tab), DEL and C1 controls are removed', () => {
  assert.is(cleanText('a\x00b\x07c\td\x1fe\x7ff\x85g\x9fh'), 'abc\tdefgh');
});
clean('bidi override and isolate controls are removed', () => {
  assert.is(cleanText('abc\u202edef\u2066x\u2069'), 'abcdefx');
});
clean('the bidi marks are removed, the Arabic letter mark too', () => {
  assert.is(cleanText('a\u061cb\u200ec\u200fd'), 'abcd');
});
clean('plain text and Unicode pass untouched', () => {
  const text = 'héllo ☃ 😀 ｆｕｌｌ width';
  assert.is(cleanText(text), text);
});
clean('the framer applies it to every line', () => {
  assert.equal(linesOf(['\x1b[2J\x1b[Hhi\x07\n']), ['hi']);
});
clean.run();

const chunking = suite('framing: any chunking gives the same lines');
chunking('every split point of a mixed stream', () => {
  const stream = Buffer.concat([
    Buffer.from('alice\r\nhé☃llo\r\0'),
    Uint8Array.of(IAC, DO, 1, IAC, SB, 24, 1, IAC, SE),
    Buffer.from('ab\bc\rx\x1b[1my\n'),
  ]);
  const whole = frame([stream]).out;
  for (let a = 1; a < stream.length; a++) {
    for (let b = a; b < stream.length; b += 3) {
      assert.equal(frame([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]).out, whole, `splits ${a},${b}`);
    }
  }
  const bytewise = frame([...stream].map((x) => Uint8Array.of(x))).out;
  assert.equal(bytewise, whole);
});
chunking.run();
