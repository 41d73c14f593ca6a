// Entry point: flags, start, signals. `node dist/src/main.js --help` lists every flag.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveConfig, SETTINGS, type SettingName } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { telnetEdge, telnetLimits } from './edges/telnet/edge.js';
import { ircEdge, ircHistory } from './edges/irc/edge.js';
import { localSystem } from './runtime/pool.js';

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
  // The cluster adapter (and ioredis) load only when asked for: alone, the server needs nothing else.
  const system = config.redis
    ? (await import('./cluster/remote.js')).clusterSystem({ url: config.redis, retention: config.retention })
    : localSystem(config.workers, config.actors);
  const gateway = new Gateway(config, system, telnetEdge(telnetLimits(config)));
  const address = await gateway.listen();
  const where = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scope = config.host ? '' : ' (every interface, IPv4 and IPv6)';
  const actors = config.redis ? `cluster node on ${config.redis}` : `${config.workers} actor host${config.workers === 1 ? '' : 's'} (${config.actors})`;
  let irc = '';
  if (config.ircPort !== null) {
    const motd = config.motdFile ? readFileSync(config.motdFile, 'utf8').split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1) : null;
    const options = { version: VERSION, motd, maxRooms: config.maxRooms, topicBytes: config.topicBytes, password: config.ircPassword, created: new Date(), server: config.ircServerName, ...ircHistory(config) };
    const at = await gateway.listen(config.ircPort, config.host, ircEdge(options));
    irc = `, IRC on port ${at.port}`;
  }
  console.log(`node-chat ${VERSION} listening on ${where}:${address.port}${scope}${irc}, ${actors}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const open = gateway.stats().open;
    console.log(`node-chat: ${signal}, telling ${open} connected user${open === 1 ? '' : 's'} and shutting down`);
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
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
