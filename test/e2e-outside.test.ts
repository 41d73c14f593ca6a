// Lines from outside a room (mode n) over real sockets, one node: +n, on for every new room,
// answers an IRC user's PRIVMSG to a channel it is not on with 404; after MODE -n the members,
// telnet ones too, get it from nick!user@host as any line. PING is a barrier (see the gateway).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TestClient } from './helpers/client.js';
import { answerTo as answer, ircUser, startIrcServer, type IrcServer } from './helpers/irc.js';

let server: IrcServer;
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const irc = async (nick: string, caps: string[] = []): Promise<TestClient> => keep(await ircUser(server.ircPort, nick, caps));

const s = suite('lines from outside a room');
s.before.each(async () => {
  server = await startIrcServer();
});
s.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server.close();
});

s('+n by default: 404 for a PRIVMSG from outside, nothing for a NOTICE, and the members hear nothing', async () => {
  const op = await irc('chanop');
  op.send('JOIN #chan\r\n');
  await op.waitFor(' 366 chanop #chan ');
  assert.ok((await answer(op, 'MODE #chan')).includes(':node-chat 324 chanop #chan :+nt'), 'a new room is +n');
  const baz = await irc('baz');
  assert.equal(await answer(baz, 'PRIVMSG #chan :hi from baz'), [':node-chat 404 baz #chan :Cannot send to channel']);
  assert.equal(await answer(baz, 'NOTICE #chan :psst'), []);
  assert.equal(await answer(baz, 'PRIVMSG #nowhere :anyone?'), [':node-chat 403 baz #nowhere :No such channel']);
  assert.not.ok(op.text.includes('baz'), 'chanop heard nothing from baz');
});

s('after MODE -n the members (IRC and telnet) get a line from outside; echo-message gives the sender its copy; +n again refuses', async () => {
  const op = await irc('chanop');
  op.send('JOIN #chan\r\n');
  await op.waitFor(' 366 chanop #chan ');
  const tom = keep(await TestClient.named(server.port, 'tom'));
  tom.send('/join chan\r\n');
  await op.waitFor('tom!~u@node-chat JOIN #chan');
  op.send('MODE #chan -n\r\n');
  await op.waitFor(':chanop!~u@node-chat MODE #chan -n\r\n');
  const baz = await irc('baz', ['echo-message']);
  baz.send('PRIVMSG #chan :hi again from baz\r\n');
  await op.waitFor(/:baz!~u@node-chat PRIVMSG #chan :hi again from baz\r\n/);
  await tom.waitFor('\x1b[96m > baz:\x1b[39m hi again from baz\r\n');
  await baz.waitFor(/:baz!~u@node-chat PRIVMSG #chan :hi again from baz\r\n/);
  baz.send('PRIVMSG #chan :\x01ACTION waves\x01\r\n');
  await op.waitFor(':baz!~u@node-chat PRIVMSG #chan :\x01ACTION waves\x01');
  op.send('MODE #chan +n\r\n');
  await op.waitFor(':chanop!~u@node-chat MODE #chan +n\r\n');
  assert.equal(await answer(baz, 'PRIVMSG #chan :and now?'), [':node-chat 404 baz #chan :Cannot send to channel']);
});

s.run();
