// The telnet filter of `node-chat connect` (src/client/telnet.ts): the server's telnet commands
// never reach the screen, however the reads cut them, and the text around them is untouched.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TelnetFilter } from '../src/client/telnet.js';

const IAC = 255, DO = 253, WONT = 252, SB = 250, SE = 240, NOP = 241;

const through = (...chunks: Buffer[]): string => {
  const filter = new TelnetFilter();
  return Buffer.concat(chunks.map((c) => filter.push(c))).toString('utf8');
};
const b = (...parts: Array<number[] | string>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Uint8Array.of(...p))));

const filter = suite('client: telnet commands from the server');
filter('the offer at connect is dropped, the banner after it is kept', () => {
  assert.is(through(b([IAC, DO, 0], '\r\n > welcome 日本\r\n')), '\r\n > welcome 日本\r\n');
});
filter('a chunk without IAC is passed as it is, not copied', () => {
  const chunk = Buffer.from('как у вас\r\n');
  assert.is(new TelnetFilter().push(chunk), chunk);
});
filter('a command cut between reads, at every point', () => {
  const stream = b('ａ', [IAC, DO, 0], 'ｂ', [IAC, NOP], 'ｃ', [IAC, SB, 24, 1, IAC, SE], 'ｄ', [IAC, WONT, 6], '🎉');
  for (let cut = 0; cut <= stream.length; cut++) {
    assert.is(through(stream.subarray(0, cut), stream.subarray(cut)), 'ａｂｃｄ🎉', `cut at ${cut}`);
  }
});
filter('IAC IAC is one data 255', () => {
  assert.equal([...new TelnetFilter().push(b('a', [IAC, IAC], 'b'))], [0x61, 0xff, 0x62]);
});
filter.run();
