// A load-generator connection over WebSocket (IRC over WebSocket, text.ircv3.net), shaped like
// the part of net.Socket a Conn uses: what it writes is IRC lines, each sent as one message; each
// message received is handed on as a line (LF added), so conn-reader.ts reads it as from TCP.

import { WebSocket } from 'ws';

/** What a Conn writes to and closes: a net.Socket, or a WsWire. */
export interface Wire {
  write(data: string, cb?: () => void): unknown;
  end(data: string): unknown;
  destroy(): unknown;
}

const LF = Buffer.from('\n');

export class WsWire implements Wire {
  readonly ws: WebSocket;

  constructor(host: string, port: number, onLines: (chunk: Buffer) => void) {
    this.ws = new WebSocket(`ws://${host}:${port}/ws`, ['text.ircv3.net'], { perMessageDeflate: false });
    this.ws.on('message', (data: Buffer) => onLines(Buffer.concat([data, LF])));
  }

  write(data: string, cb?: () => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const lines = data.split('\n');
    let last = lines.length - 1;
    while (last >= 0 && lines[last]!.replace(/\r$/, '') === '') last--;
    for (let i = 0; i <= last; i++) {
      const line = lines[i]!.replace(/\r$/, '');
      if (line === '') continue;
      if (i === last && cb !== undefined) this.ws.send(line, () => cb());
      else this.ws.send(line);
    }
  }

  end(data: string): void {
    this.write(data);
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }
}
