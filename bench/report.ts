// What a reader sees: one updating progress line on stderr, a summary table per scenario on
// stdout, and the JSON file under bench/results/.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaseResult, ServerUse } from './result-types.js';

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

/** The three busiest threads besides the main one: the Workers (and GC helpers), idle or not. */
const threadsText = (u: ServerUse): string => {
  const top = u.otherThreadsPct.slice(0, 3);
  return top.length === 0 ? '' : `, thr ${top.map((p) => p.toFixed(0)).join('/')}%`;
};

function cpuText(r: CaseResult): string {
  const s = r.serverUse;
  if (s === null) return '-';
  if (s.nodes !== undefined) return s.nodes.map((n, i) => `n${i + 1} ${pct(n.cpuPct)} (main ${pct(n.mainPct)}${threadsText(n)})`).join(' ');
  return `${pct(s.cpuPct)} (main ${pct(s.mainPct)}${threadsText(s)})`;
}

const HOT = 85;

/**
 * What limited the run, from the CPU figures: every thread at ≥ 85% of a core (server main
 * thread, its busiest other thread, Redis, the busiest load-generator thread); else, when the
 * machine's cores were all busy, the biggest users of them; else nothing saturated: the senders'
 * window set the pace (throughput = lines in flight ÷ latency).
 */
export function limitText(r: CaseResult): string {
  const parts: Array<[string, number]> = [];
  const s = r.serverUse;
  if (s !== null) {
    const nodes = s.nodes ?? [s];
    nodes.forEach((n, i) => {
      const tag = nodes.length > 1 ? `n${i + 1} ` : '';
      parts.push([`${tag}main`, n.mainPct]);
      if (n.otherThreadsPct[0] !== undefined) parts.push([`${tag}worker`, n.otherThreadsPct[0]]);
    });
  }
  if (typeof r.extra.redisCpuPct === 'number') parts.push(['redis', r.extra.redisCpuPct]);
  parts.push(['loadgen thr', r.loadgen.busiestThreadPct]);
  parts.sort((a, b) => b[1] - a[1]);
  const machineFull = r.loadgen.machineBusyPct >= 90;
  const hot = parts.filter(([, p]) => p >= HOT);
  const list = (xs: Array<[string, number]>): string => xs.map(([n, p]) => `${n} ${pct(p)}`).join(' + ');
  const other = otherCores(r);
  const others = other !== null && other >= 0.3 ? ` (other work/kernel ${other.toFixed(1)} core)` : '';
  if (hot.length > 0) return `${list(hot)}${machineFull ? `, cores full${others}` : ''}`;
  if (machineFull) return `cores full${others}: ${list(parts.slice(0, 3))}`;
  return `window ÷ latency (nothing saturated; top ${list(parts.slice(0, 2))})`;
}

const loadgenText = (r: CaseResult): string => `${pct(r.loadgen.cpuPct)} (max thr ${pct(r.loadgen.busiestThreadPct)})`;
/**
 * Cores' worth of CPU the machine used beyond the measured processes (server, Redis, load
 * generator): other work on a shared machine, plus kernel network time charged to nobody.
 * null when the server is external (its CPU is unknown).
 */
export function otherCores(r: CaseResult): number | null {
  if (r.serverUse === null) return null;
  const ours = r.serverUse.cpuPct + r.loadgen.cpuPct + (typeof r.extra.redisCpuPct === 'number' ? r.extra.redisCpuPct : 0);
  return Math.max(0, (r.loadgen.machineBusyPct * os.availableParallelism() - ours) / 100);
}

const machineText = (r: CaseResult): string => {
  const other = otherCores(r);
  return `${pct(r.loadgen.machineBusyPct)} (sirq ${pct(r.loadgen.machineSoftirqPct)}${other === null ? '' : `, other ${other.toFixed(1)} core`})`;
};

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function rowsFor(scenario: string, results: CaseResult[]): { head: string[]; rows: string[][] } {
  switch (scenario) {
    case 'connections':
      return {
        head: ['case', 'server', 'joined', 'all joined ms', 'settled ms', 'RSS idle→settled→rested MB', 'KB/conn settled', 'KB/conn rested', 'all left: busy ms, RSS before→peak→end MB', 'server CPU', 'loadgen CPU', 'machine', 'check', 'errors'],
        rows: results.map((r) => [
          r.label,
          r.server,
          `${r.join.joined}/${r.join.of}`,
          String(r.extra.joinedMs),
          Number(r.extra.settledMs) < 0 ? 'timeout' : String(r.extra.settledMs),
          `${mb(Number(r.extra.rssIdleKb))}→${mb(Number(r.extra.rssSettledKb))}→${mb(Number(r.extra.rssRestedKb))}`,
          String(r.extra.rssPerConnKb),
          Number(r.extra.restS) > 0 ? `${r.extra.rssRestedPerConnKb} (+${r.extra.restS} s)` : '-',
          Number(r.extra.leftBusyMs ?? -1) >= 0
            ? `${r.extra.leftCutOff ? '≥' : ''}${r.extra.leftBusyMs}, ${r.extra.rssLeavingKb !== undefined ? `${mb(Number(r.extra.rssLeavingKb))}→` : ''}${mb(Number(r.extra.rssLeftPeakKb))}→${mb(Number(r.extra.rssLeftKb))}`
            : '-',
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
    case 'rooms':
      return {
        head: ['case', 'server', 'deliveries/s', 'msgs/s', 'vs 1 room', 'p50 ms', 'p99 ms', 'join ms', 'server CPU', 'loadgen CPU', 'machine', 'limit', 'check', 'errors'],
        rows: results.map((r) => {
          const one = results.find((x) => x.label === `1×${r.params.N}` && x.server === r.server);
          const l = r.latencyUs;
          return [
            r.label,
            r.server,
            k(r.deliveriesPerS),
            k(r.messagesPerS),
            one === undefined || one === r || one.deliveriesPerS === 0 ? '-' : `${(r.deliveriesPerS / one.deliveriesPerS).toFixed(2)}×`,
            l ? ms(l.p50) : '-',
            l ? ms(l.p99) : '-',
            String(r.join.ms),
            cpuText(r),
            loadgenText(r),
            machineText(r),
            limitText(r),
            checkText(r),
            errorsText(r),
          ];
        }),
      };
    case 'cluster':
      return {
        head: ['case', 'server', 'deliveries/s', 'msgs/s', 'p50 ms', 'p99 ms', 'max ms', 'node CPU', 'redis CPU', 'redis cmds/line', 'redis in B/line', 'redis out B/line', 'loadgen CPU', 'machine', 'limit', 'check', 'errors'],
        rows: results.map((r) => {
          const l = r.latencyUs;
          const x = r.extra;
          const has = typeof x.redisCmdsPerLine === 'number';
          return [
            r.label,
            r.server,
            k(r.deliveriesPerS),
            k(r.messagesPerS),
            l ? ms(l.p50) : '-',
            l ? ms(l.p99) : '-',
            l ? ms(l.max) : '-',
            cpuText(r),
            has ? pct(Number(x.redisCpuPct)) : '-',
            has ? String(x.redisCmdsPerLine) : '-',
            has ? String(x.redisInBytesPerLine) : '-',
            has ? String(x.redisOutBytesPerLine) : '-',
            loadgenText(r),
            machineText(r),
            limitText(r),
            checkText(r),
            errorsText(r),
          ];
        }),
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
    // --protocol irc: ngircd is the baseline, and the mixed room is compared with all-telnet;
    // --protocol ws: the plain ws broadcast server is, and ours over WebSocket is compared with ours over telnet.
    const base = results.find((r) => r.label === label && (r.server === 'baseline' || r.server === 'ngircd' || r.server === 'ws-baseline'));
    const mixed = results.find((r) => r.label === label && r.server === 'ours-mixed');
    const telnet = results.find((r) => r.label === label && r.server === 'ours-telnet');
    if ((scenario === 'fanout' || scenario === 'rate') && mixed !== undefined && telnet !== undefined && telnet.deliveriesPerS > 0) {
      out.push(`${label}: ours-mixed ${(mixed.deliveriesPerS / telnet.deliveriesPerS).toFixed(2)}× ours-telnet deliveries/s (half the room IRC)`);
    }
    // --tls: what encryption costs, against the plain run of the same build in this invocation.
    const secure = results.find((r) => r.label === label && r.server === 'ours-tls');
    const plain = results.find((r) => r.label === label && r.server === 'ours');
    if ((scenario === 'fanout' || scenario === 'rate') && secure !== undefined && plain !== undefined && plain.deliveriesPerS > 0) {
      const main = (r: CaseResult): string => (r.serverUse ? `${Math.round(r.serverUse.mainPct)}%` : '?');
      out.push(
        `${label}: ours-tls ${(secure.deliveriesPerS / plain.deliveriesPerS).toFixed(2)}× ours deliveries/s over TLS` +
          ` (server main thread ${main(secure)} vs ${main(plain)}; join p50 ${secure.join.p50Ms} vs ${plain.join.p50Ms} ms, the handshake included)`,
      );
    }
    const overWs = results.find((r) => r.label === label && r.server === 'ours');
    if (scenario === 'fanout' && base?.server === 'ws-baseline' && overWs !== undefined && telnet !== undefined && telnet.deliveriesPerS > 0) {
      out.push(`${label}: ours over WebSocket ${(overWs.deliveriesPerS / telnet.deliveriesPerS).toFixed(2)}× ours-telnet deliveries/s`);
    }
    if (base === undefined) continue;
    for (const r of results) {
      if (r.label !== label || r === base) continue;
      if (scenario === 'fanout' && base.deliveriesPerS > 0) {
        out.push(`${label}: ${r.server} ${(r.deliveriesPerS / base.deliveriesPerS).toFixed(base.server === 'baseline' ? 1 : 2)}× ${base.server} deliveries/s`);
      } else if (scenario === 'rate' && r.latencyUs && base.latencyUs && r.latencyUs.p99 > 0) {
        out.push(`${label}: p99 ${r.server} ${ms(r.latencyUs.p99)} ms vs baseline ${ms(base.latencyUs.p99)} ms (p50 ${ms(r.latencyUs.p50)} vs ${ms(base.latencyUs.p50)})`);
      } else if (scenario === 'connections') {
        out.push(`${label}: all joined ${r.server} ${r.extra.joinedMs} ms vs baseline ${base.extra.joinedMs} ms (${base.join.joined}/${base.join.of} joined)`);
      } else if (scenario === 'churn' && Number(base.extra.cyclesPerS) > 0) {
        out.push(`${label}: ${r.server} ${(Number(r.extra.cyclesPerS) / Number(base.extra.cyclesPerS)).toFixed(1)}× baseline cycles/s`);
      }
    }
  }
  if (scenario === 'rooms') out.push(...roomsNotes(results));
  if (scenario === 'cluster') out.push(...clusterNotes(results));
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

/** rooms: per shape, each worker count against one room of the same N on the same server. */
function roomsNotes(results: CaseResult[]): string[] {
  const out: string[] = [];
  for (const label of [...new Set(results.map((r) => r.label))]) {
    if (label.startsWith('1×')) continue;
    const parts = results
      .filter((r) => r.label === label)
      .map((r) => {
        const one = results.find((x) => x.label === `1×${r.params.N}` && x.server === r.server);
        return `${r.server} ${k(r.deliveriesPerS)}/s${one && one.deliveriesPerS > 0 ? ` (${(r.deliveriesPerS / one.deliveriesPerS).toFixed(2)}× one room)` : ''}`;
      });
    out.push(`${label}: ${parts.join(', ')}`);
  }
  const ws = results.filter((r) => !r.label.startsWith('1×') && r.serverUse !== null);
  if (ws.length > 0) {
    out.push(
      'server CPU: "main" is the gateway thread (sockets, framing, delivery); "thr" the busiest other threads (the actor Workers, then GC helpers; Node 20 names them all "node", so they are told apart by load).',
    );
  }
  return out;
}

/**
 * cluster: Redis per chat line, and on paper what k nodes give. Redis CPU per line is fitted as
 * a + k·b from the 1-node and 2-node runs (a: the XADD, b: each node's XREAD of it).
 */
function clusterNotes(results: CaseResult[]): string[] {
  const out: string[] = [];
  for (const label of [...new Set(results.map((r) => r.label))]) {
    const alone = results.find((r) => r.label === label && r.server === '1 node');
    const one = results.find((r) => r.label === label && r.server === '1 node+redis');
    const two = results.find((r) => r.label === label && r.server === '2 nodes+redis');
    for (const r of [one, two]) {
      if (r === undefined || typeof r.extra.redisCmdsPerLine !== 'number') continue;
      out.push(
        `${label} ${r.server}: per chat line Redis ran ${r.extra.redisCmdsPerLine} commands (${r.extra.redisCallsPerLine}), read ${r.extra.redisInBytesPerLine} B, wrote ${r.extra.redisOutBytesPerLine} B, ` +
          `${r.extra.redisCpuUsPerLine} µs CPU; ${r.messages} lines${r.extra.redisBackgroundCmdsPerS === undefined ? '' : `, idle cluster ${r.extra.redisBackgroundCmdsPerS} cmds/s`}`,
      );
    }
    if (alone !== undefined && one !== undefined && alone.deliveriesPerS > 0) {
      out.push(`${label}: Redis costs one node ${((1 - one.deliveriesPerS / alone.deliveriesPerS) * 100).toFixed(0)}% of its deliveries/s (p99 ${alone.latencyUs ? ms(alone.latencyUs.p99) : '-'} → ${one.latencyUs ? ms(one.latencyUs.p99) : '-'} ms)`);
    }
    if (one === undefined || two === undefined) continue;
    const u1 = Number(one.extra.redisCpuUsPerLine);
    const u2 = Number(two.extra.redisCpuUsPerLine);
    const o1 = Number(one.extra.redisOutBytesPerLine);
    const o2 = Number(two.extra.redisOutBytesPerLine);
    if (!(u1 > 0 && u2 > 0)) continue;
    const b = Math.max(0, u2 - u1);
    const a = Math.max(0.1, u1 - b);
    const perNodeOut = Math.max(0, o2 - o1);
    const cap = (n: number): string => k(1e6 / (a + n * b));
    const members = Number(one.params.N) - 1;
    out.push(
      `${label} on paper, k nodes on one Redis: each line is one script call whatever k, and each node reads it once (in XREAD batches); ` +
        `Redis CPU ≈ ${a.toFixed(1)} + k × ${b.toFixed(1)} µs per line (fitted on ${u1} µs at k=1 and ${u2} at k=2; batches, hence µs per line, vary with load and between runs), so one Redis core tops out near ` +
        `${cap(2)} lines/s at k=2, ${cap(4)} at 4, ${cap(8)} at 8 (× ${members} recipients = deliveries/s), and writes ≈ ${(o1 - perNodeOut).toFixed(0)} + k × ${perNodeOut.toFixed(0)} B per line; ` +
        `below that, deliveries/s grow with k as long as each node (own cores) fans out its share: one node with Redis did ${k(one.deliveriesPerS)}/s here, on cores shared with Redis and the load generator.`,
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
