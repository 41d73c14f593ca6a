// Room name rules, shared by everything that names a room.

import { LOBBY } from '../edges/telnet/texts.js';

export const MAX_ROOM_CHARS = 32;

export type RoomCheck = { ok: true; room: string } | { ok: false; why: string };

const ROOM_NAME = /^[A-Za-z0-9_-]+$/;

/** Checks a room name as typed; the room's identity is its lower-case form, without a leading '#'. */
export function checkRoom(raw: string): RoomCheck {
  const name = raw.trim().replace(/^#/, '');
  if (name.length === 0) return { ok: false, why: 'which room? usage: /join ROOM' };
  if (name.length > MAX_ROOM_CHARS) return { ok: false, why: `room name too long (at most ${MAX_ROOM_CHARS} characters)` };
  if (!ROOM_NAME.test(name)) return { ok: false, why: 'a room name is letters, digits, - and _ only' };
  return { ok: true, room: name.toLowerCase() };
}

export { LOBBY };
