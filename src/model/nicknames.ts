// Nickname rules, shared by everything that names a user. Problems are codes: each edge says
// them in its own words.

import { skeleton } from './confusables.js';

export const MAX_NICK_CHARS = 32;

export type NickProblem = 'empty' | 'tooLong' | 'space' | 'control' | 'invisible' | 'marks' | 'slash' | 'invalidUtf8' | 'ircChars' | 'ircStart';

export type NickCheck = { ok: true; nick: string; key: string } | { ok: false; problem: NickProblem };

const WHITESPACE = /\s/u;
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
/**
 * Characters that show as nothing, or as blank: the default-ignorable ones (U+3164 HANGUL FILLER,
 * U+115F, variation selectors…), and blank glyphs that are not white space (U+2800 BRAILLE
 * PATTERN BLANK, U+FFFC).
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800\ufffc]/u;
/**
 * A nickname starting with a combining mark, or marks stacked four high on one letter (decomposed:
 * Vietnamese writes two on a letter, some Indic syllables three; "zalgo" text stacks dozens).
 */
const MARKS = /^\p{M}|\p{M}{4}/u;
// One namespace for telnet and IRC, so every name must be a valid IRC nickname
// (modern.ircdocs.horse, "Clients"): these would split or retarget an IRC command (`,` lists
// targets, `*` `?` are masks, `!` `@` separate nick!user@host)…
export const IRC_FORBIDDEN = /[,*?!@]/u;
// …and a nickname must not read as a channel (`#` `&`), a trailing parameter (`:`), a server mask
// (`$`), a membership prefix (`+`; `@` is forbidden anywhere) or, as RFC 2812 says, start with a digit.
export const IRC_BAD_START = /^[#&:$+0-9]/u;

/**
 * The identity of a nickname: `Alice`, `alice` and `ａｌｉｃｅ` are one name (compatibility
 * folding and lower case), and so are look-alikes (`аlice` with a Cyrillic а, `b0b` and `bob`,
 * `bi11` and `bill`): the key is the UTS #39 skeleton of the folded name, folded again (a
 * prototype may be upper case: 0 → O). Folding first keeps `ALICE` and `alice` one name, at the
 * price of not catching a capital I posing as a small l.
 */
export function nickKey(nick: string): string {
  const folded = nick.normalize('NFKC').toLowerCase().normalize('NFKC');
  return skeleton(folded).toLowerCase().normalize('NFKC');
}

export function checkNick(raw: string): NickCheck {
  const nick = raw.trim();
  const chars = [...nick].length;
  if (chars === 0) return { ok: false, problem: 'empty' };
  if (chars > MAX_NICK_CHARS) return { ok: false, problem: 'tooLong' };
  if (WHITESPACE.test(nick)) return { ok: false, problem: 'space' };
  if (CONTROL_OR_FORMAT.test(nick)) return { ok: false, problem: 'control' };
  if (INVISIBLE.test(nick)) return { ok: false, problem: 'invisible' };
  if (MARKS.test(nick.normalize('NFD'))) return { ok: false, problem: 'marks' };
  if (nick.startsWith('/')) return { ok: false, problem: 'slash' };
  if (IRC_FORBIDDEN.test(nick)) return { ok: false, problem: 'ircChars' };
  if (IRC_BAD_START.test(nick)) return { ok: false, problem: 'ircStart' };
  // U+FFFD stands where the bytes were not UTF-8: a name nobody could type again.
  if (nick.includes('\ufffd')) return { ok: false, problem: 'invalidUtf8' };
  return { ok: true, nick, key: nickKey(nick) };
}
