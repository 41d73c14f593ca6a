// LUSERS counts: the directory keeps how many named users are invisible (+i) and how many rooms
// have someone in them, and the IRC edge renders 251–255, 265 and 266 from them, visible and
// invisible adding up to the users. Over sockets, with unregistered connections (253) too.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Harness } from './helpers/actors.js';
import { counts } from '../src/edges/irc/replies.js';
import type { ChatEvent } from '../src/model/events.js';
import type { ConnId } from '../src/model/messages.js';
import { TestClient } from './helpers/client.js';
import { ircUser, lines, startIrcServer, type IrcServer } from './helpers/irc.js';

function count(h: Harness, conn: ConnId): Extract<ChatEvent, { k: 'counts' }> {
  h.intent(conn, { kind: 'count' });
  return h.events(conn).find((e): e is Extract<ChatEvent, { k: 'counts' }> => e.k === 'counts')!;
}
const pick = (c: Extract<ChatEvent, { k: 'counts' }>) => ({ users: c.users, invisible: c.invisible, rooms: c.rooms });

const actors = suite('LUSERS in the directory');
actors('invisible users are counted as they set and drop +i, and leave; only rooms with someone in them are formed', () => {
  const h = new Harness();
  h.claim(1, 'ann', null); // IRC users start in no room: the lobby is empty
  h.claim(2, 'ben', null);
  assert.equal(pick(count(h, 1)), { users: 2, invisible: 0, rooms: 0 }, 'an empty lobby is no channel formed');
  h.intent(1, { kind: 'invisible', on: true });
  h.intent(1, { kind: 'invisible', on: true });
  h.intent(2, { kind: 'invisible', on: true });
  assert.equal(pick(count(h, 1)), { users: 2, invisible: 2, rooms: 0 }, 'setting +i twice counts once');
  h.intent(2, { kind: 'invisible', on: false });
  h.intent(2, { kind: 'invisible', on: false });
  h.intent(1, { kind: 'join', room: 'dev' });
  assert.equal(pick(count(h, 2)), { users: 2, invisible: 1, rooms: 1 });
  h.claim(3, 'cat');
  const welcome = h.events(3).find((e) => e.k === 'welcome');
  assert.equal(welcome && { users: welcome.users, invisible: welcome.invisible, rooms: welcome.rooms }, { users: 3, invisible: 1, rooms: 1 }, 'the welcome (LUSERS at registration) counts the same');
  h.leave(1);
  assert.equal(pick(count(h, 3)), { users: 2, invisible: 0, rooms: 1 }, 'ann left, invisible: no longer counted; cat is in the lobby');
});
actors.run();

const render = suite('LUSERS rendered');
render('251 splits the users into visible and invisible; 255 and 265 count this server, 266 everyone', () => {
  const text = counts('me', 5, 2, { invisible: 2, peak: 7, unknown: 1, opers: 1 });
  assert.match(text, ':node-chat 251 me :There are 3 users and 2 invisible on 1 servers\r\n');
  assert.match(text, ':node-chat 253 me 1 :unknown connection(s)\r\n');
  assert.match(text, ':node-chat 255 me :I have 5 clients and 0 servers\r\n');
  assert.match(text, ':node-chat 265 me 5 7 :');
  const node = counts('me', 5, 2, { invisible: 9, local: 2 });
  assert.match(node, ':node-chat 251 me :There are 0 users and 5 invisible on 1 servers', 'never more invisible than users');
  assert.match(node, ':node-chat 255 me :I have 2 clients and 0 servers');
  assert.match(node, ':node-chat 265 me 2 2 :');
  assert.match(node, ':node-chat 266 me 5 5 :');
});
render.run();

let server: IrcServer;
let clients: TestClient[] = [];
const keep = (c: TestClient): TestClient => (clients.push(c), c);
const e2e = suite('LUSERS over sockets');
e2e.before.each(async () => {
  server = await startIrcServer();
});
e2e.after.each(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server.close();
});
let pings = 0;
async function lusers(c: TestClient, me: string): Promise<Map<string, string>> {
  c.clear();
  const token = `l${++pings}`;
  c.send(`LUSERS\r\nPING :${token}\r\n`);
  await c.waitFor(`PONG node-chat :${token}\r\n`);
  return new Map(lines(c).flatMap((l) => (l.split(' ')[2] === me ? [[l.split(' ')[1]!, l.slice(l.indexOf(me) + me.length + 1)] as [string, string]] : [])));
}
e2e('+i users counted in 251 (telnet users too), unregistered connections in 253, channels with someone in them in 254', async () => {
  const alice = keep(await ircUser(server.ircPort, 'alice'));
  const bob = keep(await ircUser(server.ircPort, 'bob'));
  keep(await TestClient.named(server.port, 'tom'));
  bob.send('MODE bob +i\r\n');
  await bob.waitFor(':bob MODE bob :+i');
  const half = keep(await TestClient.connect(server.ircPort));
  half.send('NICK half\r\n');
  let got = await lusers(alice, 'alice');
  assert.is(got.get('251'), ':There are 2 users and 1 invisible on 1 servers');
  assert.is(got.get('253'), '1 :unknown connection(s)');
  assert.is(got.get('254'), '1 :channels formed', 'the lobby, where tom is');
  assert.is(got.get('255'), ':I have 3 clients and 0 servers');
  bob.send('QUIT\r\n');
  await bob.waitClosed();
  got = await lusers(alice, 'alice');
  assert.is(got.get('251'), ':There are 2 users and 0 invisible on 1 servers');
});
e2e.run();
