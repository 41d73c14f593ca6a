// The baseline: the classic tutorial chat server ("keep an array of sockets, write each line
// to every other socket"), made correct: the same texts and line framing as ours, unique
// nicknames, TCP_NODELAY, socket errors handled. Deliberately still one thread and one
// socket.write per recipient per line: it is what a user would otherwise run.
//
//   node dist/bench/baselines/classic.js --port 0 --host 127.0.0.1

import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LineFramer, type LineSink } from '../../src/edges/telnet/framer.js';
import { checkNick } from '../../src/model/nicknames.js';
import * as texts from '../../src/edges/telnet/texts.js';

const MAX_LINE = 4096;

interface Client {
  socket: net.Socket;
  nick: string | null;
  key: string;
}

export function createClassicServer(): net.Server {
  const clients: Client[] = [];
  const nicks = new Set<string>();

  const broadcast = (text: string, except: Client | null): void => {
    for (const c of clients) {
      if (c !== except && c.nick !== null) c.socket.write(text);
    }
  };

  return net.createServer((socket) => {
    socket.setNoDelay(true);
    const client: Client = { socket, nick: null, key: '' };
    socket.write(texts.banner(clients.length));
    clients.push(client);
    const framer = new LineFramer(MAX_LINE);

    const sink: LineSink = {
      line(text) {
        if (client.nick === null) {
          const check = checkNick(text);
          if (!check.ok) {
            socket.write(texts.nickInvalidPrompt(texts.nickProblem(check.problem)));
          } else if (nicks.has(check.key)) {
            socket.write(texts.nickTaken(check.nick));
          } else {
            nicks.add(check.key);
            client.nick = check.nick;
            client.key = check.key;
            broadcast(texts.joined(check.nick, texts.LOBBY), null);
          }
          return;
        }
        if (text.length > 0) broadcast(texts.message(client.nick, text), client);
      },
      tooLong() {
        socket.write(texts.lineTooLong(MAX_LINE));
      },
      reply(bytes) {
        socket.write(bytes);
      },
      notice(text) {
        socket.write(text); // never called: a telnet framer has no notices
      },
    };

    socket.on('data', (chunk: Buffer) => framer.push(chunk, sink));
    socket.on('error', () => {
      // ECONNRESET, EPIPE: the 'close' that follows does the cleanup.
    });
    socket.on('close', () => {
      const i = clients.indexOf(client);
      if (i >= 0) clients.splice(i, 1);
      if (client.nick !== null) {
        nicks.delete(client.key);
        broadcast(texts.left(client.nick, texts.LOBBY), null);
      }
    });
  });
}

function main(): void {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
    strict: false,
  });
  const server = createClassicServer();
  server.listen(Number(values.port), String(values.host), () => {
    const addr = server.address() as net.AddressInfo;
    process.stdout.write(`classic baseline listening on ${addr.address}:${addr.port}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
  process.once('SIGINT', () => process.exit(0));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
