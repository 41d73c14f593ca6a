// `node-chat irc HOST[:PORT] --nick NICK [--join '#chan']… [--tls]`: a terminal client for IRC.
// The wiring only: bytes ↔ lines ↔ IrcSession ↔ terminal. The protocol lives in session.ts.

import { parseArgs } from 'node:util';
import { addressFrom, UsageError } from '../address.js';
import { Link, lingerThen } from '../link.js';
import { createTerminal, type Terminal, type TerminalStreams } from '../terminal.js';
import { IrcSession } from './session.js';

export const IRC_HELP = `usage: node-chat irc HOST[:PORT] --nick NICK [--join '#CHANNEL']... [options]

A terminal client for IRC servers: port 6667, or 6697 with --tls. IPv6: [::1]:6667.
The port may also come as a word of its own: HOST PORT.
Plain lines go to the current channel (the one joined last, or chosen with /join).
Commands: /join /part /msg /me /nick /names /topic /quote /quit /help.
In a pipe, each stdin line is typed (held until registration and the --join
channels are done) and everything shown is written to stdout.

options:
  --nick NICK       your nickname (if taken: NICK_, then other variants)
  --join CHANNEL    join at start; may repeat
  --tls             TLS (default port 6697)
  --insecure        with --tls: do not check the server's certificate
  --user NAME       the user name (default: the nickname)
  --realname TEXT   the real name field (default: "node-chat user")
  --no-color        no colours (also when stdout is not a terminal, or NO_COLOR is set)
  --reconnect       when the connection drops, connect again (with backoff) and rejoin
  -h, --help        this text
`;

/** Lines typed before the session is ready are held, up to this many. */
const MAX_HELD_LINES = 1000;
/** How long piped lines may wait for registration and the --join channels before giving up. */
const READY_WAIT_MS = 30_000;
/** The longest line we hold from the server before it ends (a real one is at most 512 + 8191 tag bytes). */
const MAX_INCOMING_LINE = 16_384;

export async function runIrc(argv: string[], streams: TerminalStreams, version: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      nick: { type: 'string', short: 'n' },
      join: { type: 'string', short: 'j', multiple: true },
      tls: { type: 'boolean' },
      insecure: { type: 'boolean' },
      user: { type: 'string' },
      realname: { type: 'string' },
      'no-color': { type: 'boolean' },
      reconnect: { type: 'boolean' },
    },
  });
  if (values.help) {
    streams.output.write(IRC_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('irc needs one server address: node-chat irc HOST[:PORT] --nick NICK');
  const nick = values.nick?.trim();
  if (!nick || /[\s\0:,]/.test(nick) || /^[#&$]/.test(nick)) throw new UsageError('irc needs --nick NICK (one word)');
  const address = addressFrom(positionals, values.tls ? 6697 : 6667, 'irc takes one server address (HOST[:PORT] or HOST PORT)');
  const channels = (values.join ?? []).flatMap((c) => c.split(',')).filter((c) => c !== '').map((c) => (/^[#&+!]/.test(c) ? c : `#${c}`));

  const held: string[] = [];
  let incoming = '';
  let leaving = false;
  let fatal = false; // registration failed: exit 1 even though we left on purpose

  const session = new IrcSession(
    { nick, channels, version, ...(values.user ? { user: values.user } : {}), ...(values.realname ? { realname: values.realname } : {}) },
    {
      send: (line) => link.write(`${line}\r\n`),
      show: (text) => terminal.line(text),
      prompt: (text) => terminal.setPrompt(text),
      fatal: (reason) => {
        terminal.notice(`node-chat: ${reason}`);
        fatal = true;
        leave();
      },
    },
  );

  const flushHeld = (): void => {
    while (session.ready && held.length > 0 && !session.quitting) typed(held.shift() ?? '');
  };

  const typed = (text: string): void => {
    if (!session.ready) {
      if (held.length < MAX_HELD_LINES) held.push(text);
      else terminal.notice('node-chat: still registering, line not sent');
      return;
    }
    if (!link.connected) {
      terminal.notice('node-chat: not connected, line not sent');
      return;
    }
    const mapped = session.input(text);
    if (mapped.quit !== undefined) leave(mapped.quit);
  };

  let linkDone = false; // the connection is over for good (no reconnect coming)
  let unsent = false; // piped lines were given up: the exit code says so
  const link: Link = new Link({
    address,
    tls: Boolean(values.tls),
    insecure: Boolean(values.insecure),
    reconnect: Boolean(values.reconnect),
    terminal: () => terminal,
    onOpen: () => {
      incoming = '';
      session.start();
    },
    onText: (text) => {
      incoming += text;
      let cut: number;
      while ((cut = incoming.search(/\r?\n|\r/)) >= 0) {
        const line = incoming.slice(0, cut);
        incoming = incoming.slice(cut + (incoming[cut] === '\r' && incoming[cut + 1] === '\n' ? 2 : 1));
        session.receiveLine(line);
      }
      if (incoming.length > MAX_INCOMING_LINE) incoming = '';
      flushHeld();
    },
  });

  /** Leave: the QUIT goes out (if not sent already) and we wait for the server to close. */
  function leave(reason?: string): void {
    if (leaving) return;
    leaving = true;
    terminal.close();
    if (link.connected && !session.quitting) session.quit(reason);
    link.leave();
  }

  const terminal: Terminal = createTerminal(
    streams,
    {
      line: typed,
      end: () => {
        if (terminal.interactive) {
          leave();
          return;
        }
        // End of piped input: let the held lines go out first (registration can take seconds on a
        // real network, and the connection may not even be up yet), then linger, then QUIT.
        const started = Date.now();
        const whenReady = (): void => {
          if (leaving) return;
          const waiting = !session.ready || held.length > 0;
          if (waiting && !linkDone && Date.now() - started < READY_WAIT_MS) return void setTimeout(whenReady, 100);
          if (held.length > 0) {
            terminal.notice(`node-chat: ${held.length} line(s) not sent: the server never became ready`);
            unsent = true;
          }
          lingerThen(link, () => leave());
        };
        whenReady();
      },
      interrupt: () => leave(),
    },
    Boolean(values['no-color']),
  );

  link.start();
  void link.done.then(() => (linkDone = true));
  const code = await link.done;
  terminal.close();
  return fatal || unsent ? 1 : code;
}
