// The HTTP listener for end-to-end tests: an in-process node-chat with telnet, IRC and HTTP on
// ephemeral ports, and a WebSocket IRC client (the ws library's) that keeps every message.

import { WebSocket } from 'ws';
import { defaultConfig, type Config } from '../../src/config.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ircEdge, type IrcOptions } from '../../src/edges/irc/edge.js';
import { loadPage, type PageFile } from '../../src/gateway/page.js';
import { WebFront } from '../../src/gateway/web.js';
import type { SystemFactory } from '../../src/runtime/system.js';
import { ircOptions } from './irc.js';
import { telnetGateway } from './server.js';
import { Arrivals, waitForText, type TextMatch } from './wait.js';

export interface WebServer {
  gateway: Gateway;
  web: WebFront;
  port: number;
  ircPort: number;
  httpPort: number;
  close(): Promise<void>;
}

export async function startWebServer(
  overrides: Partial<Config> = {},
  opts: { page?: ReadonlyMap<string, PageFile>; system?: SystemFactory; irc?: Partial<IrcOptions> } = {},
): Promise<WebServer> {
  const config = defaultConfig({ host: '127.0.0.1', port: 0, workers: 1, floodRate: 0, shutdownGraceSeconds: 1, ...overrides });
  const gateway = telnetGateway(config, opts.system);
  const { port } = await gateway.listen();
  const irc = ircEdge(ircOptions(config, opts.irc));
  const { port: ircPort } = await gateway.listen(0, '127.0.0.1', irc);
  const web = new WebFront(gateway, config, opts.page ?? loadPage(), irc);
  const { port: httpPort } = await web.listen(0, '127.0.0.1');
  return { gateway, web, port, ircPort, httpPort, close: () => gateway.close(200) };
}

export interface Received {
  text: string;
  binary: boolean;
}

/** A WebSocket client: every message received, in order, and how the connection closed. */
export class WsClient {
  readonly messages: Received[] = [];
  closeCode: number | null = null;
  private readonly arrivals = new Arrivals();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      this.messages.push({ text: data.toString('utf8'), binary });
      this.arrivals.wake();
    });
    ws.on('error', () => {});
    ws.on('close', (code: number) => {
      this.closeCode = code;
      this.arrivals.wake();
    });
  }

  /** Opens `ws://127.0.0.1:port/ws` offering `protocols`; rejects with the HTTP status if the upgrade is refused. */
  static open(port: number, protocols: string[] = ['text.ircv3.net'], headers: Record<string, string> = {}, path = '/ws', deflate = false): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      // deflate: offer permessage-deflate and compress every message (ws's default threshold would leave short ones plain).
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, { headers, perMessageDeflate: deflate ? { threshold: 0 } : false });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Every message's text, one per line. */
  get text(): string {
    return this.messages.map((m) => m.text).join('\n');
  }

  send(line: string | Buffer, binary = false): void {
    this.ws.send(line, { binary });
  }

  async waitFor(match: TextMatch, timeoutMs = 5000): Promise<void> {
    await waitForText(() => this.text, match, {
      timeoutMs,
      arrivals: this.arrivals,
      ended: () => this.closeCode !== null,
      failure: (why) => `${why === 'ended' ? `closed (${this.closeCode}) while` : 'timed out'} waiting for ${String(match)}; got ${JSON.stringify(this.text.slice(-500))}`,
    });
  }

  /** Resolves with the close code. */
  async waitClosed(timeoutMs = 5000): Promise<number> {
    await waitForText(() => (this.closeCode === null ? '' : 'closed'), 'closed', {
      timeoutMs,
      arrivals: this.arrivals,
      failure: () => `not closed; got ${JSON.stringify(this.text.slice(-300))}`,
    });
    return this.closeCode!;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens /ws and registers as `nick`; resolves once the MOTD (or 422) is in. */
export async function wsUser(port: number, nick: string, protocols: string[] = ['text.ircv3.net']): Promise<WsClient> {
  const c = await WsClient.open(port, protocols);
  c.send(`NICK ${nick}`);
  c.send(`USER ${nick} 0 * :${nick} Test`);
  await c.waitFor(/ (376|422) /);
  return c;
}
