// The IRC listener end to end over real sockets: registration, the commands, and IRC users
// chatting with telnet users in the same rooms.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';

let server: IrcServer;
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const irc = async (nick: string, caps: string[] = []): Promise<TestClient> => keep(await ircUser(server.ircPort, nick, caps));
const telnet = async (nick: string): Promise<TestClient> => keep(await TestClient.named(server.port, nick));
const raw = async (): Promise<TestClient> => keep(await TestClient.connect(server.ircPort));

function e2e(name: string, overrides = {}) {
  const s = suite(name);
  s.before.each(async () => {
    server = await startIrcServer(overrides);
  });
  s.after.each(async () => {
    for (const c of clients) c.close();
    clients = [];
    await server.close();
  });
  return s;
}

const reg = e2e('irc: registration');
reg('NICK and USER alone: 001 to 005, LUSERS with true counts (telnet users too), then 422', async () => {
  await telnet('tom');
  const c = await raw();
  c.send('NICK alice\r\nUSER al 0 * :Alice Liddell\r\n');
  await c.waitFor(' 422 ');
  const got = lines(c).map((l) => l.split(' ')[1]);
  assert.equal(got, ['001', '002', '003', '004', '005', '005', '251', '252', '253', '254', '255', '265', '266', '422']);
  assert.match(c.text, ':node-chat 001 alice :Welcome');
  assert.match(c.text, 'CASEMAPPING=rfc8265');
  assert.match(c.text, 'CHANTYPES=#');
  assert.match(c.text, 'CHANLIMIT=#:20');
  assert.match(c.text, ':node-chat 251 alice :There are 2 users');
});
reg('with CAP: nothing is registered until CAP END; ACK for what we have, NAK for the rest', async () => {
  const c = await raw();
  c.send('CAP LS 302\r\nNICK bob\r\nUSER b 0 * :Bob\r\n');
  await c.waitFor('CAP * LS :');
  assert.match(c.text, 'server-time');
  assert.match(c.text, 'echo-message');
  c.send('CAP REQ :server-time nonsense\r\n');
  await c.waitFor('CAP * NAK :server-time nonsense');
  c.send('CAP REQ :server-time message-tags\r\nCAP LIST\r\n');
  await c.waitFor('CAP * LIST :');
  assert.match(c.text, 'CAP * ACK :server-time message-tags');
  assert.not.match(c.text, ' 001 ');
  c.send('CAP END\r\n');
  await c.waitFor(' 001 bob ');
});
reg('a taken nickname (telnet or IRC, any case) is 433 and another one works; an invalid one is 432', async () => {
  await telnet('Carol');
  const c = await raw();
  c.send('NICK carol\r\nUSER c 0 * :C\r\n');
  await c.waitFor(' 433 * carol ');
  c.send('NICK 9lives\r\n');
  await c.waitFor(' 432 * 9lives ');
  c.send('NICK carol2\r\n');
  await c.waitFor(' 001 carol2 ');
});
reg('commands before registration are 451; unknown ones after it 421; too few parameters 461', async () => {
  const c = await raw();
  c.send('JOIN #lobby\r\n');
  await c.waitFor(' 451 * ');
  c.send('NICK dan\r\nUSER d 0 * :D\r\n');
  await c.waitFor(' 422 ');
  c.send('FROB x\r\nJOIN\r\n');
  await c.waitFor(' 421 dan FROB ');
  await c.waitFor(' 461 dan JOIN ');
});
reg('a server password: PASS right registers, wrong or missing is 464 and the connection ends', async () => {
  await server.close();
  server = await startIrcServer({ ircPassword: 'sesame' });
  const bad = await raw();
  bad.send('PASS nope\r\nNICK eve\r\nUSER e 0 * :E\r\n');
  await bad.waitFor(' 464 ');
  await bad.waitFor('ERROR :');
  await bad.waitClosed();
  const good = await raw();
  good.send('PASS sesame\r\nNICK eve\r\nUSER e 0 * :E\r\n');
  await good.waitFor(' 001 eve ');
});
reg('a line over 512 bytes is 417 and the next line still works', async () => {
  const c = await irc('fay');
  c.send(`PRIVMSG #lobby :${'x'.repeat(600)}\r\nPING :still\r\n`);
  await c.waitFor(' 417 fay ');
  await c.waitFor('PONG node-chat :still');
});
reg.run();

const chat = e2e('irc: chatting with telnet users');
chat('JOIN gives JOIN, NAMES; lines go both ways; a telnet /me is a CTCP ACTION and an IRC one a telnet action', async () => {
  const tom = await telnet('tom');
  const al = await irc('alice');
  al.send('JOIN #lobby\r\n');
  await al.waitFor(':alice!~u@node-chat JOIN #lobby');
  await al.waitFor(/353 alice = #lobby :(tom alice|alice tom)/);
  await al.waitFor('366 alice #lobby');
  await tom.waitFor(texts.joined('alice', 'lobby'));
  tom.send('hello irc\r\n/me waves\r\n');
  await al.waitFor(':tom!~u@node-chat PRIVMSG #lobby :hello irc');
  await al.waitFor(':tom!~u@node-chat PRIVMSG #lobby :\x01ACTION waves\x01');
  al.send('PRIVMSG #lobby :hi \x02tom\x02 \x034,2red\x0f\r\nPRIVMSG #lobby :\x01ACTION bows\x01\r\n');
  await tom.waitFor(texts.message('alice', 'hi tom red'));
  await tom.waitFor(texts.action('alice', 'bows'));
  // No control byte from an IRC user reaches the telnet terminal.
  const fromAlice = tom.bytes.toString('latin1').split('alice').slice(1).join('');
  assert.not.match(fromAlice, /[\x01-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f]/);
});
chat('private messages both ways; a missing nick is 401; an away user is 301 to the sender', async () => {
  const tom = await telnet('tom');
  const al = await irc('alice');
  al.send('PRIVMSG tom :psst\r\n');
  await tom.waitFor(texts.privateFrom('alice', 'psst'));
  tom.send('/msg alice back at you\r\n');
  await al.waitFor(':tom!~u@node-chat PRIVMSG alice :back at you');
  al.send('PRIVMSG nobody :x\r\nNOTICE nobody :x\r\nPING :after\r\n');
  await al.waitFor(' 401 alice nobody ');
  await al.waitFor('PONG');
  assert.is(lines(al).filter((l) => l.includes(' 401 ')).length, 1, 'NOTICE is never answered with an error');
  const bo = await irc('bob');
  bo.send('AWAY :at lunch\r\n');
  await bo.waitFor(' 306 bob ');
  al.send('PRIVMSG bob :there?\r\n');
  await al.waitFor(' 301 alice bob :at lunch');
  bo.send('AWAY\r\n');
  await bo.waitFor(' 305 bob ');
});
chat('a telnet line of 4096 bytes reaches an IRC user as PRIVMSGs within 512 bytes, nothing lost', async () => {
  const tom = await telnet('tom');
  const al = await irc('alice');
  al.send('JOIN #lobby\r\n');
  await al.waitFor('366 alice #lobby');
  const text = `${'ab€'.repeat(800)}😀`.slice(0, 1200); // multi-byte characters across every cut
  const line = Buffer.byteLength(text) <= 4094 ? text : text.slice(0, 1000);
  tom.send(`${line}\r\n/me done\r\n`);
  await al.waitFor('ACTION done');
  const got = lines(al).filter((l) => l.startsWith(':tom!') && !l.includes('ACTION'));
  assert.ok(got.length > 1);
  for (const l of got) assert.ok(Buffer.byteLength(`${l}\r\n`) <= 512);
  assert.is(got.map((l) => l.slice(l.indexOf(' :') + 2)).join(''), line);
});
chat('several channels: JOIN a,b; PART one; a telnet /join dev is a JOIN #dev; LIST and NAMES count both protocols', async () => {
  const tom = await telnet('tom');
  const al = await irc('alice');
  al.send('JOIN #lobby,#dev\r\n');
  await al.waitFor('366 alice #dev');
  tom.send('/join dev\r\n');
  await al.waitFor(':tom!~u@node-chat PART #lobby');
  await al.waitFor(':tom!~u@node-chat JOIN #dev');
  al.send('LIST\r\n');
  await al.waitFor(' 323 alice ');
  assert.match(al.text, ' 322 alice #dev 2 :');
  assert.match(al.text, ' 322 alice #lobby 1 :');
  al.send('NAMES #dev\r\n');
  await al.waitFor(/353 alice = #dev :(tom @alice|@alice tom)\r\n/);
  al.send('PART #dev :bye now\r\n');
  await tom.waitFor(texts.left('alice', 'dev', 'bye now'));
  await al.waitFor(':alice!~u@node-chat PART #dev :bye now');
  al.send('PRIVMSG #dev :still here?\r\n');
  await al.waitFor(' 404 alice #dev ');
  al.send('JOIN 0\r\n');
  await al.waitFor(':alice!~u@node-chat PART #lobby');
});
chat('NICK is seen by telnet users; a telnet /nick is a NICK; a user sharing two channels sees one NICK and one QUIT', async () => {
  const tom = await telnet('tom');
  const al = await irc('alice');
  const bo = await irc('bob');
  al.send('JOIN #lobby,#dev\r\n');
  bo.send('JOIN #lobby,#dev\r\n');
  await al.waitFor(':bob!~u@node-chat JOIN #dev');
  al.send('NICK alicia\r\n');
  await tom.waitFor(texts.renamed('alice', 'alicia'));
  await bo.waitFor(':alice!~u@node-chat NICK alicia');
  tom.send('/nick thomas\r\n');
  await al.waitFor(':tom!~u@node-chat NICK thomas');
  al.send('QUIT :gone fishing\r\n');
  await al.waitFor('ERROR :');
  await tom.waitFor(texts.left('alicia', 'lobby', 'gone fishing'));
  await bo.waitFor(':alicia!~u@node-chat QUIT :Quit: gone fishing');
  bo.send('PING :sync\r\n');
  await bo.waitFor('PONG node-chat :sync');
  assert.is(lines(bo).filter((l) => l.includes(' NICK alicia')).length, 1);
  assert.is(lines(bo).filter((l) => l.includes(' QUIT ')).length, 1);
});
chat('a topic set on IRC is 332/333 on join and a telnet topic line; TOPIC queries work', async () => {
  const tom = await telnet('tom');
  const al = await irc('alice');
  al.send('JOIN #lobby\r\nTOPIC #lobby :plans for today\r\n');
  await al.waitFor(':alice!~u@node-chat TOPIC #lobby :plans for today');
  await tom.waitFor(texts.topicSet('alice', 'plans for today'));
  const bo = await irc('bob');
  bo.send('JOIN #lobby\r\n');
  await bo.waitFor(' 332 bob #lobby :plans for today');
  await bo.waitFor(' 333 bob #lobby alice ');
  bo.send('TOPIC #lobby\r\nTOPIC #elsewhere\r\n');
  await bo.waitFor(' 442 bob #elsewhere ');
});
chat('WHOIS, WHO, ISON, USERHOST, WHOWAS, LUSERS, MODE queries and the small ones answer', async () => {
  await telnet('tom');
  const al = await irc('alice');
  al.send('JOIN #lobby\r\nWHOIS tom\r\n');
  await al.waitFor(' 318 alice tom ');
  assert.match(al.text, ' 311 alice tom telnet node-chat * :a telnet user');
  assert.match(al.text, / 319 alice tom :?#lobby/);
  al.send('WHO #lobby\r\n');
  await al.waitFor(' 315 alice #lobby ');
  assert.match(al.text, ' 352 alice #lobby ~alice node-chat node-chat alice H :0 alice Test');
  assert.match(al.text, ' 352 alice #lobby telnet node-chat node-chat tom H :0 a telnet user');
  al.send('ISON tom nobody alice\r\nUSERHOST tom\r\nWHOIS nobody\r\n');
  await al.waitFor(' 303 alice :tom alice');
  await al.waitFor(' 302 alice :tom=+telnet@node-chat');
  await al.waitFor(' 401 alice nobody ');
  al.send('LUSERS\r\nMODE #lobby\r\nMODE #lobby b\r\nMODE alice\r\nMODE alice +i\r\nMODE #lobby +m\r\n');
  await al.waitFor(' 251 alice :There are 2 users');
  await al.waitFor(' 324 alice #lobby :+n');
  await al.waitFor(' 368 alice #lobby ');
  await al.waitFor(' 221 alice :+');
  await al.waitFor(':alice MODE alice :+i');
  await al.waitFor(' 482 alice #lobby ');
  al.send('VERSION\r\nTIME\r\nINFO\r\nHELP\r\nMOTD\r\n');
  await al.waitFor(' 351 alice ');
  await al.waitFor(' 391 alice ');
  await al.waitFor(' 374 alice ');
  await al.waitFor(' 706 alice ');
  const bo = await irc('bob');
  bo.send('QUIT\r\n');
  await bo.waitClosed();
  al.send('WHOWAS bob\r\nWHOWAS never\r\n');
  await al.waitFor(' 314 alice bob ~bob node-chat * :bob Test');
  await al.waitFor(' 406 alice never ');
});
chat('echo-message: the sender gets its own lines back (with msgid and time), others as usual', async () => {
  const al = await irc('alice', ['echo-message', 'server-time', 'message-tags']);
  const bo = await irc('bob');
  al.send('JOIN #dev\r\n');
  bo.send('JOIN #dev\r\n');
  await al.waitFor(':bob!~u@node-chat JOIN #dev');
  al.send('PRIVMSG #dev :echoed\r\nPRIVMSG bob :private echo\r\n');
  await al.waitFor(/@time=\S+;msgid=\S+ :alice!~u@node-chat PRIVMSG #dev :echoed/);
  await al.waitFor(/msgid=\S+ :alice!~u@node-chat PRIVMSG bob :private echo/);
  await bo.waitFor(':alice!~u@node-chat PRIVMSG #dev :echoed');
  assert.not.match(bo.text, '@time', 'bob asked for no tags');
});
chat('away-notify: members with the cap see AWAY once, however many channels they share', async () => {
  const al = await irc('alice', ['away-notify']);
  const bo = await irc('bob');
  al.send('JOIN #a,#b\r\n');
  bo.send('JOIN #a,#b\r\n');
  await al.waitFor(':bob!~u@node-chat JOIN #b');
  bo.send('AWAY :brb\r\n');
  await al.waitFor(':bob!~u@node-chat AWAY :brb');
  bo.send('AWAY\r\n');
  await al.waitFor(/:bob!~u@node-chat AWAY\r\n/);
  al.send('PING :x\r\n');
  await al.waitFor('PONG');
  assert.is(lines(al).filter((l) => l.includes(' AWAY :brb')).length, 1);
});
chat('PING from the client is answered; the server pings a quiet client and drops one that never answers', async () => {
  const al = await irc('alice');
  const quiet = await irc('quiet');
  // The injected clock: a sweep as if 200 s had passed, then another as if 300 s had.
  const t0 = performance.now();
  al.send('PONG :alive\r\n');
  server.gateway.keepalive(t0 + 200_000);
  await quiet.waitFor('PING :node-chat');
  al.send('PONG :node-chat\r\n');
  await TestClient.settle(100);
  server.gateway.keepalive(t0 + 300_000);
  await quiet.waitFor('ERROR :Closing link: ping timeout');
  await quiet.waitClosed();
  assert.ok(!al.closed, 'the one that answered stays');
});
chat.run();

const limits = e2e('irc: the throttle shared with telnet', { floodRate: 5, floodBurst: 3, floodKickSeconds: 1 });
limits('a flooding IRC client is slowed, then dropped with an ERROR that says why', async () => {
  const al = await irc('alice');
  al.send(Array.from({ length: 200 }, (_, i) => `PRIVMSG #lobby :flood ${i}\r\n`).join(''));
  await al.waitFor('ERROR :Closing link: flooding', 10_000);
  await al.waitClosed();
});
limits.run();
