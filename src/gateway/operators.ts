// Server operator accounts: a file of `NAME scrypt$N$r$p$SALT$HASH` lines (salt and hash in
// base64), checked when a user logs in with OPER (IRC) or /oper (telnet). The passwords are
// never kept: only their scrypt hashes, compared in constant time. `node-chat hash-password`
// prints a line to put in the file.

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface Account {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** scrypt's cost: about 50 ms and 16 MiB on this class of machine, and an attacker pays the same per guess. */
const COST = { N: 1 << 14, r: 8, p: 1 };
const KEY_BYTES = 32;
/** After a failed login from an address, further attempts from it are refused unchecked for this long. */
export const OPER_RETRY_MS = 5_000;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, { N, r, p, maxmem: 128 * N * r * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** The line for the operators file: `NAME scrypt$N$r$p$SALT$HASH`. */
export async function hashLine(name: string, password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, COST.N, COST.r, COST.p);
  return `${name} scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Parses an operators file's text; a malformed line is an error naming it (a typo must not pass silently). */
export function parseOperators(text: string): Map<string, Account> {
  const accounts = new Map<string, Account>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(\S+)\s+scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw new Error(`operators file line ${i + 1}: expected "NAME scrypt$N$r$p$SALT$HASH"`);
    const [N, r, p] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (N < 2 || (N & (N - 1)) !== 0 || N > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16) throw new Error(`operators file line ${i + 1}: scrypt parameters out of range`);
    accounts.set(m[1]!, { N, r, p, salt: Buffer.from(m[5]!, 'base64'), hash: Buffer.from(m[6]!, 'base64') });
  });
  return accounts;
}

export class Operators {
  /** Addresses whose last attempt failed, with when. */
  private readonly failedAt = new Map<string, number>();

  constructor(
    private readonly accounts: ReadonlyMap<string, Account>,
    private readonly now: () => number,
  ) {}

  static fromFile(path: string, now: () => number): Operators {
    return new Operators(path ? parseOperators(readFileSync(path, 'utf8')) : new Map(), now);
  }

  /** Whether `name` and `password` make a login; `tooFast` when the address failed a moment ago (nothing checked). */
  async check(name: string, password: string, address: string): Promise<{ ok: boolean; tooFast?: boolean }> {
    const failed = this.failedAt.get(address);
    if (failed !== undefined && this.now() - failed < OPER_RETRY_MS) return { ok: false, tooFast: true };
    const account = this.accounts.get(name);
    // An unknown name costs the same scrypt as a known one, so timing does not tell names apart.
    const a = account ?? { ...COST, salt: Buffer.alloc(16), hash: Buffer.alloc(KEY_BYTES) };
    const key = await derive(password, a.salt, a.N, a.r, a.p);
    const ok = account !== undefined && key.length === a.hash.length && timingSafeEqual(key, a.hash);
    if (ok) this.failedAt.delete(address);
    else {
      this.failedAt.set(address, this.now());
      if (this.failedAt.size > 10_000) this.failedAt.delete(this.failedAt.keys().next().value!); // bounded
    }
    return { ok };
  }
}
