// IRC for end-to-end tests: an in-process node-chat listening for telnet and IRC on ephemeral
// ports, and a raw IRC client (TestClient: the wire as text) that registers.

import { defaultConfig, type Config } from '../../src/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { ircEdge, ircHistory, type IrcOptions } from '../../src/edges/irc/edge.js';
import type { SystemFactory } from '../../src/runtime/system.js';
import { TestClient } from './client.js';
import { telnetGateway } from './server.js';

export interface IrcServer {
  gateway: Gateway;
  port: number;
  ircPort: number;
  close(): Promise<void>;
}

export const ircOptions = (config: Config, more: Partial<IrcOptions> = {}): IrcOptions => ({
  version: 'test',
  motd: null,
  maxRooms: config.maxRooms,
  topicBytes: config.topicBytes,
  password: config.ircPassword,
  created: new Date(0),
  ...ircHistory(config),
  ...more,
});

export async function startIrcServer(overrides: Partial<Config> = {}, system?: SystemFactory, more: Partial<IrcOptions> = {}): Promise<IrcServer> {
  const config = defaultConfig({ host: '127.0.0.1', port: 0, workers: 1, floodRate: 0, shutdownGraceSeconds: 1, ...overrides });
  const gateway = telnetGateway(config, system);
  const { port } = await gateway.listen();
  const irc = await gateway.listen(0, '127.0.0.1', ircEdge(ircOptions(config, more)));
  return { gateway, port, ircPort: irc.port, close: () => gateway.close(200) };
}

/** Lines received so far, without CR LF. */
export const lines = (c: TestClient): string[] => c.text.split('\r\n').filter((l) => l !== '');

/** Connects and registers as `nick` (CAP REQ `caps` first, if any); resolves once the MOTD (or 422) is in. */
export async function ircUser(port: number, nick: string, caps: string[] = []): Promise<TestClient> {
  const c = await TestClient.connect(port);
  if (caps.length > 0) c.send(`CAP LS 302\r\nCAP REQ :${caps.join(' ')}\r\n`);
  c.send(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick} Test\r\n`);
  if (caps.length > 0) {
    await c.waitFor(/CAP \* (ACK|NAK)/);
    c.send('CAP END\r\n');
  }
  await c.waitFor(/ (376|422) /);
  return c;
}

let pings = 0;
/**
 * What `c` receives for `line`: everything up to the PONG of a PING sent right after it (PING
 * is a barrier: see README "Keepalive and abuse"), the PONG left out.
 */
export async function answerTo(c: TestClient, line: string): Promise<string[]> {
  c.clear();
  const token = `a${++pings}`;
  c.send(`${line}\r\nPING :${token}\r\n`);
  await c.waitFor(`PONG node-chat :${token}\r\n`);
  return lines(c).filter((l) => !l.includes(`PONG node-chat :${token}`));
}
