// Nickname rules: what is refused (and why, as a code), and which names are one name.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkNick, nickKey } from '../src/model/nicknames.js';
import { skeleton } from '../src/model/confusables.js';
import { CONFUSABLES_VERSION } from '../src/model/confusables-data.js';

const same = suite('nicknames: one name under folding and look-alikes');
const groups = [
  ['alice', 'Alice', 'ALICE', 'ａｌｉｃｅ', 'аlice' /* Cyrillic а */, 'alіce' /* Ukrainian і */, 'ɑlice' /* Latin alpha */],
  ['bob', 'BOB', 'b0b', 'Ｂｏｂ', 'bоb' /* Cyrillic о */],
  ['bill', 'Bill', 'bi11', 'bi1l'],
  ['fix', 'FIX', 'ﬁx'],
  ['é', 'e\u0301', 'É'],
];
for (const group of groups) {
  same(`${group[0]}: ${group.join(' · ')}`, () => {
    for (const n of group) assert.is(nickKey(n), nickKey(group[0]!), n);
  });
}
same('different names stay different', () => {
  const names = ['alice', 'bob', 'carol', 'dave', 'eve', 'zoë', 'zoe', '日本語', 'キ', 'ki'];
  assert.is(new Set(names.map(nickKey)).size, names.length);
});
same('the skeleton follows UTS #39: NFD, prototypes, NFD', () => {
  assert.is(skeleton('аlice'), 'alice');
  assert.is(skeleton('0'), 'O', 'a digit zero looks like a capital O');
  assert.is(skeleton('m'), 'rn');
  assert.is(skeleton('é'), 'e\u0301', 'decomposed');
  assert.match(CONFUSABLES_VERSION, /^\d+\.\d+\.\d+$/);
});
same.run();

const refused = suite('nicknames: invisible, blank and mark-only names are refused');
const cases: Array<[string, string]> = [
  ['\u3164', 'invisible'], // HANGUL FILLER
  ['a\u3164b', 'invisible'],
  ['\u115f', 'invisible'], // HANGUL CHOSEONG FILLER
  ['\u2800', 'invisible'], // BRAILLE PATTERN BLANK
  ['x\ufe0f', 'invisible'], // a variation selector
  ['\u0301abc', 'marks'],
  ['a\u0301\u0302\u0303\u0304', 'marks'],
  ['z\u0336\u0336\u0336\u0336algo', 'marks'],
  ['zero\u200bwidth', 'control'],
  ['two words', 'space'],
];
for (const [nick, problem] of cases) refused(JSON.stringify(nick), () => assert.equal(checkNick(nick), { ok: false, problem }));
refused('accents and scripts people write are fine', () => {
  for (const nick of ['Zoë', 'José', 'Ѐлена', '日本語', 'ａｌｉｃｉａ', 'Nguyễn', 'e\u0301\u0302\u0303', 'नमस्ते', '😀']) assert.ok(checkNick(nick).ok, nick);
});
refused.run();
