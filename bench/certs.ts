// Certificates made at run time, with Debian's openssl (node's crypto cannot make X.509
// certificates): self-signed, for localhost and 127.0.0.1, in a temporary directory of their own.
// The bench's TLS target and the TLS tests use them (test/ imports this, as it imports child.ts).

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** SHA-256, as getPeerCertificate().fingerprint256 gives it. */
  fingerprint: string;
}

/** A fresh directory for a test's files; `remove` deletes it. */
export function tempDir(prefix = 'node-chat-tls-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A self-signed P-256 certificate `name`.pem with its key `name`.key in `dir`, valid one day. */
export function makeCertificate(dir: string, name = 'server', cn = 'localhost'): TestCertificate {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${cn}`,
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'openssl is missing: sudo apt-get install openssl' : `openssl req failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
  }
  return { certFile, keyFile, fingerprint: new X509Certificate(readFileSync(certFile)).fingerprint256 };
}
