// A raw TCP test client: sends bytes, keeps everything received, and waits for text.
// `bytes` is the wire as received; `text` is what a telnet user reads: the server's telnet
// commands (its IAC DO BINARY at connect, its answers) are not text.

import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { TelnetFilter } from '../../src/client/telnet.js';
import { Arrivals, waitForText, type TextMatch } from './wait.js';

export class TestClient {
  readonly socket: net.Socket;
  private received = Buffer.alloc(0);
  private shown = Buffer.alloc(0);
  private readonly telnet = new TelnetFilter();
  private readonly arrivals = new Arrivals();
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.shown = Buffer.concat([this.shown, this.telnet.push(d)]);
      this.arrivals.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.arrivals.wake();
    });
  }

  static async connect(port: number): Promise<TestClient> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await once(socket, 'connect');
    return new TestClient(socket);
  }

  /** Over TLS: resolves once the handshake is done (a self-signed certificate is accepted unless `options` say otherwise). */
  static async connectTls(port: number, options: tls.ConnectionOptions = {}): Promise<TestClient> {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options });
    await once(socket, 'secureConnect');
    return new TestClient(socket);
  }

  /** Connects, waits for the prompt, names itself and waits for its own join line. */
  static async named(port: number, nick: string): Promise<TestClient> {
    const c = await TestClient.connect(port);
    await c.waitFor('please write your name');
    c.send(`${nick}\r\n`);
    await c.waitFor(`> ${nick} joined the room`);
    return c;
  }

  get text(): string {
    return this.shown.toString('utf8');
  }

  get bytes(): Buffer {
    return this.received;
  }

  /** Received lines, with colours stripped, for readable assertions. */
  plainLines(): string[] {
    return this.text.replace(/\x1b\[\d+m/g, '').split('\r\n');
  }

  clear(): void {
    this.received = Buffer.alloc(0);
    this.shown = Buffer.alloc(0);
  }

  send(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  async waitFor(match: TextMatch, timeoutMs = 5000): Promise<void> {
    await waitForText(() => this.text, match, {
      timeoutMs,
      arrivals: this.arrivals,
      ended: () => this.closed,
      failure: (why) => `${why === 'ended' ? 'closed while' : 'timed out'} waiting for ${String(match)}; got ${JSON.stringify(this.text.slice(-500))}`,
    });
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => this.closed, timeoutMs).catch((err: unknown) => {
      if (!this.closed) throw err;
    });
  }

  /** Gives the server time to have sent anything it was going to (for "nothing arrives" checks). */
  static async settle(ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  close(): void {
    this.socket.destroy();
  }
}
