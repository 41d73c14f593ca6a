// The soak's clients: a raw TCP connection that reads line by line and keeps no history,
// so a client can run for hours without its memory growing with what it received.

import net from 'node:net';

export class LineClient {
  readonly socket: net.Socket;
  closed = false;
  private partial = '';
  private waiters: Array<{ test: (line: string) => boolean; resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout }> = [];
  private readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket, readonly onLine: (line: string) => void) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.receive(text));
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error('closed while waiting'));
        }
        resolve();
      }),
    );
  }

  static connect(port: number, host: string, onLine: (line: string) => void = () => {}): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LineClient(socket, onLine));
      });
      socket.once('error', reject);
    });
  }

  /** Waits for a received line (or the unfinished prompt) that passes `test`. */
  waitLine(test: (line: string) => boolean, timeoutMs = 10_000): Promise<void> {
    if (this.partial && test(this.partial)) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('closed'));
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  send(text: string): void {
    if (!this.closed) this.socket.write(text);
  }

  whenClosed(timeoutMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    return Promise.race([this.closedPromise.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }

  private receive(text: string): void {
    const parts = (this.partial + text).split('\r\n');
    this.partial = parts.pop()!;
    for (const line of parts) {
      this.onLine(line);
      this.check(line);
    }
    if (this.partial) this.check(this.partial);
  }

  private check(line: string): void {
    if (this.waiters.length === 0) return;
    for (const w of this.waiters.slice()) {
      if (!w.test(line)) continue;
      clearTimeout(w.timer);
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }
}
