// Nickname rules, shared by everything that names a user.

export const MAX_NICK_CHARS = 32;

export type NickCheck = { ok: true; nick: string; key: string } | { ok: false; why: string };

const WHITESPACE = /\s/u;
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

/** The identity of a nickname: `Alice`, `alice` and `ａｌｉｃｅ` are one name. */
export function nickKey(nick: string): string {
  return nick.normalize('NFKC').toLowerCase().normalize('NFKC');
}

export function checkNick(raw: string): NickCheck {
  const nick = raw.trim();
  const chars = [...nick].length;
  if (chars === 0) return { ok: false, why: 'a nickname needs at least one character' };
  if (chars > MAX_NICK_CHARS) return { ok: false, why: `nickname too long (at most ${MAX_NICK_CHARS} characters)` };
  if (WHITESPACE.test(nick)) return { ok: false, why: 'a nickname cannot contain spaces' };
  if (CONTROL_OR_FORMAT.test(nick)) return { ok: false, why: 'a nickname cannot contain control or invisible characters' };
  if (nick.startsWith('/')) return { ok: false, why: 'a nickname cannot start with /' };
  // U+FFFD stands where the bytes were not UTF-8: a name nobody could type again.
  if (nick.includes('\ufffd')) return { ok: false, why: 'a nickname cannot contain invalid characters (send UTF-8)' };
  return { ok: true, nick, key: nickKey(nick) };
}
