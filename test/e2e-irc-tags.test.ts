// IRCv3 client-only tags end to end over real sockets: PRIVMSG / NOTICE tags relayed to those who
// negotiated message-tags (after the server's own), TAGMSG only to them, 417 for a tag section
// past the limit. "Nothing arrived" is checked behind a later line of the same room or sender,
// which per-room (and per-sender) order puts after whatever the first one caused.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';

let server: IrcServer;
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const irc = async (nick: string, caps: string[] = []): Promise<TestClient> => keep(await ircUser(server.ircPort, nick, caps));
const telnet = async (nick: string): Promise<TestClient> => keep(await TestClient.named(server.port, nick));

const t = suite('irc: client-only tags');
t.before.each(async () => {
  server = await startIrcServer();
});
t.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server.close();
});

/** alice (message-tags), bob (message-tags, echo-message), carol (no caps), dave (server-time), tom (telnet), all in #lobby. */
async function room(): Promise<{ al: TestClient; bo: TestClient; ca: TestClient; da: TestClient; tom: TestClient }> {
  const tom = await telnet('tom');
  const al = await irc('alice', ['message-tags']);
  const bo = await irc('bob', ['message-tags', 'echo-message']);
  const ca = await irc('carol');
  const da = await irc('dave', ['server-time']);
  for (const c of [al, bo, ca, da]) c.send('JOIN #lobby\r\n');
  for (const c of [al, bo, ca, da]) await c.waitFor(' 366 ');
  await al.waitFor(':dave!~u@node-chat JOIN #lobby');
  await tom.waitFor('dave joined');
  for (const c of [al, bo, ca, da, tom]) c.clear();
  return { al, bo, ca, da, tom };
}

/** The line of `c` that contains `what`. */
const lineWith = (c: TestClient, what: string): string => lines(c).find((l) => l.includes(what)) ?? '';

t('PRIVMSG: +baz reaches message-tags holders after msgid, fizz nobody; no tags to carol, time only to dave, none to telnet', async () => {
  const { al, bo, ca, da, tom } = await room();
  al.send('@+baz=bat;fizz=buzz PRIVMSG #lobby hi\r\n');
  await bo.waitFor('PRIVMSG #lobby :hi');
  await ca.waitFor('PRIVMSG #lobby :hi');
  await da.waitFor('PRIVMSG #lobby :hi');
  await tom.waitFor('hi');
  assert.match(lineWith(bo, 'PRIVMSG'), /^@msgid=[^; ]+;\+baz=bat :alice!~u@node-chat PRIVMSG #lobby :hi$/);
  assert.not.match(bo.text, 'fizz');
  assert.is(lineWith(ca, 'PRIVMSG'), ':alice!~u@node-chat PRIVMSG #lobby :hi');
  assert.match(lineWith(da, 'PRIVMSG'), /^@time=[^; ]+ :alice!~u@node-chat PRIVMSG #lobby :hi$/);
  assert.not.match(tom.text, 'baz');
  assert.not.match(tom.text, 'fizz');
});

t('echo-message carries the tags, with the msgid the others get; NOTICE and ACTION carry them too', async () => {
  const { al, bo, ca } = await room();
  bo.send('@+bat=baz;+fizz=buzz PRIVMSG #lobby :hi yourself\r\n');
  await bo.waitFor('PRIVMSG #lobby :hi yourself');
  await al.waitFor('PRIVMSG #lobby :hi yourself');
  const echo = lineWith(bo, 'hi yourself');
  const relay = lineWith(al, 'hi yourself');
  assert.match(echo, /^@msgid=([^; ]+);\+bat=baz;\+fizz=buzz :bob/);
  assert.is(echo.split(';')[0], relay.split(';')[0], 'one msgid for all');
  bo.send('@+x=1 NOTICE #lobby :note\r\n@+y=2 PRIVMSG #lobby :\x01ACTION waves\x01\r\n');
  await al.waitFor('ACTION waves');
  assert.match(lineWith(al, 'NOTICE #lobby'), /;\+x=1 :bob!~u@node-chat NOTICE #lobby :note$/);
  assert.match(lineWith(al, 'ACTION'), /;\+y=2 :bob!~u@node-chat PRIVMSG #lobby :\x01ACTION waves\x01$/);
  await ca.waitFor('ACTION waves');
  assert.not.match(ca.text, /^@/m);
});

t('escaped values round-trip: what arrives is what was sent, re-escaped', async () => {
  const { al, bo } = await room();
  al.send('@+v=a\\:b\\sc\\\\d\\r\\n;+e;+example.com/k=x PRIVMSG #lobby :esc\r\n');
  await bo.waitFor('PRIVMSG #lobby :esc');
  assert.match(lineWith(bo, ':esc'), /;\+v=a\\:b\\sc\\\\d\\r\\n;\+e;\+example\.com\/k=x :alice/);
});

t('tags from a client without message-tags are not relayed', async () => {
  const { bo, ca } = await room();
  ca.send('@+baz=bat PRIVMSG #lobby :plain\r\n');
  await bo.waitFor('PRIVMSG #lobby :plain');
  assert.not.match(bo.text, 'baz');
});

t('TAGMSG to a channel: to message-tags holders only (echo included), nothing to carol, dave or telnet', async () => {
  const { al, bo, ca, da, tom } = await room();
  bo.send('@+buzz=fizz\\:buzz;cat=dog;+steel=wootz TAGMSG #lobby\r\n');
  // Behind it in the room: a line everyone gets.
  bo.send('PRIVMSG #lobby :after\r\n');
  for (const c of [al, bo, ca, da]) await c.waitFor('PRIVMSG #lobby :after');
  await tom.waitFor('after');
  const relay = lineWith(al, ' TAGMSG ');
  const echo = lineWith(bo, ' TAGMSG ');
  assert.match(relay, /^@msgid=[^; ]+;\+buzz=fizz\\:buzz;\+steel=wootz :bob!~u@node-chat TAGMSG #lobby$/);
  assert.is(echo, relay, 'the echo is the same line, msgid included');
  assert.not.match(relay, 'cat');
  for (const c of [ca, da, tom]) {
    assert.not.match(c.text, ' TAGMSG ');
    assert.not.match(c.text, 'wootz');
  }
  assert.equal(lines(al).map((l) => l.split(' ')[2]), ['TAGMSG', 'PRIVMSG'], JSON.stringify(lines(al)));
});

t('TAGMSG to a nick, to nobody (401), without client tags (nothing), and from a client without message-tags (421)', async () => {
  const al = await irc('alice', ['message-tags', 'echo-message']);
  const bo = await irc('bob', ['message-tags']);
  const ca = await irc('carol');
  al.send('@+typing=active TAGMSG bob\r\n@+typing=active TAGMSG carol\r\n@+typing=active TAGMSG nobody\r\n');
  await al.waitFor(' 401 alice nobody ');
  assert.match(lineWith(bo, ' TAGMSG '), /^@msgid=[^; ]+;\+typing=active :alice!~u@node-chat TAGMSG bob$/);
  assert.match(lineWith(al, ' TAGMSG bob'), /^@msgid=[^; ]+;\+typing=active :alice!~u@node-chat TAGMSG bob$/);
  assert.match(lineWith(al, ' TAGMSG carol'), /\+typing=active :alice!~u@node-chat TAGMSG carol$/, 'the echo, though carol gets nothing');
  al.send('@fizz=buzz TAGMSG bob\r\nPRIVMSG bob :after\r\n');
  await bo.waitFor('PRIVMSG bob :after');
  assert.is(lines(bo).filter((l) => l.includes(' TAGMSG ')).length, 1);
  ca.send('@+typing=active TAGMSG bob\r\nPRIVMSG bob :from carol\r\n');
  await ca.waitFor(' 421 carol TAGMSG ');
  await bo.waitFor('from carol');
  assert.is(lines(bo).filter((l) => l.includes(' TAGMSG ')).length, 1);
  assert.not.match(ca.text, 'typing');
});

t('private PRIVMSG: tags to an addressee with message-tags, none to one without; the echo carries them', async () => {
  const al = await irc('alice', ['message-tags', 'echo-message']);
  const bo = await irc('bob');
  const ca = await irc('carol', ['message-tags']);
  al.send('@+draft/reply=abc PRIVMSG bob :hey yourself\r\n@+draft/reply=abc PRIVMSG carol :hey carol\r\n');
  await bo.waitFor('PRIVMSG bob :hey yourself');
  await ca.waitFor('PRIVMSG carol :hey carol');
  assert.is(lineWith(bo, 'hey yourself'), ':alice!~u@node-chat PRIVMSG bob :hey yourself');
  assert.match(lineWith(ca, 'hey carol'), /^@msgid=[^; ]+;\+draft\/reply=abc :alice!~u@node-chat PRIVMSG carol :hey carol$/);
  await al.waitFor('PRIVMSG carol :hey carol');
  assert.match(lineWith(al, 'PRIVMSG bob'), /;\+draft\/reply=abc :alice!~u@node-chat PRIVMSG bob :hey yourself$/);
});

t('a tag section of 4094 bytes is relayed; 4095 is 417 and nothing of it is relayed', async () => {
  const { al, bo } = await room();
  // '@foo=bar;+baz=' + value: the tag data (between '@' and the space) is 14 - 1 + value bytes.
  const at = (n: number, verb: string): string => `@foo=bar;+baz=${'a'.repeat(n - 13)} ${verb}`;
  al.send(`${at(4094, 'TAGMSG #lobby')}\r\n`);
  await bo.waitFor('TAGMSG #lobby');
  assert.match(lineWith(bo, ' TAGMSG '), `+baz=${'a'.repeat(4081)} :alice`);
  bo.clear();
  al.send(`${at(4095, 'TAGMSG #lobby')}\r\n${at(4095, 'PRIVMSG #lobby :long')}\r\nPRIVMSG #lobby :after\r\n`);
  await al.waitFor(/ 417 alice .* 417 alice /s);
  await bo.waitFor('PRIVMSG #lobby :after');
  assert.is(lines(bo).length, 1, 'only the line after the refused ones');
  // Multi-byte characters count as their bytes.
  al.send(`@+k=${'é'.repeat(2046)} TAGMSG #lobby\r\nPRIVMSG #lobby :after2\r\n`);
  await al.waitFor(/ 417 alice .* 417 alice .* 417 alice /s);
  await bo.waitFor('after2');
  assert.not.match(bo.text, ' TAGMSG ');
});

t('history keeps a line with its client tags (CHATHISTORY replays them) and no TAGMSG', async () => {
  const al = await irc('alice', ['message-tags']);
  al.send('JOIN #lobby\r\n');
  await al.waitFor(' 366 alice #lobby ');
  // PING is a barrier: its PONG comes once the room has taken the lines before it.
  al.send('@+draft/reply=x1 PRIVMSG #lobby :kept\r\n@+typing=active TAGMSG #lobby\r\nPRIVMSG #lobby :plain\r\nPING :in\r\n');
  await al.waitFor('PONG node-chat :in');
  const bo = await irc('bob', ['message-tags', 'draft/chathistory']);
  const ca = await irc('carol', ['draft/chathistory']);
  for (const c of [bo, ca]) {
    c.send('JOIN #lobby\r\n');
    await c.waitFor(' 366 ');
    c.clear();
    c.send('CHATHISTORY LATEST #lobby * 10\r\nPING :done\r\n');
    await c.waitFor('PONG node-chat :done');
  }
  assert.match(bo.text, /@msgid=[^; ]+;\+draft\/reply=x1 :alice!~u@node-chat PRIVMSG #lobby :kept\r\n/);
  assert.match(bo.text, ':alice!~u@node-chat PRIVMSG #lobby :plain');
  assert.not.match(bo.text, ' TAGMSG ');
  assert.not.match(bo.text, 'typing');
  assert.match(ca.text, /\r\n:alice!~u@node-chat PRIVMSG #lobby :kept\r\n|^:alice!~u@node-chat PRIVMSG #lobby :kept\r\n/);
  assert.not.match(ca.text, 'draft/reply');
});

t.run();
