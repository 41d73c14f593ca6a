// Secret rooms (+s) over real sockets, one node: IRC LIST, NAMES, WHO and WHOIS and telnet
// /rooms hide a secret room from those not in it, and show it to its members. PING is a
// barrier (see the gateway), so its PONG says every answer before it has arrived.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TestClient } from './helpers/client.js';
import { answerTo as answer, ircUser, startIrcServer, type IrcServer } from './helpers/irc.js';

let server: IrcServer;
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const irc = async (nick: string): Promise<TestClient> => keep(await ircUser(server.ircPort, nick));
const info = (t: string): string => `\x1b[90m > ${t}\x1b[39m\r\n`;

const numerics = (got: string[], code: string): string[] => got.filter((l) => l.split(' ')[1] === code);

const s = suite('secret rooms over sockets');
s.before.each(async () => {
  server = await startIrcServer();
});
s.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server.close();
});

/** alice runs #hush, set +s; bob is connected and in no room. */
async function hush(): Promise<{ alice: TestClient; bob: TestClient }> {
  const alice = await irc('alice');
  alice.send('JOIN #hush\r\n');
  await alice.waitFor(' 366 alice #hush ');
  alice.send('MODE #hush +s\r\n');
  await alice.waitFor(':alice!~u@node-chat MODE #hush +s');
  const bob = await irc('bob');
  return { alice, bob };
}

s('ISUPPORT and 004 name the mode; MODE #room shows it (324)', async () => {
  const { alice } = await hush();
  assert.ok(numerics(await answer(alice, 'VERSION'), '005').some((l) => l.includes(' CHANMODES=b,k,l,imnst ')));
  assert.equal(numerics(await answer(alice, 'MODE #hush'), '324'), [':node-chat 324 alice #hush :+nst']);
});

s('LIST shows a secret room to its members only', async () => {
  const { alice, bob } = await hush();
  assert.equal(numerics(await answer(alice, 'LIST'), '322'), [':node-chat 322 alice #hush 1 :']);
  assert.equal(numerics(await answer(bob, 'LIST'), '322'), [], 'bob, outside, is not shown it');
  assert.equal(numerics(await answer(bob, 'LIST #hush'), '322'), [], 'not even asked by name');
  bob.send('JOIN #hush\r\n');
  await bob.waitFor(' 366 bob #hush ');
  assert.equal(numerics(await answer(bob, 'LIST'), '322'), [':node-chat 322 bob #hush 2 :']);
});

s("NAMES: from outside only 366; members get 353 with the secret symbol '@', on joining too", async () => {
  const { alice, bob } = await hush();
  assert.equal(await answer(bob, 'NAMES #hush'), [':node-chat 366 bob #hush :End of /NAMES list']);
  assert.equal(numerics(await answer(alice, 'NAMES #hush'), '353'), [':node-chat 353 alice @ #hush :@alice']);
  bob.send('JOIN #hush\r\n');
  await bob.waitFor(':node-chat 353 bob @ #hush :@alice bob\r\n');
});

s("WHO #room from outside shows nobody; WHOIS's 319 leaves the room out for those not in it", async () => {
  const { alice, bob } = await hush();
  assert.equal(await answer(bob, 'WHO #hush'), [':node-chat 315 bob #hush :End of WHO list']);
  assert.equal(numerics(await answer(alice, 'WHO #hush'), '352').length, 1);
  const outside = await answer(bob, 'WHOIS alice');
  assert.equal(numerics(outside, '311').length, 1, 'alice is still found');
  assert.equal(numerics(outside, '319'), [], 'but not her secret room');
  assert.equal(numerics(await answer(alice, 'WHOIS alice'), '319'), [':node-chat 319 alice alice :@#hush']);
  assert.equal(numerics(await answer(bob, 'WHO a*'), '352').map((l) => l.split(' ')[3]), ['*'], 'a mask finds her, in no room bob may see');
  alice.send('MODE #hush -s\r\n');
  await alice.waitFor(':alice!~u@node-chat MODE #hush -s');
  assert.equal(numerics(await answer(bob, 'WHOIS alice'), '319'), [':node-chat 319 bob alice :@#hush'], 'public again');
});

s('telnet: /rooms leaves a secret room out for those not in it; /mode +s and -s read in words', async () => {
  const { alice } = await hush();
  const tom = keep(await TestClient.named(server.port, 'tom'));
  tom.clear();
  tom.send('/rooms\r\n');
  await tom.waitFor(info('lobby (1)'));
  await TestClient.settle();
  assert.not.ok(tom.text.includes('hush'), 'tom does not see #hush');
  tom.send('/join hush\r\n');
  await tom.waitFor('hush');
  alice.send('MODE #hush -s\r\n');
  await tom.waitFor(info('alice made the room public (listed)'));
  alice.send('MODE #hush +o tom\r\n');
  await tom.waitFor(info('alice made tom an operator'));
  tom.send('/mode +s\r\n');
  await alice.waitFor(':tom!~u@node-chat MODE #hush +s');
  await tom.waitFor(info('tom made the room secret (unlisted)'));
  tom.clear();
  tom.send('/rooms\r\n');
  await tom.waitFor(info('hush (2)'));
});

s.run();
