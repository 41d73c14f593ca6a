// How node-chat's users and rooms are named on IRC: one server name, one made-up user@host for
// everyone in broadcasts (events carry nicknames only, and a cluster has no per-user hostname
// worth showing), `#` before a room's name.

/**
 * The server's name in every line it sends (`--irc-server-name`). One per process, set once by
 * ircEdge before any session exists: a module binding rather than a parameter threaded through
 * every numeric.
 */
export let SERVER = 'node-chat';
export function nameServer(name: string): void {
  SERVER = name;
}
export const NETWORK = 'node-chat';
export const HOST = 'node-chat';

/** `nick!~u@node-chat`: the source of every line a user causes (WHOIS and WHO give its real username). */
export const source = (nick: string): string => `${nick}!~u@${HOST}`;

export const channel = (room: string): string => `#${room}`;
