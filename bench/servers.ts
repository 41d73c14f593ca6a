// The servers a bench run can start, by name. Paths are relative to the compiled file
// (dist/bench/servers.js), so they point into dist/.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Address } from './pool-messages.js';
import { ServerProcess, type ServerSpec } from './proc.js';

const OURS = fileURLToPath(new URL('../src/main.js', import.meta.url));
const CLASSIC = fileURLToPath(new URL('./baselines/classic.js', import.meta.url));
const LOCAL = ['--port', '0', '--host', '127.0.0.1'];

export interface ServerOptions {
  /** Passed to ours as `--workers N` when set (issue 6's `rooms` scenario runs 1, 2, 3). */
  workers?: number;
}

export const SERVER_NAMES = ['ours', 'baseline', 'ours-inthread'] as const;

export function serverSpec(name: string, opts: ServerOptions = {}): ServerSpec {
  const workers = opts.workers === undefined ? [] : ['--workers', String(opts.workers)];
  switch (name) {
    case 'ours':
      return { name, script: OURS, args: [...LOCAL, '--flood-rate', '0', ...workers] };
    case 'ours-inthread':
      return { name, script: OURS, args: [...LOCAL, '--flood-rate', '0', '--actors', 'in-thread', ...workers] };
    case 'baseline':
      return { name, script: CLASSIC, args: LOCAL };
    default:
      throw new Error(`unknown server "${name}" (known: ${SERVER_NAMES.join(', ')})`);
  }
}

export function serverAvailable(name: string): boolean {
  return existsSync(serverSpec(name).script);
}

/** A server to measure: started by us (with /proc figures), or external (--host/--port). */
export interface Target {
  name: string;
  /** Starts it (or not, when external) and returns where to connect. */
  start(): Promise<{ addresses: Address[]; proc: ServerProcess | null }>;
}

export function startedTarget(spec: ServerSpec): Target {
  return {
    name: spec.name,
    async start() {
      const proc = await ServerProcess.start(spec);
      return { addresses: [{ host: proc.host, port: proc.port }], proc };
    },
  };
}

export function externalTarget(host: string, port: number): Target {
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new Error('the bench only sends traffic to this machine (127.0.0.1)');
  }
  return { name: `external:${port}`, start: () => Promise.resolve({ addresses: [{ host, port }], proc: null }) };
}
