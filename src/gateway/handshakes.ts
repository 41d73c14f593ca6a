// TLS handshakes in progress on the chat listeners. A socket in its handshake is not yet a
// Connection (the greeting, the edge and the caps' count come once it is secure), but it holds a
// descriptor all the same: counted here, the caps see it as the connection it is about to be, so
// a flood of handshakes that never finish cannot use up the descriptors the caps protect.

import type { Socket } from 'node:net';

/** The same TCP connection seen from its raw socket and from the TLS socket over it. */
export const tcpKey = (socket: Socket): string => `${socket.localAddress}|${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;

export class Handshakes {
  /** Raw sockets by their connection, each with the address the caps count it under. */
  private readonly pending = new Map<string, { raw: Socket; address: string }>();
  private readonly perAddress = new Map<string, number>();

  get count(): number {
    return this.pending.size;
  }

  from(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** A TCP connection came in on a TLS listener; it counts until `secured` or its close. */
  begin(raw: Socket): void {
    const key = tcpKey(raw);
    const address = raw.remoteAddress ?? '';
    this.pending.set(key, { raw, address });
    this.perAddress.set(address, this.from(address) + 1);
    // Only its own entry: once secured, the key may in principle be another handshake's by the time it closes.
    raw.once('close', () => {
      if (this.pending.get(key)?.raw === raw) this.drop(key);
    });
  }

  /** The handshake over `socket` (the TLS socket) finished: from now on it counts as a connection. */
  secured(socket: Socket): void {
    this.drop(tcpKey(socket));
  }

  /** Shutdown: no handshake in progress may hold the listeners open. */
  destroyAll(): void {
    for (const { raw } of this.pending.values()) raw.destroy();
  }

  private drop(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    this.pending.delete(key);
    const n = this.from(entry.address) - 1;
    if (n > 0) this.perAddress.set(entry.address, n);
    else this.perAddress.delete(entry.address);
  }
}
