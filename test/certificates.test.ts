// The certificate module: what loads, what does not and why, and a reload that keeps the old
// certificate when the new files are bad.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Certificates, loadCertificate } from '../src/gateway/certificates.js';
import { makeCertificate, tempDir } from './helpers/certs.js';

const tmp = tempDir();
const one = makeCertificate(tmp.dir, 'one', 'one.test');
const two = makeCertificate(tmp.dir, 'two', 'two.test');

const load = suite('certificates: loading');
load('a certificate and its key load, with their fingerprint, subject and TLS 1.2 at least', () => {
  const c = loadCertificate(one.certFile, one.keyFile);
  assert.is(c.fingerprint, one.fingerprint);
  assert.is(c.subject, 'CN=one.test');
  assert.is(c.options.minVersion, 'TLSv1.2');
});
load('a key that is not the certificate\'s is refused, naming both files', () => {
  assert.throws(() => loadCertificate(one.certFile, two.keyFile), (e: Error) => e.message.includes(one.certFile) && e.message.includes(two.keyFile) && /mismatch/i.test(e.message));
});
load('a file that is no certificate, or no key, or is missing, is refused and named', () => {
  const junk = join(tmp.dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  assert.throws(() => loadCertificate(junk, one.keyFile), (e: Error) => e.message.includes(junk));
  assert.throws(() => loadCertificate(one.certFile, junk), (e: Error) => e.message.includes(junk));
  const missing = join(tmp.dir, 'nowhere.pem');
  assert.throws(() => loadCertificate(missing, one.keyFile), (e: Error) => e.message.includes(missing) && e.message.includes('cannot be read'));
});
load.run();

const reload = suite('certificates: reload');
reload('new files are taken; bad ones leave the certificate in use, with the reason', () => {
  const cert = join(tmp.dir, 'live.pem');
  const key = join(tmp.dir, 'live.key');
  copyFileSync(one.certFile, cert);
  copyFileSync(one.keyFile, key);
  const certs = new Certificates(cert, key, 10);
  assert.is(certs.current.fingerprint, one.fingerprint);
  copyFileSync(two.certFile, cert);
  copyFileSync(two.keyFile, key);
  const ok = certs.reload();
  assert.ok(ok.ok);
  assert.is(certs.current.fingerprint, two.fingerprint);
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\ntruncated\n');
  const bad = certs.reload();
  assert.is(bad.ok, false);
  assert.ok(!bad.ok && bad.why.includes(cert), 'the reason names the file');
  assert.is(certs.current.fingerprint, two.fingerprint);
  // Half a renewal (the new certificate, the old key) is refused too.
  copyFileSync(one.certFile, cert);
  assert.is(certs.reload().ok, false);
  assert.is(certs.current.fingerprint, two.fingerprint);
});
reload.after(() => tmp.remove());
reload.run();
