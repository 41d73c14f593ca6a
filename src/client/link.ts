// The connection loop both clients share: connect (TCP or TLS), decode UTF-8 across reads, and on
// a close decide between "the user left" (exit 0), "dropped" (say so plainly, exit 1) and, with
// --reconnect, another attempt after a backoff delay.

import * as net from 'node:net';
import * as tls from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import { formatAddress, type Address } from './address.js';
import { backoffDelay } from './backoff.js';
import type { Terminal } from './terminal.js';
import { TelnetFilter } from './telnet.js';

export interface LinkOptions {
  readonly address: Address;
  readonly tls?: boolean;
  readonly insecure?: boolean; // TLS without certificate checks
  /** The server speaks telnet: its commands are dropped before decoding (see telnet.ts). */
  readonly telnet?: boolean;
  readonly reconnect: boolean;
  readonly terminal: () => Terminal;
  /** A connection is up (the first or a later one). */
  onOpen(link: Link): void;
  /** Decoded text as it arrives. */
  onText(text: string): void;
}

/** How long a leave waits for the server to close the connection before closing it itself. */
export const CLOSE_WAIT_MS = 3000;

export class Link {
  private socket: net.Socket | undefined;
  private open = false;
  private leaving = false;
  private attempt = 0;
  private everOpen = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private finished = false;
  lastReceived = 0;
  readonly done: Promise<number>;
  private resolveDone!: (code: number) => void;

  constructor(private readonly options: LinkOptions) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get connected(): boolean {
    return this.open;
  }

  get name(): string {
    return formatAddress(this.options.address);
  }

  start(): void {
    const { host, port } = this.options.address;
    const socket = this.options.tls
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), rejectUnauthorized: !this.options.insecure })
      : net.connect({ host, port });
    this.socket = socket;
    const decoder = new StringDecoder('utf8');
    const telnet = this.options.telnet ? new TelnetFilter() : undefined;
    let failure: Error | undefined;
    socket.setNoDelay(true);
    socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
      this.open = true;
      this.everOpen = true;
      this.attempt = 0;
      this.options.onOpen(this);
    });
    socket.on('data', (chunk: Buffer) => {
      this.lastReceived = Date.now();
      const text = decoder.write(telnet ? telnet.push(chunk) : chunk);
      if (text) this.options.onText(text);
    });
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      const tail = decoder.end();
      if (tail) this.options.onText(tail);
      const wasOpen = this.open;
      this.open = false;
      this.socket = undefined;
      this.closed(wasOpen, failure);
    });
  }

  /** Sends text; while a connection is being made it is queued by the socket. False when there is none. */
  write(text: string): boolean {
    if (!this.socket || this.socket.destroyed || this.leaving) return false;
    this.socket.write(text);
    return true;
  }

  /** The user leaves: `farewell` (QUIT, or nothing) is sent, then we wait for the server to close. */
  leave(farewell = ''): void {
    if (this.leaving) return;
    this.leaving = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (!socket || !this.open) {
      socket?.destroy();
      this.finish(0);
      return;
    }
    socket.end(farewell);
    this.closeTimer = setTimeout(() => socket.destroy(), CLOSE_WAIT_MS);
  }

  /** A quit command went out: the server will close; that close is a clean exit (or we close after a while). */
  expectClose(): void {
    if (this.leaving) return;
    this.leaving = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (!socket) return this.finish(0);
    this.closeTimer = setTimeout(() => socket.destroy(), CLOSE_WAIT_MS);
  }

  private closed(wasOpen: boolean, failure: Error | undefined): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    if (this.leaving) {
      this.finish(0);
      return;
    }
    const code = failure && 'code' in failure ? String((failure as NodeJS.ErrnoException).code) : '';
    const why = failure ? `${failure.message}${code && !failure.message.includes(code) ? ` (${code})` : ''}` : '';
    const terminal = this.options.terminal();
    if (wasOpen) terminal.notice(`node-chat: the connection to ${this.name} was ${why ? `lost: ${why}` : 'closed by the server'}`);
    else terminal.notice(`node-chat: cannot connect to ${this.name}: ${why || 'closed'}`);
    if (!this.options.reconnect) {
      this.finish(1);
      return;
    }
    const delay = backoffDelay(this.attempt++);
    terminal.notice(`node-chat: reconnecting in ${(delay / 1000).toFixed(1)} s${this.everOpen ? '' : ' (--reconnect)'}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.leaving) this.start();
    }, delay);
  }

  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone(code);
  }
}

/**
 * The end of piped input: keep showing what still arrives "for a moment": until nothing came for
 * `quietMs`, at most `maxMs`. Then `leave` runs.
 */
export function lingerThen(link: Link, leave: () => void, quietMs = 400, maxMs = 1500): void {
  const started = Date.now();
  const check = (): void => {
    const now = Date.now();
    if (!link.connected || now - started >= maxMs || now - Math.max(link.lastReceived, started) >= quietMs) leave();
    else setTimeout(check, 100);
  };
  setTimeout(check, 100);
}
