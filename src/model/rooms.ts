// Room name rules, shared by everything that names a room. Problems are codes: each edge says
// them in its own words.

/** Where everyone starts; it never disappears, and nobody created it. */
export const LOBBY = 'lobby';

export const MAX_ROOM_CHARS = 32;

export type RoomProblem = 'empty' | 'tooLong' | 'chars';

export type RoomCheck = { ok: true; room: string } | { ok: false; problem: RoomProblem };

const ROOM_NAME = /^[A-Za-z0-9_-]+$/;

/** Checks a room name as typed; the room's identity is its lower-case form, without a leading '#'. */
export function checkRoom(raw: string): RoomCheck {
  const name = raw.trim().replace(/^#/, '');
  if (name.length === 0) return { ok: false, problem: 'empty' };
  if (name.length > MAX_ROOM_CHARS) return { ok: false, problem: 'tooLong' };
  if (!ROOM_NAME.test(name)) return { ok: false, problem: 'chars' };
  return { ok: true, room: name.toLowerCase() };
}
