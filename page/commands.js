// The commands typed in the page's input, as data: the telnet users' commands (/join /msg /me
// /nick /topic /who /rooms /quit), /part (telnet's /leave), and a few a tabbed page needs. Each
// reads its arguments and acts through the context the chat gives it; none touches the DOM.

/**
 * What a command may do.
 * @typedef {object} CommandContext
 * @property {(line: string) => void} send            one IRC line to the server
 * @property {(target: string, text: string, action?: boolean) => void} say   a message or action to a channel or nick
 * @property {(name: string) => void} open            switch to (or open) a conversation
 * @property {(text: string) => void} info            a line for the user alone
 * @property {(text: string) => void} error           a refusal for the user alone
 * @property {() => { kind: string, name: string }} current   the conversation the input belongs to
 * @property {(name: string) => boolean} isChannel
 * @property {(room: string) => void} askNames        NAMES, printed when it comes
 * @property {() => void} askRooms                    LIST, printed when it comes
 * @property {(reason: string) => void} quit
 * @property {(name: string) => void} close           close a private conversation's tab
 */

/** @typedef {{ usage: string, help: string, run: (ctx: CommandContext, rest: string) => void }} Command */

/** @param {string} name */
const channelName = (name) => (name.startsWith('#') ? name : `#${name}`);

/** @param {string} rest */
const firstWord = (rest) => {
  const m = /^(\S+)\s*(.*)$/s.exec(rest.trim());
  return m === null ? ['', ''] : [m[1] ?? '', m[2] ?? ''];
};

/** @param {CommandContext} ctx @param {string} usage */
function channelHere(ctx, usage) {
  const here = ctx.current();
  if (here.kind === 'channel') return here.name;
  ctx.error(`${usage}: this tab is not a room`);
  return null;
}

/** @param {CommandContext} ctx @param {string} rest */
function part(ctx, rest) {
  const [first, more] = firstWord(rest);
  if (first !== '' && ctx.isChannel(first)) {
    ctx.send(more === '' ? `PART ${first}` : `PART ${first} :${more}`);
    return;
  }
  const here = ctx.current();
  if (here.kind === 'query') {
    ctx.close(here.name);
    return;
  }
  const room = channelHere(ctx, '/part');
  if (room !== null) ctx.send(rest.trim() === '' ? `PART ${room}` : `PART ${room} :${rest.trim()}`);
}

/**
 * A MODE change on one member or mask of the current room.
 * @param {string} change @param {string} usage @param {string} help @returns {Command}
 */
function modeCommand(change, usage, help) {
  return {
    usage,
    help,
    run: (ctx, rest) => {
      const [who] = firstWord(rest);
      if (who === '') return ctx.error(`usage: ${usage}`);
      const room = channelHere(ctx, usage.split(' ')[0] ?? usage);
      if (room !== null) ctx.send(`MODE ${room} ${change} ${who}`);
    },
  };
}

/** @type {Record<string, Command>} */
export const COMMANDS = {
  join: {
    usage: '/join ROOM',
    help: 'join ROOM (made on first join), or switch to it',
    run: (ctx, rest) => {
      const [room] = firstWord(rest);
      if (room === '') return ctx.error('usage: /join ROOM');
      ctx.open(channelName(room));
    },
  },
  part: { usage: '/part [ROOM] [REASON]', help: 'leave this room (or ROOM); in a private tab, close it', run: part },
  leave: { usage: '/leave', help: 'the same as /part', run: part },
  msg: {
    usage: '/msg NICK TEXT',
    help: 'a private message to NICK, in its own tab',
    run: (ctx, rest) => {
      const [nick, text] = firstWord(rest);
      if (nick === '' || text === '') return ctx.error('usage: /msg NICK TEXT');
      ctx.say(nick, text);
      if (!ctx.isChannel(nick)) ctx.open(nick);
    },
  },
  query: {
    usage: '/query NICK',
    help: 'open a private conversation with NICK',
    run: (ctx, rest) => {
      const [nick] = firstWord(rest);
      if (nick === '' || ctx.isChannel(nick)) return ctx.error('usage: /query NICK');
      ctx.open(nick);
    },
  },
  me: {
    usage: '/me ACTION',
    help: 'everyone here sees * YOU ACTION',
    run: (ctx, rest) => {
      if (rest.trim() === '') return ctx.error('usage: /me ACTION');
      const here = ctx.current();
      if (here.kind === 'server') return ctx.error('/me: join a room first (/join ROOM)');
      ctx.say(here.name, rest, true);
    },
  },
  nick: {
    usage: '/nick NEW',
    help: 'change your nickname',
    run: (ctx, rest) => {
      const [nick] = firstWord(rest);
      if (nick === '') return ctx.error('usage: /nick NEW');
      ctx.send(`NICK ${nick}`);
    },
  },
  topic: {
    usage: '/topic [TEXT]',
    help: "show this room's topic, or set it to TEXT",
    run: (ctx, rest) => {
      const room = channelHere(ctx, '/topic');
      if (room === null) return;
      ctx.send(rest.trim() === '' ? `TOPIC ${room}` : `TOPIC ${room} :${rest.trim()}`);
    },
  },
  who: {
    usage: '/who',
    help: 'who is in this room',
    run: (ctx) => {
      const room = channelHere(ctx, '/who');
      if (room !== null) ctx.askNames(room);
    },
  },
  rooms: { usage: '/rooms', help: 'every room with its member count', run: (ctx) => ctx.askRooms() },
  // Room operators' commands, as telnet users have them (the server decides who may).
  op: modeCommand('+o', '/op NICK', 'make NICK an operator of this room'),
  deop: modeCommand('-o', '/deop NICK', "take NICK's operator status"),
  voice: modeCommand('+v', '/voice NICK', 'let NICK speak in a moderated room'),
  devoice: modeCommand('-v', '/devoice NICK', "take NICK's voice"),
  ban: modeCommand('+b', '/ban MASK', 'ban nick!user@host MASK (bob means bob!*@*)'),
  unban: modeCommand('-b', '/unban MASK', 'lift a ban'),
  kick: {
    usage: '/kick NICK [REASON]',
    help: 'put NICK out of this room',
    run: (ctx, rest) => {
      const [nick, reason] = firstWord(rest);
      if (nick === '') return ctx.error('usage: /kick NICK [REASON]');
      const room = channelHere(ctx, '/kick');
      if (room !== null) ctx.send(reason === '' ? `KICK ${room} ${nick}` : `KICK ${room} ${nick} :${reason}`);
    },
  },
  invite: {
    usage: '/invite NICK',
    help: 'let NICK into this invite-only room',
    run: (ctx, rest) => {
      const [nick] = firstWord(rest);
      if (nick === '') return ctx.error('usage: /invite NICK');
      const room = channelHere(ctx, '/invite');
      if (room !== null) ctx.send(`INVITE ${nick} ${room}`);
    },
  },
  mode: {
    usage: '/mode [+|-FLAGS [ARGS]]',
    help: "this room's modes, or change them (/mode +m, /mode +k secret)",
    run: (ctx, rest) => {
      const room = channelHere(ctx, '/mode');
      if (room !== null) ctx.send(rest.trim() === '' ? `MODE ${room}` : `MODE ${room} ${rest.trim().replace(/[\r\n\0]/g, ' ')}`);
    },
  },
  quit: { usage: '/quit [REASON]', help: 'leave the chat', run: (ctx, rest) => ctx.quit(rest.trim()) },
  help: {
    usage: '/help',
    help: 'this list',
    run: (ctx) => {
      ctx.info('commands:');
      for (const c of Object.values(COMMANDS)) ctx.info(`  ${c.usage.padEnd(22)} ${c.help}`);
      ctx.info('  //text                 send a line that starts with /');
    },
  },
};

/**
 * A typed line read: a command and its arguments, or text to send as it is (`//text` is the text
 * `/text`).
 * @param {string} line
 * @returns {{ text: string } | { command: Command, rest: string } | { unknown: string }}
 */
export function readInput(line) {
  if (line.startsWith('//')) return { text: line.slice(1) };
  if (!line.startsWith('/')) return { text: line };
  const m = /^\/(\S*)\s?(.*)$/s.exec(line);
  const name = (m?.[1] ?? '').toLowerCase();
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return command === undefined ? { unknown: name } : { command, rest: m?.[2] ?? '' };
}
