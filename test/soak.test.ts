// A short soak in npm test: the server as a child process under churning clients and a
// steady chat (bench/soak.ts, the same code as `npm run soak`). Asserts what a short run can
// judge: no descriptor or handle left behind by thousands of connections, and the steady
// chat lost, repeated and reordered nothing. (Memory growth needs a longer run: npm run soak.)

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatReport, soak, type SoakReport } from '../bench/soak.js';

const short = suite('soak: a short run of churn and a steady chat');
let report: SoakReport | undefined;

short.after(() => {
  if (report) console.log(formatReport(report).replace(/^/gm, '  '));
});

short('no fd or handle growth, and the steady chat lost nothing', async () => {
  // soak() starts and always stops its own server process and clients, even when it throws.
  report = await soak({ seconds: 10, churners: 10 });
  const { warm, end } = report;
  assert.ok(report.churnCycles > 0, 'clients churned');
  assert.is(report.churnFailures, 0, 'every churn client connected, chatted and left');
  assert.ok(end.fds - warm.fds <= 5, `open fds ${warm.fds} → ${end.fds}`);
  if (warm.handles !== null && end.handles !== null) assert.ok(end.handles - warm.handles <= 5, `handles ${JSON.stringify(warm.resources)} → ${JSON.stringify(end.resources)}`);
  assert.ok(report.steadySent > 0, 'the steady chat ran');
  assert.is(report.steadyLost, 0, 'steady lines lost');
  assert.is(report.steadyDuplicated, 0, 'steady lines received twice');
  assert.is(report.steadyOutOfOrder, 0, 'steady lines out of order');
  assert.is(report.exitCode, 0, 'the server exits 0 on SIGTERM');
  assert.equal(report.serverErrors, []);
});

short.run();
