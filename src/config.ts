// Every setting and limit, with its default and the reason for it. Each one can be set by
// flag (--name) or environment variable; the flag wins. The README's "Limits and
// guarantees" lists the same table.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

interface Setting<T extends string | number> {
  env: string;
  default: T;
  why: string;
}

const num = (env: string, value: number, why: string): Setting<number> => ({ env, default: value, why });
const str = (env: string, value: string, why: string): Setting<string> => ({ env, default: value, why });

/** Soft limit on open files, read from /proc (Node has no getrlimit); null where unknown. */
function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line ? Number(line.split(/\s{2,}/)[1]) : NaN;
    return Number.isFinite(soft) ? soft : null;
  } catch {
    return null;
  }
}

const FD_HEADROOM = 64;

export const SETTINGS = {
  port: num('PORT', 3000, 'the classic node-chat port'),
  host: str('HOST', '', 'empty: every interface, IPv4 and IPv6'),
  workers: num('WORKERS', Math.max(1, availableParallelism() - 1), 'one core stays with the gateway thread, which does the socket work'),
  actors: str('ACTORS', 'worker', '"in-thread" runs the same actors on the main thread, to measure what the Worker hop costs'),
  'max-line': num('MAX_LINE', 4096, 'longest line accepted, in bytes as received; also bounds what an unfinished line can hold'),
  'send-queue': num('SEND_QUEUE', 1 << 20, 'unsent bytes a client may fall behind before it is disconnected, so a stalled reader costs bounded memory'),
  'flood-rate': num('FLOOD_RATE', 5, 'lines per second a connection may send on average (0: no limit, for load tests)'),
  'flood-burst': num('FLOOD_BURST', 10, 'lines a connection may send at once before the rate applies'),
  'flood-kick': num('FLOOD_KICK', 30, 'seconds a connection may stay throttled with lines still waiting before it is disconnected'),
  'max-connections': num('MAX_CONNECTIONS', Math.max(16, (openFileLimit() ?? 1024) - FD_HEADROOM), 'open file limit less headroom for the listener, Workers and logs'),
  'per-ip': num('PER_IP', 16, 'connections from one address (loopback exempt, so local load tests work)'),
  'register-timeout': num('REGISTER_TIMEOUT', 60, 'seconds a connection may take to choose a valid nickname'),
  'held-lines': num('HELD_LINES', 100, 'lines one connection may have waiting (behind a command in flight, or the flood limit) before the server stops reading it: the rest waits in the kernel, so a pasted flood costs bounded memory'),
  'held-bytes': num('HELD_BYTES', 64 * 1024, 'the same bound in characters of text held (about bytes, for ASCII)'),
  'max-rooms': num('MAX_ROOMS', 20, 'rooms one connection may be in at once (IRC clients join several; telnet users are in one): each costs a membership in every actor and log it touches'),
  'topic-length': num('TOPIC_LENGTH', 300, 'longest room topic in UTF-8 bytes: fits one IRC line (512 bytes) with the prefix, numeric, nickname and channel around it'),
  'keepalive': num('KEEPALIVE', 60, 'seconds of silence before TCP keepalive probes look for a vanished peer'),
  'irc-port': str('IRC_PORT', '6667', 'the IRC listener (the standard plain-text IRC port); "off": none'),
  'irc-server-name': str('IRC_SERVER_NAME', 'node-chat', 'the server name IRC users see in numerics and PING/PONG'),
  'irc-password': str('IRC_PASSWORD', '', 'a server password IRC clients must give with PASS; empty: none'),
  motd: str('MOTD', '', 'a file whose lines IRC users get as the message of the day; empty: none (422)'),
  ping: num('PING', 120, 'seconds of silence before an IRC client is sent a PING (irssi and weechat ping every minute or so themselves)'),
  'ping-timeout': num('PING_TIMEOUT', 60, 'seconds an IRC client has to answer that PING before it is disconnected'),
  redis: str('REDIS_URL', '', 'redis://HOST:PORT joins the cluster sharing that Redis; empty: this process alone, nothing else needed'),
  retention: num('RETENTION', 10_000, 'events kept per room log in Redis: how far a node can fall behind (an outage) and still catch up'),
  history: num('HISTORY', 1000, 'events each room keeps (lines, actions, joins, leaves, renames, topics), and lines each private conversation keeps: a day of a busy room; 0 keeps none'),
  'history-room-bytes': num('HISTORY_ROOM_BYTES', 512 * 1024, 'bytes one room (or private conversation) keeps, estimated: 1,000 events of about 500 bytes, so a flood of 4 KB lines keeps about 120 of them instead of 4 MB'),
  'history-bytes': num('HISTORY_BYTES', 64 * 1024 * 1024, 'bytes every room and conversation keep together (single process; a cluster keeps history in Redis): past it the one written to longest ago loses its oldest events'),
  'history-on-join': num('HISTORY_ON_JOIN', 20, 'lines a telnet user is shown on joining a room (a screenful); /history N shows more'),
  'irc-autoreplay': num('IRC_AUTOREPLAY', 0, 'lines an IRC client without draft/chathistory gets as plain PRIVMSGs after joining (0 as ergo: a bouncer or logger would store them twice)'),
  'shutdown-grace': num('SHUTDOWN_GRACE', 3, 'seconds to flush goodbyes on SIGTERM before closing anyway'),
} as const;

export type SettingName = keyof typeof SETTINGS;

export interface Config {
  port: number;
  host: string;
  workers: number;
  actors: 'worker' | 'in-thread';
  maxLine: number;
  sendQueue: number;
  floodRate: number;
  floodBurst: number;
  floodKickSeconds: number;
  maxConnections: number;
  perIp: number;
  registerTimeoutSeconds: number;
  heldLines: number;
  heldBytes: number;
  maxRooms: number;
  topicBytes: number;
  keepAliveSeconds: number;
  /** null: no IRC listener. */
  ircPort: number | null;
  ircPassword: string;
  ircServerName: string;
  motdFile: string;
  pingSeconds: number;
  pingTimeoutSeconds: number;
  shutdownGraceSeconds: number;
  redis: string;
  retention: number;
  /** Events per room (and lines per private conversation) kept; 0: no history. */
  history: number;
  historyRoomBytes: number;
  historyBytes: number;
  historyOnJoin: number;
  ircAutoreplay: number;
}

/** Builds a Config from flag values (strings, as parseArgs gives them) over env over defaults. */
export function resolveConfig(flags: Partial<Record<SettingName, string>>, env: NodeJS.ProcessEnv = process.env): Config {
  const value = <K extends SettingName>(name: K): (typeof SETTINGS)[K]['default'] => {
    const setting = SETTINGS[name];
    const raw = flags[name] ?? env[setting.env];
    if (raw === undefined) return setting.default;
    if (typeof setting.default === 'string') return raw;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a number >= 0, got ${JSON.stringify(raw)}`);
    return n;
  };
  const actors = value('actors');
  if (actors !== 'worker' && actors !== 'in-thread') throw new Error(`--actors is "worker" or "in-thread", got ${JSON.stringify(actors)}`);
  const workers = value('workers');
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers needs a whole number >= 1`);
  return {
    port: value('port'),
    host: value('host'),
    workers,
    actors,
    maxLine: value('max-line'),
    sendQueue: value('send-queue'),
    floodRate: value('flood-rate'),
    floodBurst: Math.max(1, value('flood-burst')),
    floodKickSeconds: value('flood-kick'),
    maxConnections: value('max-connections'),
    perIp: value('per-ip'),
    registerTimeoutSeconds: value('register-timeout'),
    heldLines: Math.max(1, value('held-lines')),
    heldBytes: Math.max(1, value('held-bytes')),
    maxRooms: Math.max(1, value('max-rooms')),
    topicBytes: Math.max(1, value('topic-length')),
    keepAliveSeconds: value('keepalive'),
    ircPort: ircPort(value('irc-port')),
    ircPassword: value('irc-password'),
    ircServerName: value('irc-server-name'),
    motdFile: value('motd'),
    pingSeconds: value('ping'),
    pingTimeoutSeconds: Math.max(1, value('ping-timeout')),
    shutdownGraceSeconds: value('shutdown-grace'),
    redis: value('redis'),
    retention: Math.max(100, value('retention')),
    history: Math.floor(value('history')),
    historyRoomBytes: value('history-room-bytes'),
    historyBytes: value('history-bytes'),
    historyOnJoin: Math.floor(value('history-on-join')),
    ircAutoreplay: Math.floor(value('irc-autoreplay')),
  };
}

function ircPort(raw: string): number | null {
  if (raw === 'off') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--irc-port is a port number or "off", got ${JSON.stringify(raw)}`);
  return n;
}

/** The defaults, for tests and the in-process server. */
export const defaultConfig = (overrides: Partial<Config> = {}): Config => ({ ...resolveConfig({}, {}), ...overrides });
