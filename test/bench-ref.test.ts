// `--servers ours@<git-ref>` (bench/ref-build.ts): the server name is parsed, and a build of HEAD
// in a temporary worktree starts with ours' flags and takes a telnet-style connection; after
// the run the worktree is gone and our node_modules (linked into it) is untouched. One build,
// about 5 s: the lockfile is the same, so node_modules is a symlink and nothing is installed.

import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RefBuilds, refOf } from '../bench/ref-build.js';
import { refTarget, serverSpec, stopStarted, type Started } from '../bench/servers.js';
import { TestClient } from './helpers/client.js';

/** The repository (this file runs from dist/test/). */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const git = (...args: string[]): { ok: boolean; out: string } => {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim() };
};

const names = suite('bench: the ours@<ref> server name');
names('ours@REF names a git ref; every other server name is not one', () => {
  assert.is(refOf('ours@HEAD~1'), 'HEAD~1');
  assert.is(refOf('ours@v0.1.0'), 'v0.1.0');
  assert.is(refOf('ours@bdca916'), 'bdca916');
  assert.is(refOf('ours@origin/main'), 'origin/main');
  for (const name of ['ours', 'baseline', 'ours-inthread', 'ours+redis', 'ours w2']) assert.is(refOf(name), null, name);
});
names('an empty ref, or one git would read as an option, is refused with a reason', () => {
  for (const name of ['ours@', 'ours@--output=/tmp/x', 'ours@-n', 'ours@a b']) assert.throws(() => refOf(name), /needs a git ref/, name);
});
names('a ref that names no commit is refused before anything is built', async () => {
  const builds = new RefBuilds(ROOT);
  try {
    await builds.resolve('no-such-ref-here');
    assert.unreachable('resolved');
  } catch (err) {
    assert.match(String(err), '"no-such-ref-here" is not a commit');
  }
  assert.equal(RefBuilds.remaining, []);
});
names.run();

const built = suite('bench: ours@HEAD built in a temporary worktree');
let builds: RefBuilds | null = null;
let started: Started | null = null;
let client: TestClient | null = null;
built.after(async () => {
  client?.close();
  if (started !== null) await stopStarted(started);
  builds?.removeAll();
});

built('HEAD builds outside the repository, starts with ours flags and takes a connection; the worktree is removed after', async () => {
  const head = git('rev-parse', 'HEAD');
  if (!head.ok) assert.unreachable(`${ROOT} is not a git checkout (or git is missing): ours@<ref> needs one`);
  builds = new RefBuilds(ROOT);
  const b = await builds.build('HEAD');
  assert.is(b.commit, head.out);
  assert.ok(head.out.startsWith(b.short) && b.short.length >= 7, `short hash ${b.short}`);
  assert.ok(b.dir.startsWith(os.tmpdir() + path.sep), `under the temp dir: ${b.dir}`);
  assert.not.ok(path.resolve(b.dir).startsWith(path.resolve(ROOT)), 'not inside the repository');
  assert.ok(git('worktree', 'list', '--porcelain').out.includes(`worktree ${b.dir}\n`), 'a git worktree');
  assert.is(b.modules, 'symlink', 'the same lockfile: our node_modules, linked');
  assert.ok(lstatSync(path.join(b.dir, 'node_modules')).isSymbolicLink());
  assert.ok(existsSync(b.script), b.script);

  const again = await builds.build(head.out);
  assert.is(again.dir, b.dir, 'one build per commit: HEAD and its hash share it');
  assert.is(again.ref, head.out, 'each named as asked');

  started = await refTarget('ours@HEAD', b.script).start();
  assert.equal(started.proc?.spec.args, serverSpec('ours').args, "ours' flags");
  client = await TestClient.named(started.addresses[0]!.port, 'alice'); // prompt, name, own join line
  client.send('/who\r\n');
  await client.waitFor('in the room: alice');
  client.close();
  client = null;
  await stopStarted(started);
  started = null;

  builds.removeAll();
  assert.equal(RefBuilds.remaining, []);
  assert.not.ok(existsSync(path.dirname(b.dir)), 'its temp dir is gone');
  assert.not.ok(git('worktree', 'list', '--porcelain').out.includes(b.dir), 'git forgot the worktree');
  assert.ok(existsSync(path.join(ROOT, 'node_modules', 'uvu', 'package.json')), 'our node_modules is untouched');
});
built.run();
