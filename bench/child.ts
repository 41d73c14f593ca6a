// The processes a bench run starts (servers under test, redis-server): their PID, whether
// they still run, /proc samples, and a stop that only ever signals the PID we started.
// Everything still running is killed on our own exit (see killAll in cli.ts). A server under
// test tells its port in its `listening on HOST:PORT` line: startListening / untilListening
// are the one wait for it, for the bench and for the tests (test/ imports them from here, as it
// imports bench/redis.ts: tests depend on the tools they use, the bench never on test/).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { sampleProc, type ProcSample } from './proc.js';

const LISTENING = /listening on (\S+):(\d+)/;
/** Output kept for error reports: the end of it is what says why a start failed. */
const TAIL = 4000;

export interface Listening {
  host: string;
  port: number;
}

/**
 * Resolves with the address of `child`'s first `listening on HOST:PORT` line (on stdout or
 * stderr); rejects, with the output so far, when it exits or cannot be spawned first, and on
 * `timeoutMs` (a guard against hanging, not a timing check), after a SIGKILL to its PID: a
 * server that did not come up is not left behind. Stops listening to the streams once done.
 */
export function untilListening(child: ChildProcess, name: string, timeoutMs = 15_000): Promise<Listening> {
  const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== null);
  // Matched per stream: a line split across two chunks must not have the other stream's output in between.
  const text = streams.map(() => '');
  let tail = '';
  return new Promise((resolve, reject) => {
    const listeners = streams.map((_, i) => (chunk: Buffer | string): void => {
      const s = chunk.toString();
      tail = (tail + s).slice(-TAIL);
      text[i] = (text[i]! + s).slice(-TAIL);
      const m = LISTENING.exec(text[i]!);
      if (m === null) return;
      done();
      resolve({ host: m[1]!, port: Number(m[2]) });
    });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      reject(new Error(`${name} exited (${code ?? signal}) before listening\n${tail}`));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const timer = setTimeout(() => {
      done();
      child.kill('SIGKILL');
      reject(new Error(`${name}: no "listening on" line within ${timeoutMs} ms\n${tail}`));
    }, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      streams.forEach((s, i) => s.off('data', listeners[i]!));
      child.off('exit', onExit);
      child.off('error', onError);
    }
    if (child.exitCode !== null || child.signalCode !== null) return onExit(child.exitCode, child.signalCode);
    streams.forEach((s, i) => s.on('data', listeners[i]!));
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

export interface ListeningProcess extends Listening {
  child: ChildProcess;
  /** What it wrote to stdout and stderr so far (the last `keepChars` characters). */
  output(): string;
}

export interface StartOptions {
  /** Who it is, in error messages. */
  name: string;
  timeoutMs?: number;
  /** `inherit`: its stderr goes to ours (then only stdout is searched and kept). Default: piped. */
  stderr?: 'pipe' | 'inherit';
  /** How much output `output()` keeps (default: all of it). */
  keepChars?: number;
}

/**
 * Spawns `command args` (stdin ignored, output piped) and waits for its `listening on` line.
 * `command` is usually `process.execPath`; a wrapper works too (`sh -c 'ulimit -n 120 && exec
 * node …'`), as long as the server itself prints the line.
 */
export async function startListening(command: string, args: readonly string[], opts: StartOptions): Promise<ListeningProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', opts.stderr ?? 'pipe'] });
  const keep = opts.keepChars ?? Infinity;
  let out = '';
  const collect = (chunk: Buffer | string): void => {
    out += chunk.toString();
    if (out.length > keep) out = out.slice(-keep);
  };
  child.stdout!.on('data', collect);
  child.stderr?.on('data', collect);
  const at = await untilListening(child, opts.name, opts.timeoutMs);
  return { child, host: at.host, port: at.port, output: () => out };
}

export class StartedProcess {
  /** Every process started here that still runs. */
  static readonly running = new Set<StartedProcess>();
  private exited = false;

  protected constructor(protected readonly child: ChildProcess) {
    StartedProcess.running.add(this);
    child.once('exit', () => {
      this.exited = true;
      StartedProcess.running.delete(this);
    });
  }

  /** Last resort on our own exit: SIGKILL, synchronously, to the PIDs we started. */
  static killAll(): void {
    for (const p of StartedProcess.running) p.child.kill('SIGKILL');
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return !this.exited;
  }

  sample(): ProcSample | null {
    if (this.exited) return null;
    try {
      return sampleProc(this.pid);
    } catch {
      return null;
    }
  }

  /** SIGKILL, as a crash would, and wait until it is gone. */
  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const gone = once(this.child, 'exit').then(() => {});
    this.child.kill('SIGKILL');
    return gone;
  }

  /** SIGTERM, then SIGKILL after `graceMs` if it is still there. */
  stop(graceMs = 5000): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}

export interface ServerSpec {
  /** Name in reports: ours, ours-inthread, baseline… */
  name: string;
  script: string;
  args: string[];
}

export class ServerProcess extends StartedProcess {
  private constructor(
    readonly spec: ServerSpec,
    child: ChildProcess,
    readonly host: string,
    readonly port: number,
    private readonly log: () => string,
  ) {
    super(child);
  }

  /** Last output of the server, for error reports. */
  get output(): string {
    return this.log();
  }

  /** A server this bench spawned itself (ngircd: no `listening on` line), once it listens. */
  static adopt(spec: ServerSpec, child: ChildProcess, host: string, port: number, log: () => string): ServerProcess {
    return new ServerProcess(spec, child, host, port, log);
  }

  static async start(spec: ServerSpec, timeoutMs = 15_000): Promise<ServerProcess> {
    const p = await startListening(process.execPath, [spec.script, ...spec.args], { name: spec.name, timeoutMs, keepChars: TAIL });
    return new ServerProcess(spec, p.child, p.host, p.port, p.output);
  }
}

/** A TCP port free on 127.0.0.1 a moment ago (another process may take it first: callers retry). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
