// The `node-chat` command: `serve` (the default), `connect`, `irc`, `--help`, `--version`.
// Each subcommand's module is loaded only when it runs, so `node-chat connect` does not load the server.

import { readFileSync } from 'node:fs';
import { UsageError } from './client/address.js';
import type { TerminalStreams } from './client/terminal.js';

export const HELP = `usage: node-chat [serve] [--port PORT] [--host HOST]   run a chat server (the default)
       node-chat connect [HOST[:PORT]] [--tls]           chat on a node-chat server (default localhost:3000)
       node-chat irc HOST[:PORT] --nick NICK [--join '#CHANNEL']... [--tls]
                                                         chat on an IRC server
       node-chat hash-password NAME                      a line for the --operators file (password read from stdin)
       node-chat COMMAND --help                          the options of one command
       node-chat --version
`;

export function version(): string {
  // dist/src/cli.js and src/cli.ts are both two levels below package.json.
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  return 'unknown';
}

const stdio: TerminalStreams = { input: process.stdin, output: process.stdout, errors: process.stderr };

/**
 * Runs the command line. Resolves with the exit code once a command is done, or with null for a
 * server that is now running (it exits by itself on SIGINT/SIGTERM).
 */
export async function main(argv: string[], streams: TerminalStreams = stdio): Promise<number | null> {
  const [first, ...rest] = argv;
  try {
    switch (first) {
      case '--version':
      case '-v':
      case 'version':
        streams.output.write(`node-chat ${version()}\n`);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        streams.output.write(HELP);
        return 0;
      case 'connect': {
        const { runConnect } = await import('./client/connect.js');
        return await runConnect(rest, streams);
      }
      case 'irc': {
        const { runIrc } = await import('./client/irc/run.js');
        return await runIrc(rest, streams, version());
      }
      case 'hash-password':
        return await hashPassword(rest, streams);
      case 'serve':
        return await runServe(rest);
      default:
        if (first !== undefined && !first.startsWith('-')) throw new UsageError(`unknown command "${first}"`);
        return await runServe(argv);
    }
  } catch (error) {
    // parseArgs reports unknown or malformed options with these codes.
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      streams.errors.write(`node-chat: ${(error as Error).message}\n(node-chat --help for usage)\n`);
      return 2;
    }
    streams.errors.write(`node-chat: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function runServe(argv: string[]): Promise<null> {
  const { serve } = await import('./main.js');
  await serve(argv);
  return null;
}

/** Reads a password (one line of stdin, so it stays out of the shell history) and prints the operators-file line for NAME. */
async function hashPassword(argv: string[], streams: TerminalStreams): Promise<number> {
  const name = argv[0];
  if (name === undefined || name.startsWith('-') || !/^\S+$/.test(name)) throw new UsageError('usage: node-chat hash-password NAME  (the password on stdin)');
  if ((streams.input as NodeJS.ReadStream).isTTY) streams.errors.write(`password for ${name}: `);
  let text = '';
  for await (const chunk of streams.input) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new UsageError('no password given on stdin');
  const { hashLine } = await import('./gateway/operators.js');
  streams.output.write(`${await hashLine(name, password)}\n`);
  return 0;
}
