// Nickname rules, shared by everything that names a user. Problems are codes: each edge says
// them in its own words.

export const MAX_NICK_CHARS = 32;

export type NickProblem = 'empty' | 'tooLong' | 'space' | 'control' | 'slash' | 'invalidUtf8';

export type NickCheck = { ok: true; nick: string; key: string } | { ok: false; problem: NickProblem };

const WHITESPACE = /\s/u;
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

/** The identity of a nickname: `Alice`, `alice` and `ａｌｉｃｅ` are one name. */
export function nickKey(nick: string): string {
  return nick.normalize('NFKC').toLowerCase().normalize('NFKC');
}

export function checkNick(raw: string): NickCheck {
  const nick = raw.trim();
  const chars = [...nick].length;
  if (chars === 0) return { ok: false, problem: 'empty' };
  if (chars > MAX_NICK_CHARS) return { ok: false, problem: 'tooLong' };
  if (WHITESPACE.test(nick)) return { ok: false, problem: 'space' };
  if (CONTROL_OR_FORMAT.test(nick)) return { ok: false, problem: 'control' };
  if (nick.startsWith('/')) return { ok: false, problem: 'slash' };
  // U+FFFD stands where the bytes were not UTF-8: a name nobody could type again.
  if (nick.includes('\ufffd')) return { ok: false, problem: 'invalidUtf8' };
  return { ok: true, nick, key: nickKey(nick) };
}
