// Entry point: flags, start, signals. `node dist/src/main.js --help` lists every flag.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { privateHistoryOf, resolveConfig, SETTINGS, type SettingName } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { telnetEdge, telnetLimits } from './edges/telnet/edge.js';
import { ircHistory } from './edges/irc/edge.js';
import { localSystem } from './runtime/pool.js';
import { openListeners } from './listeners.js';
import { createLog } from './ops/log.js';
import { gatewayLog, systemLog } from './ops/log-events.js';
import { createMetrics } from './ops/metrics.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function usage(): string {
  const row = (flag: string, text: string): string => `  --${flag.padEnd(18)} ${text}`;
  const rows = Object.entries(SETTINGS).map(([name, s]) => row(name, `${s.why} (env ${s.env}, default ${JSON.stringify(s.default)})`));
  return ['usage: node-chat serve [flags]', '', ...rows, row('help', 'this text'), row('version', 'the version'), ''].join('\n');
}

export async function serve(argv: string[]): Promise<void> {
  const options = Object.fromEntries(Object.keys(SETTINGS).map((name) => [name, { type: 'string' as const }]));
  const { values } = parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean' }, version: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return void process.stdout.write(usage());
  if (values.version) return void process.stdout.write(`node-chat ${VERSION}\n`);
  const config = resolveConfig(values as Partial<Record<SettingName, string>>);
  const ops = createLog({ level: config.logLevel });
  const log = ops.logger;
  const actors = config.redis ? `cluster node on ${config.redis}` : `${config.workers} actor host${config.workers === 1 ? '' : 's'} (${config.actors})`;
  log.info(
    { event: 'start', version: VERSION, nodejs: process.version, ...(config.redis ? { cluster: true } : { workers: config.workers, actors: config.actors }) },
    `node-chat ${VERSION} starting: ${actors}`,
  );
  const events = systemLog(log);
  // The cluster adapter (and ioredis) load only when asked for: alone, the server needs nothing else.
  const system = config.redis
    ? (await import('./cluster/remote.js')).clusterSystem({ url: config.redis, retention: config.retention, privateHistory: privateHistoryOf(config) }, events)
    : localSystem(config.workers, config.actors, events);
  const observer = gatewayLog(log);
  const telnet = telnetEdge(telnetLimits(config));
  const gateway = new Gateway(config, system, telnet, undefined, observer);
  const address = await gateway.listen();
  const where = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scope = config.host ? '' : ' (every interface, IPv4 and IPv6)';
  const motd = config.motdFile ? readFileSync(config.motdFile, 'utf8').split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1) : null;
  const ircOptions = { version: VERSION, motd, maxRooms: config.maxRooms, topicBytes: config.topicBytes, password: config.ircPassword, created: new Date(), server: config.ircServerName, ...ircHistory(config) };
  const { described, certificates, web, ports } = await openListeners(gateway, config, telnet, ircOptions);
  if (web) web.metrics = createMetrics(gateway, { cluster: config.redis !== '', logDropped: () => ops.dropped });
  // The gateway logs its own listeners (telnet, IRC, TLS); the web front's are logged here.
  for (const [protocol, port] of [['http', ports.http], ['https', ports.https]] as const) if (port !== undefined) log.info({ event: 'listening', protocol, port }, `${protocol} listener on port ${port}`);
  const others = described.map((l) => `, ${l}`).join('');
  if (certificates) {
    const c = certificates.current;
    log.info({ event: 'certificate', subject: c.subject, validTo: c.validTo, sha256: c.fingerprint }, `TLS certificate ${c.subject}, valid to ${c.validTo}, SHA-256 ${c.fingerprint}`);
    // The usual signal to read certificates again (a renewal): the listeners stay, no one is dropped.
    process.on('SIGHUP', () => {
      const reloaded = certificates.reload();
      if (reloaded.ok) {
        const n = reloaded.certificate;
        log.info({ event: 'certificate reloaded', subject: n.subject, validTo: n.validTo, sha256: n.fingerprint }, `SIGHUP: new connections get the certificate ${n.subject}, valid to ${n.validTo}, SHA-256 ${n.fingerprint}`);
      } else log.error({ event: 'certificate reload failed', sha256: certificates.current.fingerprint, reason: reloaded.why }, `SIGHUP: kept the certificate in use (SHA-256 ${certificates.current.fingerprint}): ${reloaded.why}`);
    });
  }
  // The summary tests and the bench wait for ("listening on HOST:PORT", "IRC on port P").
  log.info({ event: 'ready' }, `node-chat ${VERSION} listening on ${where}:${address.port}${scope}${others}, ${actors}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const open = gateway.stats().open;
    log.info({ event: 'shutdown', signal, users: open }, `${signal}: telling ${open} connected user${open === 1 ? '' : 's'} and shutting down`);
    gateway.close().then(
      () => {
        log.info({ event: 'stopped' }, 'stopped');
        ops.close();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ event: 'stopped', error: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        ops.close();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  serve(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`node-chat: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  });
}
