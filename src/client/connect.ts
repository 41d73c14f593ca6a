// `node-chat connect [HOST[:PORT]]`: a terminal client for node-chat servers. The protocol is
// telnet's (lines both ways), so the client only adds a good terminal: input never clobbered,
// history, control bytes cleaned, a clean leave, and --reconnect.

import { parseArgs } from 'node:util';
import { addressFrom, UsageError, type Address } from './address.js';
import { Link, lingerThen } from './link.js';
import { stripAll } from './sanitize.js';
import { createTerminal, type Terminal, type TerminalStreams } from './terminal.js';

export const CONNECT_HELP = `usage: node-chat connect [HOST[:PORT]] [options]

A terminal client for node-chat servers (default localhost:3000, or 3443 with --tls). IPv6: [::1]:3000.
The port may also come as a word of its own, as telnet takes it: HOST PORT.
The first line you type is your nickname; then every line goes to the room, and
the server's commands work as in telnet (/who, /nick, /me, /msg, /quit, /help).
In a pipe, each stdin line is sent and everything received is written to stdout.

options:
  --no-color    no colours (also when stdout is not a terminal, or NO_COLOR is set)
  --reconnect   when the connection drops, connect again (with backoff) and resend the nickname
  --tls         over TLS (a node-chat server's --tls-port, default 3443); the certificate is checked
  --insecure    with --tls: do not check the server's certificate (a self-signed one)
  -h, --help    this text
`;

export const DEFAULT_PORT = 3000;
/** node-chat's --tls-port default. */
export const DEFAULT_TLS_PORT = 3443;

export async function runConnect(argv: string[], streams: TerminalStreams): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'no-color': { type: 'boolean' },
      reconnect: { type: 'boolean' },
      tls: { type: 'boolean' },
      insecure: { type: 'boolean' },
    },
  });
  if (values.help) {
    streams.output.write(CONNECT_HELP);
    return 0;
  }
  if (values.insecure && !values.tls) throw new UsageError('--insecure goes with --tls (it skips the certificate check)');
  const address: Address = addressFrom(positionals, values.tls ? DEFAULT_TLS_PORT : DEFAULT_PORT, 'connect takes one address (HOST[:PORT] or HOST PORT)');

  let nickname: string | undefined; // confirmed by the server's "NICK joined the room"
  let candidate: string | undefined; // the last line sent before that
  let received = ''; // plain text of the current incoming line, to spot the join
  let leaving = false;
  // In a pipe, stdin can be read to its end before the connection is made: lines wait here (and
  // the end of input with them) so that a scripted /quit cannot overtake the lines before it.
  const early: string[] = [];
  let endedEarly = false;

  const link: Link = new Link({
    address,
    telnet: true,
    tls: Boolean(values.tls),
    insecure: Boolean(values.insecure),
    reconnect: Boolean(values.reconnect),
    terminal: () => terminal,
    onOpen: () => {
      received = '';
      candidate = undefined;
      // The nickname first (after a reconnect), then whatever a pipe queued meanwhile.
      if (nickname !== undefined) {
        terminal.notice(`node-chat: connected again to ${link.name}, as ${nickname}`);
        candidate = nickname;
        link.write(`${nickname}\r\n`);
        terminal.sent(); // it answers the new prompt: in a pipe, the answer starts a line of its own
      }
      for (const text of early.splice(0)) send(text);
      if (endedEarly) lingerThen(link, leave);
    },
    onText: (text) => {
      terminal.network(text);
      // Follow our nickname, for --reconnect: the join line confirms it, a rename line changes it.
      received += stripAll(text);
      const lines = received.split('\n');
      received = (lines.pop() ?? '').slice(-4096);
      for (const line of lines.map((l) => l.trimEnd())) {
        // The join line follows the prompt on the same line (the prompt has no newline): match the end.
        if (candidate !== undefined && line.endsWith(` > ${candidate} joined the room`)) {
          nickname = candidate;
          candidate = undefined;
        }
        const rename = / > (\S+) is now known as (\S+)$/.exec(line);
        if (rename && nickname !== undefined && rename[1] === nickname) nickname = rename[2];
      }
    },
  });

  const leave = (): void => {
    if (leaving) return;
    leaving = true;
    terminal.close();
    link.leave();
  };

  const send = (text: string): void => {
    if (!link.write(`${text}\r\n`)) {
      terminal.notice('node-chat: not connected, line not sent');
      return;
    }
    const trimmed = text.trim();
    // Until a name is taken, each line answers the nickname prompt.
    if (nickname === undefined) terminal.sent();
    if (nickname === undefined && trimmed !== '') candidate = trimmed;
    // The server answers /quit by closing: keep showing what arrives until it does.
    if (/^\/quit(\s|$)/i.test(trimmed)) link.expectClose();
  };

  const terminal: Terminal = createTerminal(
    streams,
    {
      line: (text) => {
        if (!terminal.interactive && !link.connected) early.push(text);
        else send(text);
      },
      end: () => {
        if (terminal.interactive) leave();
        else if (!link.connected) endedEarly = true;
        else lingerThen(link, leave);
      },
      interrupt: leave,
    },
    Boolean(values['no-color']),
  );

  link.start();
  const code = await link.done;
  terminal.close();
  return code;
}
