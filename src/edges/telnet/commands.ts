// How a line from a named user reads: plain text or a slash command. Shared by the room
// actor (which acts on it) and the gateway (which must know which lines can move a user).

export type Parsed = { kind: 'text'; text: string } | { kind: 'command'; name: string; arg: string };

export function parseLine(line: string): Parsed {
  if (!line.startsWith('/')) return { kind: 'text', text: line };
  if (line.startsWith('//')) return { kind: 'text', text: line.slice(1) };
  const space = line.search(/\s/);
  const name = (space < 0 ? line.slice(1) : line.slice(1, space)).toLowerCase();
  const arg = space < 0 ? '' : line.slice(space + 1).trim();
  return { kind: 'command', name, arg };
}

/**
 * Commands after which the connection's next line may belong to another actor (a new name,
 * another room, or none), or whose answer comes from another actor (/msg, /rooms) or, in a
 * cluster, from Redis (/who): the gateway holds the sender's next line until they have settled,
 * so a user's answers arrive in the order the commands were typed.
 */
const BARRIERS = new Set(['nick', 'quit', 'join', 'leave', 'msg', 'rooms', 'who']);

export function isBarrier(line: string): boolean {
  if (!line.startsWith('/') || line.startsWith('//')) return false;
  const parsed = parseLine(line);
  return parsed.kind === 'command' && BARRIERS.has(parsed.name);
}
