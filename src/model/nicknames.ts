// Nickname rules, shared by everything that names a user. Problems are codes: each edge says
// them in its own words.

export const MAX_NICK_CHARS = 32;

export type NickProblem = 'empty' | 'tooLong' | 'space' | 'control' | 'slash' | 'invalidUtf8' | 'ircChars' | 'ircStart';

export type NickCheck = { ok: true; nick: string; key: string } | { ok: false; problem: NickProblem };

const WHITESPACE = /\s/u;
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
// One namespace for telnet and IRC, so every name must be a valid IRC nickname
// (modern.ircdocs.horse, "Clients"): these would split or retarget an IRC command (`,` lists
// targets, `*` `?` are masks, `!` `@` separate nick!user@host)…
export const IRC_FORBIDDEN = /[,*?!@]/u;
// …and a nickname must not read as a channel (`#` `&`), a trailing parameter (`:`), a server mask
// (`$`), a membership prefix (`+`; `@` is forbidden anywhere) or, as RFC 2812 says, start with a digit.
export const IRC_BAD_START = /^[#&:$+0-9]/u;

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
  if (IRC_FORBIDDEN.test(nick)) return { ok: false, problem: 'ircChars' };
  if (IRC_BAD_START.test(nick)) return { ok: false, problem: 'ircStart' };
  // U+FFFD stands where the bytes were not UTF-8: a name nobody could type again.
  if (nick.includes('\ufffd')) return { ok: false, problem: 'invalidUtf8' };
  return { ok: true, nick, key: nickKey(nick) };
}
