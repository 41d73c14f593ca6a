import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clientTagsOf, clientTagText, MAX_CLIENT_TAG_BYTES, tagSectionFits } from '../src/edges/irc/client-tags.js';
import { parseLine } from '../src/edges/irc/message.js';
import { messageLines, TAGS, TIME } from '../src/edges/irc/render.js';

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

t('tag section limit is 4094 bytes of tag data', () => {
  // '+k=' is 3 bytes of the n
  const at = (n: number): string => `@+k=${'a'.repeat(n - 3)} PRIVMSG #t x`;
  assert.ok(tagSectionFits(at(MAX_CLIENT_TAG_BYTES)));
  assert.not.ok(tagSectionFits(at(MAX_CLIENT_TAG_BYTES + 1)));
  assert.ok(tagSectionFits('PRIVMSG #t x'));
  // bytes, not characters: 2-byte characters count twice
  assert.not.ok(tagSectionFits(`@+k=${'é'.repeat(2046)} PRIVMSG #t x`));
});

t('renderer: client tags after msgid for message-tags, absent otherwise', () => {
  const client = { '+baz': 'bat' };
  const at = Date.UTC(2024, 0, 1);
  assert.is(messageLines(TAGS | TIME, at, 'id1', 'alice', 'PRIVMSG', '#test', 'hi', false, client).split(' ')[0], '@time=2024-01-01T00:00:00.000Z;msgid=id1;+baz=bat');
  assert.is(messageLines(TIME, at, 'id1', 'alice', 'PRIVMSG', '#test', 'hi', false, client).split(' ')[0], '@time=2024-01-01T00:00:00.000Z');
  assert.not.match(messageLines(0, at, 'id1', 'alice', 'PRIVMSG', '#test', 'hi', false, client), '+baz');
});

t.run();
