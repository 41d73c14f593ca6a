import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AddressError, formatAddress, parseAddress, addressFrom } from '../src/client/address.js';
import { backoffDelay } from '../src/client/backoff.js';

const address = suite('parseAddress');

const cases: Array<[string, string, number]> = [
  ['', 'localhost', 3000],
  ['example.org', 'example.org', 3000],
  ['example.org:4000', 'example.org', 4000],
  ['127.0.0.1:3001', '127.0.0.1', 3001],
  ['[::1]:6667', '::1', 6667],
  ['[::1]', '::1', 3000],
  ['::1', '::1', 3000],
  ['fe80::1%eth0', 'fe80::1%eth0', 3000],
  ['[2001:db8::1]:65535', '2001:db8::1', 65535],
];
for (const [input, host, port] of cases) {
  address(`"${input}" is ${host} port ${port}`, () => {
    assert.equal(parseAddress(input, 3000), { host, port });
  });
}

for (const bad of ['host:', 'host:0', 'host:65536', 'host:http', ':3000', '[::1', '[]:3000', '[::1]3000', '[::1]:x']) {
  address(`"${bad}" is refused with a reason`, () => {
    assert.throws(() => parseAddress(bad, 3000), (e: unknown) => e instanceof AddressError && e.message.includes(bad));
  });
}

address('IPv6 is written back in brackets', () => {
  assert.is(formatAddress({ host: '::1', port: 3000 }), '[::1]:3000');
  assert.is(formatAddress({ host: 'localhost', port: 3000 }), 'localhost:3000');
});

address.run();

const args = suite('addressFrom');
args('none, HOST[:PORT], or HOST PORT as telnet takes it', () => {
  assert.equal(addressFrom([], 3000, 'u'), { host: 'localhost', port: 3000 });
  assert.equal(addressFrom(['example.org:4000'], 3000, 'u'), { host: 'example.org', port: 4000 });
  assert.equal(addressFrom(['127.0.0.1', '45581'], 3000, 'u'), { host: '127.0.0.1', port: 45581 });
  assert.equal(addressFrom(['::1', '3001'], 3000, 'u'), { host: '::1', port: 3001 });
  assert.equal(addressFrom(['[::1]', '3001'], 3000, 'u'), { host: '::1', port: 3001 });
});
args('two ports, a bad port or a third word are refused', () => {
  assert.throws(() => addressFrom(['host:1', '2'], 3000, 'u'), /two ports/);
  assert.throws(() => addressFrom(['[::1]:1', '2'], 3000, 'u'), /two ports/);
  assert.throws(() => addressFrom(['host', 'http'], 3000, 'u'), /not a number/);
  assert.throws(() => addressFrom(['a', '1', 'b'], 3000, 'u'), /u, got: a 1 b/);
});
args.run();

const backoff = suite('backoffDelay');

backoff('doubles from the base up to the cap, without jitter', () => {
  const options = { base: 500, max: 30_000, jitter: 0 };
  assert.equal([0, 1, 2, 3, 6, 7, 50].map((n) => backoffDelay(n, options)), [500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
});

backoff('jitter only shortens the delay, by at most its share', () => {
  const options = { base: 1000, max: 30_000, jitter: 0.2 };
  assert.is(backoffDelay(0, options, () => 0), 1000);
  assert.is(backoffDelay(0, options, () => 1), 800);
});

backoff.run();
