// Moderation as plain data and pure rules: a room's modes (IRC letters, the same settings for
// every protocol), its bans, and which member may do what. The room actor keeps the state and
// applies these rules; edges parse and render the changes in their own syntax.

import { nickKey } from './nicknames.js';
import { LOBBY } from './rooms.js';

/** The letters of the room settings that take no argument. */
export type FlagMode = 't' | 'n' | 'm' | 'i' | 's';
/** Every room mode letter: member status (o, v), lists (b), settings with an argument (k, l). */
export type ModeLetter = FlagMode | 'o' | 'v' | 'b' | 'k' | 'l';

export const FLAG_MODES: readonly FlagMode[] = ['i', 'm', 'n', 's', 't'];
export const MODE_LETTERS = new Set<string>(['o', 'v', 'b', 'k', 'l', 't', 'n', 'm', 'i', 's']);
/** Changes one command may carry (IRC ISUPPORT MODES): bounds the work one line can cause. */
export const MAX_MODE_CHANGES = 4;
/** Bans one room may hold: each is checked on every join, and a list nobody bounds is memory anyone can take. */
export const MAX_BANS = 100;
/** Longest ban mask, in characters. */
export const MAX_MASK = 100;
/** Longest room key, in characters. */
export const MAX_KEY = 32;

/** One requested change: `+m`, `-o bob`, `+b *!*@*`, `+k secret`, `+l 10`, `-k`. */
export interface ModeChange {
  set: boolean;
  mode: ModeLetter;
  arg?: string;
}

export interface Ban {
  mask: string;
  by: string;
  at: number;
}

/** A room's settings. */
export interface RoomModes {
  /** +t: only operators set the topic. */
  topicLock: boolean;
  /** +n: no messages from outside the room. */
  noOutside: boolean;
  /** +m: only operators and voiced members speak. */
  moderated: boolean;
  /** +i: only invited users join. */
  inviteOnly: boolean;
  /** +s: secret: LIST, NAMES, WHO and WHOIS show the room only to its members. */
  secret: boolean;
  /** +k: the password to join, or none. */
  key: string | null;
  /** +l: the most members, or none. */
  limit: number | null;
}

/**
 * What a room's moderation is, as plain data: what a restarted actor host is rebuilt from (the
 * gateway keeps the last one each room announced) and what a cluster keeps in its store.
 */
export interface RoomState {
  modes: RoomModes;
  bans: Ban[];
  /** Members who are operators, and who have a voice (by connection: a rename keeps them). */
  ops: number[];
  voiced: number[];
  /** Nickname keys invited since the last join that used the invitation. */
  invited: string[];
  /** When the room was made (IRC 329). */
  created: number;
}

/** The modes of a new room: the lobby has no creator and an open topic; others lock it. */
export function defaultModes(room: string): RoomModes {
  return { topicLock: room !== LOBBY, noOutside: true, moderated: false, inviteOnly: false, secret: false, key: null, limit: null };
}

export function freshState(room: string, now: number): RoomState {
  return { modes: defaultModes(room), bans: [], ops: [], voiced: [], invited: [], created: now };
}

type FlagField = 'topicLock' | 'noOutside' | 'moderated' | 'inviteOnly' | 'secret';
const FLAG_FIELD: Record<FlagMode, FlagField> = { t: 'topicLock', n: 'noOutside', m: 'moderated', i: 'inviteOnly', s: 'secret' };
export const flagField = (mode: FlagMode): FlagField => FLAG_FIELD[mode];
export const isFlag = (mode: ModeLetter): mode is FlagMode => mode in FLAG_FIELD;

/** `+mnt` and the arguments for k and l (the key shown only to `withKey`), as IRC's 324 gives them. */
export function modeString(modes: RoomModes, withKey: boolean): { letters: string; args: string[] } {
  let letters = '+';
  const args: string[] = [];
  for (const m of FLAG_MODES) if (modes[FLAG_FIELD[m]]) letters += m;
  if (modes.key !== null) {
    letters += 'k';
    args.push(withKey ? modes.key : '*');
  }
  if (modes.limit !== null) {
    letters += 'l';
    args.push(String(modes.limit));
  }
  return { letters, args };
}

/**
 * Everyone shows the same `user@host` (see the IRC edge's names): a user's mask is its nickname
 * with that. Bans match it, so `bob`, `bob!*@*` and `b*!*@*` all name bob.
 */
export const MASK_TAIL = '~u@node-chat';
export const maskOf = (nick: string): string => `${nick}!${MASK_TAIL}`;

/** A mask as given (`bob`, `bob!*`, `*!*@host`) made whole: `nick!user@host`, each part `*` when missing. */
export function normalizeMask(raw: string): string {
  let mask = raw.trim().slice(0, MAX_MASK);
  if (mask === '') return '*!*@*';
  if (!mask.includes('!') && !mask.includes('@')) mask += '!*@*';
  else if (!mask.includes('!')) mask = `*!${mask}`;
  else if (!mask.includes('@')) mask += '@*';
  return mask;
}

/** Folded as nicknames are (NFKC, lower case, look-alikes), so a ban catches what the namespace would. */
const fold = (text: string): string => nickKey(text);

/** Whether `mask` (with `*` and `?`) matches `target`, both folded as nicknames are. */
export function matchMask(mask: string, target: string): boolean {
  const m = [...fold(mask)];
  const t = [...fold(target)];
  // Iterative glob with one backtrack point: linear in practice, no regular expression built from input.
  let mi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (mi < m.length && (m[mi] === '?' || m[mi] === t[ti])) {
      mi++;
      ti++;
    } else if (mi < m.length && m[mi] === '*') {
      star = mi++;
      mark = ti;
    } else if (star >= 0) {
      mi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (mi < m.length && m[mi] === '*') mi++;
  return mi === m.length;
}

export const isBanned = (bans: readonly Ban[], nick: string): boolean => bans.length > 0 && bans.some((b) => matchMask(b.mask, maskOf(nick)));

/** Why a join is refused, in the order IRC servers check (ban, invite, key, limit). */
export type JoinRefusal = 'banned' | 'inviteOnly' | 'badKey' | 'full';

export function joinRefusal(state: RoomState, nick: string, key: string | undefined, size: number, invited: boolean): JoinRefusal | null {
  // A ban holds even against an invitation (only a server operator gets past it); an invitation
  // lets one in past +i, +k and +l.
  if (isBanned(state.bans, nick)) return 'banned';
  if (invited) return null;
  if (state.modes.inviteOnly) return 'inviteOnly';
  if (state.modes.key !== null && key !== state.modes.key) return 'badKey';
  if (state.modes.limit !== null && size >= state.modes.limit) return 'full';
  return null;
}

/** A key as IRC allows one: no spaces, commas or colons at its start, bounded. */
export function checkKey(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const key = raw.replace(/[\s,\x00-\x1f\x7f]/g, '').slice(0, MAX_KEY);
  return key === '' || key.startsWith(':') ? null : key;
}

/** A member limit: a positive whole number, or null when the argument is no such number. */
export function checkLimit(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d{1,6}$/.test(raw.trim())) return null;
  const n = Number(raw.trim());
  return n > 0 ? n : null;
}

/**
 * `+mo-v bob carol` as changes, taking arguments in order (o, v, b always; k and l when set;
 * a `-k` may carry the old key). Unknown letters come back apart, for the asker to be told.
 * `b` with no argument left reads as a question (the ban list), as IRC clients send it.
 */
export function parseModes(flags: string, args: readonly string[]): { changes: ModeChange[]; unknown: string[] } {
  const changes: ModeChange[] = [];
  const unknown: string[] = [];
  let set = true;
  let next = 0;
  for (const c of flags) {
    if (c === '+' || c === '-') {
      set = c === '+';
      continue;
    }
    if (!MODE_LETTERS.has(c)) {
      if (!unknown.includes(c)) unknown.push(c);
      continue;
    }
    const mode = c as ModeLetter;
    const takes = mode === 'o' || mode === 'v' || mode === 'b' || (set && (mode === 'k' || mode === 'l')) || (!set && mode === 'k' && next < args.length);
    if (takes) {
      const arg = args[next++];
      if (arg === undefined) {
        if (mode === 'b') changes.push({ set: true, mode: 'b' });
        continue; // o, v, +k, +l without their argument change nothing
      }
      changes.push({ set, mode, arg });
    } else changes.push({ set, mode });
  }
  return { changes, unknown };
}
