// What a reader sees: one updating progress line on stderr, a summary table per scenario on
// stdout, and the JSON file under bench/results/.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaseResult } from './result-types.js';

export class ProgressLine {
  private last = 0;
  private readonly tty = process.stderr.isTTY === true;

  set(text: string): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns || 160) - 1)}`);
      return;
    }
    // Not a terminal (CI, a log file): one plain line every few seconds.
    const now = Date.now();
    if (now - this.last >= 5000) {
      this.last = now;
      process.stderr.write(`${text}\n`);
    }
  }

  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}

const k = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n >= 100 ? n.toFixed(0) : n.toFixed(1);
const ms = (us: number): string => (us / 1000 >= 100 ? (us / 1000).toFixed(0) : (us / 1000).toFixed(2));
const mb = (kb: number): string => (kb < 0 ? '-' : (kb / 1024).toFixed(1));
const pct = (n: number): string => `${n.toFixed(0)}%`;

function checkText(r: CaseResult): string {
  if (r.check === null) return r.ok ? 'ok' : 'FAIL';
  const c = r.check;
  const bad: string[] = [];
  if (c.lost) bad.push(`lost ${c.lost}`);
  if (c.duplicated) bad.push(`dup ${c.duplicated}`);
  if (c.reordered) bad.push(`reord ${c.reordered}`);
  if (c.foreign) bad.push(`foreign ${c.foreign}`);
  if (c.mismatched) bad.push(`order≠ ${c.mismatched}`);
  if (r.join.failed) bad.push(`join failed ${r.join.failed}`);
  return bad.length === 0 ? (r.ok ? 'ok' : 'FAIL') : bad.join(' ');
}

function errorsText(r: CaseResult): string {
  const e = Object.entries(r.errors);
  return e.length === 0 ? '-' : e.map(([key, n]) => `${key}×${n}`).join(' ');
}

function cpuText(r: CaseResult): string {
  const s = r.serverUse;
  return s === null ? '-' : `${pct(s.cpuPct)} (main ${pct(s.mainPct)})`;
}

const loadgenText = (r: CaseResult): string => `${pct(r.loadgen.cpuPct)} (max thr ${pct(r.loadgen.busiestThreadPct)})`;
const machineText = (r: CaseResult): string => `${pct(r.loadgen.machineBusyPct)} (sirq ${pct(r.loadgen.machineSoftirqPct)})`;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function rowsFor(scenario: string, results: CaseResult[]): { head: string[]; rows: string[][] } {
  switch (scenario) {
    case 'connections':
      return {
        head: ['case', 'server', 'joined', 'all joined ms', 'settled ms', 'RSS idle→settled MB', 'KB/conn', 'server CPU', 'loadgen CPU', 'machine', 'check', 'errors'],
        rows: results.map((r) => [
          r.label,
          r.server,
          `${r.join.joined}/${r.join.of}`,
          String(r.extra.joinedMs),
          Number(r.extra.settledMs) < 0 ? 'timeout' : String(r.extra.settledMs),
          `${mb(Number(r.extra.rssIdleKb))}→${mb(Number(r.extra.rssSettledKb))}`,
          String(r.extra.rssPerConnKb),
          cpuText(r),
          loadgenText(r),
          machineText(r),
          checkText(r),
          errorsText(r),
        ]),
      };
    case 'churn':
      return {
        head: ['case', 'server', 'cycles/s', 'cycles', 'join p50/p99 ms', 'RSS start→end→+1s MB', 'server CPU', 'loadgen CPU', 'machine', 'check', 'errors'],
        rows: results.map((r) => [
          r.label,
          r.server,
          String(r.extra.cyclesPerS),
          String(r.extra.cycles),
          `${r.join.p50Ms}/${r.join.p99Ms}`,
          `${mb(Number(r.extra.rssStartKb))}→${mb(Number(r.extra.rssEndKb))}→${mb(Number(r.extra.rssSettledKb))}`,
          cpuText(r),
          loadgenText(r),
          machineText(r),
          checkText(r),
          errorsText(r),
        ]),
      };
    default:
      return {
        head: ['case', 'server', 'deliveries/s', 'msgs/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'join ms', 'server CPU', 'RSS MB', 'loadgen CPU', 'machine', 'check', 'errors'],
        rows: results.map((r) => {
          const l = r.latencyUs;
          return [
            r.label,
            r.server,
            k(r.deliveriesPerS),
            k(r.messagesPerS),
            l ? ms(l.p50) : '-',
            l ? ms(l.p90) : '-',
            l ? ms(l.p99) : '-',
            l ? ms(l.max) : '-',
            String(r.join.ms),
            cpuText(r),
            r.serverUse ? mb(r.serverUse.rssEndKb) : '-',
            loadgenText(r),
            machineText(r),
            checkText(r),
            errorsText(r),
          ];
        }),
      };
  }
}

/** ours ÷ baseline for the scenario's headline figure, per case. */
function ratios(scenario: string, results: CaseResult[]): string[] {
  const out: string[] = [];
  const labels = [...new Set(results.map((r) => r.label))];
  for (const label of labels) {
    const base = results.find((r) => r.label === label && r.server === 'baseline');
    if (base === undefined) continue;
    for (const r of results) {
      if (r.label !== label || r === base) continue;
      if (scenario === 'fanout' && base.deliveriesPerS > 0) {
        out.push(`${label}: ${r.server} ${(r.deliveriesPerS / base.deliveriesPerS).toFixed(1)}× baseline deliveries/s`);
      } else if (scenario === 'rate' && r.latencyUs && base.latencyUs && r.latencyUs.p99 > 0) {
        out.push(`${label}: p99 ${r.server} ${ms(r.latencyUs.p99)} ms vs baseline ${ms(base.latencyUs.p99)} ms (p50 ${ms(r.latencyUs.p50)} vs ${ms(base.latencyUs.p50)})`);
      } else if (scenario === 'connections') {
        out.push(`${label}: all joined ${r.server} ${r.extra.joinedMs} ms vs baseline ${base.extra.joinedMs} ms (${base.join.joined}/${base.join.of} joined)`);
      } else if (scenario === 'churn' && Number(base.extra.cyclesPerS) > 0) {
        out.push(`${label}: ${r.server} ${(Number(r.extra.cyclesPerS) / Number(base.extra.cyclesPerS)).toFixed(1)}× baseline cycles/s`);
      }
    }
  }
  const inThread = scenario === 'fanout' || scenario === 'rate' ? results.filter((r) => r.server === 'ours-inthread') : [];
  for (const t of inThread) {
    const w = results.find((r) => r.label === t.label && r.server === 'ours');
    if (w === undefined || t.deliveriesPerS === 0) continue;
    out.push(
      `${t.label}: the Worker hop: ours ${k(w.deliveriesPerS)}/s vs in-thread ${k(t.deliveriesPerS)}/s` +
        (w.latencyUs && t.latencyUs ? `, p50 ${ms(w.latencyUs.p50)} vs ${ms(t.latencyUs.p50)} ms` : ''),
    );
  }
  return out;
}

export function summaryText(results: CaseResult[]): string {
  const parts: string[] = [];
  for (const scenario of [...new Set(results.map((r) => r.scenario))]) {
    const rs = results.filter((r) => r.scenario === scenario);
    const { head, rows } = rowsFor(scenario, rs);
    parts.push(`\n== ${scenario} ==\n${table(head, rows)}`);
    const rt = ratios(scenario, rs);
    if (rt.length > 0) parts.push(rt.map((x) => `  ${x}`).join('\n'));
  }
  return parts.join('\n');
}

export function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    date: new Date().toISOString(),
  };
}

export function writeJson(dir: string, name: string, data: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `${JSON.stringify(data, null, 1)}\n`);
  return file;
}
