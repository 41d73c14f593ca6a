// connections: many sockets join one room (10,000 by default): time until all joined and
// settled, server RSS per connection (again after a rest), then everyone leaves at once: how
// long the server stays busy announcing the leaves, and its RSS.

import net from 'node:net';
import { once } from 'node:events';
import { LOBBY } from '../../src/model/rooms.js';
import type { Address, PoolSetup } from '../pool-messages.js';
import { untilIdle } from '../proc.js';
import type { CaseResult } from '../result-types.js';
import { nowUs } from '../stats.js';
import { Pools } from '../threads.js';
import { LoadgenMeter, fmtMs, mergeErrors, mergeHist, onServer, procsOf, roomConns, serverUse, sleep, withProgress, type Scenario } from './shared.js';

const SENTINEL = 'zzend';

/**
 * `--fill-history N`: a member says N lines in the room before the storm (and stays), so every
 * joiner is shown history; resolves once the server has them all (its /history answer names the
 * last). The caller closes the socket.
 */
async function fillHistory(at: Address, lines: number, lineBytes: number, timeoutMs: number): Promise<net.Socket> {
  const socket = net.connect({ host: at.host, port: at.port, noDelay: true });
  socket.on('error', () => {});
  await once(socket, 'connect');
  let seen = '';
  const last = `history ${lines - 1} `;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`--fill-history: the server did not take ${lines} lines in ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (d: Buffer) => {
      seen = (seen + d.toString('latin1')).slice(-4096);
      if ((seen.includes(last) && seen.includes('sent before')) || seen.includes('history is off')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const pad = (i: number): string => `history ${i} `.padEnd(Math.max(12, lineBytes - 2), 'x');
  let out = 'zzfiller\r\n';
  for (let i = 0; i < lines; i++) out += `${pad(i)}\r\n`;
  socket.write(`${out}/history 1\r\n`);
  await done;
  return socket;
}

export const connections: Scenario = {
  name: 'connections',
  describe: '10,000 connections join one room: time until all joined, server RSS per connection; then all leave at once: server busy time and RSS',
  async run(ctx) {
    const N = ctx.clients ?? (ctx.quick ? 50 : 10_000);
    const out: CaseResult[] = [];
    for (const target of ctx.servers) {
      out.push(
        await onServer(target, async (addresses, proc) => {
          const title = `connections N=${N} ${target.name}`;
          await sleep(300);
          const filler = (ctx.fillHistory ?? 0) > 0 ? await fillHistory(addresses[0]!, ctx.fillHistory!, ctx.lineBytes, ctx.timeoutS * 1000) : null;
          const idle = proc?.sample() ?? null;
          // Every join line goes to everyone: N²/2 lines that only need draining. Count mode skips
          // parsing; a last joiner (SENTINEL) tells us when everything before it has arrived.
          const marker = ` > ${SENTINEL} joined the room`;
          const base: Omit<PoolSetup, 'conns'> = {
            targets: addresses,
            senderRooms: [],
            joinsInFlight: ctx.joinsInFlight,
            lineBytes: ctx.lineBytes,
            mode: 'count',
            marker,
          };
          const pools = await Pools.open(base, roomConns(N, 0), N < 20 ? 0 : ctx.threads);
          const sentinel = await Pools.open({ ...base, mode: 'check' }, [{ id: N, nick: SENTINEL, room: LOBBY, target: 0, sender: -1, reference: false }], 0);
          let closed = false;
          const closeAll = async (): Promise<void> => {
            closed = true;
            filler?.destroy();
            await sentinel.close();
            await pools.close();
          };
          try {
            const meter = new LoadgenMeter();
            const t0 = nowUs();
            const joins = await withProgress(ctx, title, pools, pools.all('join', ctx.timeoutS * 1000));
            const joinedN = joins.reduce((a, j) => a + j.joined, 0);
            const joinedMs = fmtMs(Math.max(...joins.map((j) => j.lastJoinUs)) - t0);
            const atJoined = proc?.sample() ?? null;
            // When not everyone joined in time the server is still busy with joins: settling is not measured.
            const settleS = joinedN === N ? ctx.timeoutS : 0;
            const [sj] = await sentinel.all('join', settleS * 1000);
            const marks = await withProgress(ctx, title, pools, pools.all('awaitMarker', settleS * 1000));
            const seen = marks.reduce((a, m) => a + m.seen, 0);
            const settledMs = seen === joinedN && sj!.joined === 1 ? fmtMs(Math.max(...marks.map((m) => m.lastSeenUs)) - t0) : -1;
            const loadgen = meter.stop();
            const after = proc?.sample() ?? null;
            // RSS right after the storm is its high-water mark: freed buffers and heap pages go
            // back to the system only later. What each connection costs to keep is read again
            // after a rest, everyone still connected and idle.
            const restS = proc === null ? 0 : (ctx.restS ?? (ctx.quick ? 0 : 10)); // no RSS to read from an external server
            await sleep(restS * 1000);
            const rested = restS > 0 ? (proc?.sample() ?? null) : null;
            // Then everyone leaves at once: each leave is a line to everyone still there. Measured
            // only after a complete join (a server still working through joins would be timed too).
            const beforeLeaving = joinedN === N && proc !== null ? proc.sample() : null;
            await closeAll();
            const departure = beforeLeaving === null ? null : await untilIdle(() => proc!.sample(), beforeLeaving, ctx.timeoutS * 1000);
            const leaveError: Record<string, number> = departure?.died ? { 'server died while everyone left': 1 } : {};
            const joinHist = mergeHist(joins.map((j) => j.joinUs));
            const perConn = (s: typeof after): number => (idle !== null && s !== null && joinedN > 0 ? Math.round(((s.rssKb - idle.rssKb) / (joinedN + 1)) * 100) / 100 : -1);
            return {
              scenario: 'connections',
              label: `N=${N}`,
              server: target.name,
              params: { N, timeoutS: ctx.timeoutS, threads: pools.size, fillHistory: ctx.fillHistory ?? 0 },
              ok: joinedN === N && settledMs >= 0 && departure?.died !== true,
              join: { joined: joinedN, of: N, failed: N - joinedN, ms: joinedMs, p50Ms: fmtMs(joinHist.quantile(0.5)), p99Ms: fmtMs(joinHist.quantile(0.99)) },
              messages: 0,
              deliveries: 0,
              activeS: 0,
              deliveriesPerS: 0,
              messagesPerS: 0,
              latencyUs: null,
              latencyCdf: [],
              check: null,
              serverUse: serverUse(procsOf(proc), [idle], [after]),
              loadgen,
              errors: { ...mergeErrors(joins), ...leaveError },
              extra: {
                joinedMs,
                settledMs,
                settledSeen: seen,
                rssIdleKb: idle?.rssKb ?? -1,
                rssAtJoinedKb: atJoined?.rssKb ?? -1,
                rssSettledKb: after?.rssKb ?? -1,
                rssPerConnKb: perConn(after),
                restS,
                rssRestedKb: rested?.rssKb ?? -1,
                rssRestedPerConnKb: perConn(rested),
                leftBusyMs: departure?.busyMs ?? -1,
                leftCutOff: departure?.cutOff ? 1 : 0,
                rssLeavingKb: beforeLeaving?.rssKb ?? -1,
                rssLeftPeakKb: departure?.peakKb ?? -1,
                rssLeftKb: departure?.endKb ?? -1,
                bytesReceived: marks.reduce((a, m) => a + m.bytes, 0),
              },
            };
          } finally {
            if (!closed) await closeAll();
          }
        }),
      );
    }
    return out;
  },
};
