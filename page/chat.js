// What the page knows about the chat, kept from the IRC lines it receives: who we are, the
// conversations (the server tab, rooms, private talks) with their lines, members, topic and
// unread count, and the room list. Lines in, state and change notices out; sending goes through
// the `send` it is given. No DOM and no socket here, so Node tests drive it with bare lines.

import { actionText, foldKey, formatLine, isCtcp, messageLines, parseLine, plainText } from './irc.js';
import { COMMANDS, readInput } from './commands.js';

/** Lines one conversation keeps: older ones go, so a long-open page holds bounded memory. */
export const MAX_LINES = 1000;

/** IRCv3 capabilities the page uses when the server offers them. */
export const WANTED_CAPS = ['server-time', 'message-tags', 'echo-message', 'multi-prefix', 'batch', 'away-notify', 'cap-notify', 'draft/chathistory'];

/** How many earlier lines to ask for on joining, when the server has draft/chathistory. */
const HISTORY_ON_JOIN = 50;

/**
 * @typedef {'message' | 'action' | 'notice' | 'join' | 'part' | 'quit' | 'nick' | 'topic' | 'info' | 'error'} LineKind
 * @typedef {{ kind: LineKind, time: number, nick: string, text: string, self: boolean, history: boolean, id: string }} Line
 * @typedef {{ nick: string, prefixes: string, away: boolean }} Member
 * @typedef {{ key: string, name: string, kind: 'server' | 'channel' | 'query', lines: Line[], members: Map<string, Member>,
 *   topic: string, unread: number, mentioned: boolean, joined: boolean, ids: Set<string> }} Conversation
 * @typedef {{ type: 'line', conv: Conversation, line: Line }
 *   | { type: 'lines', conv: Conversation }
 *   | { type: 'conversations' }
 *   | { type: 'members', conv: Conversation }
 *   | { type: 'topic', conv: Conversation }
 *   | { type: 'rooms' }
 *   | { type: 'registered', nick: string, rejoined: string[] }
 *   | { type: 'nickRefused', nick: string, reason: string }
 *   | { type: 'nick', nick: string }
 *   | { type: 'quit' }} Change
 */

const SERVER_KEY = '';

export class Chat {
  /**
   * @param {{ send: (line: string) => void, onChange?: (change: Change) => void, now?: () => number }} io
   */
  constructor(io) {
    this.io = io;
    this.now = io.now ?? (() => Date.now());
    /** Our nick: the one asked for until 001, then the server's. */
    this.nick = '';
    this.registered = false;
    /** `nick!user@host` as the server shows us (our own JOIN), for the length of what we send. */
    /** @type {string | null} */
    this.selfPrefix = null;
    /** @type {Set<string>} */
    this.caps = new Set();
    /** @type {Set<string>} */
    this.offered = new Set();
    this.capsDone = false;
    /** ISUPPORT: membership prefixes, by mode letter; channel types; channel modes with parameters. */
    this.prefixModes = new Map([
      ['o', '@'],
      ['v', '+'],
    ]);
    /** @type {string} */
    this.chantypes = '#';
    /** @type {[string, string, string]} CHANMODES types A (lists), B (always a parameter), C (a parameter when set) */
    this.paramModes = ['b', 'k', 'l'];
    this.historyMax = 0;
    /** @type {Map<string, Conversation>} */
    this.conversations = new Map();
    this.active = SERVER_KEY;
    /** @type {Array<{ name: string, users: number }>} */
    this.rooms = [];
    /** @type {Array<{ name: string, users: number }>} */
    this.roomsComing = [];
    this.printRooms = false;
    /** @type {Map<string, Member[]>} NAMES replies being read, by room key */
    this.namesComing = new Map();
    /** @type {Set<string>} rooms whose next NAMES the user asked to see (/who) */
    this.printNames = new Set();
    /** @type {Map<string, { type: string, target: string }>} open batches, by reference */
    this.batches = new Map();
    /** Rooms to join again once registered on a new connection. @type {string[]} */
    this.rejoin = [];
    /** Alternates tried for our nick after a reconnect found it still taken. */
    this.retries = 0;
    this.quitting = false;
    /** The room to show once our JOIN to it comes back. @type {string | undefined} */
    this.pendingShow = undefined;
    // Made directly: a change notice from the constructor would reach a caller still building.
    this.conversations.set(SERVER_KEY, { key: SERVER_KEY, name: 'server', kind: 'server', lines: [], members: new Map(), topic: '', unread: 0, mentioned: false, joined: false, ids: new Set() });
  }

  // ---- the connection's life ---------------------------------------------------------------

  /** A new connection is open: register as `nick` (asking for capabilities first). @param {string} nick */
  start(nick) {
    this.nick = nick;
    this.registered = false;
    this.capsDone = false;
    this.caps.clear();
    this.offered.clear();
    this.batches.clear();
    this.namesComing.clear();
    this.io.send('CAP LS 302');
    this.io.send(formatLine('NICK', nick));
    this.io.send(formatLine('USER', 'web', '0', '*', 'node-chat web page'));
  }

  /** Another nickname at the prompt, on the connection already open. @param {string} nick */
  tryNick(nick) {
    this.nick = nick;
    this.io.send(formatLine('NICK', nick));
  }

  /** The connection ended: rooms we were in are joined again on the next one; member lists are stale. */
  lost() {
    if (this.registered) this.rejoin = this.channels().filter((c) => c.joined).map((c) => c.name);
    this.registered = false;
    for (const conv of this.conversations.values()) {
      if (conv.kind !== 'channel') continue;
      conv.joined = false;
      conv.members.clear();
      this.emit({ type: 'members', conv });
    }
  }

  /** @returns {Conversation[]} */
  channels() {
    return [...this.conversations.values()].filter((c) => c.kind === 'channel');
  }

  // ---- conversations -----------------------------------------------------------------------

  /**
   * The conversation named `name`, made if new.
   * @param {string} name @param {string} [key] @param {'server' | 'channel' | 'query'} [kind]
   * @returns {Conversation}
   */
  conversation(name, key = foldKey(name), kind = this.isChannel(name) ? 'channel' : 'query') {
    let conv = this.conversations.get(key);
    if (conv === undefined) {
      conv = { key, name, kind, lines: [], members: new Map(), topic: '', unread: 0, mentioned: false, joined: false, ids: new Set() };
      this.conversations.set(key, conv);
      this.emit({ type: 'conversations' });
    }
    return conv;
  }

  get server() {
    return /** @type {Conversation} */ (this.conversations.get(SERVER_KEY));
  }

  get current() {
    return this.conversations.get(this.active) ?? this.server;
  }

  /** @param {string} name @returns {boolean} */
  isChannel(name) {
    return name !== '' && this.chantypes.includes(name[0] ?? '');
  }

  /** Shows a conversation; its unread count is read. @param {string} key */
  show(key) {
    const conv = this.conversations.get(key);
    if (conv === undefined) return;
    this.active = key;
    conv.unread = 0;
    conv.mentioned = false;
    this.emit({ type: 'conversations' });
    this.emit({ type: 'lines', conv });
  }

  /** Switches to `name`: a room is joined first if we are not in it. @param {string} name */
  open(name) {
    const key = foldKey(name);
    if (this.isChannel(name) && this.conversations.get(key)?.joined !== true) {
      this.pendingShow = key;
      this.io.send(formatLine('JOIN', name));
      return;
    }
    this.conversation(name);
    this.show(key);
  }

  /** Closes a private conversation's tab, or leaves a room (its tab closes when the PART comes). @param {string} key */
  close(key) {
    const conv = this.conversations.get(key);
    if (conv === undefined || conv.kind === 'server') return;
    if (conv.kind === 'channel' && conv.joined) {
      this.io.send(formatLine('PART', conv.name));
      return;
    }
    this.remove(conv);
  }

  /** @param {Conversation} conv */
  remove(conv) {
    this.conversations.delete(conv.key);
    if (this.active === conv.key) {
      const rest = [...this.conversations.keys()];
      this.active = rest[rest.length - 1] ?? SERVER_KEY;
      this.emit({ type: 'lines', conv: this.current });
    }
    this.emit({ type: 'conversations' });
  }

  // ---- lines -------------------------------------------------------------------------------

  /**
   * Adds a line to a conversation. Lines from a history batch go in time order among those
   * there, are not unread, and one already shown (the same msgid) is not shown twice.
   * @param {Conversation} conv @param {LineKind} kind @param {string} nick @param {string} text
   * @param {{ time?: number, self?: boolean, history?: boolean, id?: string }} [more]
   */
  add(conv, kind, nick, text, more = {}) {
    const id = more.id ?? '';
    if (id !== '' && conv.ids.has(id)) return;
    /** @type {Line} */
    const line = { kind, time: more.time ?? this.now(), nick, text, self: more.self ?? false, history: more.history ?? false, id };
    if (id !== '') conv.ids.add(id);
    if (line.history) {
      let at = conv.lines.length;
      while (at > 0 && later(/** @type {Line} */ (conv.lines[at - 1]), line)) at--;
      conv.lines.splice(at, 0, line);
    } else conv.lines.push(line);
    while (conv.lines.length > MAX_LINES) {
      const gone = conv.lines.shift();
      if (gone !== undefined && gone.id !== '') conv.ids.delete(gone.id);
    }
    const talk = kind === 'message' || kind === 'action' || kind === 'notice';
    if (talk && !line.self && !line.history && conv.key !== this.active) {
      conv.unread++;
      if (conv.kind === 'query' || mentions(text, this.nick)) conv.mentioned = true;
      this.emit({ type: 'conversations' });
    }
    if (line.history) this.emit({ type: 'lines', conv });
    else this.emit({ type: 'line', conv, line });
  }

  /** Whether earlier lines can be asked for in `conv` (the server keeps history, and it is a room or a private talk). @param {Conversation} conv */
  canLoadEarlier(conv) {
    return conv.kind !== 'server' && this.caps.has('draft/chathistory') && this.historyMax > 0;
  }

  /**
   * Asks for the lines before the oldest one shown (CHATHISTORY BEFORE, by its msgid, else its
   * time); they arrive in a chathistory batch and go in time order, each shown once.
   * @param {string} key
   */
  loadEarlier(key) {
    const conv = this.conversations.get(key);
    if (conv === undefined || !this.canLoadEarlier(conv)) return;
    const oldest = conv.lines.find((l) => l.id !== '' && (l.kind === 'message' || l.kind === 'action' || l.kind === 'notice'));
    const ref = oldest !== undefined ? `msgid=${oldest.id}` : conv.lines[0] !== undefined ? `timestamp=${new Date(conv.lines[0].time).toISOString()}` : '*';
    const count = String(Math.min(HISTORY_ON_JOIN, this.historyMax));
    this.io.send(ref === '*' ? formatLine('CHATHISTORY', 'LATEST', conv.name, '*', count) : formatLine('CHATHISTORY', 'BEFORE', conv.name, ref, count));
  }

  /** A line for the user alone, in the conversation they are looking at. @param {string} text */
  info(text) {
    this.add(this.current, 'info', '', text);
  }

  /** @param {string} text */
  error(text) {
    this.add(this.current, 'error', '', text);
  }

  // ---- what the user types -----------------------------------------------------------------

  /** A line typed in the input. @param {string} typed */
  input(typed) {
    if (typed === '') return;
    const read = readInput(typed);
    if ('unknown' in read) return this.error(`unknown command /${read.unknown}: /help lists them`);
    if ('text' in read) {
      const here = this.current;
      if (here.kind === 'server') return this.error('join a room first (/join ROOM), or pick one from the list');
      if (here.kind === 'channel' && !here.joined) return this.error(`you are not in ${here.name} now`);
      return this.say(here.name, read.text);
    }
    read.command.run(this.context(), read.rest);
  }

  /** @returns {import('./commands.js').CommandContext} */
  context() {
    return {
      // What the user typed can never end this line and start another command.
      send: (line) => this.io.send(line.replace(/[\r\n\0]/g, ' ')),
      say: (target, text, action) => this.say(target, text, action),
      open: (name) => this.open(name),
      info: (text) => this.info(text),
      error: (text) => this.error(text),
      current: () => this.current,
      isChannel: (name) => this.isChannel(name),
      askNames: (room) => {
        this.printNames.add(foldKey(room));
        this.io.send(formatLine('NAMES', room));
      },
      askRooms: () => this.askRooms(true),
      quit: (reason) => {
        this.quitting = true;
        this.io.send(reason === '' ? 'QUIT' : formatLine('QUIT', reason));
        this.emit({ type: 'quit' });
      },
      close: (name) => this.close(foldKey(name)),
    };
  }

  /** The room list again (LIST); printed in the current tab when `print`. */
  askRooms(print = false) {
    if (print) this.printRooms = true;
    if (this.registered) this.io.send('LIST');
  }

  /**
   * Sends text to a room or nick, as many lines as it needs. Without echo-message we show our
   * own line at once; with it the server's copy (with its time and id) is what shows.
   * @param {string} target @param {string} text @param {boolean} [action]
   */
  say(target, text, action = false) {
    if (!this.registered) return this.error('not connected: your line was not sent');
    for (const line of messageLines(target, text, { nick: this.nick, selfPrefix: this.selfPrefix, action })) this.io.send(line);
    if (!this.caps.has('echo-message')) this.add(this.conversation(target), action ? 'action' : 'message', this.nick, text, { self: true });
  }

  // ---- what the server sends ---------------------------------------------------------------

  /** One line from the server. @param {string} raw */
  receive(raw) {
    const msg = parseLine(raw);
    if (msg === null) return;
    const handler = Object.hasOwn(HANDLERS, msg.verb) ? HANDLERS[msg.verb] : undefined;
    if (handler !== undefined) handler(this, msg);
    else if (/^[0-9]{3}$/.test(msg.verb)) this.numeric(msg);
  }

  /** @param {import('./irc.js').IrcMessage} msg */
  numeric(msg) {
    const code = Number(msg.verb);
    const text = msg.params.slice(1).join(' ');
    if ((code === 432 || code === 433) && !this.registered) return this.refused(msg);
    // 422 (no MOTD) is numbered as an error but says nothing went wrong.
    if (code >= 400 && code < 600 && code !== 422) return this.error(text);
    this.add(this.server, 'info', '', text, this.timeOf(msg));
  }

  /** 432/433 before we are in: at the prompt with the server's reason, or (after a reconnect) the next alternate. @param {import('./irc.js').IrcMessage} msg */
  refused(msg) {
    const nick = msg.params[1] ?? this.nick;
    const reason = msg.params[msg.params.length - 1] ?? '';
    if (this.rejoin.length > 0 && this.retries < 3 && msg.verb === '433') {
      this.retries++;
      this.add(this.server, 'info', '', `${nick}: ${reason}; trying ${nick}_`);
      this.tryNick(`${nick}_`);
      return;
    }
    this.emit({ type: 'nickRefused', nick, reason });
  }

  /** `@time` when the server gave it (server-time), and the line's msgid. @param {import('./irc.js').IrcMessage} msg */
  timeOf(msg) {
    const at = msg.tags.time === undefined ? NaN : Date.parse(msg.tags.time);
    const history = msg.tags.batch !== undefined && this.batches.get(msg.tags.batch)?.type === 'chathistory';
    return { time: Number.isNaN(at) ? this.now() : at, id: msg.tags.msgid ?? '', history };
  }

  /** @param {string} nick */
  isMe(nick) {
    return foldKey(nick) === foldKey(this.nick);
  }

  /** @param {Change} change */
  emit(change) {
    this.io.onChange?.(change);
    // The room list's count for a room we are in follows its member list, between LISTs.
    if (change.type !== 'members' || !change.conv.joined || this.namesComing.has(change.conv.key)) return;
    const entry = this.rooms.find((r) => foldKey(r.name) === change.conv.key);
    const users = change.conv.members.size;
    if (entry?.users === users || users === 0) return;
    if (entry === undefined) this.rooms.push({ name: change.conv.name, users });
    else entry.users = users;
    this.io.onChange?.({ type: 'rooms' });
  }
}

/**
 * Whether line `a` comes after line `b`: by time, and within one millisecond by their msgids
 * when both are node-chat's (`<ms>-<n>`, a Redis stream id's form), which number a room's events in order.
 * @param {Line} a @param {Line} b
 */
function later(a, b) {
  if (a.time !== b.time) return a.time > b.time;
  const x = /^(\d+)-(\d+)/.exec(a.id);
  const y = /^(\d+)-(\d+)/.exec(b.id);
  if (x === null || y === null) return false;
  return Number(x[1]) !== Number(y[1]) ? Number(x[1]) > Number(y[1]) : Number(x[2]) > Number(y[2]);
}

/** Whether `text` names `nick` as a word. @param {string} text @param {string} nick */
function mentions(text, nick) {
  if (nick === '') return false;
  const at = foldKey(text).indexOf(foldKey(nick));
  if (at < 0) return false;
  const before = text[at - 1];
  const after = text[at + nick.length];
  const word = /[\p{L}\p{N}_-]/u;
  return (before === undefined || !word.test(before)) && (after === undefined || !word.test(after));
}

/** @typedef {(chat: Chat, msg: import('./irc.js').IrcMessage) => void} Handler */

/** @type {Record<string, Handler>} */
const HANDLERS = {
  PING: (chat, msg) => chat.io.send(formatLine('PONG', msg.params[0] ?? '')),
  CAP: (chat, msg) => {
    const sub = (msg.params[1] ?? '').toUpperCase();
    const list = (msg.params[msg.params.length - 1] ?? '').split(' ').filter((c) => c !== '');
    if (sub === 'LS' || sub === 'NEW') {
      for (const c of list) chat.offered.add(c.split('=')[0] ?? c);
      // CAP LS 302 may come in several lines, each but the last with `*` before the list.
      if (sub === 'LS' && msg.params[2] === '*') return;
      const want = WANTED_CAPS.filter((c) => chat.offered.has(c) && !chat.caps.has(c));
      if (want.length > 0) chat.io.send(formatLine('CAP', 'REQ', want.join(' ')));
      else if (!chat.capsDone) {
        chat.capsDone = true;
        chat.io.send('CAP END');
      }
    } else if (sub === 'ACK' || sub === 'NAK') {
      if (sub === 'ACK') for (const c of list) c.startsWith('-') ? chat.caps.delete(c.slice(1)) : chat.caps.add(c);
      if (!chat.capsDone) {
        chat.capsDone = true;
        chat.io.send('CAP END');
      }
    } else if (sub === 'DEL') for (const c of list) chat.caps.delete(c);
  },
  '001': (chat, msg) => {
    chat.registered = true;
    chat.retries = 0;
    chat.nick = msg.params[0] ?? chat.nick;
    chat.add(chat.server, 'info', '', msg.params.slice(1).join(' '), chat.timeOf(msg));
    const rejoined = chat.rejoin;
    chat.rejoin = [];
    const rooms = rejoined.length > 0 ? rejoined : ['#lobby'];
    if (rejoined.length === 0) chat.pendingShow = foldKey('#lobby');
    chat.io.send(formatLine('JOIN', rooms.join(',')));
    chat.askRooms();
    chat.emit({ type: 'registered', nick: chat.nick, rejoined });
  },
  '005': (chat, msg) => {
    for (const token of msg.params.slice(1, -1)) {
      const [name, value = ''] = token.split('=');
      if (name === 'PREFIX') {
        const m = /^\(([^)]*)\)(.*)$/.exec(value);
        if (m !== null && (m[1] ?? '').length === (m[2] ?? '').length) chat.prefixModes = new Map([...(m[1] ?? '')].map((mode, i) => [mode, (m[2] ?? '')[i] ?? '']));
      } else if (name === 'CHANTYPES' && value !== '') chat.chantypes = value;
      else if (name === 'CHANMODES') {
        const [a = '', b = '', c = ''] = value.split(',');
        chat.paramModes = [a, b, c];
      } else if (name === 'CHATHISTORY') chat.historyMax = Number(value) || 0;
    }
    chat.add(chat.server, 'info', '', msg.params.slice(1).join(' '));
  },
  JOIN: (chat, msg) => {
    const room = msg.params[0] ?? '';
    if (!chat.isChannel(room)) return;
    if (!chat.isMe(msg.nick) && chat.conversations.get(foldKey(room))?.kind !== 'channel') return;
    const conv = chat.conversation(room, foldKey(room), 'channel');
    const at = chat.timeOf(msg);
    if (chat.isMe(msg.nick)) {
      chat.selfPrefix = msg.source;
      conv.name = room;
      conv.joined = true;
      conv.members.clear();
      chat.add(conv, 'join', msg.nick, `joined ${room}`, { ...at, self: true });
      if (chat.pendingShow === conv.key || chat.active === SERVER_KEY) chat.show(conv.key);
      chat.pendingShow = undefined;
      if (chat.caps.has('draft/chathistory') && chat.historyMax > 0) chat.io.send(formatLine('CHATHISTORY', 'LATEST', room, '*', String(Math.min(HISTORY_ON_JOIN, chat.historyMax))));
      chat.askRooms();
      chat.emit({ type: 'conversations' });
    } else if (!at.history) {
      conv.members.set(foldKey(msg.nick), { nick: msg.nick, prefixes: '', away: false });
      chat.add(conv, 'join', msg.nick, `joined ${room}`, at);
    }
    chat.emit({ type: 'members', conv });
  },
  PART: (chat, msg) => {
    const room = msg.params[0] ?? '';
    const conv = chat.conversations.get(foldKey(room));
    if (conv === undefined) return;
    const reason = msg.params[1] ?? '';
    if (chat.isMe(msg.nick)) {
      conv.joined = false;
      chat.remove(conv);
      chat.add(chat.current, 'part', msg.nick, `left ${room}${reason ? ` (${plainText(reason)})` : ''}`, { self: true });
      chat.askRooms();
      return;
    }
    conv.members.delete(foldKey(msg.nick));
    chat.add(conv, 'part', msg.nick, `left ${room}${reason ? ` (${plainText(reason)})` : ''}`, chat.timeOf(msg));
    chat.emit({ type: 'members', conv });
  },
  KICK: (chat, msg) => {
    const conv = chat.conversations.get(foldKey(msg.params[0] ?? ''));
    if (conv === undefined || conv.kind !== 'channel') return;
    const nick = msg.params[1] ?? '';
    const reason = msg.params[2] ?? '';
    conv.members.delete(foldKey(nick));
    const why = reason !== '' && reason !== msg.nick ? ` (${plainText(reason)})` : '';
    if (chat.isMe(nick)) {
      // The tab stays, struck through, so what was said there can still be read; /join enters again.
      conv.joined = false;
      conv.members.clear();
      chat.add(conv, 'part', msg.nick, `put you out of ${conv.name}${why}`, chat.timeOf(msg));
      chat.emit({ type: 'conversations' });
    } else chat.add(conv, 'part', msg.nick, `put ${nick} out of ${conv.name}${why}`, chat.timeOf(msg));
    chat.emit({ type: 'members', conv });
  },
  INVITE: (chat, msg) => {
    const room = msg.params[1] ?? '';
    if (chat.isMe(msg.params[0] ?? '')) chat.add(chat.current, 'info', '', `${msg.nick} invites you to ${room}: /join ${room}`, chat.timeOf(msg));
  },
  QUIT: (chat, msg) => {
    const key = foldKey(msg.nick);
    const reason = msg.params[0] ?? '';
    for (const conv of chat.conversations.values()) {
      const here = conv.kind === 'channel' ? conv.members.delete(key) : conv.key === key;
      if (!here) continue;
      chat.add(conv, 'quit', msg.nick, `left the chat${reason ? ` (${plainText(reason)})` : ''}`, chat.timeOf(msg));
      chat.emit({ type: 'members', conv });
    }
  },
  NICK: (chat, msg) => {
    const from = msg.nick;
    const to = msg.params[0] ?? '';
    const fromKey = foldKey(from);
    const self = chat.isMe(from);
    if (self) {
      chat.nick = to;
      if (chat.selfPrefix !== null) chat.selfPrefix = to + chat.selfPrefix.slice(chat.selfPrefix.indexOf('!'));
      chat.emit({ type: 'nick', nick: to });
    }
    const at = chat.timeOf(msg);
    for (const conv of [...chat.conversations.values()]) {
      const member = conv.members.get(fromKey);
      if (member !== undefined) {
        conv.members.delete(fromKey);
        conv.members.set(foldKey(to), { ...member, nick: to });
        chat.emit({ type: 'members', conv });
      }
      const talk = conv.kind === 'query' && conv.key === fromKey;
      if (member !== undefined || talk || (self && conv.kind === 'server')) chat.add(conv, 'nick', from, `is now known as ${to}`, { ...at, self });
      if (talk && !chat.conversations.has(foldKey(to))) {
        // The private conversation follows its partner's new name.
        chat.conversations.delete(conv.key);
        conv.key = foldKey(to);
        conv.name = to;
        chat.conversations.set(conv.key, conv);
        if (chat.active === fromKey) chat.active = conv.key;
        chat.emit({ type: 'conversations' });
      }
    }
  },
  PRIVMSG: (chat, msg) => message(chat, msg, false),
  NOTICE: (chat, msg) => message(chat, msg, true),
  TOPIC: (chat, msg) => {
    const conv = chat.conversations.get(foldKey(msg.params[0] ?? ''));
    if (conv === undefined || conv.kind !== 'channel') return;
    conv.topic = msg.params[1] ?? '';
    chat.add(conv, 'topic', msg.nick, conv.topic === '' ? 'cleared the topic' : `set the topic: ${conv.topic}`, chat.timeOf(msg));
    chat.emit({ type: 'topic', conv });
  },
  '331': (chat, msg) => {
    const conv = chat.conversations.get(foldKey(msg.params[1] ?? ''));
    if (conv === undefined) return;
    conv.topic = '';
    chat.add(conv, 'info', '', 'no topic is set');
    chat.emit({ type: 'topic', conv });
  },
  '332': (chat, msg) => {
    const conv = chat.conversations.get(foldKey(msg.params[1] ?? ''));
    if (conv === undefined) return;
    conv.topic = msg.params[2] ?? '';
    chat.add(conv, 'info', '', `topic: ${conv.topic}`);
    chat.emit({ type: 'topic', conv });
  },
  '333': () => {},
  '353': (chat, msg) => {
    const key = foldKey(msg.params[2] ?? '');
    // Only for a room we have a tab for: what is kept stays bounded whatever a server sends.
    if (chat.conversations.get(key)?.kind !== 'channel') return;
    const prefixes = [...chat.prefixModes.values()].join('');
    const coming = chat.namesComing.get(key) ?? [];
    for (const item of (msg.params[3] ?? '').split(' ')) {
      if (item === '') continue;
      let i = 0;
      while (i < item.length && prefixes.includes(item[i] ?? '')) i++;
      const nick = item.slice(i).split('!')[0] ?? '';
      if (nick !== '') coming.push({ nick, prefixes: item.slice(0, i), away: false });
    }
    chat.namesComing.set(key, coming);
  },
  '366': (chat, msg) => {
    const key = foldKey(msg.params[1] ?? '');
    const members = chat.namesComing.get(key) ?? [];
    chat.namesComing.delete(key);
    const conv = chat.conversations.get(key);
    if (conv === undefined || conv.kind !== 'channel') return;
    const away = new Map([...conv.members].map(([k, m]) => [k, m.away]));
    conv.members = new Map(members.map((m) => [foldKey(m.nick), { ...m, away: away.get(foldKey(m.nick)) ?? false }]));
    chat.emit({ type: 'members', conv });
    if (chat.printNames.delete(key)) chat.add(chat.current, 'info', '', `in ${conv.name}: ${members.map((m) => m.prefixes + m.nick).join(', ')}`);
  },
  '321': (chat) => {
    chat.roomsComing = [];
  },
  '322': (chat, msg) => {
    if (chat.roomsComing.length < 10_000) chat.roomsComing.push({ name: msg.params[1] ?? '', users: Number(msg.params[2]) || 0 });
  },
  '323': (chat) => {
    chat.rooms = chat.roomsComing.sort((a, b) => b.users - a.users || a.name.localeCompare(b.name));
    chat.roomsComing = [];
    chat.emit({ type: 'rooms' });
    if (!chat.printRooms) return;
    chat.printRooms = false;
    chat.info(chat.rooms.length === 0 ? 'no rooms' : 'rooms:');
    for (const r of chat.rooms) chat.info(`  ${r.name} (${r.users})`);
  },
  '301': (chat, msg) => {
    const nick = msg.params[1] ?? '';
    chat.add(chat.conversation(nick), 'info', '', `${nick} is away: ${msg.params[2] ?? ''}`);
  },
  '305': (chat, msg) => chat.info(msg.params[1] ?? ''),
  '306': (chat, msg) => chat.info(msg.params[1] ?? ''),
  MODE: (chat, msg) => {
    const target = msg.params[0] ?? '';
    const conv = chat.conversations.get(foldKey(target));
    if (conv === undefined || conv.kind !== 'channel') return;
    const [lists, always, whenSet] = chat.paramModes;
    const args = msg.params.slice(2);
    let sign = '+';
    let changed = false;
    for (const c of msg.params[1] ?? '') {
      if (c === '+' || c === '-') {
        sign = c;
        continue;
      }
      const prefix = chat.prefixModes.get(c);
      if (prefix !== undefined) {
        const member = conv.members.get(foldKey(args.shift() ?? ''));
        if (member === undefined) continue;
        const order = [...chat.prefixModes.values()];
        const has = new Set(member.prefixes);
        if (sign === '+') has.add(prefix);
        else has.delete(prefix);
        member.prefixes = order.filter((p) => has.has(p)).join('');
        changed = true;
      } else if (lists.includes(c) || always.includes(c) || (sign === '+' && whenSet.includes(c))) args.shift();
    }
    chat.add(conv, 'info', '', `${msg.nick} set mode ${msg.params.slice(1).join(' ')}`, chat.timeOf(msg));
    if (changed) chat.emit({ type: 'members', conv });
  },
  AWAY: (chat, msg) => {
    const key = foldKey(msg.nick);
    for (const conv of chat.conversations.values()) {
      const member = conv.members.get(key);
      if (member === undefined) continue;
      member.away = msg.params[0] !== undefined;
      chat.emit({ type: 'members', conv });
    }
  },
  BATCH: (chat, msg) => {
    const ref = msg.params[0] ?? '';
    if (ref.startsWith('+')) {
      if (chat.batches.size < 64) chat.batches.set(ref.slice(1), { type: msg.params[1] ?? '', target: msg.params[2] ?? '' });
    } else if (ref.startsWith('-')) chat.batches.delete(ref.slice(1));
  },
  ERROR: (chat, msg) => {
    chat.add(chat.server, 'error', '', msg.params[0] ?? 'the server closed the connection');
    if (chat.active !== SERVER_KEY) chat.error(msg.params[0] ?? 'the server closed the connection');
  },
};

/**
 * PRIVMSG or NOTICE: to a room, its conversation; to us, the sender's private conversation; our
 * own (echo-message), the conversation we sent it to. From the server itself, the server tab.
 * @param {Chat} chat @param {import('./irc.js').IrcMessage} msg @param {boolean} notice
 */
function message(chat, msg, notice) {
  const target = msg.params[0] ?? '';
  const text = msg.params[1] ?? '';
  const at = chat.timeOf(msg);
  const fromServer = msg.source === '' || !msg.source.includes('!');
  if (fromServer) {
    chat.add(chat.server, 'notice', '', text, at);
    if (chat.active !== SERVER_KEY) chat.add(chat.current, 'notice', '', text, at);
    return;
  }
  const self = chat.isMe(msg.nick);
  const action = notice ? null : actionText(text);
  if (action === null && isCtcp(text)) return;
  const where = chat.isChannel(target) ? target : self ? target : msg.nick;
  const conv = chat.conversation(where);
  if (!chat.isChannel(target) && !self) conv.name = msg.nick;
  chat.add(conv, action !== null ? 'action' : notice ? 'notice' : 'message', msg.nick, action ?? text, { ...at, self });
}

export { COMMANDS };
