import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mapInput, textBudget, type InputContext } from '../src/client/irc/commands.js';
import { byteLength, parseMessage } from '../src/client/irc/message.js';

const ctx: InputContext = { current: '#chat', nick: 'alice', selfPrefix: 'alice!~alice@127.0.0.1', chantypes: '#&' };
const nowhere: InputContext = { ...ctx, current: undefined };
const map = suite('user input to IRC');

map('/msg to a target starting with : is a usage error, not a crash', () => {
  const mapped = mapInput('/msg :bob hi', ctx);
  assert.equal(mapped.send, []);
  assert.match(mapped.local[0]?.text ?? '', 'usage');
});

map('a plain line goes to the current channel', () => {
  assert.equal(mapInput('hello all', ctx).send, ['PRIVMSG #chat :hello all']);
});

map('a plain line with no channel joined is a local error, nothing sent', () => {
  const out = mapInput('hello', nowhere);
  assert.equal(out.send, []);
  assert.is(out.local[0]?.kind, 'error');
  assert.match(out.local[0]?.text ?? '', /no channel.*\/join/);
});

map('empty lines send nothing', () => {
  assert.equal(mapInput('   ', ctx), { send: [], local: [] });
});

map('//text sends a line starting with /', () => {
  assert.equal(mapInput('//shrug', ctx).send, ['PRIVMSG #chat /shrug']);
});

const table: Array<[string, string[]]> = [
  ['/join #rust', ['JOIN #rust']],
  ['/join rust', ['JOIN #rust']],
  ['/JOIN #a,#b', ['JOIN #a,#b']],
  ['/join #secret key', ['JOIN #secret key']],
  ['/part', ['PART #chat']],
  ['/part bye now', ['PART #chat :bye now']],
  ['/part #other see you', ['PART #other :see you']],
  ['/msg bob hi there', ['PRIVMSG bob :hi there']],
  ['/msg #other hi', ['PRIVMSG #other hi']],
  ['/me waves', ['PRIVMSG #chat :\x01ACTION waves\x01']],
  ['/nick bobby', ['NICK bobby']],
  ['/names', ['NAMES #chat']],
  ['/names #x', ['NAMES #x']],
  ['/who', ['NAMES #chat']],
  ['/topic new topic', ['TOPIC #chat :new topic']],
  ['/quote MODE #chat +m', ['MODE #chat +m']],
  ['/quit', ['QUIT leaving']],
  ['/quit gone fishing', ['QUIT :gone fishing']],
];
for (const [input, send] of table) {
  map(`${input} → ${send.join(' | ')}`, () => {
    assert.equal(mapInput(input, ctx).send, send);
  });
}

map('/msg echoes locally what was sent, like node-chat', () => {
  assert.equal(mapInput('/msg bob psst', ctx).local, [{ kind: 'sent', text: '(to bob) psst' }]);
});

map('/quit carries its reason', () => {
  assert.is(mapInput('/quit bye', ctx).quit, 'bye');
  assert.is(mapInput('/quit', ctx).quit, 'leaving');
});

map('/join of a channel already joined switches to it', () => {
  const out = mapInput('/join #old', ctx, (c) => c === '#old');
  assert.equal(out.send, []);
  assert.is(out.current, '#old');
});

map('usage errors and unknown commands are local', () => {
  for (const input of ['/join', '/msg bob', '/msg', '/nick', '/nick a b', '/me', '/frobnicate']) {
    const out = mapInput(input, ctx);
    assert.equal(out.send, [], input);
    assert.is(out.local[0]?.kind, 'error', input);
  }
  assert.match(mapInput('/frobnicate', ctx).local[0]?.text ?? '', 'unknown command /frobnicate');
});

map('/help lists the commands locally', () => {
  const out = mapInput('/help', ctx);
  assert.equal(out.send, []);
  assert.ok(out.local.some((l) => l.text.startsWith('/join')));
});

map('CR/LF in input never makes a second IRC line', () => {
  for (const input of ['hi\r\nQUIT :x', '/msg bob a\nJOIN #evil', '/nick a\rb', '/quote PRIVMSG #c :a\r\nQUIT']) {
    for (const line of mapInput(input, ctx).send) assert.not.match(line, /[\r\n\0]/, input);
  }
});

map('a long line becomes several messages, each within 512 bytes as relayed', () => {
  const text = 'ü'.repeat(400) + ' ' + '日本'.repeat(200);
  const lines = mapInput(text, ctx).send;
  assert.ok(lines.length > 1);
  const texts = lines.map((l) => parseMessage(l)?.params[1] ?? '');
  assert.is(texts.join(''), text);
  for (const line of lines) assert.ok(byteLength(`:${ctx.selfPrefix} ${line}\r\n`) <= 512, `${byteLength(line)}`);
});

map('a long /me keeps every piece a whole ACTION', () => {
  const lines = mapInput(`/me ${'x'.repeat(900)}`, ctx).send;
  assert.ok(lines.length > 1);
  for (const line of lines) {
    assert.match(line, /^PRIVMSG #chat :\x01ACTION x+\x01$/);
    assert.ok(byteLength(`:${ctx.selfPrefix} ${line}\r\n`) <= 512);
  }
});

map('before our prefix is known the budget assumes a long one', () => {
  assert.ok(textBudget('PRIVMSG', '#c', { nick: 'a', selfPrefix: undefined }) < textBudget('PRIVMSG', '#c', { nick: 'a', selfPrefix: 'a!u@h' }));
});

map.run();
