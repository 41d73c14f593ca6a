// What /proc says about a process and the machine: CPU per thread, RSS, busy jiffies.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

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

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineTicks(): { busy: number; softirq: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  // softirq: loopback TCP delivery runs there and is charged to no process.
  return { busy: total - idle, softirq: v[6] ?? 0, total };
}

export interface Departure {
  /** From the first sample until the CPU last moved more than a clock tick per 100 ms. */
  busyMs: number;
  peakKb: number;
  endKb: number;
  /** Still busy when `limitMs` ran out: busyMs is a lower bound. */
  cutOff: boolean;
  /** The process was gone before it went still. */
  died: boolean;
}

/**
 * Samples a process every 100 ms from `first` until its CPU has stayed still for a second (or
 * `limitMs`): how long it stayed busy, and its RSS at the peak and at the end. For work that
 * follows an event, such as a crowd leaving, which the server does on its own time.
 */
export async function untilIdle(sample: () => ProcSample | null, first: ProcSample, limitMs: number): Promise<Departure> {
  // One clock tick of CPU per sample is background (timers, GC); more is work.
  const still = 1.1 / ticksPerSecond();
  let peakKb = first.rssKb;
  let last = first;
  let busyUntil = first.atMs;
  const result = (how: { cutOff?: boolean; died?: boolean } = {}): Departure => ({
    busyMs: busyUntil - first.atMs,
    peakKb,
    endKb: last.rssKb,
    cutOff: how.cutOff === true,
    died: how.died === true,
  });
  while (last.atMs - busyUntil < 1000) {
    if (last.atMs - first.atMs >= limitMs) return result({ cutOff: true });
    await new Promise((r) => setTimeout(r, 100));
    const s = sample();
    if (s === null) return result({ died: true });
    peakKb = Math.max(peakKb, s.rssKb);
    if (s.cpuS - last.cpuS > still) busyUntil = s.atMs;
    last = s;
  }
  return result();
}
