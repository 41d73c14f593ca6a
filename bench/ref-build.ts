// `--servers ours@<git-ref>`: an earlier commit of this server, measured next to the current
// one in the same run. The commit is checked out with `git worktree add --detach` in a fresh
// directory under the OS temp dir (never inside the repository: the checkout under test must
// not see it), given node_modules, built with `npx tsc -p tsconfig.json`, and its
// dist/src/main.js is started with ours' flags. One build per resolved commit per run; every
// worktree is removed at the end of the run, also when it fails or is interrupted (removeAllSync).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The git, npm and tsc processes a build is waiting on. Each runs in its own process group
 * (npx and npm start tsc as their own children), so that an interrupted run can kill the whole
 * group it started, by that PID, before it removes their worktree.
 */
const working = new Set<ChildProcess>();

function run(command: string, args: string[], cwd: string): Promise<{ stdout: string }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  working.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      working.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      working.delete(child);
      if (code === 0) resolve({ stdout });
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}) in ${cwd}\n${(stdout + stderr).trim().slice(-4000)}`));
    });
  });
}

export const REF_PREFIX = 'ours@';

/** The git ref of an `ours@<ref>` server name, or null for any other name. */
export function refOf(name: string): string | null {
  if (!name.startsWith(REF_PREFIX)) return null;
  const ref = name.slice(REF_PREFIX.length);
  // A leading '-' would reach git as an option.
  if (ref === '' || ref.startsWith('-') || /\s/.test(ref)) throw new Error(`--servers ${name}: ${REF_PREFIX} needs a git ref (a commit, branch, tag or HEAD~N)`);
  return ref;
}

export interface RefBuild {
  /** As given: HEAD~1, main, v0.1… */
  ref: string;
  commit: string;
  short: string;
  subject: string;
  /** The worktree it was built in. */
  dir: string;
  /** Its server entry point: <dir>/dist/src/main.js. */
  script: string;
  /** How it got its dependencies: a symlink to ours (same package-lock.json), or its own `npm ci`. */
  modules: 'symlink' | 'npm ci';
}

/** Temp directories holding a worktree of ours, for the last-resort cleanup. */
const live = new Map<string, { repo: string; worktree: string }>();

export class RefBuilds {
  private readonly byCommit = new Map<string, Promise<RefBuild>>();

  /** `repo`: the checkout whose history the refs name, and whose node_modules may be shared. */
  constructor(
    private readonly repo: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  private git(...args: string[]): Promise<string> {
    return run('git', args, this.repo).then((r) => r.stdout.trim());
  }

  /** Resolves `ref` to a commit (the full hash). */
  async resolve(ref: string): Promise<string> {
    try {
      return await this.git('rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`);
    } catch {
      throw new Error(`ours@${ref}: "${ref}" is not a commit in ${this.repo}`);
    }
  }

  /** The build of `ref`'s commit: made on the first request for that commit, shared after. */
  async build(ref: string): Promise<RefBuild> {
    const commit = await this.resolve(ref);
    let built = this.byCommit.get(commit);
    if (built === undefined) {
      built = this.make(commit);
      this.byCommit.set(commit, built);
    }
    return { ...(await built), ref };
  }

  private async make(commit: string): Promise<RefBuild> {
    const short = await this.git('rev-parse', '--short', commit);
    const subject = await this.git('log', '-1', '--format=%s', commit);
    const tmp = mkdtempSync(path.join(os.tmpdir(), `node-chat-bench-${short}-`));
    const dir = path.join(tmp, `node-chat-${short}`);
    live.set(tmp, { repo: this.repo, worktree: dir });
    try {
      this.log(`building ${short} in ${dir}`);
      await this.git('worktree', 'add', '--detach', dir, commit);
      const modules = await this.installModules(dir);
      await run('npx', ['tsc', '-p', 'tsconfig.json'], dir);
      const script = path.join(dir, 'dist', 'src', 'main.js');
      if (!existsSync(script)) throw new Error(`${short}: the build made no dist/src/main.js`);
      return { ref: commit, commit, short, subject, dir, script, modules };
    } catch (err) {
      removeWorktree(tmp);
      throw err;
    }
  }

  /**
   * The same package-lock.json: a symlink to our node_modules (the same packages, no install,
   * nothing downloaded). Another lockfile: its own `npm ci`, install scripts off (the build
   * needs none, and we run tsc ourselves).
   */
  private async installModules(dir: string): Promise<RefBuild['modules']> {
    const ours = path.join(this.repo, 'node_modules');
    const lock = (root: string): string | null => {
      try {
        return readFileSync(path.join(root, 'package-lock.json'), 'utf8');
      } catch {
        return null;
      }
    };
    const theirs = lock(dir);
    if (theirs !== null && theirs === lock(this.repo) && existsSync(ours)) {
      symlinkSync(ours, path.join(dir, 'node_modules'), 'dir');
      return 'symlink';
    }
    this.log(`${path.basename(dir)}: its package-lock.json differs from ours: npm ci`);
    await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
    return 'npm ci';
  }

  /** Removes every worktree this run made. */
  removeAll(): void {
    RefBuilds.removeAllSync();
    this.byCommit.clear();
  }

  /** Synchronous, for exit and signal handlers: removes every worktree any RefBuilds made. */
  static removeAllSync(): void {
    for (const child of working) {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // its group: the one it leads, started by us
      } catch {
        child.kill('SIGKILL');
      }
    }
    for (const tmp of [...live.keys()]) removeWorktree(tmp);
  }

  /** Temp directories still holding a worktree (for tests). */
  static get remaining(): string[] {
    return [...live.keys()];
  }
}

function removeWorktree(tmp: string): void {
  const entry = live.get(tmp);
  if (entry === undefined) return;
  live.delete(tmp);
  // The symlink first, by hand: whatever removes the tree must never walk into our node_modules.
  const link = path.join(entry.worktree, 'node_modules');
  try {
    if (lstatSync(link).isSymbolicLink()) unlinkSync(link);
  } catch {
    // no node_modules there
  }
  if (existsSync(entry.worktree)) {
    const r = spawnSync('git', ['worktree', 'remove', '--force', entry.worktree], { cwd: entry.repo, encoding: 'utf8' });
    if (r.status !== 0) process.stderr.write(`bench: could not remove the worktree ${entry.worktree}: ${r.stderr.trim()}\n`);
  }
  rmSync(tmp, { recursive: true, force: true });
}
