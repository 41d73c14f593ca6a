// A WebSocket as a connection's transport (see Link in connection.ts). What the gateway writes
// are frames its codec built already (edges/websocket/frames.ts, shared by every recipient), so
// they go straight to the upgraded socket, one write per flush as on TCP; ws reads and checks
// what the client sends (masking, UTF-8 of text messages, maxPayload), answers its pings and
// carries the closing handshake.

import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { Link } from './connection.js';

/** Close codes (RFC 6455 §7.4.1). */
const NORMAL = 1000;
const POLICY = 1008;

export class WebSocketLink implements Link {
  private ended = false;

  constructor(
    private readonly ws: WebSocket,
    /** The socket ws took over at the upgrade: a net.Socket (or a TLSSocket, which is one). */
    private readonly socket: Socket,
  ) {}

  write(data: Buffer): boolean {
    // After a close frame (ours or the client's) no data frame may follow it.
    if (this.ws.readyState !== WebSocket.OPEN) return true;
    return this.socket.write(data);
  }

  /** The socket's unsent bytes and whatever ws itself still holds (its own frames). */
  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  get writableEnded(): boolean {
    return this.ended || this.ws.readyState !== WebSocket.OPEN;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  /** The closing handshake, after what was written (the IRC ERROR line says why). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.ws.close(NORMAL);
  }

  /** A peer that does not read: the close frame is best-effort; the gateway destroys it soon after. */
  destroySoon(): void {
    if (this.ended) return;
    this.ended = true;
    this.ws.close(POLICY, 'send queue full');
  }

  destroy(): void {
    this.ended = true;
    this.ws.terminate();
  }

  once(event: 'close', listener: () => void): void {
    if (this.ws.readyState === WebSocket.CLOSED) return void queueMicrotask(listener);
    this.ws.once(event, () => listener());
  }
}
