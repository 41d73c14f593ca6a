// Applying a list of mode changes to a room's state: what took effect (announced as one event),
// what was refused (told to the asker), and whose status changed. Pure: the room actor calls it
// once it has checked the asker may change modes at all.

import type { ConnId } from '../model/messages.js';
import type { Notice } from '../model/events.js';
import { checkKey, checkLimit, flagField, isFlag, MAX_BANS, MAX_MODE_CHANGES, normalizeMask, type ModeChange, type RoomState } from '../model/moderation.js';
import { nickKey } from '../model/nicknames.js';

export interface ModeResult {
  applied: ModeChange[];
  /** Each refusal, for the room that refused it. */
  refusals: Array<(room: string) => Notice>;
  /** Members whose status (o, v) changed. */
  members: ConnId[];
  bansChanged: boolean;
}

const drop = (list: number[], x: number): boolean => {
  const at = list.indexOf(x);
  if (at >= 0) list.splice(at, 1);
  return at >= 0;
};

/**
 * Changes `state` in place. A change that changes nothing (+m on a moderated room, -o on a
 * member who is no operator) is left out of `applied`, as IRC servers do, so nobody is told of it.
 */
export function applyModes(state: RoomState, changes: readonly ModeChange[], member: (nick: string) => { conn: ConnId; nick: string } | null, now: number, by: string): ModeResult {
  const result: ModeResult = { applied: [], refusals: [], members: [], bansChanged: false };
  for (const change of changes.slice(0, MAX_MODE_CHANGES)) {
    const { set, mode, arg } = change;
    if (isFlag(mode)) {
      const field = flagField(mode);
      if (state.modes[field] === set) continue;
      state.modes[field] = set;
      result.applied.push({ set, mode });
      continue;
    }
    switch (mode) {
      case 'o':
      case 'v': {
        if (arg === undefined) continue;
        const who = member(arg);
        if (who === null) {
          result.refusals.push((room) => ({ code: 'notMember', room, nick: arg }));
          continue;
        }
        const list = mode === 'o' ? state.ops : state.voiced;
        if (list.includes(who.conn) === set) continue;
        if (set) list.push(who.conn);
        else drop(list, who.conn);
        result.members.push(who.conn);
        result.applied.push({ set, mode, arg: who.nick });
        continue;
      }
      case 'b': {
        if (arg === undefined) continue; // a list query comes alone (see RoomActor.mode)
        const mask = normalizeMask(arg);
        const key = nickKey(mask);
        const at = state.bans.findIndex((b) => nickKey(b.mask) === key);
        if (set === at >= 0) continue;
        if (set && state.bans.length >= MAX_BANS) {
          result.refusals.push((room) => ({ code: 'banListFull', room }));
          continue;
        }
        if (set) state.bans.push({ mask, by, at: now });
        else state.bans.splice(at, 1);
        result.bansChanged = true;
        result.applied.push({ set, mode, arg: mask });
        continue;
      }
      case 'k': {
        if (!set) {
          if (state.modes.key === null) continue;
          state.modes.key = null;
          result.applied.push({ set, mode, arg: '*' });
          continue;
        }
        const key = checkKey(arg);
        if (key === null || key === state.modes.key) continue;
        state.modes.key = key;
        result.applied.push({ set, mode, arg: key });
        continue;
      }
      case 'l': {
        if (!set) {
          if (state.modes.limit === null) continue;
          state.modes.limit = null;
          result.applied.push({ set, mode });
          continue;
        }
        const limit = checkLimit(arg);
        if (limit === null || limit === state.modes.limit) continue;
        state.modes.limit = limit;
        result.applied.push({ set, mode, arg: String(limit) });
        continue;
      }
    }
  }
  return result;
}
