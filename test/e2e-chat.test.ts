import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as texts from '../src/edges/telnet/texts.js';
import { TestClient } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let clients: TestClient[] = [];

async function connect(): Promise<TestClient> {
  const c = await TestClient.connect(server.port);
  clients.push(c);
  return c;
}
async function named(nick: string): Promise<TestClient> {
  const c = await TestClient.named(server.port, nick);
  clients.push(c);
  return c;
}

function e2e(name: string) {
  const s = suite(name);
  s.before.each(async () => {
    server = await startServer();
  });
  s.after.each(async () => {
    for (const c of clients) c.close();
    clients = [];
    await server.close();
  });
  return s;
}

const greet = e2e('e2e: greeting and names');
greet('the banner counts every other open connection, named or not', async () => {
  const a = await connect();
  await a.waitFor(texts.NICK_PROMPT);
  assert.is(a.text, texts.banner(0));
  assert.match(a.text, '0 other people are connected at this time.');
  const b = await connect();
  await b.waitFor(texts.NICK_PROMPT);
  assert.match(b.text, ' > 1 other person is connected at this time.');
  const c = await connect();
  await c.waitFor(texts.NICK_PROMPT);
  assert.match(c.text, ' > 2 other people are connected at this time.');
  assert.ok(a.text.startsWith('\r\n > welcome to \x1b[92mnode-chat\x1b[39m!\r\n'));
});
greet('joining: everyone, the joiner included, sees the join line', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  await alice.waitFor(texts.joined('bob', 'lobby'));
  assert.ok(bob.text.endsWith(texts.joined('bob', 'lobby')));
});
greet('a taken nickname (case-insensitively) is refused, then another works', async () => {
  await named('alice');
  const b = await connect();
  await b.waitFor(texts.NICK_PROMPT);
  b.send('ALICE\n');
  await b.waitFor(texts.nickTaken('ALICE'));
  b.send('  \n\nalice2\n');
  await b.waitFor(texts.joined('alice2', 'lobby'));
});
greet('an invalid nickname says why and prompts again', async () => {
  const c = await connect();
  await c.waitFor(texts.NICK_PROMPT);
  c.send('x'.repeat(40) + '\n');
  await c.waitFor('too long');
  assert.ok(c.text.endsWith(texts.NICK_PROMPT));
});
greet('a connection that never named itself leaves silently', async () => {
  const alice = await named('alice');
  const ghost = await connect();
  await ghost.waitFor(texts.NICK_PROMPT);
  ghost.close();
  await TestClient.settle();
  assert.not.match(alice.text, 'left');
});
greet.run();

const chat = e2e('e2e: chatting');
chat('a line reaches everyone else, not the sender; leaving is announced', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  const carol = await named('carol');
  alice.clear();
  bob.send('hi all\n');
  await alice.waitFor(texts.message('bob', 'hi all'));
  await carol.waitFor(texts.message('bob', 'hi all'));
  carol.close();
  await alice.waitFor(texts.left('carol', 'lobby'));
  await bob.waitFor(texts.left('carol', 'lobby'));
  assert.not.match(bob.text, texts.message('bob', 'hi all'));
});
chat('every command over the wire', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  alice.clear();
  bob.clear();
  alice.send('/who\n');
  await alice.waitFor(' > in the room: alice, bob');
  alice.send('/me waves\n');
  await bob.waitFor(texts.action('alice', 'waves'));
  alice.send('/msg Bob psst\n');
  await bob.waitFor(texts.privateFrom('alice', 'psst'));
  await alice.waitFor(texts.privateTo('bob', 'psst'));
  alice.send('/msg nobody hi\n');
  await alice.waitFor(texts.noUser('nobody'));
  alice.send('/nick alicia\n');
  await bob.waitFor(texts.renamed('alice', 'alicia'));
  await alice.waitFor(texts.renamed('alice', 'alicia'));
  alice.send('/help\n');
  await alice.waitFor('/quit [REASON]');
  alice.send('/bogus\n');
  await alice.waitFor(texts.unknownCommand('bogus'));
  alice.send('//not a command\n');
  await bob.waitFor(texts.message('alicia', '/not a command'));
  bob.send('/quit see you\n');
  await alice.waitFor(texts.left('bob', 'lobby', 'see you'));
  await bob.waitClosed();
  await TestClient.settle();
  assert.is(alice.text.split(' left the room').length, 2, 'one leave line only');
  assert.not.match(bob.text, 'unknown command');
});
chat('answers to a user\'s own commands arrive in the order they were typed', async () => {
  const alice = await named('alice');
  alice.clear();
  alice.send('/rooms\n/who\n/msg alice note to self\n/help\n/rooms\n/msg nobody x\n/who\n');
  await alice.waitFor(/no user named nobody[\s\S]*in the room: alice[^\n]*\n/);
  const kinds = alice.plainLines().flatMap((l) =>
    l.startsWith(' > lobby (') ? ['rooms'] : l.startsWith(' > in the room') ? ['who'] : l.startsWith(' > (to alice)') ? ['msg'] : l.startsWith(' > commands:') ? ['help'] : l.includes('no user named') ? ['nouser'] : [],
  );
  assert.equal(kinds, ['rooms', 'who', 'msg', 'help', 'rooms', 'nouser', 'who']);
});
chat('the line after /nick already carries the new name', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  alice.send('/nick zed\nfirst as zed\n');
  await bob.waitFor(texts.message('zed', 'first as zed'));
  assert.ok(bob.text.indexOf(texts.renamed('alice', 'zed')) < bob.text.indexOf('first as zed'));
});
chat.run();

const bytes = e2e('e2e: every byte');
bytes('lines split across writes and many lines in one write', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  bob.send('hel');
  await TestClient.settle(50);
  bob.send('lo\r');
  await TestClient.settle(50);
  bob.send('\none\ntwo\r\nthree\r\0');
  await alice.waitFor(texts.message('bob', 'three'));
  for (const t of ['hello', 'one', 'two']) assert.match(alice.text, texts.message('bob', t));
});
bytes('UTF-8 split mid-character between writes', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  const line = Buffer.from('snow ☃ and 😀\n');
  bob.send(line.subarray(0, 7));
  await TestClient.settle(50);
  bob.send(line.subarray(7, 16));
  await TestClient.settle(50);
  bob.send(line.subarray(16));
  await alice.waitFor(texts.message('bob', 'snow ☃ and 😀'));
});
bytes('telnet negotiation is answered and never shown', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  bob.clear();
  bob.send(Uint8Array.of(255, 253, 1, 255, 251, 31, 0x68, 0x69, 255, 244, 13, 10));
  await alice.waitFor(texts.message('bob', 'hi'));
  await bob.waitFor(() => bob.bytes.length >= 6);
  assert.equal([...bob.bytes.subarray(0, 6)], [255, 252, 1, 255, 254, 31]);
});
bytes('a character-at-a-time client with backspace', async () => {
  const alice = await named('alice');
  const c = await connect();
  await c.waitFor(texts.NICK_PROMPT);
  for (const ch of ['b', 'o', 'x', '\x7f', 'b', '\r', '\0']) {
    c.send(ch);
    await TestClient.settle(5);
  }
  await alice.waitFor(texts.joined('bob', 'lobby'));
  for (const ch of 'hey there\r\n') c.send(ch);
  await alice.waitFor(texts.message('bob', 'hey there'));
});
bytes('a 200 KB line is refused whole and the connection keeps working', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  bob.send('x'.repeat(200_000) + '\nstill here\n');
  await bob.waitFor(texts.lineTooLong(4096));
  await alice.waitFor(texts.message('bob', 'still here'));
  assert.not.match(alice.text, 'xxxx');
});
bytes('escape sequences and control bytes never reach another terminal', async () => {
  const alice = await named('alice');
  const bob = await named('bob');
  alice.clear();
  bob.send('\x1b[2J\x1b[31mred\x1b]0;pwned\x07 \x07bell\x9b text\n');
  await alice.waitFor('text');
  const line = alice.text;
  assert.is(line, texts.message('bob', 'red bell text'));
});
bytes.run();
