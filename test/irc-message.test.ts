import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { byteLength, ircLower, parseMessage, serialize, splitUtf8 } from '../src/client/irc/message.js';

const parse = suite('IRC message parsing');

parse('prefix, command and a trailing parameter', () => {
  assert.equal(parseMessage(':alice!~a@host PRIVMSG #chan :hello there\r\n'), {
    tags: {},
    prefix: { raw: 'alice!~a@host', nick: 'alice', user: '~a', host: 'host' },
    command: 'PRIVMSG',
    params: ['#chan', 'hello there'],
  });
});

parse('no prefix, middle parameters only', () => {
  assert.equal(parseMessage('PING irc.example.net'), { tags: {}, command: 'PING', params: ['irc.example.net'] });
});

parse('a server prefix has only a name', () => {
  assert.equal(parseMessage(':irc.test 001 me :Welcome')?.prefix, { raw: 'irc.test', nick: 'irc.test' });
});

parse('message tags are parsed, values unescaped', () => {
  const m = parseMessage('@time=2024-01-01T00:00:00Z;msgid=a\\sb\\:c\\\\d;+draft/flag :n!u@h PRIVMSG #c :x');
  assert.equal(m?.tags, { time: '2024-01-01T00:00:00Z', msgid: 'a b;c\\d', '+draft/flag': '' });
  assert.is(m?.command, 'PRIVMSG');
});

parse('a trailing parameter may be empty or hold colons and extra spaces', () => {
  assert.equal(parseMessage('TOPIC #c :')?.params, ['#c', '']);
  assert.equal(parseMessage('PRIVMSG #c :a :b  c ')?.params, ['#c', 'a :b  c ']);
});

parse('several spaces between parameters are one separator', () => {
  assert.equal(parseMessage(':s 005  me  A=1   B :are supported')?.params, ['me', 'A=1', 'B', 'are supported']);
});

parse('the command is upper-cased; numerics are three digits', () => {
  assert.is(parseMessage('privmsg #c :x')?.command, 'PRIVMSG');
  assert.is(parseMessage(':s 433 * alice :Nickname already in use')?.command, '433');
});

parse('empty and malformed lines give null', () => {
  for (const bad of ['', '\r\n', ':prefixonly', '@tags', ':p 12 x', ':p PRIV-MSG x']) assert.is(parseMessage(bad), null, bad);
});

parse.run();

const write = suite('IRC message serialising');

write('the last parameter gets a colon when it needs one', () => {
  assert.is(serialize('PRIVMSG', '#c', 'hello world'), 'PRIVMSG #c :hello world');
  assert.is(serialize('PRIVMSG', '#c', ':)'), 'PRIVMSG #c ::)');
  assert.is(serialize('TOPIC', '#c', ''), 'TOPIC #c :');
  assert.is(serialize('NICK', 'bob'), 'NICK bob');
  assert.is(serialize('CAP', 'END'), 'CAP END');
});

write('CR, LF and NUL from user text can never start a second command', () => {
  const line = serialize('PRIVMSG', '#c', 'hi\r\nQUIT :pwned\0x');
  assert.is(line, 'PRIVMSG #c :hi  QUIT :pwned x');
  assert.not.match(line, /[\r\n\0]/);
  assert.is(serialize('NICK', 'a\nb'), 'NICK :a b');
});

write('a bad middle parameter is a programming error', () => {
  assert.throws(() => serialize('PRIVMSG', 'two words', 'x'));
  assert.throws(() => serialize('PRIVMSG', ':c', 'x'));
  assert.throws(() => serialize('PRIVMSG', '', 'x'));
  assert.throws(() => serialize('BAD CMD', 'x'));
});

write('serialise then parse gives the parameters back', () => {
  for (const params of [['#c', 'hello'], ['#c', ''], ['#c', ':x y'], ['me', 'a', 'b c']]) {
    assert.equal(parseMessage(serialize('PRIVMSG', ...params))?.params, params);
  }
});

write('rfc1459 case folding folds []\\~ too; ascii does not', () => {
  assert.is(ircLower('Nick[A]\\~'), 'nick{a}|^');
  assert.is(ircLower('Nick[A]', 'ascii'), 'nick[a]');
  assert.is(ircLower('ÉCOLE', 'ascii'), 'École');
});

write.run();

const split = suite('splitting text to the byte limit');

split('short text is one piece; empty text is one empty piece', () => {
  assert.equal(splitUtf8('hello', 100), ['hello']);
  assert.equal(splitUtf8('', 100), ['']);
});

split('pieces fit the budget and join back to the text', () => {
  const text = 'x'.repeat(1000);
  const pieces = splitUtf8(text, 400);
  assert.equal(pieces.map((p) => p.length), [400, 400, 200]);
  assert.is(pieces.join(''), text);
});

split('multi-byte characters are never cut', () => {
  for (const text of ['é'.repeat(301), '日本語のテキスト'.repeat(40), '😀'.repeat(150), 'aé日😀'.repeat(60)]) {
    for (const budget of [4, 5, 7, 100, 401]) {
      const pieces = splitUtf8(text, budget);
      assert.is(pieces.join(''), text);
      for (const piece of pieces) {
        assert.ok(byteLength(piece) <= budget, `${byteLength(piece)} > ${budget}`);
        assert.is(Buffer.from(piece, 'utf8').toString('utf8'), piece); // no lone surrogate
        assert.not.match(piece, /\uFFFD/);
      }
    }
  }
});

split('an accent stays with its letter and an emoji sequence stays whole', () => {
  const family = '👨‍👩‍👧'; // 18 bytes
  const pieces = splitUtf8(`${'e\u0301'.repeat(5)}${family}`, 20);
  assert.ok(pieces.every((p) => !p.startsWith('\u0301')));
  assert.ok(pieces.includes(family) || pieces.some((p) => p.endsWith(family)));
});

split('a cluster longer than the budget is split between code points', () => {
  const long = `a${'\u0301'.repeat(10)}`; // one grapheme, 21 bytes
  const pieces = splitUtf8(long, 6);
  assert.is(pieces.join(''), long);
  assert.ok(pieces.every((p) => byteLength(p) <= 6));
});

split.run();
