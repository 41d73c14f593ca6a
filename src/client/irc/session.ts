// One IRC connection's protocol state: registration (CAP LS/END, NICK/USER, nick-in-use retries),
// PING/PONG, the channels we are in, and what each incoming message shows. It never touches a
// socket or the terminal: it calls `send` and `show`, so tests drive it with plain strings.

import { mapInput, type InputContext, type Mapped } from './commands.js';
import { ircLower, parseMessage, serialize, type IrcMessage } from './message.js';
import {
  genericLine, grey, joinLine, kickLine, namesLines, nickLine, numericLine, partLine, quitLine, textLine, topicLine, yellow,
  type RenderContext,
} from './render.js';

export interface SessionIo {
  send(line: string): void; // one IRC line without CR LF
  show(text: string): void; // one display line without a line end
  /** The input prompt changed (the current channel). */
  prompt(text: string): void;
  /** Registration cannot go on (nick refused): the caller closes the connection. */
  fatal(reason: string): void;
}

export interface SessionOptions {
  readonly nick: string;
  readonly user?: string;
  readonly realname?: string;
  readonly channels?: readonly string[];
  readonly version?: string;
}

/** How many other nicknames registration tries after 433 (in use) before it gives up. */
export const MAX_NICK_ATTEMPTS = 8;

/**
 * The nickname to try after `base` was refused `attempt` times (1, 2, …): `base_`, `base__`, then the
 * same with the base shortened (servers cap nick length, often at 9), then digits.
 */
export function nickVariant(base: string, attempt: number): string {
  switch (attempt) {
    case 1: return `${base}_`;
    case 2: return `${base}__`;
    case 3: return `${base.slice(0, Math.max(1, base.length - 1))}_`;
    case 4: return `${base.slice(0, Math.max(1, base.length - 2))}__`;
    default: return `${base.slice(0, Math.max(1, Math.min(base.length, 9) - 3))}${attempt}${attempt % 10}`.slice(0, 9);
  }
}

/** Channel join errors: a --join that fails still counts as settled, so queued input is not stuck. */
const JOIN_ERRORS = new Set(['403', '405', '470', '471', '473', '474', '475', '476', '477', '479']);

export class IrcSession {
  nick: string;
  registered = false;
  current: string | undefined;
  selfPrefix: string | undefined;
  quitting = false;
  private readonly wanted: string;
  private nickAttempts = 0;
  private readonly channels = new Map<string, string>(); // folded → as the server spells it
  private pendingJoins = new Set<string>(); // folded names from --join not yet answered
  private chantypes = '#&';
  private casemapping = 'rfc1459';
  private names = new Map<string, string[]>();
  private capDone = false;

  constructor(private readonly options: SessionOptions, private readonly io: SessionIo) {
    this.nick = options.nick;
    this.wanted = options.nick;
  }

  /** True once registered and every channel to join at start has answered (joined or refused). */
  get ready(): boolean {
    return this.registered && this.pendingJoins.size === 0;
  }

  /** The first lines of a connection. CAP LS first: a server that has CAP waits for CAP END. */
  start(): void {
    this.registered = false;
    this.capDone = false;
    this.nickAttempts = 0;
    this.nick = this.wanted;
    this.io.send(serialize('CAP', 'LS', '302'));
    this.io.send(serialize('NICK', this.nick));
    this.io.send(serialize('USER', this.options.user ?? this.nick, '0', '*', this.options.realname ?? 'node-chat user'));
  }

  /** The channels to join after (re)registration: the ones we were in, or the --join ones. */
  private channelsToJoin(): string[] {
    if (this.channels.size > 0) return [...this.channels.values()];
    return [...(this.options.channels ?? [])];
  }

  fold(text: string): string {
    return ircLower(text, this.casemapping);
  }

  isMe(nick: string): boolean {
    return this.fold(nick) === this.fold(this.nick);
  }

  isChannel(target: string): boolean {
    return target !== '' && this.chantypes.includes(target[0] ?? '');
  }

  isJoined(channel: string): boolean {
    return this.channels.has(this.fold(channel));
  }

  private setCurrent(channel: string | undefined): void {
    this.current = channel;
    this.io.prompt(channel ? `[${channel}] ` : '');
  }

  private renderContext(): RenderContext {
    return {
      isMe: (n) => this.isMe(n),
      isCurrent: (c) => this.current !== undefined && this.fold(c) === this.fold(this.current),
      isChannel: (t) => this.isChannel(t),
    };
  }

  private inputContext(): InputContext {
    return { current: this.current, nick: this.nick, selfPrefix: this.selfPrefix, chantypes: this.chantypes };
  }

  /** One line from the server. */
  receiveLine(line: string): void {
    const message = parseMessage(line);
    if (message) this.receive(message);
  }

  receive(m: IrcMessage): void {
    const from = m.prefix?.nick ?? '';
    const p = (i: number): string => m.params[i] ?? '';
    const last = m.params.length > 0 ? p(m.params.length - 1) : '';
    switch (m.command) {
      case 'PING':
        this.io.send(serialize('PONG', ...(m.params.length > 0 ? m.params : [''])));
        return;
      case 'CAP':
        // We ask for no capability (tags are parsed and ignored anyway); LS ends the negotiation.
        if (!this.capDone && ((p(1) === 'LS' && p(2) !== '*') || p(1) === 'ACK' || p(1) === 'NAK')) {
          this.capDone = true;
          this.io.send(serialize('CAP', 'END'));
        }
        return;
      case '001': {
        this.registered = true;
        this.nick = p(0) || this.nick;
        const mask = last.split(' ').pop() ?? '';
        if (mask.includes('!') && mask.includes('@')) this.selfPrefix = mask;
        this.io.show(grey(last));
        const channels = this.channelsToJoin();
        this.channels.clear();
        this.pendingJoins = new Set(channels.map((c) => this.fold(c)));
        for (const channel of channels) this.io.send(serialize('JOIN', channel));
        return;
      }
      case '005':
        for (const token of m.params.slice(1, -1)) {
          const [key, value = ''] = token.split('=', 2);
          if (key === 'CHANTYPES' && value) this.chantypes = value;
          if (key === 'CASEMAPPING' && value) this.casemapping = value;
        }
        return;
      case '432':
      case '433':
      case '437':
        if (!this.registered) {
          const refused = p(1) || this.nick;
          if (m.command === '432' && this.nickAttempts === 0) {
            this.io.fatal(`the server refuses the nickname ${refused}: ${last}`);
            return;
          }
          this.nickAttempts++;
          if (this.nickAttempts > MAX_NICK_ATTEMPTS) {
            this.io.fatal(`no free nickname found (tried ${this.wanted} and ${MAX_NICK_ATTEMPTS} variants)`);
            return;
          }
          this.nick = nickVariant(this.wanted, this.nickAttempts);
          this.io.show(yellow(`nickname ${refused} is not available (${last}), trying ${this.nick}`));
          this.io.send(serialize('NICK', this.nick));
          return;
        }
        // After registration a 437 can be about a channel ("temporarily unavailable"): it ends that wait.
        this.pendingJoins.delete(this.fold(p(1)));
        this.io.show(yellow(`${p(1)}: ${last}`));
        return;
      case 'JOIN': {
        const channel = p(0);
        if (this.isMe(from)) {
          this.channels.set(this.fold(channel), channel);
          this.pendingJoins.delete(this.fold(channel));
          if (m.prefix?.raw.includes('@')) this.selfPrefix = m.prefix.raw;
          this.setCurrent(channel);
        }
        this.io.show(joinLine(from, channel));
        return;
      }
      case 'PART': {
        const channel = p(0);
        if (this.isMe(from)) this.leftChannel(channel);
        this.io.show(partLine(from, channel, m.params.length > 1 ? last : undefined));
        return;
      }
      case 'KICK': {
        const channel = p(0);
        const victim = p(1);
        if (this.isMe(victim)) this.leftChannel(channel);
        this.io.show(kickLine(victim, channel, from, m.params.length > 2 ? last : undefined));
        return;
      }
      case 'QUIT':
        this.io.show(quitLine(from, last || undefined));
        return;
      case 'NICK': {
        const to = p(0);
        if (this.isMe(from)) {
          this.nick = to;
          if (this.selfPrefix) this.selfPrefix = to + this.selfPrefix.slice(this.selfPrefix.indexOf('!'));
        }
        this.io.show(nickLine(from, to));
        return;
      }
      case 'TOPIC':
        this.io.show(topicLine(from, p(0), last));
        return;
      case 'PRIVMSG':
      case 'NOTICE': {
        const target = p(0);
        const text = p(1);
        if (m.command === 'PRIVMSG' && text.startsWith('\x01') && !text.startsWith('\x01ACTION')) {
          this.ctcp(from, text);
          return;
        }
        const serverNotice = !m.prefix || (!m.prefix.raw.includes('!') && m.prefix.raw.includes('.')) || target === '*';
        if (m.command === 'NOTICE' && serverNotice) {
          this.io.show(grey(text));
          return;
        }
        this.io.show(textLine(m.command, from, target, text, this.renderContext()));
        return;
      }
      case 'INVITE':
        this.io.show(grey(`${from} invites you to ${p(1)} (type /join ${p(1)})`));
        return;
      case 'MODE':
        if (this.isMe(p(0))) return; // our own user modes after registration: noise
        this.io.show(grey(`${from} sets mode ${m.params.slice(1).join(' ')} on ${p(0)}`));
        return;
      case 'ERROR':
        if (this.quitting) return; // the usual answer to our QUIT
        this.io.show(yellow(`the server closes the connection: ${last}`));
        return;
      case '353': {
        const channel = p(2);
        const list = this.names.get(this.fold(channel)) ?? [];
        list.push(...last.split(' ').filter((n) => n !== ''));
        this.names.set(this.fold(channel), list);
        return;
      }
      case '366': {
        const channel = p(1);
        const list = this.names.get(this.fold(channel)) ?? [];
        this.names.delete(this.fold(channel));
        for (const line of namesLines(channel, list)) this.io.show(line);
        return;
      }
      default:
        if (/^\d{3}$/.test(m.command)) {
          // Any error numeric about a channel we are still waiting on ends that wait (servers have
          // more join errors than the classic list: 437, 489, 520…). A forward (470) ends it too.
          if (JOIN_ERRORS.has(m.command) || (m.command >= '400' && this.pendingJoins.has(this.fold(p(1))))) this.pendingJoins.delete(this.fold(p(1)));
          const line = numericLine(m);
          if (line) this.io.show(line);
          return;
        }
        this.io.show(genericLine(m));
    }
  }

  private leftChannel(channel: string): void {
    this.channels.delete(this.fold(channel));
    if (this.current && this.fold(this.current) === this.fold(channel)) {
      const next = this.channels.values().next();
      this.setCurrent(next.done ? undefined : next.value);
    }
  }

  private ctcp(from: string, text: string): void {
    // No usable sender (no prefix, or a broken one): nobody to answer, and no line to build.
    if (!/^[^:\s][^\s]*$/.test(from)) return;
    const body = text.replace(/^\x01|\x01$/g, '');
    const [kind = '', ...rest] = body.split(' ');
    const upper = kind.toUpperCase();
    if (upper === 'VERSION') this.io.send(serialize('NOTICE', from, `\x01VERSION node-chat ${this.options.version ?? ''}`.trimEnd() + '\x01'));
    else if (upper === 'PING') this.io.send(serialize('NOTICE', from, `\x01PING ${rest.join(' ')}\x01`));
    this.io.show(grey(`${from} sent a CTCP ${upper}`));
  }

  /** One line the user typed. Returns the mapping (tests look at it; `quit` tells the caller to close). */
  input(line: string): Mapped {
    const mapped = mapInput(line, this.inputContext(), (c) => this.isJoined(c));
    for (const out of mapped.send) this.io.send(out);
    for (const local of mapped.local) this.io.show(local.kind === 'error' ? yellow(local.text) : grey(local.text));
    if (mapped.current) this.setCurrent(this.channels.get(this.fold(mapped.current)) ?? mapped.current);
    if (mapped.quit !== undefined) this.quitting = true;
    return mapped;
  }

  /** Leave (Ctrl-C, Ctrl-D, end of input): QUIT with a reason. */
  quit(reason = 'leaving'): void {
    if (this.quitting) return;
    this.quitting = true;
    this.io.send(serialize('QUIT', reason));
  }
}
