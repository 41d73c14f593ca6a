// What irctest (see README "Conformance: irctest") checks and we once failed, over real sockets
// on one node: each test here failed before its fix. The cluster's side is in cluster-irc.test.ts.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashLine } from '../src/gateway/operators.js';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';

let server: IrcServer;
let clients: TestClient[] = [];
let dir = '';
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const irc = async (nick: string, caps: string[] = []): Promise<TestClient> => keep(await ircUser(server.ircPort, nick, caps));

let pings = 0;
/** Waits until `c` has its answer to a PING sent now (a token never used before): everything sent before it has been answered. */
async function sync(c: TestClient, token: string): Promise<void> {
  const unique = `${token.replace(/\s/g, '_')}.${++pings}`;
  c.send(`PING :${unique}\r\n`);
  await c.waitFor(`PONG node-chat :${unique}\r\n`);
}

const s = suite('irc conformance');
s.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nc-conf-'));
  writeFileSync(join(dir, 'operators'), `${await hashLine('root', 'sesame')}\n`);
  server = await startIrcServer({ operatorsFile: join(dir, 'operators') });
});
s.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

s('WHOWAS nick COUNT gives at most COUNT entries, newest first; no count or a non-positive one gives all', async () => {
  const al = await irc('alice');
  for (const user of ['first', 'second']) {
    const c = keep(await TestClient.connect(server.ircPort));
    c.send(`NICK bob\r\nUSER ${user} 0 * :Bob\r\n`);
    await c.waitFor(/ (376|422) /);
    c.send('QUIT\r\n');
    await c.waitClosed();
  }
  al.send('WHOWAS bob 1\r\n');
  await al.waitFor(' 369 alice bob ');
  assert.equal(lines(al).filter((l) => l.includes(' 314 ')).map((l) => l.split(' ')[4]), ['~second']);
  for (const ask of ['WHOWAS bob', 'WHOWAS bob 0', 'WHOWAS bob -1']) {
    const from = lines(al).length;
    al.send(`${ask}\r\n`);
    await sync(al, ask);
    const got = lines(al).slice(from).filter((l) => l.includes(' 314 ')).map((l) => l.split(' ')[4]);
    assert.equal(got, ['~second', '~first'], ask);
  }
});

s('OPER accepted: 381, then the user mode +o as a MODE line, and MODE nick shows it (221)', async () => {
  const al = await irc('alice');
  al.send('OPER root sesame\r\n');
  await al.waitFor(' 381 alice ');
  await al.waitFor(':alice MODE alice :+o\r\n');
  al.send('MODE alice\r\n');
  await al.waitFor(/ 221 alice :?\+o\r\n/);
  al.send('MODE alice +i\r\nMODE alice\r\n');
  await al.waitFor(/ 221 alice :?\+(io|oi)\r\n/);
  assert.is(lines(al).filter((l) => l.includes(' MODE alice :+o')).length, 1);
});

s('SETNAME: members of shared channels with the setname cap see it once, the sender too; others nothing; WHOIS has it', async () => {
  const foo = await irc('foo', ['setname']);
  const bar = await irc('bar', ['setname']);
  const baz = await irc('baz');
  const tom = keep(await TestClient.named(server.port, 'tom'));
  foo.send('JOIN #lobby,#dev\r\n');
  bar.send('JOIN #lobby,#dev\r\n');
  baz.send('JOIN #lobby\r\n');
  await foo.waitFor(':baz!~u@node-chat JOIN #lobby');
  await foo.waitFor(':bar!~u@node-chat JOIN #dev');
  foo.send('SETNAME :Q. Ux\r\n');
  await foo.waitFor(':foo!~u@node-chat SETNAME :Q. Ux\r\n');
  await bar.waitFor(':foo!~u@node-chat SETNAME :Q. Ux\r\n');
  tom.send('after\r\n');
  await baz.waitFor(':tom!~u@node-chat PRIVMSG #lobby :after');
  await Promise.all([sync(foo, 'a'), sync(bar, 'b')]);
  assert.not.match(baz.text, 'SETNAME', 'baz did not negotiate setname');
  assert.not.match(tom.text, 'Q. Ux', 'telnet shows no real names');
  assert.is(lines(foo).filter((l) => l.includes(' SETNAME ')).length, 1, 'once, in two shared channels');
  assert.is(lines(bar).filter((l) => l.includes(' SETNAME ')).length, 1);
  baz.send('WHOIS foo\r\n');
  await baz.waitFor(' 311 baz foo ~foo node-chat * :Q. Ux');
});
s('SETNAME in no channel is shown back to the sender alone, and again for the same name twice', async () => {
  const foo = await irc('foo', ['setname']);
  foo.send('SETNAME again\r\nSETNAME again\r\n');
  await sync(foo, 'x');
  assert.is(lines(foo).filter((l) => l === ':foo!~u@node-chat SETNAME :again' || l === ':foo!~u@node-chat SETNAME again').length, 2);
  foo.send('SETNAME :\r\n');
  await foo.waitFor('FAIL SETNAME INVALID_REALNAME ');
});

s('away-notify: an away user who joins is followed by its AWAY for members with the cap, not for itself or the others', async () => {
  const foo = await irc('foo', ['away-notify']);
  const baz = await irc('baz');
  foo.send('JOIN #chan\r\n');
  baz.send('JOIN #chan\r\n');
  await foo.waitFor(':baz!~u@node-chat JOIN #chan');
  const bar = await irc('bar', ['away-notify']);
  bar.send('AWAY :already away\r\n');
  await bar.waitFor(' 306 bar ');
  bar.send('JOIN #chan\r\n');
  await foo.waitFor(':bar!~u@node-chat JOIN #chan\r\n:bar!~u@node-chat AWAY :already away\r\n');
  await bar.waitFor(' 366 bar #chan ');
  await Promise.all([sync(bar, 'b'), sync(baz, 'z')]);
  assert.not.match(bar.text, ' AWAY ', 'not its own away');
  assert.not.match(baz.text, ' AWAY ', 'baz did not negotiate away-notify');
});

s('user mode +i: WHO with a mask, WHO #chan and NAMES #chan hide an invisible user from someone sharing no channel; WHO nick does not', async () => {
  const evan = await irc('evan');
  evan.send('MODE evan +i\r\nJOIN #test\r\nMODE evan\r\n');
  await evan.waitFor(':evan MODE evan :+i');
  await evan.waitFor(/ 221 evan :?\+i/);
  const shiv = await irc('shivaram');
  const seen = async (ask: string): Promise<string[]> => {
    const from = lines(shiv).length;
    shiv.send(`${ask}\r\n`);
    await sync(shiv, ask);
    return lines(shiv).slice(from).filter((l) => / (352|353) /.test(l));
  };
  assert.equal(await seen('WHO eva*'), [], 'a mask: hidden');
  assert.equal(await seen('WHO #test'), [], 'a channel it is not in: hidden');
  assert.equal(await seen('NAMES #test'), [], 'NAMES of a channel it is not in: hidden');
  assert.is((await seen('WHO evan')).length, 1, 'asked by name: shown');
  shiv.send('JOIN #test\r\n');
  await sync(shiv, 'joined'); // (the NAMES above gave a 366 for #test already)
  assert.match(shiv.text, / 353 shivaram = #test :@evan shivaram\r\n/, 'sharing the channel: shown');
  assert.is((await seen('WHO eva*')).length, 1);
  const third = await irc('third');
  evan.send('MODE evan -i\r\n');
  await evan.waitFor(':evan MODE evan :-i');
  third.send('WHO eva*\r\n');
  await third.waitFor(' 352 third #test ~evan ');
});

s('what the framer says of a line (invalid UTF-8, too long) comes after the answers to the lines before it', async () => {
  const al = await irc('alice');
  // JOIN is a barrier: the lines after it wait, and so must what the framer says of them.
  al.send(Buffer.concat([Buffer.from('JOIN #order\r\nPRIVMSG #order :bad \xff byte\r\n', 'latin1'), Buffer.from(`PRIVMSG #order :${'x'.repeat(600)}\r\n`)]));
  await al.waitFor(' 417 ');
  const got = lines(al);
  const names = got.findIndex((l) => l.includes(' 366 alice #order '));
  const warn = got.findIndex((l) => l.includes(' WARN * INVALID_UTF8 '));
  const tooLong = got.findIndex((l) => l.includes(' 417 '));
  assert.ok(names >= 0 && warn > names && tooLong > warn, got.join('\n'));
});

s.run();
