// The processes a bench run starts (servers under test, redis-server): their PID, whether
// they still run, /proc samples, and a stop that only ever signals the PID we started.
// Everything still running is killed on our own exit (see killAll in cli.ts). A server under
// test tells its port in its `listening on HOST:PORT` line.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { sampleProc, type ProcSample } from './proc.js';

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

const LISTENING = /listening on (\S+):(\d+)/;

export interface ServerSpec {
  /** Name in reports: ours, ours-inthread, baseline… */
  name: string;
  script: string;
  args: string[];
}

export class ServerProcess extends StartedProcess {
  private log = '';

  private constructor(
    readonly spec: ServerSpec,
    child: ChildProcess,
    readonly host: string,
    readonly port: number,
  ) {
    super(child);
  }

  /** Last output of the server, for error reports. */
  get output(): string {
    return this.log;
  }

  static start(spec: ServerSpec, timeoutMs = 15_000): Promise<ServerProcess> {
    const child = spawn(process.execPath, [spec.script, ...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (chunk: Buffer): void => {
      log = (log + chunk.toString('utf8')).slice(-4000);
    };
    child.stderr!.on('data', keep);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${spec.name}: no "listening on" line within ${timeoutMs} ms\n${log}`));
      }, timeoutMs);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited (${code}) before listening\n${log}`));
      };
      child.once('exit', onExit);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      const onData = (chunk: Buffer): void => {
        keep(chunk);
        const m = LISTENING.exec(log);
        if (m === null) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout!.off('data', onData);
        const proc = new ServerProcess(spec, child, m[1]!, Number(m[2]));
        child.stdout!.on('data', (c: Buffer) => (proc.log = (proc.log + c.toString('utf8')).slice(-4000)));
        child.stderr!.on('data', (c: Buffer) => (proc.log = (proc.log + c.toString('utf8')).slice(-4000)));
        resolve(proc);
      };
      child.stdout!.on('data', onData);
    });
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
