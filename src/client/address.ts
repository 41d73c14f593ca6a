// HOST[:PORT] as typed on the command line, IPv6 included: `[::1]:3000`, `[::1]`, and a bare `::1`
// (more than one colon and no brackets: the whole text is the host, the port is the default).

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** A mistake on the command line: the CLI prints it with the usage hint and exits 2. */
export class UsageError extends Error {}

export class AddressError extends UsageError {}

function parsePort(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new AddressError(`bad port in "${whole}": "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new AddressError(`bad port in "${whole}": ${port} is not between 1 and 65535`);
  return port;
}

export function parseAddress(input: string, defaultPort: number, defaultHost = 'localhost'): Address {
  const text = input.trim();
  if (text === '') return { host: defaultHost, port: defaultPort };
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new AddressError(`bad address "${input}": "[" without "]"`);
    const host = text.slice(1, close);
    if (host === '') throw new AddressError(`bad address "${input}": empty host`);
    const rest = text.slice(close + 1);
    if (rest === '') return { host, port: defaultPort };
    if (!rest.startsWith(':')) throw new AddressError(`bad address "${input}": expected ":PORT" after "]"`);
    return { host, port: parsePort(rest.slice(1), input) };
  }
  const first = text.indexOf(':');
  if (first < 0) return { host: text, port: defaultPort };
  if (text.indexOf(':', first + 1) >= 0) return { host: text, port: defaultPort }; // a bare IPv6 address
  const host = text.slice(0, first);
  if (host === '') throw new AddressError(`bad address "${input}": empty host`);
  return { host, port: parsePort(text.slice(first + 1), input) };
}

/**
 * The address from a command's positional arguments: none (the default), `HOST[:PORT]`, or
 * `HOST PORT` as telnet and nc take it.
 */
export function addressFrom(args: readonly string[], defaultPort: number, usage: string): Address {
  if (args.length <= 1) return parseAddress(args[0] ?? '', defaultPort);
  if (args.length > 2) throw new UsageError(`${usage}, got: ${args.join(' ')}`);
  const [host, port] = args as [string, string];
  // `[v6]:PORT` or `name:PORT` already name a port; a bare IPv6 address (two colons or more) does not.
  if (/^\[.*\]:|^[^:[]+:[^:]*$/.test(host)) throw new AddressError(`two ports in "${args.join(' ')}"`);
  return { host: parseAddress(host, defaultPort).host, port: parsePort(port, args.join(' ')) };
}

/** How an address is written back for the user: IPv6 in brackets. */
export function formatAddress({ host, port }: Address): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
