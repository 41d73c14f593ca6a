// Runs every compiled test file (dist/test/**/*.test.js) in its own process, two at a time,
// and ends with one line counted from the real runs: "N passed, N failed".
// A file that crashes, hangs past the timeout or ends without uvu's summary counts as failed.
// Usage: node test/run.mjs [substring…]  (only files whose path contains one of them)

import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../dist/test/', import.meta.url).pathname;
const TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS ?? 180_000);
const PARALLEL = Number(process.env.TEST_PARALLEL ?? 2);
const filters = process.argv.slice(2);

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'helpers' || name === 'fixtures' ? [] : find(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    // Its own process group, so that a timeout also ends the servers and nodes the test started.
    // IRC_PORT and HTTP_PORT off: servers the tests start listen for IRC or HTTP only when a test
    // asks (--irc-port 0, --http-port 0), or two of them running at once would both want 6667 (8080).
    const child = spawn(process.execPath, [file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', IRC_PORT: process.env.IRC_PORT ?? 'off', HTTP_PORT: process.env.HTTP_PORT ?? 'off' },
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run] timed out after ${TIMEOUT_MS} ms\n`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
      let result;
      if (Number.isNaN(total) || Number.isNaN(passed)) result = { passed: 0, failed: 1, skipped: 0 };
      else result = { passed, failed: total - passed - skipped + (code !== 0 && total === passed + skipped ? 1 : 0), skipped };
      resolve({ file, code, output, ms: Date.now() - started, ...result });
    });
  });
}

const files = find(ROOT)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const results = [];
let next = 0;
async function lane() {
  while (next < files.length) {
    const r = await runFile(files[next++]);
    results.push(r);
    const name = r.file.slice(ROOT.length);
    console.log(`${r.failed ? 'FAIL' : 'ok  '} ${name.padEnd(40)} ${r.passed} passed, ${r.failed} failed (${(r.ms / 1000).toFixed(1)} s)`);
    if (r.failed) console.log(r.output.replace(/^/gm, '    | '));
  }
}
await Promise.all(Array.from({ length: PARALLEL }, lane));
const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const skipped = sum('skipped');
if (files.length === 0) console.log('no test files found under dist/test');
console.log(`${sum('passed')} passed, ${sum('failed') + (files.length === 0 ? 1 : 0)} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(sum('failed') > 0 || files.length === 0 ? 1 : 0);
