// The page's pure modules (page/irc.js, page/chat.js) in Node, as the browser loads them: the
// IRC wire read and written safely, and the chat state kept from bare server lines. The browser
// test (page-browser) shows the same against the real server; these pin the cases it cannot
// reach (other servers' prefixes and modes, history batches, a nick still held on reconnect).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';

// The page is plain JavaScript (type-checked by tsconfig.page.json); these are the parts used here.
interface IrcMessage {
  tags: Record<string, string>;
  source: string;
  nick: string;
  verb: string;
  params: string[];
}
interface Run {
  text: string;
  bold: boolean;
  fg: number | null;
}
interface IrcModule {
  parseLine(line: string): IrcMessage | null;
  formatLine(verb: string, ...params: string[]): string;
  messageLines(target: string, text: string, ctx: { nick: string; selfPrefix: string | null; action?: boolean }): string[];
  formatRuns(text: string): Run[];
  plainText(text: string): string;
  byteLength(text: string): number;
}
interface Line {
  kind: string;
  time: number;
  nick: string;
  text: string;
  self: boolean;
  history: boolean;
}
interface Member {
  nick: string;
  prefixes: string;
  away: boolean;
}
interface Conversation {
  key: string;
  name: string;
  kind: string;
  lines: Line[];
  members: Map<string, Member>;
  topic: string;
  unread: number;
  joined: boolean;
}
interface Change {
  type: string;
  nick?: string;
  reason?: string;
}
interface ChatInstance {
  nick: string;
  registered: boolean;
  active: string;
  rooms: Array<{ name: string; users: number }>;
  conversations: Map<string, Conversation>;
  start(nick: string): void;
  tryNick(nick: string): void;
  receive(line: string): void;
  input(typed: string): void;
  show(key: string): void;
  lost(): void;
}
interface ChatModule {
  COMMANDS: Record<string, unknown>;
  Chat: new (io: { send: (line: string) => void; onChange?: (c: Change) => void; now?: () => number }) => ChatInstance;
  MAX_LINES: number;
}

const page = (file: string): string => new URL(`../../page/${file}`, import.meta.url).href;
const irc = (await import(page('irc.js'))) as IrcModule;
const { Chat, COMMANDS, MAX_LINES } = (await import(page('chat.js'))) as ChatModule;

const S = ':node-chat';

/** A chat with what it sent and the changes it announced, registered as `me` when asked. */
function harness(caps = '') {
  const sent: string[] = [];
  const changes: Change[] = [];
  const chat = new Chat({ send: (l) => sent.push(l), onChange: (c) => changes.push(c), now: () => 1_000 });
  return {
    chat,
    sent,
    changes,
    register(me = 'alice') {
      chat.start(me);
      chat.receive(`${S} CAP * LS :${caps}`);
      if (caps !== '') chat.receive(`${S} CAP * ACK :${sent.find((l) => l.startsWith('CAP REQ'))?.replace(/^CAP REQ :?/, '') ?? ''}`);
      chat.receive(`${S} 001 ${me} :Welcome to the node-chat IRC network ${me}!~u@node-chat`);
      chat.receive(`:${me}!~u@node-chat JOIN #lobby`);
      sent.length = 0;
      changes.length = 0;
    },
  };
}
const conv = (chat: ChatInstance, key: string): Conversation => {
  const c = chat.conversations.get(key);
  if (c === undefined) throw new Error(`no conversation ${key}; have ${[...chat.conversations.keys()].join(', ')}`);
  return c;
};
const texts = (c: Conversation): string[] => c.lines.map((l) => `${l.nick ? `${l.nick} ` : ''}${l.text}`);

const wire = suite('page/irc.js: the wire');
wire('a line with tags, source, middle and trailing parameters', () => {
  assert.equal(irc.parseLine('@time=2026-12-01T10:00:00.000Z;msgid=a\\sb\\:c;flag :bob!~u@host PRIVMSG #lobby :hi there :)'), {
    tags: { time: '2026-12-01T10:00:00.000Z', msgid: 'a b;c', flag: '' },
    source: 'bob!~u@host',
    nick: 'bob',
    verb: 'PRIVMSG',
    params: ['#lobby', 'hi there :)'],
  });
  assert.equal(irc.parseLine('ping   :x')?.params, ['x']);
  assert.equal(irc.parseLine(':srv 001 me'), { tags: {}, source: 'srv', nick: 'srv', verb: '001', params: ['me'] });
  assert.is(irc.parseLine(''), null);
  assert.is(irc.parseLine(':only-a-source'), null);
});
wire('what is sent can never carry a second command', () => {
  assert.is(irc.formatLine('PRIVMSG', '#a', 'x\r\nQUIT :bye'), 'PRIVMSG #a :x  QUIT :bye');
  assert.is(irc.formatLine('NICK', 'al ice'), 'NICK :al ice');
  assert.is(irc.formatLine('MODE', 'a b', '+o'), 'MODE ab +o', 'a middle parameter has no spaces');
  assert.is(irc.formatLine('PRIVMSG', '#a', ':)'), 'PRIVMSG #a ::)');
  assert.is(irc.formatLine('PRIVMSG', '#a', 'word'), 'PRIVMSG #a word');
});
wire('long text becomes lines that fit 512 bytes with our prefix, cut between characters', () => {
  const selfPrefix = 'alice!~u@node-chat';
  const text = '🙂 é'.repeat(400);
  const lines = irc.messageLines('#lobby', text, { nick: 'alice', selfPrefix });
  assert.ok(lines.length > 1);
  for (const l of lines) assert.ok(irc.byteLength(`:${selfPrefix} ${l}\r\n`) <= 512, `${irc.byteLength(l)} bytes`);
  assert.is(lines.map((l) => l.replace(/^PRIVMSG #lobby :/, '')).join(''), text);
  const actions = irc.messageLines('#lobby', 'x'.repeat(1000), { nick: 'alice', selfPrefix, action: true });
  for (const l of actions) {
    assert.match(l, /^PRIVMSG #lobby :\x01ACTION x+\x01$/);
    assert.ok(irc.byteLength(`:${selfPrefix} ${l}\r\n`) <= 512);
  }
});
wire('formatting becomes styled runs; every other control character is dropped', () => {
  const runs = irc.formatRuns('\x02bold\x02 \x0304,01red\x03 plain\x1b[31m\x07\x00\x9b');
  assert.equal(
    runs.map((r) => [r.text, r.bold, r.fg]),
    [
      ['bold', true, null],
      [' ', false, null],
      ['red', false, 4],
      [' plain[31m', false, null],
    ],
  );
  assert.is(irc.plainText('\x0399,99x\x04ff0000y\x0f\x1dz'), 'xyz');
});

const chatSuite = suite('page/chat.js: the chat kept from server lines');
chatSuite('registration asks for the capabilities it uses that the server offers, then joins #lobby and lists rooms', () => {
  const h = harness();
  h.chat.start('alice');
  assert.equal(h.sent, ['CAP LS 302', 'NICK alice', 'USER web 0 * :node-chat web page']);
  h.sent.length = 0;
  h.chat.receive(`${S} CAP * LS * :server-time message-tags sasl`);
  assert.equal(h.sent, [], 'waits for the last LS line');
  h.chat.receive(`${S} CAP * LS :echo-message multi-prefix batch away-notify userhost-in-names`);
  assert.equal(h.sent, ['CAP REQ :server-time message-tags echo-message multi-prefix batch away-notify']);
  h.chat.receive(`${S} CAP * ACK :server-time message-tags echo-message multi-prefix batch away-notify`);
  assert.equal(h.sent.slice(1), ['CAP END']);
  h.sent.length = 0;
  h.chat.receive(`${S} 001 alice :Welcome`);
  assert.equal(h.sent, ['JOIN #lobby', 'LIST']);
  assert.ok(h.chat.registered);
});
chatSuite('a refused nickname is told with the server reason; another one is tried on the same connection', () => {
  const h = harness();
  h.chat.start('9lives');
  h.chat.receive(`${S} CAP * LS :`);
  h.chat.receive(`${S} 432 * 9lives :Erroneous nickname`);
  assert.equal(h.changes.at(-1), { type: 'nickRefused', nick: '9lives', reason: 'Erroneous nickname' });
  h.sent.length = 0;
  h.chat.tryNick('alice');
  assert.equal(h.sent, ['NICK alice']);
});
chatSuite('members: NAMES with prefixes, MODE +o/-v, joins, parts, renames and quits keep the list current', () => {
  const h = harness();
  h.register();
  h.chat.receive(`${S} 005 alice PREFIX=(qov)~@+ CHANMODES=b,k,l,n :are supported`);
  h.chat.receive(`${S} 353 alice = #lobby :alice @+bob +carol`);
  h.chat.receive(`${S} 366 alice #lobby :End of /NAMES list`);
  const lobby = conv(h.chat, '#lobby');
  const prefixes = () => Object.fromEntries([...lobby.members.values()].map((m) => [m.nick, m.prefixes]));
  assert.equal(prefixes(), { alice: '', bob: '@+', carol: '+' });
  h.chat.receive(':srv MODE #lobby +ok-v alice key carol');
  assert.equal(prefixes(), { alice: '@', bob: '@+', carol: '' });
  h.chat.receive(':dave!~u@h JOIN #lobby');
  h.chat.receive(':carol!~u@h NICK caroline');
  h.chat.receive(':bob!~u@h PART #lobby :later');
  h.chat.receive(':dave!~u@h QUIT :Quit: bye');
  assert.equal(prefixes(), { alice: '@', caroline: '' });
  assert.equal(texts(lobby).slice(-5), ['srv set mode +ok-v alice key carol', 'dave joined #lobby', 'carol is now known as caroline', 'bob left #lobby (later)', 'dave left the chat (Quit: bye)']);
  h.chat.receive(':caroline!~u@h AWAY :lunch');
  assert.ok(lobby.members.get('caroline')?.away);
});
chatSuite('private messages open their own conversation, which follows a rename; unread counts until shown', () => {
  const h = harness();
  h.register();
  h.chat.receive(':bob!~u@h PRIVMSG alice :psst');
  h.chat.receive(':bob!~u@h PRIVMSG alice :\x01ACTION waves\x01');
  h.chat.receive(':bob!~u@h PRIVMSG alice :\x01VERSION\x01');
  const bob = conv(h.chat, 'bob');
  assert.equal(texts(bob), ['bob psst', 'bob waves']);
  assert.equal(bob.lines.map((l) => l.kind), ['message', 'action']);
  assert.is(bob.unread, 2);
  h.chat.receive(':bob!~u@h NICK robert');
  assert.ok(h.chat.conversations.has('robert') && !h.chat.conversations.has('bob'));
  h.chat.show('robert');
  assert.is(conv(h.chat, 'robert').unread, 0);
  h.sent.length = 0;
  h.chat.input('hello you');
  assert.equal(h.sent, ['PRIVMSG robert :hello you']);
  assert.equal(texts(conv(h.chat, 'robert')).at(-1), 'alice hello you', 'without echo-message our line shows at once');
});
chatSuite("with echo-message, our line shows once, when the server's copy comes", () => {
  const h = harness('echo-message server-time');
  h.register();
  h.chat.input('hi all');
  assert.equal(h.sent, ['PRIVMSG #lobby :hi all']);
  const lobby = conv(h.chat, '#lobby');
  assert.is(texts(lobby).includes('alice hi all'), false);
  h.chat.receive('@time=2026-12-01T10:00:00.000Z :alice!~u@node-chat PRIVMSG #lobby :hi all');
  const line = lobby.lines.at(-1);
  assert.equal([line?.text, line?.self, line?.time], ['hi all', true, Date.parse('2026-12-01T10:00:00.000Z')]);
});
chatSuite('typed commands: /join /msg /me /topic /who /rooms /part /nick /quit, //text, and unknown ones', () => {
  const h = harness();
  h.register();
  for (const typed of ['/join dev', '/msg bob hi there', '/me waves', '/topic new topic', '/who', '/rooms', '/nick alicia', '//slash', '/frob']) h.chat.input(typed);
  h.chat.show('#lobby');
  h.chat.input('/part bye all');
  h.chat.input('/quit gone');
  // /msg switched to bob's tab: /me and //slash went there, /topic and /who are refused outside a room.
  assert.equal(h.sent, [
    'JOIN #dev',
    'PRIVMSG bob :hi there',
    'PRIVMSG bob :\x01ACTION waves\x01',
    'LIST',
    'NICK alicia',
    'PRIVMSG bob /slash',
    'PART #lobby :bye all',
    'QUIT gone',
  ]);
  const bob = conv(h.chat, 'bob');
  assert.equal(
    bob.lines.filter((l) => l.kind === 'error').map((l) => l.text),
    ['/topic: this tab is not a room', '/who: this tab is not a room', 'unknown command /frob: /help lists them'],
  );
});
chatSuite('a history batch (draft/chathistory) goes in time order, is not unread, and is not shown twice', () => {
  const h = harness('batch server-time message-tags draft/chathistory');
  h.register();
  h.chat.receive(`${S} 005 alice CHATHISTORY=100 :are supported`);
  h.sent.length = 0;
  h.chat.receive('@time=2026-12-01T10:05:00.000Z;msgid=j1 :alice!~u@node-chat JOIN #dev');
  assert.ok(h.sent.includes('CHATHISTORY LATEST #dev * 50'));
  h.chat.show('#lobby');
  h.chat.receive(`${S} BATCH +h1 chathistory #dev`);
  h.chat.receive('@batch=h1;time=2026-12-01T10:01:00.000Z;msgid=m1 :bob!~u@h PRIVMSG #dev :first');
  h.chat.receive('@batch=h1;time=2026-12-01T10:02:00.000Z;msgid=m2 :bob!~u@h PRIVMSG #dev :second');
  h.chat.receive(`${S} BATCH -h1`);
  h.chat.receive('@time=2026-12-01T10:06:00.000Z;msgid=m3 :bob!~u@h PRIVMSG #dev :live');
  h.chat.receive(`${S} BATCH +h2 chathistory #dev`);
  h.chat.receive('@batch=h2;time=2026-12-01T10:02:00.000Z;msgid=m2 :bob!~u@h PRIVMSG #dev :second');
  h.chat.receive(`${S} BATCH -h2`);
  const dev = conv(h.chat, '#dev');
  assert.equal(texts(dev), ['bob first', 'bob second', 'alice joined #dev', 'bob live']);
  assert.equal(dev.lines.map((l) => l.history), [true, true, false, false]);
  assert.is(dev.unread, 1, 'only the live line is unread');
});
chatSuite('after a lost connection the rooms are joined again; a nick still held is retried with _', () => {
  const h = harness();
  h.register();
  h.chat.receive(':alice!~u@node-chat JOIN #dev');
  h.chat.lost();
  assert.is(conv(h.chat, '#dev').members.size, 0, 'member lists are stale until NAMES comes again');
  h.sent.length = 0;
  h.chat.start('alice');
  h.chat.receive(`${S} CAP * LS :`);
  h.chat.receive(`${S} 433 * alice :Nickname is already in use`);
  assert.equal(h.sent.slice(-1), ['NICK alice_']);
  h.chat.receive(`${S} 001 alice_ :Welcome`);
  assert.ok(h.sent.includes('JOIN #lobby,#dev'));
  assert.equal(h.changes.find((c) => c.type === 'registered'), { type: 'registered', nick: 'alice_', rejoined: ['#lobby', '#dev'] });
});
chatSuite('moderation: KICK takes a member out, and us out of the room (its tab stays); operator commands are MODE and KICK', () => {
  const h = harness();
  h.register();
  h.chat.receive(`${S} 353 alice = #lobby :alice @bob carol`);
  h.chat.receive(`${S} 366 alice #lobby :End`);
  h.chat.receive(':bob!~u@h KICK #lobby carol :spam');
  const lobby = conv(h.chat, '#lobby');
  assert.equal([...lobby.members.keys()], ['alice', 'bob']);
  assert.is(texts(lobby).at(-1), 'bob put carol out of #lobby (spam)');
  h.sent.length = 0;
  for (const typed of ['/op carol', '/devoice dan', '/ban b*', '/kick dan go away', '/invite eve', '/mode +m']) h.chat.input(typed);
  assert.equal(h.sent, ['MODE #lobby +o carol', 'MODE #lobby -v dan', 'MODE #lobby +b b*', 'KICK #lobby dan :go away', 'INVITE eve #lobby', 'MODE #lobby +m']);
  h.chat.receive(':bob!~u@h KICK #lobby alice :bob');
  assert.equal([lobby.joined, lobby.members.size, texts(lobby).at(-1)], [false, 0, 'bob put you out of #lobby']);
  h.chat.input('still here?');
  assert.is(texts(lobby).at(-1), 'you are not in #lobby now');
});
chatSuite('a conversation keeps at most MAX_LINES lines', () => {
  const h = harness();
  h.register();
  for (let i = 0; i < MAX_LINES + 50; i++) h.chat.receive(`:bob!~u@h PRIVMSG #lobby :line ${i}`);
  const lobby = conv(h.chat, '#lobby');
  assert.is(lobby.lines.length, MAX_LINES);
  assert.is(lobby.lines.at(-1)?.text, `line ${MAX_LINES + 49}`);
});
chatSuite('the room list: LIST replies sorted by size, and counts follow the members of rooms we are in', () => {
  const h = harness();
  h.register();
  h.chat.receive(`${S} 321 alice Channel :Users  Name`);
  h.chat.receive(`${S} 322 alice #dev 2 :`);
  h.chat.receive(`${S} 322 alice #lobby 5 :`);
  h.chat.receive(`${S} 323 alice :End of /LIST`);
  assert.equal(h.chat.rooms, [
    { name: '#lobby', users: 5 },
    { name: '#dev', users: 2 },
  ]);
  h.chat.receive(`${S} 353 alice = #lobby :alice bob`);
  h.chat.receive(`${S} 366 alice #lobby :End`);
  assert.equal(h.chat.rooms[0], { name: '#lobby', users: 2 });
});
chatSuite('any line a server sends is taken without an exception, and nothing sent back carries CR, LF or NUL', () => {
  const verbs = ['PING', 'CAP', '001', '005', 'JOIN', 'PART', 'QUIT', 'NICK', 'PRIVMSG', 'NOTICE', 'TOPIC', 'MODE', 'AWAY', 'BATCH', 'ERROR', '331', '332', '353', '366', '321', '322', '323', '301', '432', '433', '999', 'FROB'];
  const word = fc.string({ unit: fc.constantFrom('a', '#', '@', '+', '!', '~', '=', ';', ':', ' ', '\\', '\x01', '\x02', '\x03', '\u202e', 'é', '🙂', '*', '-', '1', ','), maxLength: 12 });
  const line = fc
    .tuple(fc.option(word), fc.option(word), fc.constantFrom(...verbs), fc.array(word, { maxLength: 5 }))
    .map(([tags, source, verb, params]) => `${tags === null ? '' : `@${tags} `}${source === null ? '' : `:${source} `}${verb} ${params.join(' ')}`);
  fc.assert(
    fc.property(fc.array(line, { maxLength: 40 }), fc.array(word, { maxLength: 5 }), (lines, typed) => {
      const h = harness('batch server-time echo-message');
      h.register();
      for (const l of lines) h.chat.receive(l);
      for (const t of typed) h.chat.input(t);
      for (const name of Object.keys(COMMANDS)) h.chat.input(`/${name} a\r\nQUIT :b c\r\nd`);
      h.chat.input('plain\r\nQUIT');
      for (const sent of h.sent) assert.not.match(sent, /[\r\n\0]/);
    }),
    { numRuns: 300 },
  );
});

wire.run();
chatSuite.run();
