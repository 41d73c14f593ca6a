// The page's DOM, drawn from the chat's state. Every text from the network goes in through
// textContent (or a Text node): nothing received is ever parsed as HTML, so a nickname or a line
// `<img src=x onerror=alert(1)>` shows as those characters.

import { foldKey, formatRuns } from './irc.js';

/** @param {string} id */
const byId = (id) => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el;
};

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string} [className] @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Nick colours: one of twelve, the same for a nick on every page (FNV-1a of its folded form). */
export const NICK_COLOURS = 12;
/** @param {string} nick */
export function nickColour(nick) {
  let h = 0x811c9dc5;
  for (const ch of foldKey(nick)) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % NICK_COLOURS;
}

/** A nickname, isolated from the text around it (a right-to-left name cannot reorder the line). @param {string} nick */
function nickNode(nick) {
  const node = el('bdi', `nick c${nickColour(nick)}`, nick);
  return node;
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/**
 * Text with IRC formatting as styled spans and web addresses as links (http and https only,
 * opened apart from this page).
 * @param {string} text @param {HTMLElement} into
 */
function putText(text, into) {
  for (const run of formatRuns(text)) {
    const classes = [run.bold && 'b', run.italic && 'i', run.underline && 'u', run.strike && 's', run.mono && 'm', run.fg !== null && `fg${run.fg}`, run.bg !== null && `bg${run.bg}`].filter(Boolean).join(' ');
    const holder = classes === '' ? into : into.appendChild(el('span', classes));
    let last = 0;
    for (const m of run.text.matchAll(URL_RE)) {
      const at = m.index ?? 0;
      if (at > last) holder.append(document.createTextNode(run.text.slice(last, at)));
      const link = el('a', '', m[0]);
      link.href = m[0];
      link.rel = 'noopener noreferrer nofollow';
      link.target = '_blank';
      holder.append(link);
      last = at + m[0].length;
    }
    if (last < run.text.length) holder.append(document.createTextNode(run.text.slice(last)));
  }
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** @param {import('./chat.js').Line} line */
export function lineNode(line) {
  const item = el('li', `line kind-${line.kind}${line.self ? ' self' : ''}${line.history ? ' history' : ''}`);
  const when = el('time', 'when', clock.format(line.time));
  when.dateTime = new Date(line.time).toISOString();
  item.append(when, ' ');
  const body = el('span', 'body');
  switch (line.kind) {
    case 'message':
      body.append(nickNode(line.nick), el('span', 'sep', ': '));
      putText(line.text, body);
      break;
    case 'notice':
      if (line.nick !== '') body.append(el('span', 'sep', '-'), nickNode(line.nick), el('span', 'sep', '- '));
      putText(line.text, body);
      break;
    case 'action':
      body.append(el('span', 'sep', '* '), nickNode(line.nick), ' ');
      putText(line.text, body);
      break;
    case 'join':
    case 'part':
    case 'quit':
    case 'nick':
    case 'topic':
      body.append(el('span', 'sep', line.kind === 'join' ? '» ' : line.kind === 'topic' || line.kind === 'nick' ? '• ' : '« '), nickNode(line.nick), ' ');
      putText(line.text, body);
      break;
    default:
      putText(line.text, body);
  }
  item.append(body);
  return item;
}

export class View {
  constructor() {
    this.status = byId('status');
    this.reconnect = /** @type {HTMLButtonElement} */ (byId('reconnect'));
    this.login = byId('login');
    this.loginForm = /** @type {HTMLFormElement} */ (byId('login-form'));
    this.nick = /** @type {HTMLInputElement} */ (byId('nick'));
    this.loginError = byId('login-error');
    this.app = byId('app');
    this.tabs = byId('tabs');
    this.rooms = byId('rooms');
    this.roomsPanel = /** @type {HTMLDetailsElement} */ (byId('rooms-panel'));
    this.joinForm = /** @type {HTMLFormElement} */ (byId('join-form'));
    this.joinName = /** @type {HTMLInputElement} */ (byId('join-name'));
    this.roomsRefresh = byId('rooms-refresh');
    this.title = byId('title');
    this.topic = byId('topic');
    this.leave = /** @type {HTMLButtonElement} */ (byId('leave'));
    this.earlier = /** @type {HTMLButtonElement} */ (byId('earlier'));
    this.log = byId('log');
    this.composer = /** @type {HTMLFormElement} */ (byId('composer'));
    this.input = /** @type {HTMLInputElement} */ (byId('input'));
    this.members = byId('members');
    this.memberCount = byId('member-count');
    this.membersPanel = /** @type {HTMLDetailsElement} */ (byId('members-panel'));
  }

  /** @param {string} text */
  say(text) {
    this.status.textContent = text;
  }

  /** @param {boolean} chatting */
  showChat(chatting) {
    this.app.hidden = !chatting;
    this.login.hidden = chatting;
    if (chatting) this.input.focus();
    else this.nick.focus();
  }

  /** @param {string} text */
  refuseNick(text) {
    this.loginError.textContent = text;
    this.nick.focus();
    this.nick.select();
  }

  /**
   * The conversation tabs, with unread counts; the document title counts them all. Tabs are kept
   * and updated in place, so one that has the focus (or the pointer) keeps it as lines arrive.
   * @param {import('./chat.js').Chat} chat
   */
  drawTabs(chat) {
    /** @type {Map<string, HTMLButtonElement>} */
    const had = new Map();
    for (const node of this.tabs.children) if (node instanceof HTMLButtonElement && node.dataset.key !== undefined) had.set(node.dataset.key, node);
    let unread = 0;
    /** @type {HTMLButtonElement[]} */
    const wanted = [];
    for (const conv of chat.conversations.values()) {
      const active = conv.key === chat.active;
      const tab = had.get(conv.key) ?? el('button');
      had.delete(conv.key);
      tab.className = `tab ${conv.kind}${conv.mentioned ? ' mentioned' : ''}${conv.kind === 'channel' && !conv.joined ? ' parted' : ''}`;
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', String(active));
      tab.setAttribute('aria-controls', 'talk');
      tab.dataset.key = conv.key;
      tab.tabIndex = active ? 0 : -1;
      const parts = [el('span', 'tab-name', conv.kind === 'server' ? 'server' : conv.name)];
      if (conv.unread > 0) {
        const badge = el('span', 'badge', String(conv.unread));
        badge.setAttribute('aria-label', `${conv.unread} unread`);
        parts.push(badge);
        unread += conv.unread;
      }
      tab.replaceChildren(...parts);
      wanted.push(tab);
    }
    for (const gone of had.values()) gone.remove();
    // Nodes move only when the order changed: moving one would take the focus from it.
    wanted.forEach((tab, i) => {
      if (this.tabs.children[i] !== tab) this.tabs.insertBefore(tab, this.tabs.children[i] ?? null);
    });
    document.title = unread > 0 ? `(${unread}) node-chat` : 'node-chat';
  }

  /** The active conversation's heading, topic and lines, drawn anew. @param {import('./chat.js').Chat} chat */
  drawConversation(chat) {
    const conv = chat.current;
    this.title.textContent = conv.kind === 'server' ? 'server' : conv.kind === 'query' ? `${conv.name} (private)` : conv.name;
    this.drawTopic(chat);
    this.leave.hidden = conv.kind === 'server';
    this.earlier.hidden = !chat.canLoadEarlier(conv);
    this.leave.textContent = conv.kind === 'channel' ? 'Leave room' : 'Close';
    this.log.replaceChildren(...conv.lines.map(lineNode));
    this.log.scrollTop = this.log.scrollHeight;
    this.drawMembers(chat);
  }

  /** @param {import('./chat.js').Chat} chat */
  drawTopic(chat) {
    const conv = chat.current;
    this.topic.replaceChildren();
    if (conv.topic !== '') putText(conv.topic, this.topic);
  }

  /** A new line in the active conversation; the view follows it unless the user scrolled up. @param {import('./chat.js').Line} line */
  appendLine(line) {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.log.append(lineNode(line));
    while (this.log.childElementCount > 1000) this.log.firstElementChild?.remove();
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  /** Members of the active room, operators first; each opens a private conversation. @param {import('./chat.js').Chat} chat */
  drawMembers(chat) {
    const conv = chat.current;
    const rank = [...chat.prefixModes.values()];
    const order = (/** @type {import('./chat.js').Member} */ m) => {
      const r = rank.indexOf(m.prefixes[0] ?? '');
      return r < 0 ? rank.length : r;
    };
    const members = [...conv.members.values()].sort((a, b) => order(a) - order(b) || foldKey(a.nick).localeCompare(foldKey(b.nick)));
    this.memberCount.textContent = conv.kind === 'channel' ? `(${members.length})` : '';
    this.members.replaceChildren(
      ...members.map((m) => {
        const item = el('li', m.away ? 'away' : '');
        const button = el('button', 'member');
        button.type = 'button';
        button.dataset.nick = m.nick;
        button.title = chat.isMe(m.nick) ? 'you' : `talk privately with ${m.nick}`;
        if (m.prefixes !== '') button.append(el('span', 'prefix', m.prefixes));
        button.append(nickNode(m.nick));
        if (m.away) button.append(el('span', 'note', ' (away)'));
        item.append(button);
        return item;
      }),
    );
  }

  /** The room list with member counts; the rooms we are in are marked. @param {import('./chat.js').Chat} chat */
  drawRooms(chat) {
    this.rooms.replaceChildren(
      ...chat.rooms.map((r) => {
        const item = el('li');
        const joined = chat.conversations.get(foldKey(r.name))?.joined === true;
        const button = el('button', `room${joined ? ' joined' : ''}`);
        button.type = 'button';
        button.dataset.room = r.name;
        button.append(el('span', 'room-name', r.name), el('span', 'count', String(r.users)));
        button.setAttribute('aria-label', `${r.name}, ${r.users} ${r.users === 1 ? 'person' : 'people'}${joined ? ', joined' : ''}`);
        item.append(button);
        return item;
      }),
    );
  }
}
