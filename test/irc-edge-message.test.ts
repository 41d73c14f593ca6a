// The IRC edge's parser and serialiser against the ircdocs parser-tests vectors
// (test/fixtures/parser-tests: source, licence, and how they were transcribed).

import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { joinLine, parseLine, splitSource } from '../src/edges/irc/message.js';

interface Atoms {
  tags?: Record<string, string | null>;
  source?: string;
  verb: string;
  params?: string[];
}

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../test/fixtures/parser-tests/${name}.json`, import.meta.url), 'utf8')) as T;

const split = suite('irc message: msg-split vectors');
const splitTests = load<{ tests: Array<{ input: string; atoms: Atoms }> }>('msg-split').tests;
split(`every one of the ${splitTests.length} vectors splits into its atoms`, () => {
  for (const { input, atoms } of splitTests) {
    const msg = parseLine(input);
    assert.ok(msg, input);
    assert.equal(msg!.tags, Object.fromEntries(Object.entries(atoms.tags ?? {}).map(([k, v]) => [k, v ?? ''])), `tags of ${input}`);
    assert.is(msg!.source, atoms.source ?? null, `source of ${input}`);
    assert.is(msg!.verb, atoms.verb, `verb of ${input}`);
    assert.equal(msg!.params, atoms.params ?? [], `params of ${input}`);
  }
});
split('a line without a verb is nothing', () => {
  assert.is(parseLine(''), null);
  assert.is(parseLine('   '), null);
  assert.is(parseLine('@a=b :src'), null);
});
split.run();

const join = suite('irc message: msg-join vectors');
const joinTests = load<{ tests: Array<{ desc: string; atoms: Atoms; matches: string[] }> }>('msg-join').tests;
join(`every one of the ${joinTests.length} vectors joins into one of its accepted forms`, () => {
  for (const { desc, atoms, matches } of joinTests) {
    const tags = atoms.tags ? Object.fromEntries(Object.entries(atoms.tags).map(([k, v]) => [k, v ?? undefined])) : undefined;
    const line = joinLine({ ...(tags ? { tags } : {}), source: atoms.source ?? null, verb: atoms.verb, params: atoms.params ?? [] });
    // Tags are a map: any order of them is the same message.
    const same = (a: string, b: string): boolean => {
      const [ta, ra] = a.startsWith('@') ? [a.slice(1, a.indexOf(' ')).split(';').sort().join(';'), a.slice(a.indexOf(' '))] : ['', a];
      const [tb, rb] = b.startsWith('@') ? [b.slice(1, b.indexOf(' ')).split(';').sort().join(';'), b.slice(b.indexOf(' '))] : ['', b];
      return ta === tb && ra === rb;
    };
    assert.ok(matches.some((m) => same(m, line)), `${desc}: ${line} not in ${JSON.stringify(matches)}`);
  }
});
join('what we write parses back to the same atoms', () => {
  for (const { atoms } of joinTests) {
    const back = parseLine(joinLine({ source: atoms.source ?? null, verb: atoms.verb, params: atoms.params ?? [] }))!;
    assert.equal(back.params, atoms.params ?? []);
  }
});
join.run();

const userhost = suite('irc message: userhost-split vectors');
const userhostTests = load<{ tests: Array<{ source: string; atoms: { nick?: string; user?: string; host?: string } }> }>('userhost-split').tests;
userhost(`every one of the ${userhostTests.length} vectors splits into nick, user and host`, () => {
  for (const { source, atoms } of userhostTests) assert.equal(splitSource(source), { nick: atoms.nick ?? '', user: atoms.user ?? '', host: atoms.host ?? '' }, source);
});
userhost.run();
