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

/** pino's levels, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const isLogLevel = (s: string): s is LogLevel => (LOG_LEVELS as readonly string[]).includes(s);

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
  operators: str('OPERATORS', '', 'a file of server operator accounts ("NAME scrypt$..." lines; `node-chat hash-password NAME` prints one); empty: no server operators'),
  motd: str('MOTD', '', 'a file whose lines IRC users get as the message of the day; empty: none (422)'),
  ping: num('PING', 120, 'seconds of silence before an IRC client is sent a PING (irssi and weechat ping every minute or so themselves)'),
  'ping-timeout': num('PING_TIMEOUT', 60, 'seconds an IRC client has to answer that PING before it is disconnected'),
  'http-port': str('HTTP_PORT', '8080', 'the HTTP listener: the chat page, /ws (IRC over WebSocket), /healthz, /metrics; "off": none'),
  'ws-origins': str('WS_ORIGINS', '', 'origins a page must come from to open /ws, comma-separated (https://chat.example.org), or "*": any; empty: the page\'s own (the Origin\'s host is the request\'s Host). Clients that send no Origin (not browsers) are let in'),
  'ws-deflate': str('WS_DEFLATE', 'off', '"on" agrees to permessage-deflate (clients may compress what they send; what the server sends is shared by every recipient and stays uncompressed); off: no zlib state per connection'),
  'http-headers-timeout': num('HTTP_HEADERS_TIMEOUT', 10, 'seconds a client may take to send a request\'s headers (slowloris): then 408 and closed'),
  'http-request-timeout': num('HTTP_REQUEST_TIMEOUT', 30, 'seconds a client may take to send a whole request'),
  'http-keepalive-timeout': num('HTTP_KEEPALIVE_TIMEOUT', 5, 'seconds an idle keep-alive HTTP connection stays open'),
  'tls-cert': str('TLS_CERT', '', 'a PEM certificate file (the chain, leaf first): with --tls-key, turns on the TLS listeners below; SIGHUP reads both again'),
  'tls-key': str('TLS_KEY', '', 'the PEM private key file of --tls-cert'),
  'tls-port': str('TLS_PORT', '3443', 'telnet over TLS (openssl s_client, gnutls-cli, node-chat connect --tls), with --tls-cert; "off": none'),
  'irc-tls-port': str('IRC_TLS_PORT', '6697', 'IRC over TLS (the standard port, RFC 7194), with --tls-cert; "off": none'),
  'https-port': str('HTTPS_PORT', '8443', 'HTTPS and WSS: the HTTP listener\'s page and /ws over TLS, with --tls-cert; "off": none'),
  'sts-duration': str('STS_DURATION', '0', 'seconds IRC clients must keep to TLS once they met it (IRCv3 sts, advertised when IRC over TLS listens); 0, the spec\'s advice for a default: clients are moved to TLS each time but keep no policy, so a broken certificate cannot lock them out; "off": no sts'),
  'tls-handshake-timeout': num('TLS_HANDSHAKE_TIMEOUT', 10, 'seconds a client has to finish its TLS handshake; until then it holds a descriptor and counts against the connection caps (Node\'s own default is 120)'),
  redis: str('REDIS_URL', '', 'redis://HOST:PORT joins the cluster sharing that Redis; empty: this process alone, nothing else needed'),
  retention: num('RETENTION', 10_000, 'events kept per room log in Redis: how far a node can fall behind (an outage) and still catch up'),
  history: num('HISTORY', 1000, 'events each room keeps (lines, actions, joins, leaves, renames, topics), and lines each private conversation keeps: a day of a busy room; 0 keeps none'),
  'history-room-bytes': num('HISTORY_ROOM_BYTES', 512 * 1024, 'bytes one room (or private conversation) keeps, estimated: 1,000 events of about 500 bytes, so a flood of 4 KB lines keeps about 120 of them instead of 4 MB'),
  'history-bytes': num('HISTORY_BYTES', 64 * 1024 * 1024, 'bytes every room and conversation keep together (single process; a cluster keeps history in Redis): past it the one written to longest ago loses its oldest events'),
  'private-history-ttl': num('PRIVATE_HISTORY_TTL', 86_400, 'cluster: seconds a private conversation is kept in Redis after its last line (one process keeps it while both are connected): a day, long past any node restart its users come back from, and short, as a name whose holder never came back (its node crashed) hands its conversations to whoever takes it next'),
  'history-on-join': num('HISTORY_ON_JOIN', 20, 'lines a telnet user is shown on joining a room (a screenful); /history N shows more'),
  'irc-autoreplay': num('IRC_AUTOREPLAY', 0, 'lines an IRC client without draft/chathistory gets as plain PRIVMSGs after joining (0 as ergo: a bouncer or logger would store them twice)'),
  'shutdown-grace': num('SHUTDOWN_GRACE', 3, 'seconds to flush goodbyes on SIGTERM before closing anyway'),
  'log-level': str('LOG_LEVEL', 'info', 'least severe log events written to stdout: fatal, error, warn, info (connections and kicks), debug, trace, or silent'),
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
  /** The operators file (empty: none). */
  operatorsFile: string;
  ircServerName: string;
  motdFile: string;
  pingSeconds: number;
  pingTimeoutSeconds: number;
  /** null: no HTTP listener. */
  httpPort: number | null;
  wsOrigins: string;
  wsDeflate: boolean;
  httpHeadersTimeoutSeconds: number;
  httpRequestTimeoutSeconds: number;
  httpKeepAliveTimeoutSeconds: number;
  /** The certificate and key files; both '' (no TLS) or both set. */
  tlsCert: string;
  tlsKey: string;
  /** null: no such listener (turned off, or no certificate). */
  tlsPort: number | null;
  ircTlsPort: number | null;
  httpsPort: number | null;
  /** The IRCv3 sts policy's duration; null: no sts. */
  stsDurationSeconds: number | null;
  tlsHandshakeSeconds: number;
  shutdownGraceSeconds: number;
  redis: string;
  retention: number;
  /** Events per room (and lines per private conversation) kept; 0: no history. */
  history: number;
  historyRoomBytes: number;
  historyBytes: number;
  historyOnJoin: number;
  /** Cluster: seconds a private conversation outlives its last line in Redis. */
  privateHistoryTtlSeconds: number;
  ircAutoreplay: number;
  logLevel: LogLevel;
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
  const logLevel = value('log-level');
  if (!isLogLevel(logLevel)) throw new Error(`--log-level is one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
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
    ircPort: portOrOff('irc-port', value('irc-port')),
    ircPassword: value('irc-password'),
    operatorsFile: value('operators'),
    ircServerName: value('irc-server-name'),
    motdFile: value('motd'),
    pingSeconds: value('ping'),
    pingTimeoutSeconds: Math.max(1, value('ping-timeout')),
    httpPort: portOrOff('http-port', value('http-port')),
    wsOrigins: value('ws-origins'),
    wsDeflate: onOff('ws-deflate', value('ws-deflate')),
    httpHeadersTimeoutSeconds: Math.max(1, value('http-headers-timeout')),
    httpRequestTimeoutSeconds: Math.max(1, value('http-request-timeout')),
    httpKeepAliveTimeoutSeconds: Math.max(1, value('http-keepalive-timeout')),
    ...tlsSettings(value('tls-cert'), value('tls-key'), { tlsPort: value('tls-port'), ircTlsPort: value('irc-tls-port'), httpsPort: value('https-port') }),
    stsDurationSeconds: stsDuration(value('sts-duration')),
    tlsHandshakeSeconds: Math.max(1, value('tls-handshake-timeout')),
    shutdownGraceSeconds: value('shutdown-grace'),
    redis: value('redis'),
    retention: Math.max(100, value('retention')),
    history: Math.floor(value('history')),
    historyRoomBytes: value('history-room-bytes'),
    historyBytes: value('history-bytes'),
    historyOnJoin: Math.floor(value('history-on-join')),
    privateHistoryTtlSeconds: Math.max(1, Math.floor(value('private-history-ttl'))),
    ircAutoreplay: Math.floor(value('irc-autoreplay')),
    logLevel,
  };
}

function portOrOff(name: SettingName, raw: string): number | null {
  if (raw === 'off') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} is a port number or "off", got ${JSON.stringify(raw)}`);
  return n;
}

/** Without a certificate there is no TLS listener, whatever the ports say (so their defaults cost nothing). */
function tlsSettings(cert: string, key: string, ports: Record<'tlsPort' | 'ircTlsPort' | 'httpsPort', string>): Pick<Config, 'tlsCert' | 'tlsKey' | 'tlsPort' | 'ircTlsPort' | 'httpsPort'> {
  if ((cert === '') !== (key === '')) throw new Error(`--tls-cert and --tls-key go together (got only ${cert === '' ? '--tls-key' : '--tls-cert'})`);
  const port = (name: 'tls-port' | 'irc-tls-port' | 'https-port', raw: string): number | null => {
    const n = portOrOff(name, raw); // checked even when unused: a typo is told now, not when a certificate comes
    return cert === '' ? null : n;
  };
  return { tlsCert: cert, tlsKey: key, tlsPort: port('tls-port', ports.tlsPort), ircTlsPort: port('irc-tls-port', ports.ircTlsPort), httpsPort: port('https-port', ports.httpsPort) };
}

function stsDuration(raw: string): number | null {
  if (raw === 'off') return null;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--sts-duration is whole seconds (0 or more) or "off", got ${JSON.stringify(raw)}`);
  return n;
}

function onOff(name: SettingName, raw: string): boolean {
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`--${name} is "on" or "off", got ${JSON.stringify(raw)}`);
}

/** Lines and bytes one private conversation keeps (`--history`, `--history-room-bytes`; 0 lines: none), and for how long after its last (ms): a cluster's, in Redis. */
export interface PrivateHistory {
  lines: number;
  bytes: number;
  ttlMs: number;
}

export const privateHistoryOf = (c: Config): PrivateHistory => ({ lines: c.history, bytes: c.historyRoomBytes, ttlMs: c.privateHistoryTtlSeconds * 1000 });

/** The defaults, for tests and the in-process server. */
export const defaultConfig = (overrides: Partial<Config> = {}): Config => ({ ...resolveConfig({}, {}), ...overrides });
