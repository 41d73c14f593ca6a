// The WebSocket baseline: a plain `ws` broadcast server, the loop every tutorial shows
// (`for (const c of wss.clients) c.send(msg)`: one send, hence one frame built and one write,
// per recipient per line), with just enough IRC for the load generator's clients: NICK/USER are
// answered 001, JOIN with the JOIN and 366, and each PRIVMSG goes to every other client as
// `:nick!u@h PRIVMSG #room :text`. One room, no checks: the least a server can do per line.
//
//   node dist/bench/baselines/ws-broadcast.js --port 0 --host 127.0.0.1

import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';

export function createWsBroadcastServer(port: number, host: string, listening: (address: AddressInfo) => void): WebSocketServer {
  const wss = new WebSocketServer({ port, host, handleProtocols: (offered) => (offered.has('text.ircv3.net') ? 'text.ircv3.net' : false) });
  wss.on('listening', () => listening(wss.address() as AddressInfo));
  wss.on('connection', (ws) => {
    ws.on('error', () => {}); // the 'close' that follows is all there is to do
    let nick = '*';
    ws.on('message', (data: Buffer) => {
      const line = data.toString('utf8');
      if (line.startsWith('PRIVMSG ')) {
        const msg = `:${nick}!u@h ${line}`;
        for (const c of wss.clients) if (c !== ws && c.readyState === WebSocket.OPEN) c.send(msg);
      } else if (line.startsWith('NICK ')) nick = line.slice(5).trim();
      else if (line.startsWith('USER ')) ws.send(`:b 001 ${nick} :welcome`);
      else if (line.startsWith('JOIN ')) {
        const channel = line.slice(5).trim();
        ws.send(`:${nick}!u@h JOIN ${channel}`);
        ws.send(`:b 366 ${nick} ${channel} :End of /NAMES list`);
      }
    });
  });
  return wss;
}

function main(): void {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
    strict: false,
  });
  const wss = createWsBroadcastServer(Number(values.port), String(values.host), (addr) => {
    process.stdout.write(`ws broadcast baseline listening on ${addr.address}:${addr.port}\n`);
  });
  process.once('SIGTERM', () => {
    wss.close();
    process.exit(0);
  });
  process.once('SIGINT', () => process.exit(0));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
