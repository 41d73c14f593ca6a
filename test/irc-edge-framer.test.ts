import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IrcFramer } from '../src/edges/irc/framer.js';
import { splitBytes } from '../src/edges/irc/split.js';
import { messageLines, renderBroadcast, TAGS, TIME } from '../src/edges/irc/render.js';

function frame(...chunks: Array<string | Buffer>): Array<string | 'tooLong'> {
  const out: Array<string | 'tooLong'> = [];
  const framer = new IrcFramer();
  const sink = { line: (l: string) => void out.push(l), tooLong: () => out.push('tooLong'), reply: (b: Buffer) => void out.push(`reply ${b.toString()}`), notice: (t: string) => void out.push(`notice ${t}`) };
  for (const c of chunks) framer.push(typeof c === 'string' ? Buffer.from(c) : c, sink);
  return out;
}

const framer = suite('irc framer: bytes to lines');
framer('CR LF, LF and a lone CR end lines, wherever reads split them; blank lines are nothing', () => {
  assert.equal(frame('NICK a\r\nUSER a 0 * :A\nPING x\rPONG y\r', '\n\r\n'), ['NICK a', 'USER a 0 * :A', 'PING x', 'PONG y']);
  assert.equal(frame('PRIV', 'MSG #a :h', 'i\r', '\n'), ['PRIVMSG #a :hi']);
});
framer('a CR inside a line ends it: a second command cannot hide behind it', () => {
  assert.equal(frame('PRIVMSG #a :hi\rQUIT\r\n'), ['PRIVMSG #a :hi', 'QUIT']);
});
framer('NUL bytes are dropped; invalid UTF-8 becomes U+FFFD; UTF-8 cut between reads is joined', () => {
  assert.equal(frame('PRIVMSG #a :a\0b\r\n'), ['PRIVMSG #a :ab']);
  assert.equal(frame(Buffer.from([0x50, 0x20, 0xff, 0xfe, 0x0a])), ['notice :node-chat WARN * INVALID_UTF8 :Invalid UTF-8 in your line was replaced with U+FFFD\r\n', 'P \ufffd\ufffd']);
  assert.equal(frame('PRIVMSG #a :\ufffd as such\r\n'), ['PRIVMSG #a :\ufffd as such'], 'a U+FFFD sent as valid UTF-8 is no warning');
  const euro = Buffer.from('PRIVMSG #a :€\r\n');
  assert.equal(frame(euro.subarray(0, 13), euro.subarray(13)), ['PRIVMSG #a :€']);
});
framer('formatting codes pass (the telnet renderer strips them)', () => {
  assert.equal(frame('PRIVMSG #a :\x02bold\x02 \x034,2red\x0f\r\n'), ['PRIVMSG #a :\x02bold\x02 \x034,2red\x0f']);
});
framer('512 bytes with CR LF is the most a line without tags may have: longer is refused whole', () => {
  const ok = `PRIVMSG #a :${'x'.repeat(510 - 12)}`;
  assert.equal(frame(`${ok}\r\n`), [ok]);
  assert.equal(frame(`${ok}y\r\nPING z\r\n`), ['tooLong', 'PING z']);
});
framer("a client's tags have their own 4096 bytes (@ and space included); past them, or past both, the line is refused", () => {
  const tags = `@${'a'.repeat(4094)} `;
  assert.equal(frame(`${tags}PING x\r\n`), [`${tags}PING x`]);
  assert.equal(frame(`@${'a'.repeat(4095)} PING x\r\n`), ['tooLong']);
  assert.equal(frame('x'.repeat(20_000), '\r\nPING y\r\n'), ['tooLong', 'PING y']);
});
framer('an unfinished line holds at most 512 + 4096 bytes', () => {
  const f = new IrcFramer();
  const sink = { line: () => {}, tooLong: () => {}, reply: () => {}, notice: () => {} };
  for (let i = 0; i < 100; i++) f.push(Buffer.alloc(1000, 0x61), sink);
  assert.ok(f.heldBytes <= 512 + 4096);
});
framer.run();

const split = suite('irc split: long text in IRC lines');
split('pieces fit the budget, fall between characters, and join back to the text', () => {
  const text = `${'a'.repeat(100)}é€😀`.repeat(40);
  const pieces = splitBytes(text, 97);
  assert.ok(pieces.length > 1);
  for (const p of pieces) assert.ok(Buffer.byteLength(p) <= 97);
  assert.is(pieces.join(''), text);
  for (const p of pieces) assert.not.match(p, /\ufffd/);
  assert.equal(splitBytes('short', 100), ['short']);
});
split('a 4096-byte line becomes PRIVMSGs of at most 512 bytes each, nothing lost', () => {
  const text = '😀'.repeat(1024); // 4096 bytes
  const out = messageLines(0, 0, '1-0', 'carol', 'PRIVMSG', '#lobby', text, false);
  const ls = out.split('\r\n').filter((l) => l !== '');
  assert.ok(ls.length >= 9);
  for (const l of ls) assert.ok(Buffer.byteLength(`${l}\r\n`) <= 512, `${Buffer.byteLength(l)}`);
  assert.is(ls.map((l) => l.slice(l.indexOf(' :') + 2)).join(''), text);
});
split('a text its sender sent in one line goes out in one, though the prefix takes it past 512 bytes', () => {
  const fits = 'a'.repeat(512 - 'PRIVMSG #lobby \r\n'.length); // one word: sent without its colon
  const one = messageLines(0, 0, '1-0', 'carol', 'PRIVMSG', '#lobby', fits, false);
  assert.is(one, `:carol!~u@node-chat PRIVMSG #lobby :${fits}\r\n`);
  assert.ok(Buffer.byteLength(one) > 512);
  const act = 'b'.repeat(512 - 'PRIVMSG #lobby :\x01ACTION \x01\r\n'.length + 1);
  assert.is(messageLines(0, 0, '1-0', 'carol', 'PRIVMSG', '#lobby', act, true).split('\r\n').length, 2, 'one line and the end');
  // One byte more than a sender could send: cut into lines within 512 bytes, nothing lost.
  const over = `${fits}a`;
  const ls = messageLines(0, 0, '1-0', 'carol', 'PRIVMSG', '#lobby', over, false).split('\r\n').filter((l) => l !== '');
  assert.is(ls.length, 2);
  for (const l of ls) assert.ok(Buffer.byteLength(`${l}\r\n`) <= 512);
  assert.is(ls.map((l) => l.slice(l.indexOf(' :') + 2)).join(''), over);
});
split.run();

const render = suite('irc render: broadcasts per variant');
render('server-time and msgid come from the event; a variant without them has none', () => {
  const said = { k: 'said', room: 'dev', id: '1700000000000-3', at: 1700000000000, nick: 'bob', text: 'hi' } as const;
  assert.is(renderBroadcast(said, 0), ':bob!~u@node-chat PRIVMSG #dev :hi\r\n');
  assert.is(renderBroadcast(said, TIME | TAGS), '@time=2023-11-14T22:13:20.000Z;msgid=1700000000000-3 :bob!~u@node-chat PRIVMSG #dev :hi\r\n');
});
render('an action is a CTCP ACTION; a quit, a part and a rename read as IRC says', () => {
  const base = { room: 'lobby', id: '1-0', at: 1 };
  assert.is(renderBroadcast({ k: 'acted', ...base, nick: 'a', text: 'waves' }, 0), ':a!~u@node-chat PRIVMSG #lobby :\x01ACTION waves\x01\r\n');
  assert.is(renderBroadcast({ k: 'left', ...base, nick: 'a', how: 'quit', reason: 'bye' }, 0), ':a!~u@node-chat QUIT :Quit: bye\r\n');
  assert.is(renderBroadcast({ k: 'left', ...base, nick: 'a', how: 'moved' }, 0), ':a!~u@node-chat PART #lobby\r\n');
  assert.is(renderBroadcast({ k: 'renamed', ...base, from: 'a', nick: 'b' }, 0), ':a!~u@node-chat NICK b\r\n');
});
render('no CR, LF or NUL from a text reaches an IRC client: it would be a second command', () => {
  const line = renderBroadcast({ k: 'said', room: 'a', id: '1-0', at: 1, nick: 'x', text: 'a\r\nQUIT' }, 0);
  assert.is(line.split('\r\n').length, 2);
});
render.run();
