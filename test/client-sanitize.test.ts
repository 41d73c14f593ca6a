import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sanitize, TerminalSanitizer } from '../src/client/sanitize.js';
import { CYAN, RESET } from '../src/edges/telnet/texts.js';

const clean = suite('terminal output cleaning');

clean('bidi override and isolate controls from the network never reach the terminal', () => {
  for (const colour of [true, false]) assert.is(new TerminalSanitizer(colour).push('bidi\u202eabc\u2066d\u2069\n'), 'bidiabcd\n');
});

/** Nothing but printable text, \n and \t. */
const plainOnly = (text: string): boolean => !/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text);

clean('colours pass when colour is on', () => {
  const line = `${CYAN} > bob:${RESET} hi\r\n`;
  assert.is(sanitize(line, true), `${CYAN} > bob:${RESET} hi\n`);
  assert.is(sanitize('\x1b[38;5;196mred\x1b[0m', true), '\x1b[38;5;196mred\x1b[0m');
  assert.is(sanitize('\x1b[48;2;10;20;30mrgb\x1b[39;49m', true), '\x1b[48;2;10;20;30mrgb\x1b[39;49m');
  assert.is(sanitize('\x1b[38:2::1:2:3mcolon\x1b[m', true), '\x1b[38:2::1:2:3mcolon\x1b[m');
});

clean('only colours pass: conceal, blink, reverse and other attributes never reach the terminal', () => {
  assert.is(sanitize('\x1b[8mhidden\x1b[28m', true), 'hidden', 'conceal, and its undo');
  assert.is(sanitize('\x1b[5;7mloud\x1b[0m', true), 'loud\x1b[0m', 'blink and reverse');
  assert.is(sanitize('\x1b[1;8;31mx', true), '\x1b[31mx', 'the colour of a mixed sequence, nothing else');
  assert.is(sanitize('\x1b[38;5mx', true), 'x', 'a 256-colour sequence without its argument');
});

clean('the Arabic letter mark and the other bidi marks never reach the terminal', () => {
  for (const colour of [true, false]) assert.is(new TerminalSanitizer(colour).push('a\u061cb\u200ec\u200fd\n'), 'abcd\n');
});

clean('with colour off no escape sequence is left', () => {
  assert.is(sanitize(`${CYAN} > bob:${RESET} hi\r\n`, false), ' > bob: hi\n');
});

clean('\\r\\n becomes \\n and a lone \\r is removed', () => {
  assert.is(sanitize('a\r\nb\rc\n', true), 'a\nbc\n');
});

clean('tabs and newlines stay; other C0, DEL and C1 go', () => {
  assert.is(sanitize('a\tb\n\x00\x07\x08\x0b\x0c\x7f\u0085\u009bc', true), 'a\tb\nc');
});

const hostile: Array<[string, string]> = [
  ['cursor movement', 'x\x1b[2J\x1b[H\x1b[10;10Hy'],
  ['a non-colour CSI that ends in m with odd parameters', 'x\x1b[?1049my'],
  ['a window title (OSC with BEL)', 'x\x1b]0;pwned\x07y'],
  ['a window title (OSC with ST)', 'x\x1b]2;pwned\x1b\\y'],
  ['a hyperlink', 'x\x1b]8;;http://evil\x1b\\y'],
  ['DCS', 'x\x1bPq#0;2;0;0;0\x1b\\y'],
  ['APC', 'x\x1b_payload\x1b\\y'],
  ['a charset switch', 'x\x1b(0y'],
  ['a keypad mode', 'x\x1b=y'],
  ['save and restore cursor', 'x\x1b7\x1b8y'],
  ['a reset', 'x\x1bcy'],
];
for (const [name, input] of hostile) {
  clean(`${name} is removed whole, colour on or off`, () => {
    assert.is(sanitize(input, true), 'xy');
    assert.is(sanitize(input, false), 'xy');
  });
}

clean('an unterminated OSC ends at the end of its line, the next line shows', () => {
  assert.is(sanitize('x\x1b]0;title never ends\nnext line\n', true), 'x\nnext line\n');
});

clean('an escape sequence split across chunks is held, then handled whole', () => {
  const input = `a${CYAN}b\x1b]0;t\x07c${RESET}\r\nd`;
  for (let cut = 0; cut <= input.length; cut++) {
    for (const colour of [true, false]) {
      const s = new TerminalSanitizer(colour);
      const out = s.push(input.slice(0, cut)) + s.push(input.slice(cut)) + s.flush();
      assert.is(out, colour ? `a${CYAN}bc${RESET}\nd` : 'abc\nd', `cut at ${cut}, colour ${colour}`);
    }
  }
});

clean('every one-byte chunking of random bytes gives plain output with colour off', () => {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 200; round++) {
    let input = '';
    for (let i = 0; i < 60; i++) input += String.fromCharCode(random() < 0.3 ? Math.floor(random() * 0x20) : Math.floor(random() * 0xa0));
    const s = new TerminalSanitizer(false);
    let out = '';
    for (const ch of input) out += s.push(ch);
    out += s.flush();
    assert.ok(plainOnly(out), JSON.stringify(out));
    assert.not.match(out, /\x1b/);
  }
});

clean('an unfinished sequence at the end of the stream is dropped', () => {
  const s = new TerminalSanitizer(true);
  assert.is(s.push('ok\x1b['), 'ok');
  assert.is(s.flush(), '');
});

clean.run();
