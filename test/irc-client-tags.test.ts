import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clientTagsOf, clientTagText } from '../src/edges/irc/client-tags.js';
import { IrcFramer } from '../src/edges/irc/framer.js';
import { parseLine } from '../src/edges/irc/message.js';
import { messageLines, renderBroadcast, TAGS, TIME } from '../src/edges/irc/render.js';
import { renderTelnet } from '../src/edges/telnet/render.js';
import { IrcSession } from '../src/edges/irc/session.js';
import { defaultConfig } from '../src/config.js';
import { ircOptions } from './helpers/irc.js';

const t = suite('IRC client-only tags');

t('client tags are kept, server tags from a client dropped', () => {
  const line = parseLine('@+baz=bat;fizz=buzz;+example.com/x;msgid=forged PRIVMSG #test hi');
  assert.equal({ ...clientTagsOf(line!.tags) }, { '+baz': 'bat', '+example.com/x': '' });
});

t('no client tags is undefined, so events without tags stay as before', () => {
  assert.is(clientTagsOf(parseLine('@fizz=buzz PRIVMSG #test hi')!.tags), undefined);
  assert.is(clientTagsOf({}), undefined);
});

t('malformed keys are not relayed', () => {
  assert.is(clientTagsOf({ '+': 'a', '+a b': 'c', '+a;b': 'c', '+/x': 'y' }), undefined);
});

t('escaped values round-trip through parse and render', () => {
  const tags = clientTagsOf(parseLine('@+v=a\\:b\\sc\\\\d\\r\\n PRIVMSG #t x')!.tags)!;
  assert.is(tags['+v'], 'a;b c\\d\r\n');
  assert.is(clientTagText(tags), '+v=a\\:b\\sc\\\\d\\r\\n');
  assert.equal({ ...clientTagsOf(parseLine(`@${clientTagText(tags)} PRIVMSG #t x`)!.tags) }, { ...tags });
});

/** What the framer makes of `text`: its lines, and 'tooLong' for each refused one. */
function frame(text: string): string[] {
  const out: string[] = [];
  new IrcFramer().push(Buffer.from(text), { line: (l) => void out.push(l), tooLong: () => void out.push('tooLong'), reply: () => {}, notice: () => {} });
  return out;
}

t('a client tag section is 4094 bytes of tag data at most (4096 with its @ and space), counted in bytes', () => {
  // '+k=' is 3 bytes of the n
  const at = (n: number): string => `@+k=${'a'.repeat(n - 3)} PRIVMSG #t x`;
  assert.equal(frame(`${at(4094)}\r\n`), [at(4094)]);
  assert.equal(frame(`${at(4095)}\r\nPING y\r\n`), ['tooLong', 'PING y']);
  // bytes, not characters: 2-byte characters count twice
  assert.equal(frame(`@+k=${'é'.repeat(2046)} PRIVMSG #t x\r\n`), ['tooLong']);
  // the body keeps its own 512 bytes next to the tags
  assert.equal(frame(`${at(4094).replace(' x', ` :${'b'.repeat(495 - 10)}`)}\r\n`).length, 1);
});

t('renderer: client tags after msgid for message-tags, absent otherwise', () => {
  const client = { '+baz': 'bat' };
  const at = Date.UTC(2024, 0, 1);
  assert.is(messageLines(TAGS | TIME, at, 'id1', 'alice', 'PRIVMSG', '#test', 'hi', false, client).split(' ')[0], '@time=2024-01-01T00:00:00.000Z;msgid=id1;+baz=bat');
  assert.is(messageLines(TIME, at, 'id1', 'alice', 'PRIVMSG', '#test', 'hi', false, client).split(' ')[0], '@time=2024-01-01T00:00:00.000Z');
  assert.not.match(messageLines(0, at, 'id1', 'alice', 'PRIVMSG', '#test', 'hi', false, client), '+baz');
});

t('TAGMSG renders for message-tags only (server-time alone gets nothing); telnet never shows tags', () => {
  const tagged = { k: 'tagged', room: 'test', id: 'id2', at: 0, nick: 'bob', tags: { '+typing': 'active' } } as const;
  assert.is(renderBroadcast(tagged, TAGS | TIME), '@time=1970-01-01T00:00:00.000Z;msgid=id2;+typing=active :bob!~u@node-chat TAGMSG #test\r\n');
  assert.is(renderBroadcast(tagged, TIME), '');
  assert.is(renderBroadcast(tagged, 0), '');
  assert.is(renderTelnet(tagged), '');
  const said = { k: 'said', room: 'test', id: 'id3', at: 0, nick: 'bob', text: 'hi', tags: { '+baz': 'bat' } } as const;
  assert.not.match(renderTelnet(said), 'baz');
  assert.is(renderBroadcast(said, TAGS), '@msgid=id3;+baz=bat :bob!~u@node-chat PRIVMSG #test :hi\r\n');
});

t('the edge reads tags from a message-tags client only; TAGMSG is 421 without the cap; a private TAGMSG is answered in the privates queue', () => {
  const from = { nick: 'alice', rooms: ['test'] };
  const plain = new IrcSession(ircOptions(defaultConfig()));
  assert.equal(plain.read('@+a=b PRIVMSG #test :hi', from), [{ intent: { kind: 'say', room: 'test', text: 'hi' } }]);
  assert.match((plain.read('@+a=b TAGMSG #test', from)[0] as { answer: string }).answer, ' 421 alice TAGMSG ');
  const s = new IrcSession(ircOptions(defaultConfig()));
  s.caps.add('message-tags');
  s.setCaps();
  // As data (the tags are a null-prototype record): compared as they cross to the actors.
  const plainData = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
  assert.equal(plainData(s.read('@+a=b;c=d PRIVMSG #test :hi', from)), [{ intent: { kind: 'say', room: 'test', text: 'hi', tags: { '+a': 'b' } } }]);
  assert.equal(plainData(s.read('@+a=b TAGMSG #test,bob', from)), [{ intent: { kind: 'tagmsg', room: 'test', tags: { '+a': 'b' } } }, { intent: { kind: 'privateTagmsg', target: 'bob', tags: { '+a': 'b' } } }]);
  assert.equal(s.read('@c=d TAGMSG #test', from), [], 'no client-only tags: nothing to send');
  assert.equal(s.privates, [false]);
  const echo = { k: 'privateTagged', id: '5-0', at: 0, from: 'alice', to: 'bob', tags: { '+a': 'b' }, echo: true } as const;
  assert.is(s.renderFor(echo, 'alice'), '', 'no echo-message: nothing shown');
  assert.equal(s.privates, [], 'but its answer taken from the queue');
  s.caps.add('echo-message');
  s.setCaps();
  assert.is(s.renderFor(echo, 'alice'), '@msgid=5-0;+a=b :alice!~u@node-chat TAGMSG bob\r\n');
  assert.is(s.renderFor({ ...echo, echo: undefined, from: 'bob', to: 'alice' }, 'alice'), '@msgid=5-0;+a=b :bob!~u@node-chat TAGMSG alice\r\n');
});

t.run();
