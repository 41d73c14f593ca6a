import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IrcSession, nickVariant, type SessionOptions } from '../src/client/irc/session.js';
import { sanitize } from '../src/client/sanitize.js';

interface Recorded {
  session: IrcSession;
  sent: string[];
  shown: string[];
  prompts: string[];
  fatal: string[];
  /** Lines received, as the server would send them. */
  feed(...lines: string[]): void;
  /** Shown lines since the last call, colours stripped. */
  take(): string[];
}

function record(options: Partial<SessionOptions> = {}): Recorded {
  const sent: string[] = [];
  const shown: string[] = [];
  const prompts: string[] = [];
  const fatal: string[] = [];
  let seen = 0;
  const session = new IrcSession(
    { nick: 'alice', channels: ['#test'], ...options },
    { send: (l) => sent.push(l), show: (t) => shown.push(t), prompt: (p) => prompts.push(p), fatal: (r) => fatal.push(r) },
  );
  return {
    session, sent, shown, prompts, fatal,
    feed: (...lines) => lines.forEach((l) => session.receiveLine(l)),
    take: () => shown.slice(seen, (seen = shown.length)).map((t) => sanitize(t, false)),
  };
}

/** A session registered as alice and joined to #test. */
function joined(): Recorded {
  const r = record();
  r.session.start();
  r.feed(':irc 001 alice :Welcome to the net alice!~alice@127.0.0.1', ':alice!~alice@127.0.0.1 JOIN #test');
  r.take();
  r.sent.length = 0;
  return r;
}

const registration = suite('IRC registration');

registration('starts with CAP LS, NICK and USER', () => {
  const r = record();
  r.session.start();
  assert.equal(r.sent, ['CAP LS 302', 'NICK alice', 'USER alice 0 * :node-chat user']);
});

registration('ends capability negotiation after the last LS line', () => {
  const r = record();
  r.session.start();
  r.feed(':irc CAP * LS * :multi-prefix', ':irc CAP * LS :sasl');
  assert.equal(r.sent.slice(3), ['CAP END']);
});

registration('433 during registration tries NICK_, then other variants', () => {
  const r = record();
  r.session.start();
  r.feed(':irc 433 * alice :Nickname already in use');
  assert.is(r.sent.at(-1), 'NICK alice_');
  r.feed(':irc 433 * alice_ :Nickname already in use');
  assert.is(r.sent.at(-1), 'NICK alice__');
  r.feed(':irc 432 * alice__ :Erroneous nickname');
  assert.is(r.sent.at(-1), `NICK ${nickVariant('alice', 3)}`);
  r.feed(':irc 001 alice_1 :Welcome');
  assert.is(r.session.nick, 'alice_1');
});

registration('variants differ from each other and from the nick', () => {
  const seen = new Set(['alice']);
  for (let i = 1; i <= 8; i++) seen.add(nickVariant('alice', i));
  assert.is(seen.size, 9);
  assert.ok([...seen].every((n) => n.length <= 9 || n.startsWith('alice')));
});

registration('a nickname the server refuses outright is fatal', () => {
  const r = record();
  r.session.start();
  r.feed(':irc 432 * al!ce :Erroneous nickname');
  assert.equal(r.fatal.length, 1);
  assert.match(r.fatal[0] ?? '', 'refuses the nickname');
});

registration('001 joins the --join channels; the JOIN echo makes the session ready', () => {
  const r = record({ channels: ['#a', '#b'] });
  r.session.start();
  r.feed(':irc 001 alice :Welcome alice!~alice@host');
  assert.equal(r.sent.slice(-2), ['JOIN #a', 'JOIN #b']);
  assert.is(r.session.ready, false);
  r.feed(':alice!~alice@host JOIN :#a');
  assert.is(r.session.ready, false);
  r.feed(':irc 474 alice #b :Cannot join channel (+b)');
  assert.is(r.session.ready, true);
  assert.is(r.session.current, '#a');
  assert.is(r.prompts.at(-1), '[#a] ');
  assert.is(r.session.selfPrefix, 'alice!~alice@host');
});

registration('PING is answered with PONG, before and after registration', () => {
  const r = record();
  r.feed('PING :abc');
  assert.equal(r.sent, ['PONG abc']);
  r.feed(':irc PING irc.test :x y');
  assert.is(r.sent.at(-1), 'PONG irc.test :x y');
});

registration('a --join channel that fails with any error numeric stops holding the user\'s lines', () => {
  for (const numeric of ['489', '437', '520', '403']) {
    const r = record({ channels: ['#secure'] });
    r.session.start();
    r.feed(':irc 001 alice :Welcome alice!u@h');
    assert.not.ok(r.session.ready, 'waiting for the join');
    r.feed(`:irc ${numeric} alice #secure :Cannot join channel`);
    assert.ok(r.session.ready, numeric);
  }
});
registration('a forwarded --join (470, then a JOIN of another channel) ends the wait', () => {
  const r = record({ channels: ['#linux'] });
  r.session.start();
  r.feed(':irc 001 alice :Welcome alice!u@h', ':irc 470 alice #linux ##linux-overflow :Forwarding to another channel');
  r.feed(':alice!u@h JOIN ##linux-overflow');
  assert.ok(r.session.ready);
});
registration('a CTCP from no one (no prefix) is not answered and does not crash', () => {
  const r = joined();
  const before = r.sent.length;
  r.feed('PRIVMSG alice :\x01VERSION\x01', ':!u@h PRIVMSG alice :\x01PING 1\x01');
  assert.is(r.sent.length, before);
});
registration.run();

const events = suite('IRC events shown node-chat style');

events('join, part, quit, nick, kick and topic', () => {
  const r = joined();
  r.feed(
    ':bob!b@h JOIN #test',
    ':bob!b@h PART #test :later',
    ':carol!c@h QUIT :Quit: bye',
    ':bob!b@h NICK bobby',
    ':op!o@h KICK #test bobby :spam',
    ':op!o@h TOPIC #test :new topic',
  );
  assert.equal(r.take(), [
    ' > bob joined the room #test',
    ' > bob left the room #test (later)',
    ' > carol left the chat (Quit: bye)',
    ' > bob is now known as bobby',
    ' > bobby was kicked from #test by op (spam)',
    ' > op set the topic of #test: new topic',
  ]);
});

events('messages: channel, other channel, private, action, notice', () => {
  const r = joined();
  r.feed(
    '@time=x :bob!b@h PRIVMSG #test :hello',
    ':bob!b@h PRIVMSG #elsewhere :over here',
    ':bob!b@h PRIVMSG alice :psst',
    ':bob!b@h PRIVMSG #test :\x01ACTION waves\x01',
    ':bob!b@h NOTICE alice :note',
    ':irc.test NOTICE alice :server says',
  );
  assert.equal(r.take(), [
    ' > bob: hello',
    ' > bob (#elsewhere): over here',
    ' > bob (private): psst',
    ' * bob waves',
    ' > bob (notice): note',
    ' > server says',
  ]);
});

events('the colours are node-chat colours', () => {
  const r = joined();
  r.feed(':bob!b@h PRIVMSG #test :hello', ':bob!b@h PRIVMSG alice :psst');
  assert.equal(r.shown.slice(-2), ['\x1b[96m > bob:\x1b[39m hello', '\x1b[95m > bob (private):\x1b[39m psst']);
});

events('numerics read as text, without our nick; errors and counts', () => {
  const r = joined();
  r.feed(
    ':irc 401 alice bob :No such nick/channel',
    ':irc 254 alice 3 :channels formed',
    ':irc 265 alice 1 1 :Current local users: 1, Max: 1',
    ':irc 005 alice CHANTYPES=# :are supported',
    ':irc 372 alice :- message of the day',
  );
  assert.equal(r.take(), [' > bob: No such nick/channel', ' > 3 channels formed', ' > Current local users: 1, Max: 1', ' > - message of the day']);
  assert.match(r.shown[r.shown.length - 4] ?? '', /^\x1b\[93m/); // the error in yellow
});

events('NAMES replies are gathered into one line', () => {
  const r = joined();
  r.feed(':irc 353 alice = #test :@alice bob', ':irc 353 alice = #test :carol', ':irc 366 alice #test :End of NAMES list');
  assert.equal(r.take(), [' > in #test: @alice, bob, carol']);
});

events('our own rename follows the nick; our own part leaves no current channel', () => {
  const r = joined();
  r.feed(':alice!~alice@127.0.0.1 NICK :alicia');
  assert.is(r.session.nick, 'alicia');
  assert.is(r.session.selfPrefix, 'alicia!~alice@127.0.0.1');
  r.feed(':alicia!~alice@127.0.0.1 PART #test');
  assert.is(r.session.current, undefined);
  assert.is(r.prompts.at(-1), '');
  r.session.input('hello?');
  assert.equal(r.sent, []);
  assert.match(r.take().at(-1) ?? '', 'no channel');
});

events('being kicked leaves the channel', () => {
  const r = joined();
  r.feed(':op!o@h KICK #test alice :out');
  assert.is(r.session.current, undefined);
});

events('a CTCP VERSION is answered with a NOTICE', () => {
  const r = record({ version: '1.2.3' });
  r.feed(':bob!b@h PRIVMSG alice :\x01VERSION\x01');
  assert.equal(r.sent, ['NOTICE bob :\x01VERSION node-chat 1.2.3\x01']);
});

events('typed lines go out through the session; /quit marks it quitting', () => {
  const r = joined();
  r.session.input('hello');
  r.session.input('/quit bye');
  assert.equal(r.sent, ['PRIVMSG #test hello', 'QUIT bye']);
  assert.is(r.session.quitting, true);
  r.feed('ERROR :Closing link');
  assert.equal(r.take(), []);
});

events('after a reconnect the session registers again and rejoins its channels', () => {
  const r = joined();
  r.feed(':alice!~alice@127.0.0.1 JOIN #second');
  r.sent.length = 0;
  r.session.start();
  r.feed(':irc 001 alice :Welcome');
  assert.equal(r.sent.slice(-2), ['JOIN #test', 'JOIN #second']);
});

events.run();
