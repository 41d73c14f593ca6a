// The bench's own throwaway redis-server (issue 8's `cluster` scenario): started on a free
// port of 127.0.0.1 with persistence off, stopped by the PID we started, and read through a
// tiny RESP client (one INFO command at a time, nothing else) so that the counters we read
// are disturbed by nothing but our own, known INFO bytes.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { StartedProcess, freePort } from './child.js';

/** null when `bin` runs, else why not (for the "skipped" message). */
export function redisMissing(bin: string): string | null {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return `${bin} not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); install it (Debian: apt-get install redis-server) or pass --redis-server PATH`;
  if (r.status !== 0) return `${bin} --version exited ${r.status}`;
  return null;
}

/** What INFO says, as numbers, plus the bytes our own INFO exchange put on the wire. */
export interface RedisCounters {
  commands: number;
  inBytes: number;
  outBytes: number;
  /** calls per command name (cmdstat_xadd → xadd), INFO itself left out. */
  calls: Map<string, number>;
  /** Bytes of our INFO command and of its reply: counted by Redis in the next snapshot. */
  ownIn: number;
  ownOut: number;
}

/** Redis counters between two snapshots, our own INFO traffic taken out. */
export interface RedisDelta {
  commands: number;
  inBytes: number;
  outBytes: number;
  calls: Map<string, number>;
}

export function redisDelta(a: RedisCounters, b: RedisCounters): RedisDelta {
  const calls = new Map<string, number>();
  for (const [name, n] of b.calls) {
    const d = n - (a.calls.get(name) ?? 0);
    if (d > 0) calls.set(name, d);
  }
  return {
    // The INFO of snapshot a is counted once it has run (so in b); b's own is not yet.
    commands: b.commands - a.commands - 1,
    // b's command bytes were read before b ran; a's reply was written after a ran.
    inBytes: b.inBytes - a.inBytes - b.ownIn,
    outBytes: b.outBytes - a.outBytes - a.ownOut,
    calls,
  };
}

const INFO_CMD = Buffer.from('*3\r\n$4\r\nINFO\r\n$5\r\nstats\r\n$12\r\ncommandstats\r\n');

export class RedisServer extends StartedProcess {
  private info: net.Socket | null = null;

  private constructor(
    child: ChildProcess,
    readonly port: number,
  ) {
    super(child);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on a free port (a few tries: another process may take the port first). */
  static async start(bin = 'redis-server'): Promise<RedisServer> {
    let last: unknown = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      try {
        return await RedisServer.launch(bin, port);
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** Starts redis-server on this port (a restart on the port a test's nodes know). */
  static launch(bin: string, port: number, timeoutMs = 10_000): Promise<RedisServer> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'];
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server: not ready within ${timeoutMs} ms\n${log}`));
      }, timeoutMs);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}) before it was ready\n${log}`));
      };
      child.once('exit', onExit);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      // With --loglevel warning there may be no "Ready" line: poll the port with a PING instead.
      const keep = (d: Buffer): void => void (log = (log + d.toString('utf8')).slice(-4000));
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      const poll = (): void => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.once('connect', () => s.write('PING\r\n'));
        s.once('data', (d) => {
          s.destroy();
          if (!d.toString().startsWith('+PONG')) return void setTimeout(poll, 50);
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(new RedisServer(child, port));
        });
        s.once('error', () => {
          s.destroy();
          if (child.exitCode === null) setTimeout(poll, 50);
        });
      };
      setTimeout(poll, 30);
    });
  }

  /** `INFO stats commandstats` over our own connection, parsed. */
  async counters(): Promise<RedisCounters> {
    if (this.info === null) {
      const s = net.connect({ host: '127.0.0.1', port: this.port });
      await once(s, 'connect');
      this.info = s;
    }
    const s = this.info;
    const reply = await new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        got = Buffer.concat([got, d]);
        const nl = got.indexOf('\r\n');
        if (nl < 0) return;
        if (got[0] !== 0x24 /* $ */) return done(new Error(`INFO: ${got.subarray(0, nl).toString()}`));
        const len = Number(got.subarray(1, nl).toString());
        if (got.length >= nl + 2 + len + 2) done(null);
      };
      const done = (err: Error | null): void => {
        s.off('data', onData);
        s.off('error', done);
        if (err) reject(err);
        else resolve(got);
      };
      s.on('data', onData);
      s.on('error', done);
      s.write(INFO_CMD);
    });
    const text = reply.toString('utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    const calls = new Map<string, number>();
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') calls.set(m[1]!, Number(m[2]));
    return {
      commands: field('total_commands_processed'),
      inBytes: field('total_net_input_bytes'),
      outBytes: field('total_net_output_bytes'),
      calls,
      ownIn: INFO_CMD.length,
      ownOut: reply.length,
    };
  }

  /** SIGTERM (no persistence: it exits at once), SIGKILL after `graceMs`; only our PID. */
  override stop(graceMs = 3000): Promise<void> {
    this.info?.destroy();
    this.info = null;
    return super.stop(graceMs);
  }
}

/**
 * What the cluster keeps in Redis, for the memory a connection costs there (issue 15 item 6):
 * `used_memory` (INFO memory), and the bytes (MEMORY USAGE) and count of the keys that hold
 * operation results (nc:op:*), which grew with every operation before they were bounded by the
 * in-flight window. Over its own ioredis connection: call it outside the windows whose INFO
 * counters are reported.
 */
export async function redisMemory(url: string): Promise<{ usedBytes: number; opKeys: number; opBytes: number }> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const info = await r.info('memory');
    const usedBytes = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
    let opKeys = 0;
    let opBytes = 0;
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', 'nc:op:*', 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        opKeys++;
        opBytes += Number((await r.memory('USAGE', key)) ?? 0);
      }
    } while (cursor !== '0');
    return { usedBytes, opKeys, opBytes };
  } finally {
    r.disconnect();
  }
}
