// IRC users on two cluster nodes sharing rooms with telnet users: chat, one QUIT and one NICK
// across several shared channels, the queries the store answers, and one nickname claimed on
// two nodes over two protocols at once: exactly one wins.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterSystem } from '../src/cluster/remote.js';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let nodes: IrcServer[] = [];
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);

async function node(): Promise<IrcServer> {
  const n = await startIrcServer({}, clusterSystem({ url: redis.url, retention: 10_000 }));
  nodes.push(n);
  return n;
}

const cluster = suite('cluster: IRC users on two nodes');
cluster.before.each(async () => {
  redis = await startRedis();
});
cluster.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
  await redis.stop();
});

cluster('an IRC user on each node and a telnet user chat in two channels; QUIT and NICK arrive once', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', ['away-notify']));
  const bo = keep(await ircUser(two.ircPort, 'bob'));
  const tom = keep(await TestClient.named(two.port, 'tom'));
  al.send('JOIN #lobby,#dev\r\n');
  await al.waitFor('366 alice #dev');
  bo.send('JOIN #lobby,#dev\r\n');
  await al.waitFor(':bob!~u@node-chat JOIN #dev');
  await tom.waitFor(texts.joined('bob', 'lobby'));
  al.send('PRIVMSG #lobby :hello from node one\r\n');
  await bo.waitFor(':alice!~u@node-chat PRIVMSG #lobby :hello from node one');
  await tom.waitFor(texts.message('alice', 'hello from node one'));
  tom.send('/me waves across\r\n');
  await al.waitFor(':tom!~u@node-chat PRIVMSG #lobby :\x01ACTION waves across\x01');
  al.send('WHOIS bob\r\nWHO #dev\r\nLUSERS\r\n');
  await al.waitFor(/ 319 alice bob :#lobby #dev/);
  await al.waitFor(' 315 alice #dev ');
  assert.match(al.text, ' 352 alice #dev ~bob ');
  await al.waitFor(' 251 alice :There are 3 users');
  bo.send('AWAY :out\r\n');
  await al.waitFor(':bob!~u@node-chat AWAY :out');
  bo.send('NICK robert\r\n');
  await al.waitFor(':bob!~u@node-chat NICK robert');
  await tom.waitFor(texts.renamed('bob', 'robert'));
  bo.send('QUIT :later\r\n');
  await al.waitFor(':robert!~u@node-chat QUIT :Quit: later');
  await tom.waitFor(texts.left('robert', 'lobby', 'later'));
  al.send('PING :sync\r\n');
  await al.waitFor('PONG node-chat :sync');
  await TestClient.settle(200);
  assert.is(lines(al).filter((l) => l.includes(' NICK robert')).length, 1);
  assert.is(lines(al).filter((l) => l.includes(' QUIT ')).length, 1);
  assert.is(lines(al).filter((l) => l.includes(' AWAY :out')).length, 1);
  al.send('WHOWAS robert\r\n');
  await al.waitFor(' 314 alice robert ~bob ');
});

cluster('one nickname claimed on two nodes over IRC and telnet at once: exactly one wins', async () => {
  const [one, two] = [await node(), await node()];
  for (let round = 0; round < 5; round++) {
    const nick = `race${round}`;
    const irc = keep(await TestClient.connect(one.ircPort));
    const tel = keep(await TestClient.connect(two.port));
    await tel.waitFor('please write your name');
    irc.send(`NICK ${nick}\r\nUSER r 0 * :R\r\n`);
    tel.send(`${nick}\r\n`);
    await irc.waitFor(/ (001|433) /);
    await tel.waitFor((t) => t.includes(texts.joined(nick, 'lobby')) || t.includes('already in use'));
    const ircWon = / 001 /.test(irc.text);
    const telWon = tel.text.includes(texts.joined(nick, 'lobby'));
    assert.ok(ircWon !== telWon, `round ${round}: exactly one of them has ${nick}`);
  }
});

cluster('moderation across nodes: an IRC operator on node one moderates, kicks and bans a telnet user of node two', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice'));
  al.send('JOIN #dev\r\n');
  await al.waitFor(' 353 alice = #dev :@alice');
  const bob = keep(await TestClient.named(two.port, 'bob'));
  bob.send('/join dev\r\n');
  await al.waitFor(':bob!~u@node-chat JOIN #dev');
  al.send('MODE #dev +m\r\n');
  await bob.waitFor(texts.modeChanged('alice', [{ set: true, mode: 'm' }]));
  bob.send('muted\r\n');
  await bob.waitFor('you cannot speak in dev');
  al.send('MODE #dev +v bob\r\n');
  await bob.waitFor(texts.modeChanged('alice', [{ set: true, mode: 'v', arg: 'bob' }]));
  bob.send('heard\r\n');
  await al.waitFor(':bob!~u@node-chat PRIVMSG #dev :heard');
  al.send('NAMES #dev\r\nMODE #dev\r\n');
  await al.waitFor(/ 353 alice = #dev :@alice \+bob/);
  await al.waitFor(' 324 alice #dev :+mnt');
  al.send('KICK #dev bob :spam\r\nMODE #dev +b bob\r\n');
  await bob.waitFor(texts.kicked('alice', 'bob', 'spam'));
  await al.waitFor(':alice!~u@node-chat MODE #dev +b bob!*@*');
  bob.send('/join dev\r\n');
  await bob.waitFor('you are banned from dev');
  al.send('MODE #dev b\r\n');
  await al.waitFor(' 368 alice #dev ');
  assert.match(al.text, / 367 alice #dev bob!\*@\* alice /);
  assert.not.match(al.text, 'muted', 'nothing bob said while muted reached alice');
});

cluster('a topic unset on node one (TOPIC #c :) is unset on node two: cleared for members, none for a joiner or a query', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice'));
  al.send('JOIN #dev\r\nTOPIC #dev :for now\r\n');
  await al.waitFor(':alice!~u@node-chat TOPIC #dev :for now');
  const bo = keep(await ircUser(two.ircPort, 'bob'));
  bo.send('JOIN #dev\r\n');
  await bo.waitFor(' 332 bob #dev :for now');
  al.send('TOPIC #dev :\r\n');
  await bo.waitFor(/:alice!~u@node-chat TOPIC #dev :\r\n/);
  const cy = keep(await ircUser(two.ircPort, 'cy'));
  cy.send('JOIN #dev\r\n');
  await cy.waitFor(' 366 cy #dev ');
  assert.not.match(cy.text, / 33[12] /, 'no topic, not even an empty one, on joining');
  cy.send('TOPIC #dev\r\n');
  await cy.waitFor(' 331 cy #dev ');
});

cluster('SETNAME on node one: members with the cap on node two see it once across shared channels, the sender too; WHOIS there has it', async () => {
  const [one, two] = [await node(), await node()];
  const foo = keep(await ircUser(one.ircPort, 'foo', ['setname']));
  const bar = keep(await ircUser(two.ircPort, 'bar', ['setname']));
  const baz = keep(await ircUser(two.ircPort, 'baz'));
  foo.send('JOIN #a,#b\r\n');
  await foo.waitFor(' 366 foo #b ');
  bar.send('JOIN #a,#b\r\n');
  baz.send('JOIN #a\r\n');
  await foo.waitFor(':bar!~u@node-chat JOIN #b');
  await foo.waitFor(':baz!~u@node-chat JOIN #a');
  foo.send('SETNAME :New Name\r\n');
  await foo.waitFor(':foo!~u@node-chat SETNAME :New Name\r\n');
  await bar.waitFor(':foo!~u@node-chat SETNAME :New Name\r\n');
  foo.send('PRIVMSG #a :after\r\n');
  await baz.waitFor(':foo!~u@node-chat PRIVMSG #a :after');
  await bar.waitFor(':foo!~u@node-chat PRIVMSG #a :after');
  assert.not.match(baz.text, 'SETNAME');
  assert.is(lines(bar).filter((l) => l.includes(' SETNAME ')).length, 1, 'once, in two shared channels');
  baz.send('WHOIS foo\r\n');
  await baz.waitFor(' 311 baz foo ~foo node-chat * :New Name');
  const lone = keep(await ircUser(two.ircPort, 'lone', ['setname']));
  lone.send('SETNAME :alone\r\nSETNAME :alone\r\nPING :done\r\n');
  await lone.waitFor('PONG node-chat :done');
  assert.is(lines(lone).filter((l) => l === ':lone!~u@node-chat SETNAME :alone').length, 2, 'in no channel: shown back, each time');
});

cluster('an away user of node two who joins: members with away-notify on node one get its AWAY after the JOIN', async () => {
  const [one, two] = [await node(), await node()];
  const foo = keep(await ircUser(one.ircPort, 'foo', ['away-notify']));
  foo.send('JOIN #chan\r\n');
  await foo.waitFor(' 366 foo #chan ');
  const bar = keep(await ircUser(two.ircPort, 'bar', ['away-notify']));
  bar.send('AWAY :already away\r\n');
  await bar.waitFor(' 306 bar ');
  bar.send('JOIN #chan\r\nPING :joined\r\n');
  await foo.waitFor(':bar!~u@node-chat JOIN #chan\r\n:bar!~u@node-chat AWAY :already away\r\n');
  foo.send('PRIVMSG #chan :after\r\n');
  await bar.waitFor(':foo!~u@node-chat PRIVMSG #chan :after'); // logged after the away: node two has read past it
  assert.not.match(bar.text, ' AWAY ', 'not its own away');
});

cluster('user mode +i on node one: NAMES #c and WHO #c from node two hide the invisible user until they share the channel; WHO nick shows it', async () => {
  const [one, two] = [await node(), await node()];
  const evan = keep(await ircUser(one.ircPort, 'evan'));
  evan.send('MODE evan +i\r\nJOIN #test\r\n');
  await evan.waitFor(':evan MODE evan :+i');
  await evan.waitFor(' 366 evan #test ');
  const shiv = keep(await ircUser(two.ircPort, 'shiv'));
  shiv.send('NAMES #test\r\nWHO #test\r\n');
  await shiv.waitFor(' 315 shiv #test ');
  assert.not.match(shiv.text, / 353 /, 'NAMES from outside: hidden');
  assert.not.match(shiv.text, / 352 /, 'WHO #test from outside: hidden');
  shiv.send('WHO evan\r\n');
  await shiv.waitFor(' 315 shiv evan ');
  assert.match(shiv.text, / 352 shiv \S+ ~evan /, 'WHO by name: shown');
  shiv.send('JOIN #test\r\n');
  await shiv.waitFor(':shiv!~u@node-chat JOIN #test');
  await shiv.waitFor(/ 353 shiv = #test :@evan shiv\r\n/);
  shiv.send('WHO #test\r\n');
  await shiv.waitFor(' 352 shiv #test ~evan ');
});

cluster('client-only tags cross nodes: the +tags of a line from node one reach message-tags holders on node two; TAGMSG to a channel and a nick too', async () => {
  const [one, two] = [await node(), await node()];
  const al = keep(await ircUser(one.ircPort, 'alice', ['message-tags', 'echo-message']));
  const bo = keep(await ircUser(two.ircPort, 'bob', ['message-tags']));
  const ca = keep(await ircUser(two.ircPort, 'carol'));
  const tom = keep(await TestClient.named(two.port, 'tom'));
  for (const c of [al, bo, ca]) {
    c.send('JOIN #lobby\r\n');
    await c.waitFor(' 366 ');
  }
  await al.waitFor(':carol!~u@node-chat JOIN #lobby');
  await tom.waitFor(texts.joined('carol', 'lobby'));
  al.send('@+baz=bat\\:x;fizz=buzz PRIVMSG #lobby :tagged\r\n');
  await bo.waitFor(/@msgid=[^; ]+;\+baz=bat\\:x :alice!~u@node-chat PRIVMSG #lobby :tagged\r\n/);
  await ca.waitFor(/\r\n:alice!~u@node-chat PRIVMSG #lobby :tagged\r\n/);
  await tom.waitFor(texts.message('alice', 'tagged'));
  al.send('@+typing=active TAGMSG #lobby\r\nPRIVMSG #lobby :after\r\n');
  await bo.waitFor(/@msgid=([^; ]+);\+typing=active :alice!~u@node-chat TAGMSG #lobby\r\n@msgid=\S+ :alice!~u@node-chat PRIVMSG #lobby :after/);
  await ca.waitFor('PRIVMSG #lobby :after');
  await tom.waitFor(texts.message('alice', 'after'));
  await al.waitFor('PRIVMSG #lobby :after');
  const relayed = lines(bo).find((l) => l.includes('TAGMSG #lobby'))!;
  assert.is(lines(al).find((l) => l.includes('TAGMSG #lobby')), relayed, 'the echo on node one: the same line, the same msgid');
  assert.not.match(ca.text, ' TAGMSG ', 'the 005 line names TAGMSG in TARGMAX: the command itself never came');
  assert.not.match(ca.text, 'baz');
  assert.not.match(tom.text, 'typing');
  al.send('@+draft/reply=x1 PRIVMSG bob :psst\r\n@+typing=paused TAGMSG bob\r\n@+typing=paused TAGMSG nobody\r\nPRIVMSG carol :psst carol\r\n');
  await bo.waitFor(/@msgid=[^; ]+;\+draft\/reply=x1 :alice!~u@node-chat PRIVMSG bob :psst\r\n@msgid=[^; ]+;\+typing=paused :alice!~u@node-chat TAGMSG bob\r\n/);
  await al.waitFor(' 401 alice nobody ');
  await al.waitFor(/;\+typing=paused :alice!~u@node-chat TAGMSG bob\r\n/);
  await ca.waitFor(/\r\n:alice!~u@node-chat PRIVMSG carol :psst carol\r\n/);
  assert.is(lines(al).find((l) => l.includes('TAGMSG bob'))!.split(';')[0], lines(bo).find((l) => l.includes('TAGMSG bob'))!.split(';')[0], 'one msgid');
});

cluster.run();
