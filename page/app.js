// The page's wiring: the WebSocket to /ws (IRC over WebSocket, one line per message, the
// text.ircv3.net subprotocol), reconnecting with backoff and saying so, and the keys and
// buttons. What the chat means is in chat.js; what it looks like is in view.js.

import { Chat } from './chat.js';
import { View } from './view.js';

/** Reconnect delays: 1 s doubling to 30 s, up to a fifth less at random, so that everyone a restart dropped does not come back in the same instant. */
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** @param {number} attempt */
const backoff = (attempt) => Math.round(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 15)) * (1 - 0.2 * Math.random()));

const endpoint = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
const view = new View();
const decoder = new TextDecoder();

/** @type {WebSocket | null} */
let socket = null;
let nick = '';
let everRegistered = false;
let attempt = 0;
/** @type {ReturnType<typeof setInterval> | undefined} */
let ticking;

const chat = new Chat({
  send: (line) => {
    if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send(line);
  },
  onChange: (change) => {
    switch (change.type) {
      case 'line':
        if (change.conv.key === chat.active) view.appendLine(change.line);
        break;
      case 'lines':
        if (change.conv.key === chat.active) view.drawConversation(chat);
        break;
      case 'conversations':
        view.drawTabs(chat);
        view.drawRooms(chat);
        break;
      case 'members':
        if (change.conv.key === chat.active) view.drawMembers(chat);
        break;
      case 'topic':
        if (change.conv.key === chat.active) view.drawTopic(chat);
        break;
      case 'rooms':
        view.drawRooms(chat);
        break;
      case 'registered':
        attempt = 0;
        nick = change.nick;
        localStorage.setItem('node-chat-nick', nick);
        view.say(change.rejoined.length > 0 ? `Reconnected as ${nick}; back in ${change.rejoined.join(', ')}` : `Connected as ${nick}`);
        if (everRegistered) for (const room of change.rejoined) chat.add(chat.conversation(room), 'info', '', 'Reconnected');
        everRegistered = true;
        view.showChat(true);
        break;
      case 'nickRefused':
        if (!everRegistered || view.app.hidden) {
          view.showChat(false);
          view.refuseNick(`${change.nick}: ${change.reason}`);
        } else chat.error(`${change.nick}: ${change.reason}`);
        break;
      case 'nick':
        nick = change.nick;
        view.say(`Connected as ${nick}`);
        break;
      case 'quit':
        view.say('You left the chat. Enter a nickname to come back.');
        break;
    }
  },
});

function connect() {
  clearInterval(ticking);
  view.reconnect.hidden = true;
  view.say(everRegistered ? 'Reconnecting…' : 'Connecting…');
  const ws = new WebSocket(endpoint, ['text.ircv3.net', 'binary.ircv3.net']);
  ws.binaryType = 'arraybuffer';
  socket = ws;
  ws.addEventListener('open', () => chat.start(nick));
  ws.addEventListener('message', (e) => {
    const data = typeof e.data === 'string' ? e.data : decoder.decode(/** @type {ArrayBuffer} */ (e.data));
    // One line per message, as the IRCv3 WebSocket spec says; a server that sends several is read too.
    for (const line of data.split(/\r?\n/)) if (line !== '') chat.receive(line);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    chat.lost();
    if (chat.quitting) {
      chat.rejoin = [];
      view.showChat(false);
      return;
    }
    retry();
  });
}

/** Waits before connecting again, counting down in plain words. */
function retry() {
  let left = Math.ceil(backoff(attempt++) / 1000);
  const what = everRegistered ? 'Connection lost' : 'Could not reach the server';
  const tell = () => view.say(`${what}, reconnecting in ${left} s…`);
  tell();
  view.reconnect.hidden = false;
  ticking = setInterval(() => {
    left--;
    if (left > 0) tell();
    else connect();
  }, 1000);
}

view.reconnect.addEventListener('click', () => connect());

view.loginForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const wanted = view.nick.value.trim();
  if (wanted === '') return view.refuseNick('Please write a nickname.');
  view.loginError.textContent = '';
  nick = wanted;
  chat.quitting = false;
  if (socket !== null && socket.readyState === WebSocket.OPEN && !chat.registered) chat.tryNick(nick);
  else if (socket === null) connect();
});
view.nick.value = localStorage.getItem('node-chat-nick') ?? '';

/** @type {string[]} lines typed, for ↑ */
const typed = [];
let recall = 0;
view.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const line = view.input.value;
  if (line.trim() === '') return;
  view.input.value = '';
  typed.push(line);
  if (typed.length > 100) typed.shift();
  recall = typed.length;
  chat.input(line);
});
view.input.addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === 'ArrowUp' && recall > 0) {
    recall--;
    view.input.value = typed[recall] ?? '';
    e.preventDefault();
  } else if (e.key === 'ArrowDown' && recall < typed.length) {
    recall++;
    view.input.value = typed[recall] ?? '';
    e.preventDefault();
  }
});

/** Moves to the conversation `step` tabs away (wrapping around). @param {number} step */
function switchBy(step) {
  const keys = [...chat.conversations.keys()];
  const at = keys.indexOf(chat.active);
  const next = keys[(at + step + keys.length) % keys.length];
  if (next !== undefined) chat.show(next);
}

view.tabs.addEventListener('click', (e) => {
  const tab = /** @type {HTMLElement} */ (e.target).closest('[data-key]');
  if (tab instanceof HTMLElement && tab.dataset.key !== undefined) chat.show(tab.dataset.key);
});
// Inside the tab list, arrows move between tabs (the ARIA tabs pattern), and the tab follows focus.
view.tabs.addEventListener('keydown', (e) => {
  const step = e.key === 'ArrowDown' || e.key === 'ArrowRight' ? 1 : e.key === 'ArrowUp' || e.key === 'ArrowLeft' ? -1 : 0;
  if (step === 0 || e.altKey) return;
  e.preventDefault();
  switchBy(step);
  view.tabs.querySelector('[aria-selected="true"]')?.closest('button')?.focus();
});
document.addEventListener('keydown', (e) => {
  if (view.app.hidden) return;
  if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
    e.preventDefault();
    switchBy(e.key === 'ArrowDown' ? 1 : -1);
    view.input.focus();
  } else if (e.key === 'Escape') view.input.focus();
});

view.rooms.addEventListener('click', (e) => {
  const button = /** @type {HTMLElement} */ (e.target).closest('[data-room]');
  if (button instanceof HTMLElement && button.dataset.room !== undefined) {
    chat.open(button.dataset.room);
    view.input.focus();
  }
});
view.joinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const name = view.joinName.value.trim();
  if (name === '') return;
  view.joinName.value = '';
  chat.open(name.startsWith('#') ? name : `#${name}`);
  view.input.focus();
});
view.roomsRefresh.addEventListener('click', () => chat.askRooms());
view.roomsPanel.addEventListener('toggle', () => {
  if (view.roomsPanel.open) chat.askRooms();
});
view.members.addEventListener('click', (e) => {
  const button = /** @type {HTMLElement} */ (e.target).closest('[data-nick]');
  if (button instanceof HTMLElement && button.dataset.nick !== undefined && !chat.isMe(button.dataset.nick)) {
    chat.open(button.dataset.nick);
    view.input.focus();
  }
});
view.earlier.addEventListener('click', () => chat.loadEarlier(chat.active));

view.leave.addEventListener('click', () => {
  chat.close(chat.active);
  view.input.focus();
});

// At phone width the side panels start folded, so the conversation has the screen.
const phone = matchMedia('(max-width: 40rem)');
const fold = () => {
  if (!phone.matches) return;
  view.roomsPanel.open = false;
  view.membersPanel.open = false;
};
phone.addEventListener('change', fold);
fold();
view.drawTabs(chat);
view.drawConversation(chat);
view.showChat(false);
