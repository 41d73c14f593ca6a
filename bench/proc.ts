// The servers under test as child processes: start one, learn its port from its
// `listening on HOST:PORT` line, read its RSS and CPU from /proc, and stop it (only the
// PID we started).

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const LISTENING = /listening on (\S+):(\d+)/;

export interface ServerSpec {
  /** Name in reports: ours, ours-inthread, baseline… */
  name: string;
  script: string;
  args: string[];
}

export interface ProcSample {
  atMs: number;
  /** User + system CPU of the whole process (all threads), in seconds. */
  cpuS: number;
  /** CPU of the main thread alone (task PID), in seconds. */
  mainCpuS: number;
  rssKb: number;
  threads: number;
  /** CPU seconds per thread id (from /proc/PID/task): shows the Worker threads next to the main one. */
  tasks: Map<string, number>;
}

let clockTicks = 0;
function ticksPerSecond(): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime (seconds) and thread count from a /proc stat file. */
function readStat(path: string): { cpuS: number; threads: number } {
  const text = readFileSync(path, 'utf8');
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15, num_threads 20.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { cpuS: ticks / ticksPerSecond(), threads: Number(fields[17]) };
}

export function sampleProc(pid: number | 'self'): ProcSample {
  const stat = readStat(`/proc/${pid}/stat`);
  const main = readStat(`/proc/${pid}/task/${pid === 'self' ? process.pid : pid}/stat`);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+)/.exec(status);
  return { atMs: Date.now(), cpuS: stat.cpuS, mainCpuS: main.cpuS, rssKb: rss ? Number(rss[1]) : 0, threads: stat.threads, tasks: threadCpu(pid) };
}

/** CPU seconds per thread of this process: to see whether one load-generator thread was saturated. */
export function threadCpu(pid: number | 'self' = 'self'): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, readStat(`/proc/${pid}/task/${tid}/stat`).cpuS);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

export interface CpuUse {
  /** Percent of one core over the interval. */
  cpuPct: number;
  mainPct: number;
}

export function cpuBetween(a: ProcSample, b: ProcSample): CpuUse {
  const s = Math.max(1e-3, (b.atMs - a.atMs) / 1000);
  return { cpuPct: ((b.cpuS - a.cpuS) / s) * 100, mainPct: ((b.mainCpuS - a.mainCpuS) / s) * 100 };
}

/**
 * Percent of one core per thread other than the main one, busiest first. Node 20 names every
 * thread "node", so a Worker is told from V8's GC helpers only by its load: with W actor hosts
 * busy, the W busiest threads here are (almost surely) the Workers.
 */
export function otherThreadsPct(a: ProcSample, b: ProcSample, mainTid: string): number[] {
  const s = Math.max(1e-3, (b.atMs - a.atMs) / 1000);
  const out: number[] = [];
  for (const [tid, cpu] of b.tasks) {
    if (tid === mainTid) continue;
    out.push(((cpu - (a.tasks.get(tid) ?? 0)) / s) * 100);
  }
  return out.sort((x, y) => y - x);
}

export class ServerProcess {
  /** Every server this process started and that still runs: stopped on our own exit. */
  static readonly running = new Set<ServerProcess>();
  private exited = false;
  private log = '';

  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
    readonly host: string,
    readonly port: number,
  ) {
    ServerProcess.running.add(this);
    child.once('exit', () => {
      this.exited = true;
      ServerProcess.running.delete(this);
    });
  }

  /** Last resort on our own exit: SIGKILL, synchronously, to the PIDs we started. */
  static killAll(): void {
    for (const p of ServerProcess.running) p.child.kill('SIGKILL');
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return !this.exited;
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

  sample(): ProcSample | null {
    if (this.exited) return null;
    try {
      return sampleProc(this.pid);
    } catch {
      return null;
    }
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

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineTicks(): { busy: number; softirq: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  // softirq: loopback TCP delivery runs there and is charged to no process.
  return { busy: total - idle, softirq: v[6] ?? 0, total };
}
