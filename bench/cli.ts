// npm run bench -- [scenario…|all] [flags]: starts the servers, runs the scenarios against each,
// prints a summary table, writes JSON (and SVG charts) under bench/results/.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { StartedProcess } from './child.js';
import { redisMissing } from './redis.js';
import { RefBuilds, refOf, type RefBuild } from './ref-build.js';
import { ProgressLine, machine, summaryText, writeJson } from './report.js';
import type { CaseResult } from './result-types.js';
import { SCENARIOS, scenarioByName, type RunContext } from './scenarios/index.js';
import { CLUSTER_NODE, TLS_TARGET, clusterTarget, externalTarget, ircTarget, ngircdTarget, refTarget, serverAvailable, serverSpec, startedTarget, tlsTarget, wsTarget, type Target } from './servers.js';
import { deliveriesChart, latencyCdfChart } from './svg.js';
import { writeFileSync, mkdirSync } from 'node:fs';

// The servers the bench starts listen for IRC or HTTP only when a scenario asks: left at their
// defaults (6667, 8080), every node-chat it starts would want the same port.
process.env.IRC_PORT ??= 'off';
process.env.HTTP_PORT ??= 'off';

const HELP = `usage: npm run bench -- [${SCENARIOS.map((s) => s.name).join('|')}|all]… [flags]

${SCENARIOS.map((s) => `  ${s.name.padEnd(12)} ${s.describe}`).join('\n')}

flags:
  --quick            a few clients for about a second per case (smoke run)
  --duration S       seconds of sending (fanout, rate, churn, rooms, cluster; default 10)
  --clients N        clients (fanout/rate/cluster: N; connections: N; churn: concurrent churners)
  --servers LIST     comma-separated: ours, baseline, ours-inthread, ours-nohistory (--history 0), ours+redis (one cluster node on a
                     fresh redis-server; its figures are the node's), ours@REF (the commit REF of
                     this repository, e.g. ours@HEAD~1, built in a temporary git worktree)
                     (default: ours,baseline)
  --protocol P       telnet (default) or irc (fanout, rate): the clients speak IRC (NICK/USER, JOIN #lobby,
                     PRIVMSG); servers then: ours (its IRC port), ngircd (Debian's, started with a temp
                     config, the baseline), ours-mixed (half the clients telnet, half IRC), ours-telnet
                     (default: ours,ngircd,ours-mixed,ours-telnet)
                     or ws (fanout, rate): the clients speak IRC over WebSocket (text.ircv3.net, a frame
                     reader of our own on net.Socket); servers then: ours (its /ws), ws-baseline (a plain ws broadcast
                     server, the tutorial loop, the baseline), ours-telnet (default: all three)
  --tls              fanout, rate: ours over TLS (telnet over TLS, a certificate made for the run, clients
                     on tls.connect) next to ours in the clear; servers then ours,ours-tls unless --servers
                     names others (baseline, ours-tls…)
  --workers N        pass --workers N to ours (rooms: the list to compare, e.g. 1,2,3, its default)
  --rooms RxM,…      rooms: the shapes (default 100x20,10x200; --quick 3x4)
  --window W         rooms, cluster: lines in flight per sender (default 8, as fanout)
  --redis-server BIN cluster, ours+redis: the redis-server to start (default redis-server on the PATH)
  --host H --port P  measure an already running server instead (127.0.0.1 only; no /proc figures)
  --rate R           total lines/s for 'rate' (default: half the baseline's fanout figure)
  --threads T        load-generator worker threads (0 = main thread; default 2)
  --joins J          joins in flight (default 100)
  --timeout S        bound for joining/settling phases (default 60)
  --rest S           connections: seconds idle, everyone still connected, before RSS is read again (default 10; --quick 0)
  --line-bytes B     bytes per sent line, newline included (default 64)
  --fill-history N   connections: N lines said in the room before the storm, so every joiner is shown history (default 0)
  --out DIR          results directory (default bench/results)
  --no-svg           do not write the SVG charts
`;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WANT_FILES = 20_000;

/** Node cannot setrlimit: re-run ourselves under `sh -c 'ulimit -n …'` when the soft limit is low. */
function reexecWithMoreFiles(): boolean {
  if (process.env.NODE_CHAT_BENCH_ULIMIT === '1') return false;
  let soft = 0;
  let hard = 0;
  try {
    const m = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m === null) return false;
    soft = m[1] === 'unlimited' ? Infinity : Number(m[1]);
    hard = m[2] === 'unlimited' ? Infinity : Number(m[2]);
  } catch {
    return false;
  }
  if (soft >= WANT_FILES || hard <= soft) return false;
  const want = String(Math.min(WANT_FILES, hard));
  const child = spawn('sh', ['-c', 'ulimit -n "$1" || exit 111; shift; exec "$@"', 'sh', want, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_CHAT_BENCH_ULIMIT: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}

/** The worktrees of `ours@<ref>` servers: removed when main ends, however it ends. */
const builds = new RefBuilds(ROOT, (line) => process.stderr.write(`bench: ${line}\n`));

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      clients: { type: 'string' },
      servers: { type: 'string' },
      workers: { type: 'string' },
      rooms: { type: 'string' },
      window: { type: 'string' },
      protocol: { type: 'string', default: 'telnet' },
      tls: { type: 'boolean', default: false },
      'redis-server': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      rate: { type: 'string' },
      threads: { type: 'string', default: '2' },
      joins: { type: 'string', default: '100' },
      timeout: { type: 'string', default: '60' },
      rest: { type: 'string' },
      'line-bytes': { type: 'string', default: '64' },
      'fill-history': { type: 'string', default: '0' },
      out: { type: 'string' },
      'no-svg': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const names = positionals.length === 0 || positionals.includes('all') ? SCENARIOS.map((s) => s.name) : positionals;
  const scenarios = names.map(scenarioByName);

  const workersList = values.workers === undefined ? undefined : values.workers.split(',').map(Number);
  if (workersList !== undefined && workersList.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`--workers: whole numbers >= 1, got ${values.workers}`);
  const roomShapes = values.rooms?.split(',').map((x) => {
    const m = /^(\d+)x(\d+)$/.exec(x.trim());
    if (m === null || Number(m[1]) < 1 || Number(m[2]) < 2) throw new Error(`--rooms: RxM with R >= 1 and M >= 2, e.g. 100x20, got ${x}`);
    return { R: Number(m[1]), M: Number(m[2]) };
  });
  const protocol = values.protocol;
  if (protocol !== 'telnet' && protocol !== 'irc' && protocol !== 'ws') throw new Error(`--protocol: telnet, irc or ws, got ${protocol}`);
  if (protocol !== 'telnet') {
    const other = names.filter((n) => n !== 'fanout' && n !== 'rate');
    if (other.length > 0) throw new Error(`--protocol ${protocol} runs fanout and rate only, not ${other.join(', ')}`);
    if (values.port !== undefined) throw new Error(`--protocol ${protocol} starts its own servers (no --host/--port)`);
  }
  if (values.tls) {
    const other = names.filter((n) => n !== 'fanout' && n !== 'rate');
    if (other.length > 0) throw new Error(`--tls runs fanout and rate only, not ${other.join(', ')}`);
    if (protocol !== 'telnet' || values.port !== undefined) throw new Error('--tls measures telnet over TLS on servers it starts (no --protocol irc, no --host/--port)');
  }
  let servers: Target[];
  const built: Array<{ name: string; build: RefBuild }> = [];
  let baseline: Target | null = startedTarget(serverSpec('baseline'));
  if (values.port !== undefined) {
    servers = [externalTarget(values.host ?? '127.0.0.1', Number(values.port))];
    baseline = null;
  } else if (protocol === 'irc') {
    const workers = workersList?.[0];
    const opts = workers === undefined ? {} : { workers };
    const wanted = (values.servers ?? 'ours,ngircd,ours-mixed,ours-telnet').split(',').filter(Boolean);
    const ngircd = ngircdTarget();
    baseline = wanted.includes('ngircd') ? ngircd : null;
    servers = wanted.map((name) => {
      if (name === 'ngircd') return ngircd;
      if (name === 'ours' || name === 'ours-mixed' || name === 'ours-telnet') return ircTarget(name, opts);
      throw new Error(`--protocol irc: servers are ours, ngircd, ours-mixed, ours-telnet; got ${name}`);
    });
  } else if (protocol === 'ws') {
    const workers = workersList?.[0];
    const opts = workers === undefined ? {} : { workers };
    const wanted = (values.servers ?? 'ours,ws-baseline,ours-telnet').split(',').filter(Boolean);
    const wsBaseline = wsTarget('ws-baseline');
    baseline = wanted.includes('ws-baseline') ? wsBaseline : null;
    servers = wanted.map((name) => {
      if (name === 'ws-baseline') return wsBaseline;
      if (name === 'ours' || name === 'ours-telnet') return wsTarget(name, opts);
      throw new Error(`--protocol ws: servers are ours, ws-baseline, ours-telnet; got ${name}`);
    });
  } else {
    const workers = workersList?.[0];
    const wanted = (values.servers ?? (values.tls ? `ours,${TLS_TARGET}` : 'ours,baseline')).split(',').filter(Boolean);
    servers = [];
    for (const name of wanted) {
      if (name === TLS_TARGET) {
        servers.push(tlsTarget(name, workers === undefined ? {} : { workers }));
        continue;
      }
      const ref = refOf(name);
      if (ref !== null) {
        // Built now, before anything is measured: a build must not share the CPU with a case.
        const b = await builds.build(ref);
        built.push({ name, build: b });
        process.stdout.write(`${name}: commit ${b.short} "${b.subject}" (node_modules: ${b.modules})\n`);
        servers.push(refTarget(name, b.script, workers === undefined ? {} : { workers }));
        continue;
      }
      if (name === CLUSTER_NODE) {
        const bin = values['redis-server'] ?? 'redis-server';
        const missing = redisMissing(bin);
        if (missing !== null) process.stderr.write(`bench: skipping ${name}: ${missing}\n`);
        else servers.push(clusterTarget(CLUSTER_NODE, 1, true, bin));
        continue;
      }
      if (!serverAvailable(name)) {
        process.stderr.write(`bench: skipping ${name}: ${serverSpec(name).script} not built\n`);
        continue;
      }
      const t = name === 'baseline' ? baseline : startedTarget(serverSpec(name, workers === undefined ? {} : { workers }));
      servers.push(t);
    }
  }

  const progress = new ProgressLine();
  const ctx: RunContext = {
    servers,
    baseline,
    threads: Number(values.threads),
    quick: values.quick === true,
    durationS: num(values.duration),
    clients: num(values.clients),
    rate: num(values.rate),
    joinsInFlight: Number(values.joins),
    timeoutS: Number(values.timeout),
    restS: num(values.rest),
    lineBytes: Number(values['line-bytes']),
    fillHistory: Number(values['fill-history']),
    progress: (t) => progress.set(t),
    baselineMsgs: new Map(),
    external: values.port !== undefined,
    redisServer: values['redis-server'] ?? 'redis-server',
    skipped: [],
  };
  if (workersList !== undefined) ctx.workersList = workersList;
  if (roomShapes !== undefined) ctx.roomShapes = roomShapes;
  if (values.window !== undefined) ctx.window = Math.max(1, Number(values.window));

  const results: CaseResult[] = [];
  const started = new Date();
  for (const s of scenarios) {
    results.push(...(await s.run(ctx)));
    progress.done();
    const skipped = ctx.skipped!.filter((x) => x.scenario === s.name);
    for (const x of skipped) process.stdout.write(`\n== ${s.name} ==\nSKIPPED: ${x.why}\n`);
    if (skipped.length === 0) process.stdout.write(`${summaryText(results.filter((r) => r.scenario === s.name))}\n`);
  }

  const outDir = values.out ?? path.join(ROOT, 'bench', 'results');
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const json = writeJson(outDir, `${stamp}-${names.join('-')}${ctx.quick ? '-quick' : ''}.json`, {
    machine: machine(),
    argv: process.argv.slice(2),
    settings: { threads: ctx.threads, joinsInFlight: ctx.joinsInFlight, timeoutS: ctx.timeoutS, lineBytes: ctx.lineBytes },
    ...(built.length > 0 ? { commits: built.map(({ name, build: b }) => ({ server: name, ref: b.ref, commit: b.commit, short: b.short, subject: b.subject })) } : {}),
    results,
    skipped: ctx.skipped,
  });
  process.stdout.write(`\nresults: ${path.relative(process.cwd(), json)}\n`);
  if (!values['no-svg'] && !ctx.quick) {
    mkdirSync(outDir, { recursive: true });
    const written: string[] = [];
    if (results.some((r) => r.scenario === 'fanout')) {
      const f = path.join(outDir, 'fanout-deliveries.svg');
      writeFileSync(f, deliveriesChart(results, 'fanout: deliveries/s (one room, 10 senders, window 8)'));
      written.push(f);
    }
    const cdfFrom = results.some((r) => r.scenario === 'rate') ? 'rate' : results.some((r) => r.scenario === 'fanout') ? 'fanout' : null;
    if (cdfFrom !== null) {
      const f = path.join(outDir, 'latency-cdf.svg');
      writeFileSync(f, latencyCdfChart(results, cdfFrom, `${cdfFrom}: latency CDF`));
      written.push(f);
    }
    for (const f of written) process.stdout.write(`chart: ${path.relative(process.cwd(), f)}\n`);
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) process.stdout.write(`\n${failed.length} case(s) did not pass their checks: ${failed.map((r) => `${r.scenario} ${r.label} ${r.server}`).join(', ')}\n`);
  // A scenario skipped because this machine cannot run it fails the run only when it was asked for by name.
  const refused = ctx.skipped!.filter((x) => positionals.includes(x.scenario));
  if (refused.length > 0) process.stdout.write(`\nrequested but skipped: ${refused.map((x) => x.scenario).join(', ')}\n`);
  return failed.length > 0 || refused.length > 0 ? 1 : 0;
}

if (!reexecWithMoreFiles()) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      StartedProcess.killAll();
      RefBuilds.removeAllSync();
      process.exit(130);
    });
  }
  // Servers first, then the worktrees they run from.
  main().then(
    (code) => {
      builds.removeAll();
      process.exit(code);
    },
    (err: unknown) => {
      StartedProcess.killAll();
      builds.removeAll();
      process.stderr.write(`\nbench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
