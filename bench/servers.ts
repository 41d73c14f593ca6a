// The servers a bench run can start, by name. Paths are relative to the compiled file
// (dist/bench/servers.js), so they point into dist/.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Address } from './pool-messages.js';
import { ServerProcess, type ServerSpec } from './child.js';
import { RedisServer } from './redis.js';
import { NGIRCD, findNgircd, startNgircd } from './ngircd.js';
import { rmSync } from 'node:fs';
import { makeCertificate, tempDir } from './certs.js';

const OURS = fileURLToPath(new URL('../src/main.js', import.meta.url));
const CLASSIC = fileURLToPath(new URL('./baselines/classic.js', import.meta.url));
const WS_BROADCAST = fileURLToPath(new URL('./baselines/ws-broadcast.js', import.meta.url));
const LOCAL = ['--port', '0', '--host', '127.0.0.1'];

export interface ServerOptions {
  /** Passed to ours as `--workers N` when set (issue 6's `rooms` scenario runs 1, 2, 3). */
  workers?: number;
}

export const SERVER_NAMES = ['ours', 'baseline', 'ours-inthread', 'ours-nohistory'] as const;
/** `--servers` name of one cluster node on a fresh redis-server (see clusterTarget). */
export const CLUSTER_NODE = 'ours+redis';
/** `--servers` name of ours measured over TLS (see tlsTarget). */
export const TLS_TARGET = 'ours-tls';

export function serverSpec(name: string, opts: ServerOptions = {}): ServerSpec {
  const workers = opts.workers === undefined ? [] : ['--workers', String(opts.workers)];
  switch (name) {
    case 'ours':
      return { name, script: OURS, args: [...LOCAL, '--flood-rate', '0', ...workers] };
    case 'ours-inthread':
      return { name, script: OURS, args: [...LOCAL, '--flood-rate', '0', '--actors', 'in-thread', ...workers] };
    case 'ours-nohistory':
      // History off: what keeping each event costs, against `ours` in the same run (issue 19: at least 0.95×).
      return { name, script: OURS, args: [...LOCAL, '--flood-rate', '0', '--history', '0', ...workers] };
    case 'baseline':
      return { name, script: CLASSIC, args: LOCAL };
    default:
      throw new Error(`unknown server "${name}" (known: ${SERVER_NAMES.join(', ')})`);
  }
}

export function serverAvailable(name: string): boolean {
  return existsSync(serverSpec(name).script);
}

/** What a target's start() gives: where to connect, and what it started (to sample and stop). */
export interface Started {
  addresses: Address[];
  /** The (first) server process, null when external. */
  proc: ServerProcess | null;
  /** Every server process started, one per address (several nodes); absent: just `proc`. */
  procs?: ServerProcess[];
  /** The redis-server a cluster target started: its INFO counters and CPU are reported. */
  redis?: RedisServer;
}

/** A server to measure: started by us (with /proc figures), or external (--host/--port). */
export interface Target {
  name: string;
  /** Starts it (or not, when external) and returns where to connect. */
  start(): Promise<Started>;
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

/** `ours@<ref>`: an earlier commit's build (ref-build.ts), started with ours' flags. */
export function refTarget(name: string, script: string, opts: ServerOptions = {}): Target {
  return startedTarget({ ...serverSpec('ours', opts), name, script });
}

/** Ours with `--workers N`, named `ours w<N>` in reports (issue 6's `rooms` scenario). */
export function oursWithWorkers(workers: number): Target {
  return startedTarget({ ...serverSpec('ours', { workers }), name: `ours w${workers}` });
}

/**
 * Issue 8: `nodes` node-chat processes sharing one fresh redis-server (started here, stopped by
 * stopStarted), or with redis = false one node alone (no --redis: the single-process server).
 * Every start is a clean cluster: a new Redis holds no names, rooms or logs of an earlier case.
 */
export function clusterTarget(name: string, nodes: number, redis: boolean, redisBin = 'redis-server'): Target {
  return {
    name,
    async start() {
      let server: RedisServer | undefined;
      const procs: ServerProcess[] = [];
      try {
        if (redis) server = await RedisServer.start(redisBin);
        for (let i = 0; i < nodes; i++) {
          const base = serverSpec('ours');
          const args = server === undefined ? base.args : [...base.args, '--redis', server.url];
          procs.push(await ServerProcess.start({ name: nodes > 1 ? `${name}#${i + 1}` : name, script: base.script, args }));
        }
      } catch (err) {
        await Promise.all(procs.map((p) => p.stop()));
        await server?.stop();
        throw err;
      }
      const started: Started = { addresses: procs.map((p) => ({ host: p.host, port: p.port })), proc: procs[0]!, procs };
      if (server !== undefined) started.redis = server;
      return started;
    },
  };
}

/** Stops everything a start() started: the server processes first (their goodbyes use Redis), then Redis. */
export async function stopStarted(s: Started): Promise<void> {
  const procs = s.procs ?? (s.proc === null ? [] : [s.proc]);
  await Promise.all(procs.map((p) => p.stop()));
  await s.redis?.stop();
}

/** Ours with its IRC listener on (`--irc-port 0`): its port, from the startup line (`…, IRC on port P, …`). */
async function startOursIrc(name: string, opts: ServerOptions): Promise<{ proc: ServerProcess; telnet: Address; irc: Address }> {
  const base = serverSpec('ours', opts);
  const proc = await ServerProcess.start({ name, script: base.script, args: [...base.args, '--irc-port', '0'] });
  const m = /IRC on port (\d+)/.exec(proc.output);
  if (m === null) {
    await proc.stop();
    throw new Error(`${name}: no "IRC on port" in its startup line\n${proc.output}`);
  }
  return { proc, telnet: { host: proc.host, port: proc.port }, irc: { host: proc.host, port: Number(m[1]), irc: true } };
}

/**
 * `--protocol irc` (issue 16): `ours` every client over IRC; `ours-mixed` connection i over
 * telnet or IRC by ⌊i / threads⌋ mod 2 (traffic.ts deals several addresses so: half the
 * receivers and half the senders each way, in every load-generator thread); `ours-telnet` the
 * same server, every client over telnet (what the mixed room is compared with).
 */
export function ircTarget(name: 'ours' | 'ours-mixed' | 'ours-telnet', opts: ServerOptions = {}): Target {
  return {
    name,
    async start() {
      const { proc, telnet, irc } = await startOursIrc(name, opts);
      const addresses = name === 'ours' ? [irc] : name === 'ours-mixed' ? [telnet, irc] : [telnet];
      return { addresses, proc };
    },
  };
}

/**
 * `--tls` (issue 19): ours with a certificate made for the run (bench/certs.ts) and telnet over
 * TLS on an ephemeral port, every client connecting there with tls.connect; the same server's
 * plain port is what `ours` measures beside it.
 */
export function tlsTarget(name: string, opts: ServerOptions = {}): Target {
  return {
    name,
    async start() {
      const tmp = tempDir('node-chat-bench-tls-');
      const cert = makeCertificate(tmp.dir);
      const base = serverSpec('ours', opts);
      const tlsArgs = ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile, '--tls-port', '0', '--irc-tls-port', 'off', '--https-port', 'off'];
      let proc: ServerProcess;
      try {
        proc = await ServerProcess.start({ name, script: base.script, args: [...base.args, ...tlsArgs] });
      } catch (err) {
        tmp.remove();
        throw err;
      }
      const stop = proc.stop.bind(proc);
      proc.stop = async (graceMs?: number) => {
        await stop(graceMs);
        tmp.remove();
      };
      const m = /telnet over TLS on port (\d+)/.exec(proc.output);
      if (m === null) {
        await proc.stop();
        throw new Error(`${name}: no "telnet over TLS on port" in its startup line\n${proc.output}`);
      }
      return { addresses: [{ host: proc.host, port: Number(m[1]), tls: true }], proc };
    },
  };
}

/**
 * `--protocol ws` (issue 18): `ours` every client over IRC over WebSocket on its HTTP listener's
 * /ws (`--http-port 0`, the port from its startup line); `ws-baseline` the plain ws broadcast
 * server (baselines/ws-broadcast.ts), the same clients; `ours-telnet` the same build, every
 * client over telnet (what the WebSocket figure is compared with).
 */
export function wsTarget(name: 'ours' | 'ws-baseline' | 'ours-telnet', opts: ServerOptions = {}): Target {
  return {
    name,
    async start() {
      if (name === 'ws-baseline') {
        const proc = await ServerProcess.start({ name, script: WS_BROADCAST, args: LOCAL });
        return { addresses: [{ host: proc.host, port: proc.port, irc: true, ws: true }], proc };
      }
      if (name === 'ours-telnet') return startedTarget({ ...serverSpec('ours', opts), name }).start();
      const base = serverSpec('ours', opts);
      const proc = await ServerProcess.start({ name, script: base.script, args: [...base.args, '--http-port', '0'] });
      const m = /HTTP on port (\d+)/.exec(proc.output);
      if (m === null) {
        await proc.stop();
        throw new Error(`${name}: no "HTTP on port" in its startup line\n${proc.output}`);
      }
      return { addresses: [{ host: proc.host, port: Number(m[1]), irc: true, ws: true }], proc };
    },
  };
}

/** Debian's ngircd (bench/ngircd.ts), every client over IRC. */
export function ngircdTarget(): Target {
  return {
    name: NGIRCD,
    async start() {
      const bin = findNgircd();
      if (bin === null) throw new Error('ngircd is not installed (apt-get install -y ngircd)');
      const { proc, dir } = await startNgircd(bin);
      const stop = proc.stop.bind(proc);
      // Its temp dir goes with it.
      proc.stop = async (graceMs?: number) => {
        await stop(graceMs);
        rmSync(dir, { recursive: true, force: true });
      };
      return { addresses: [{ host: proc.host, port: proc.port, irc: true }], proc };
    },
  };
}

export function externalTarget(host: string, port: number): Target {
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new Error('the bench only sends traffic to this machine (127.0.0.1)');
  }
  return { name: `external:${port}`, start: () => Promise.resolve({ addresses: [{ host, port }], proc: null }) };
}
