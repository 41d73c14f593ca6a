// The user's side of a client: lines typed (or piped) in, text from the network out.
//
// On a TTY (stdin and stdout both terminals) readline owns the input line: arrow-key editing and
// history; incoming lines are printed above it with `renderAbove`, and a server text without a line
// end (node-chat's nickname prompt) becomes the prompt itself until the line is finished.
// In a pipe, each stdin line is a line typed, and what arrives is written to stdout as it comes,
// the prompts included. Either way every byte from the network passes TerminalSanitizer.

import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { TerminalSanitizer } from './sanitize.js';
import { renderAbove } from './screen.js';

export interface TerminalStreams {
  readonly input: Readable & { isTTY?: boolean };
  readonly output: Writable & { isTTY?: boolean; columns?: number };
  readonly errors: Writable;
}

export interface TerminalHandlers {
  line(text: string): void;
  /** Ctrl-D on an empty line, or the end of piped input. */
  end(): void;
  /** Ctrl-C. */
  interrupt(): void;
}

export interface Terminal {
  readonly interactive: boolean;
  readonly colour: boolean;
  /** Text from the network: cleaned, then shown (possibly without a line end: a prompt). */
  network(text: string): void;
  /** A line of our own (may hold colours; stripped when they are off). */
  line(text: string): void;
  /** A plain notice about the connection: above the prompt on a TTY, on stderr in a pipe. */
  notice(text: string): void;
  /** The prompt shown before the input on a TTY (ignored in a pipe). */
  setPrompt(text: string): void;
  /**
   * A line went to the server. In a pipe nothing echoes it, so the answer to a prompt would run
   * on after the prompt: the next text that arrives after a prompt starts a line of its own.
   */
  sent(): void;
  close(): void;
}

/** Colours pass only to a terminal, and not with --no-color or NO_COLOR set (no-color.org). */
export function wantsColour(output: { isTTY?: boolean }, noColor: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(output.isTTY) && !noColor && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

export function createTerminal(streams: TerminalStreams, handlers: TerminalHandlers, noColor: boolean): Terminal {
  const colour = wantsColour(streams.output, noColor);
  const interactive = Boolean(streams.input.isTTY && streams.output.isTTY);
  return interactive ? ttyTerminal(streams, handlers, colour) : pipeTerminal(streams, handlers, colour);
}

function pipeTerminal(streams: TerminalStreams, handlers: TerminalHandlers, colour: boolean): Terminal {
  const network = new TerminalSanitizer(colour);
  let atLineStart = true;
  let atPrompt = false; // the output ends with a prompt awaiting an answer ("…: ")
  // Lines sent that no prompt shown has been answered by yet (see Terminal.sent).
  let unanswered = 0;
  const write = (text: string): void => {
    if (text === '') return;
    streams.output.write(text);
    atLineStart = text.endsWith('\n');
    atPrompt = text.endsWith(': ');
  };
  const rl = readline.createInterface({ input: streams.input, terminal: false, crlfDelay: Infinity });
  let closed = false;
  rl.on('line', (text) => handlers.line(text));
  rl.on('close', () => {
    if (!closed) handlers.end();
  });
  return {
    interactive: false,
    colour,
    network: (text) => {
      let clean = network.push(text);
      if (clean === '') return;
      if (atPrompt && unanswered > 0) {
        unanswered--;
        write('\n');
      }
      // A prompt and what answered it can arrive in one read: a server line (" > …") right after
      // a prompt's ": " starts a line of its own too.
      clean = clean.replace(/: (?= > )/g, (prompt) => {
        if (unanswered === 0) return prompt;
        unanswered--;
        return `${prompt}\n`;
      });
      write(clean);
    },
    line: (text) => write((atLineStart ? '' : '\n') + new TerminalSanitizer(colour).push(`${text}\n`)),
    sent: () => {
      unanswered++;
    },
    notice: (text) => {
      streams.errors.write(`${new TerminalSanitizer(false).push(text)}\n`);
    },
    setPrompt: () => {},
    close: () => {
      if (closed) return;
      if (!atLineStart) write('\n'); // finish a prompt line, so the shell's prompt starts on its own
      closed = true;
      rl.close();
      streams.input.pause();
      if ('unref' in streams.input && typeof streams.input.unref === 'function') streams.input.unref();
    },
  };
}

function ttyTerminal(streams: TerminalStreams, handlers: TerminalHandlers, colour: boolean): Terminal {
  const network = new TerminalSanitizer(colour);
  const rl = readline.createInterface({
    input: streams.input,
    output: streams.output,
    terminal: true,
    historySize: 1000,
    removeHistoryDuplicates: true,
    prompt: '',
  });
  let base = ''; // our prompt (IRC: the current channel)
  let partial = ''; // network text after the last line end: shown as the prompt
  let closed = false;
  const prompt = (): string => partial + base;
  const reset = colour ? '\x1b[0m' : '';

  /** Prints complete lines above the input and redraws it with `nextPrompt`. */
  const printAbove = (lines: string, nextPrompt: string): void => {
    const columns = streams.output.columns ?? 80;
    // Measured with the prompt shown now; redrawn with the next one.
    const now = { prompt: prompt(), line: rl.line, cursor: rl.cursor, columns };
    const bytes = renderAbove(now, lines, reset, nextPrompt);
    rl.setPrompt(nextPrompt);
    streams.output.write(bytes);
  };

  rl.on('line', (text) => {
    partial = ''; // the prompt it answered stays on screen as part of the typed line
    rl.setPrompt(prompt());
    handlers.line(text);
    if (!closed) rl.prompt(true);
  });
  rl.on('SIGINT', () => handlers.interrupt());
  rl.on('close', () => {
    if (!closed) handlers.end();
  });
  rl.prompt();

  return {
    interactive: true,
    colour,
    network: (text) => {
      const clean = network.push(text);
      if (clean === '') return;
      const all = partial + clean;
      const cut = all.lastIndexOf('\n');
      if (cut < 0) {
        // Still no line end: the prompt grows.
        printAbove('', all + base);
        partial = all;
        return;
      }
      partial = all.slice(cut + 1);
      printAbove(all.slice(0, cut + 1), partial + base);
    },
    line: (text) => printAbove(`${new TerminalSanitizer(colour).push(text)}\n`, prompt()),
    notice: (text) => printAbove(`${new TerminalSanitizer(false).push(text)}\n`, prompt()),
    sent: () => {}, // a terminal echoes what was typed
    setPrompt: (text) => {
      base = text;
      printAbove('', prompt());
    },
    close: () => {
      if (closed) return;
      closed = true;
      rl.close();
      streams.output.write('\n');
    },
  };
}
