// Moderation end to end over real sockets: telnet and IRC users in one room, operators of
// either protocol, bans, modes, invitations, server operators from an operators file, and a
// room's modes surviving a Worker crash.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as texts from '../src/edges/telnet/texts.js';
import { hashLine } from '../src/gateway/operators.js';
import { TestClient } from './helpers/client.js';
import { ircUser, startIrcServer, type IrcServer } from './helpers/irc.js';

let server: IrcServer;
let clients: TestClient[] = [];
let dir = '';
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const irc = async (nick: string, caps: string[] = []): Promise<TestClient> => keep(await ircUser(server.ircPort, nick, caps));
const telnet = async (nick: string): Promise<TestClient> => keep(await TestClient.named(server.port, nick));

const grey = (t: string): string => `\x1b[90m > ${t}\x1b[39m\r\n`;
const yellow = (t: string): string => `\x1b[93m > ${t}\x1b[39m\r\n`;

function e2e(name: string, overrides = {}) {
  const s = suite(name);
  s.before.each(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nc-ops-'));
    const file = join(dir, 'operators');
    writeFileSync(file, `# test operators\n${await hashLine('root', 'sesame')}\n`);
    server = await startIrcServer({ operatorsFile: file, ...overrides });
  });
  s.after.each(async () => {
    for (const c of clients) c.close();
    clients = [];
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

/** alice (IRC) makes #dev, tom (telnet) and bob (IRC) join it. */
async function devRoom(): Promise<{ alice: TestClient; bob: TestClient; tom: TestClient }> {
  const alice = await irc('alice');
  alice.send('JOIN #dev\r\n');
  await alice.waitFor(':node-chat 353 alice = #dev :@alice');
  const tom = await telnet('tom');
  tom.send('/join dev\r\n');
  await alice.waitFor('tom!~u@node-chat JOIN #dev');
  const bob = await irc('bob');
  bob.send('JOIN #dev\r\n');
  await bob.waitFor(/353 bob = #dev :@alice tom bob/);
  await tom.waitFor('bob joined the room dev');
  return { alice, bob, tom };
}

const ops = e2e('moderation: operators across protocols');
ops('an IRC operator gives operator status; telnet hears it in words, IRC as MODE; NAMES and /who mark it', async () => {
  const { alice, bob, tom } = await devRoom();
  alice.send('MODE #dev +o tom\r\n');
  await tom.waitFor(grey('alice made tom an operator'));
  await bob.waitFor(':alice!~u@node-chat MODE #dev +o tom');
  tom.send('/voice bob\r\n');
  await alice.waitFor(':tom!~u@node-chat MODE #dev +v bob');
  tom.send('/who\r\n');
  await tom.waitFor(grey('in the room: @alice, @tom, +bob'));
  bob.send('NAMES #dev\r\n');
  await bob.waitFor('353 bob = #dev :@alice @tom +bob');
  bob.send('WHO #dev\r\n');
  await bob.waitFor(/352 bob #dev ~alice \S+ \S+ alice H@ :0/);
  await bob.waitFor(/352 bob #dev telnet \S+ \S+ tom H@ :0/);
  bob.send('MODE #dev +m\r\n');
  await bob.waitFor('482 bob #dev :You\'re not channel operator');
});
ops('modes: +m silences the unvoiced (404), MODE answers 324/329, bans list 367/368, unknown letters 472', async () => {
  const { alice, bob, tom } = await devRoom();
  alice.send('MODE #dev +m\r\n');
  await tom.waitFor(grey('alice set the room to moderated'));
  bob.send('PRIVMSG #dev :hello?\r\n');
  await bob.waitFor('404 bob #dev :Cannot send to channel');
  tom.send('can I?\r\n');
  await tom.waitFor(yellow('you cannot speak in dev (it is moderated, or you are banned): not sent'));
  alice.send('MODE #dev +v bob\r\nMODE #dev\r\nMODE #dev +b carl\r\nMODE #dev b\r\nMODE #dev +x\r\n');
  await alice.waitFor(/324 alice #dev :?\+mnt/);
  await alice.waitFor(/329 alice #dev :?\d+/);
  await alice.waitFor(/367 alice #dev carl!\*@\* alice :?\d+/);
  await alice.waitFor('368 alice #dev :End of channel ban list');
  await alice.waitFor('472 alice x :is unknown mode char to me');
  bob.send('PRIVMSG #dev :voiced now\r\n');
  await tom.waitFor(texts.message('bob', 'voiced now'));
});
ops('kick and ban: the kicked telnet user is told, cannot come back while banned; IRC sees KICK and 474', async () => {
  const { alice, bob, tom } = await devRoom();
  alice.send('KICK #dev tom :spam\r\n');
  await tom.waitFor(grey('alice kicked tom (spam)'));
  await tom.waitFor(yellow('you were kicked from dev by alice (spam): /join a room to chat again'));
  await bob.waitFor(':alice!~u@node-chat KICK #dev tom :spam');
  alice.send('MODE #dev +b tom\r\n');
  await bob.waitFor('MODE #dev +b tom!*@*');
  tom.send('/join dev\r\n');
  await tom.waitFor(yellow('you are banned from dev'));
  alice.send('MODE #dev +b bob\r\nKICK #dev bob\r\n');
  await bob.waitFor(':alice!~u@node-chat KICK #dev bob :alice');
  bob.send('JOIN #dev\r\n');
  await bob.waitFor('474 bob #dev :Cannot join channel (+b)');
  assert.not.match(bob.text, '353 bob = #dev :@alice bob', 'no NAMES for a refused join');
  alice.send('MODE #dev -b tom\r\n');
  await alice.waitFor('MODE #dev -b tom!*@*');
  tom.send('/join dev\r\n');
  await alice.waitFor('tom!~u@node-chat JOIN #dev');
});
ops('+i with INVITE, +k and +l: 473, 475, 471, and the way in', async () => {
  const { alice, bob } = await devRoom();
  alice.send('MODE #dev +i\r\n');
  await bob.waitFor('MODE #dev +i');
  const carl = await irc('carl');
  carl.send('JOIN #dev\r\n');
  await carl.waitFor('473 carl #dev :Cannot join channel (+i)');
  alice.send('INVITE carl #dev\r\n');
  await alice.waitFor('341 alice carl :#dev');
  await carl.waitFor(':alice!~u@node-chat INVITE carl #dev');
  carl.send('JOIN #dev\r\n');
  await bob.waitFor('carl!~u@node-chat JOIN #dev');
  carl.send('PART #dev\r\n');
  alice.send('MODE #dev -i+k pw\r\n');
  await bob.waitFor('MODE #dev -i+k pw');
  carl.send('JOIN #dev\r\nJOIN #dev wrong\r\n');
  await carl.waitFor(/475 carl #dev[^\r]*\r\n[^]*475 carl #dev/);
  carl.send('JOIN #dev pw\r\n');
  await bob.waitFor(/carl!~u@node-chat JOIN #dev[^]*carl!~u@node-chat JOIN #dev/);
  carl.send('PART #dev\r\n');
  alice.send('MODE #dev -k pw\r\nMODE #dev +l 3\r\n');
  await bob.waitFor('MODE #dev +l 3');
  carl.send('JOIN #dev pw\r\n');
  await carl.waitFor('471 carl #dev :Cannot join channel (+l)');
});
ops.run();

const opers = e2e('moderation: server operators');
opers('OPER: a wrong password 464, then too soon; the right one 381; KILL puts a user out with a reason its rooms hear', async () => {
  const { alice, tom, bob } = await devRoom();
  bob.send('KILL tom :go\r\n');
  await bob.waitFor("481 bob :Permission Denied- You're not an IRC operator");
  tom.send('/oper root sesame\r\n');
  await tom.waitFor(grey('you are now a server operator'));
  // Failures are throttled by address (every client here is 127.0.0.1): the right password, too soon, is refused unchecked.
  bob.send('OPER root wrong\r\n');
  await bob.waitFor('464 bob :Password incorrect');
  bob.send('OPER root sesame\r\n');
  await bob.waitFor('464 bob :Too many attempts, wait a few seconds');
  tom.send('/kill bob flooding\r\n');
  await bob.waitFor(':tom!~u@node-chat KILL bob :flooding');
  await bob.waitFor('ERROR :');
  await bob.waitClosed();
  await alice.waitFor(':bob!~u@node-chat QUIT :Quit: Killed by tom: flooding');
  // A server operator moderates a room it is not in, and the lobby, which has no creator.
  tom.send('/leave\r\n/mode +m\r\n');
  await alice.waitFor(/tom!~u@node-chat PART #dev/);
  await tom.waitFor(grey('tom set the room to moderated'));
});
opers('WHOIS shows server operators (313) to everyone, and addresses (338) to server operators only', async () => {
  const ivy = await irc('ivy');
  const joe = await irc('joe');
  ivy.send('OPER root sesame\r\n');
  await ivy.waitFor('381 ivy :You are now an IRC operator');
  joe.send('WHOIS ivy\r\nWHOIS joe\r\n');
  await joe.waitFor('313 joe ivy :is an IRC operator');
  await joe.waitFor('318 joe joe :End of /WHOIS list');
  assert.not.match(joe.text, ' 338 ');
  ivy.send('WHOIS joe\r\nWHO joe\r\n');
  await ivy.waitFor('338 ivy joe 127.0.0.1 :is actually using host');
  joe.send('WHO ivy\r\n');
  await joe.waitFor(/352 joe \* ~ivy \S+ \S+ ivy H\* /);
});
opers.run();

const crash = e2e('moderation: a crashing actor host');
crash.after.each(() => {
  delete process.env.NODE_CHAT_TEST_CRASH_ON;
});
crash('modes, bans and operators survive a Worker restart', async () => {
  process.env.NODE_CHAT_TEST_CRASH_ON = 'poison';
  await server.close();
  server = await startIrcServer({ operatorsFile: join(dir, 'operators') });
  const { alice, bob, tom } = await devRoom();
  alice.send('MODE #dev +mb carl\r\n');
  await tom.waitFor(grey('alice set the room to moderated'));
  alice.send('PRIVMSG #dev :poison\r\n');
  await tom.waitFor(() => server.gateway.system.restarts >= 1, 10_000);
  alice.send('PRIVMSG #dev :still here\r\nMODE #dev\r\nMODE #dev b\r\n');
  await tom.waitFor(texts.message('alice', 'still here'), 10_000);
  await alice.waitFor(/324 alice #dev :?\+mnt/);
  await alice.waitFor(/367 alice #dev carl!\*@\* alice/);
  bob.send('PRIVMSG #dev :me?\r\nNAMES #dev\r\n');
  await bob.waitFor('404 bob #dev :Cannot send to channel');
  await bob.waitFor('353 bob = #dev :@alice tom bob');
});
crash.run();
