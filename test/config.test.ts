import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig, resolveConfig, SETTINGS } from '../src/config.js';
import { admit, isLoopback, LAST_CONN_ID } from '../src/gateway/admission.js';

const config = suite('config: every limit from flag, env or default');
config('defaults, each with its reason', () => {
  const c = resolveConfig({}, {});
  assert.is(c.port, 3000);
  assert.is(c.maxLine, 4096);
  assert.is(c.sendQueue, 1 << 20);
  assert.is(c.floodRate, 5);
  assert.is(c.floodBurst, 10);
  assert.is(c.perIp, 16);
  assert.is(c.registerTimeoutSeconds, 60);
  assert.is(c.redis, '');
  assert.ok(c.workers >= 1);
  assert.ok(c.maxConnections >= 16);
  for (const [name, s] of Object.entries(SETTINGS)) assert.ok(s.why.length > 10, `${name} says why`);
});
config('a flag beats its environment variable, which beats the default', () => {
  assert.is(resolveConfig({}, { PORT: '4000' }).port, 4000);
  assert.is(resolveConfig({ port: '5000' }, { PORT: '4000' }).port, 5000);
  assert.is(resolveConfig({ 'flood-rate': '0' }, {}).floodRate, 0);
  assert.is(resolveConfig({}, { REDIS_URL: 'redis://x:1' }).redis, 'redis://x:1');
});
config('nonsense is refused with the flag named', () => {
  assert.throws(() => resolveConfig({ port: 'abc' }, {}), /--port/);
  assert.throws(() => resolveConfig({ workers: '0' }, {}), /--workers/);
  assert.throws(() => resolveConfig({ actors: 'fibers' }, {}), /--actors/);
  assert.throws(() => resolveConfig({ 'send-queue': '-1' }, {}), /--send-queue/);
});
config('TLS: no listener without a certificate; with one, 3443, 6697 and 8443 unless "off"; sts duration 0 unless set', () => {
  const none = resolveConfig({}, {});
  assert.equal([none.tlsPort, none.ircTlsPort, none.httpsPort], [null, null, null]);
  const on = resolveConfig({ 'tls-cert': 'c.pem', 'tls-key': 'k.pem' }, {});
  assert.equal([on.tlsPort, on.ircTlsPort, on.httpsPort], [3443, 6697, 8443]);
  assert.is(on.stsDurationSeconds, 0);
  assert.is(on.tlsHandshakeSeconds, 10);
  const env = resolveConfig({ 'https-port': 'off' }, { TLS_CERT: 'c.pem', TLS_KEY: 'k.pem', IRC_TLS_PORT: '7000', STS_DURATION: 'off' });
  assert.equal([env.tlsPort, env.ircTlsPort, env.httpsPort, env.stsDurationSeconds], [3443, 7000, null, null]);
  assert.is(resolveConfig({ 'sts-duration': '2592000' }, {}).stsDurationSeconds, 2592000);
});
config('TLS: a certificate without its key (or the reverse), a bad port or duration is refused with the flag named', () => {
  assert.throws(() => resolveConfig({ 'tls-cert': 'c.pem' }, {}), /--tls-key/);
  assert.throws(() => resolveConfig({ 'tls-key': 'k.pem' }, {}), /--tls-cert/);
  assert.throws(() => resolveConfig({ 'tls-port': 'x' }, {}), /--tls-port/);
  assert.throws(() => resolveConfig({ 'irc-tls-port': '70000' }, {}), /--irc-tls-port/);
  assert.throws(() => resolveConfig({ 'sts-duration': '1.5' }, {}), /--sts-duration/);
  assert.throws(() => resolveConfig({ 'sts-duration': '' }, {}), /--sts-duration/);
});
config.run();

const caps = suite('admission: connection caps');
caps('over the total cap: refused with a reason', () => {
  const c = defaultConfig({ maxConnections: 2 });
  assert.equal(admit(c, 1, '10.0.0.1', 0, 1), { ok: true });
  const verdict = admit(c, 2, '10.0.0.1', 0, 1);
  assert.is(verdict.ok, false);
  assert.equal(!verdict.ok ? verdict.why : null, { code: 'full', max: 2 });
});
caps('over the per-address cap: refused, except from loopback', () => {
  const c = defaultConfig({ perIp: 3 });
  assert.is(admit(c, 10, '203.0.113.7', 2, 1).ok, true);
  assert.is(admit(c, 10, '203.0.113.7', 3, 1).ok, false);
  assert.is(admit(c, 10, '::ffff:203.0.113.7', 3, 1).ok, false);
  for (const lo of ['127.0.0.1', '127.4.5.6', '::1', '::ffff:127.0.0.1']) {
    assert.ok(isLoopback(lo), lo);
    assert.is(admit(c, 10, lo, 1000, 1).ok, true, lo);
  }
});
caps('connection ids are never reused: past the last one, refused with a reason', () => {
  const c = defaultConfig();
  assert.is(admit(c, 0, '10.0.0.1', 0, LAST_CONN_ID).ok, true);
  const verdict = admit(c, 0, '10.0.0.1', 0, LAST_CONN_ID + 1);
  assert.is(verdict.ok, false);
  assert.equal(!verdict.ok ? verdict.why : null, { code: 'idsExhausted' });
});
caps.run();
