// `--protocol irc`'s reference server: Debian's ngircd, started by the bench on 127.0.0.1 with a
// config written to a fresh temp dir (removed when it stops), limits and flood penalties relaxed
// so that it is measured, not its defences (ngircd.conf(5), 26.1):
//   [Limits] MaxConnections = 0 (unlimited), MaxConnectionsIP = 0 (unlimited; default 5),
//            MaxJoins = 0 (unlimited), MaxPenaltyTime = 0 (penalties off: no command-rate delay),
//            PingTimeout = 600 / PongTimeout = 120 (no keepalive traffic within a case)
//   [Options] DNS = no, Ident = no, PAM = no (registration at once, nothing looked up)
// It prints no `listening on` line: up is when its own "Now listening on [127.0.0.1]:PORT" appears.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServerProcess, freePort } from './child.js';

export const NGIRCD = 'ngircd';

/** ngircd's path, or null (on Debian it is /usr/sbin/ngircd, not always on a user's PATH). */
export function findNgircd(): string | null {
  for (const candidate of ['ngircd', '/usr/sbin/ngircd', '/usr/local/sbin/ngircd']) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (!r.error && /ngircd/i.test(`${r.stdout}${r.stderr}`)) return candidate;
  }
  return null;
}

export function ngircdConfig(port: number): string {
  return `# Written by node-chat's bench (bench/ngircd.ts) for one case; removed when it stops.
[Global]
	Name = bench.ngircd.local
	Info = node-chat bench reference
	Listen = 127.0.0.1
	Ports = ${port}
	MotdPhrase = bench
	PidFile =
	AdminInfo1 = node-chat bench
	AdminInfo2 = localhost
	AdminEMail = nobody@localhost

[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxNickLength = 16
	MaxPenaltyTime = 0
	PingTimeout = 600
	PongTimeout = 120

[Options]
	DNS = no
	Ident = no
	PAM = no
	RequireAuthPing = no
	SyslogFacility = local1
`;
}

/** Starts ngircd in the foreground (`-n`) on a free port; a few tries when the port was taken meanwhile. */
export async function startNgircd(binary: string, timeoutMs = 10_000): Promise<{ proc: ServerProcess; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'node-chat-bench-ngircd-'));
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const file = path.join(dir, 'ngircd.conf');
    writeFileSync(file, ngircdConfig(port));
    const child = spawn(binary, ['-n', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const collect = (c: Buffer): void => {
      out = (out + c.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const up = `Now listening on [127.0.0.1]:${port}`;
    const ok = await new Promise<boolean>((resolve) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (out.includes(up)) finish(true);
        else if (out.includes("Can't bind") || child.exitCode !== null || child.signalCode !== null || Date.now() - t0 > timeoutMs) finish(false);
      }, 20);
      function finish(v: boolean): void {
        clearInterval(poll);
        resolve(v);
      }
    });
    const proc = ServerProcess.adopt({ name: NGIRCD, script: binary, args: ['-n', '-f', file] }, child, '127.0.0.1', port, () => out);
    if (ok) return { proc, dir };
    last = out;
    await proc.stop(2000);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`ngircd did not start:\n${last}`);
}
