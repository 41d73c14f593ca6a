// The operator's log: pino, one JSON object per line on stdout, or one readable line per event
// when stdout is a terminal (see pretty.ts). What is logged is in log-events.ts.
//
// Why these choices:
// - Asynchronous writes (sonic-boom, sync: false): a synchronous write to a pipe nobody reads
//   blocks the whole thread once the pipe is full (sonic-boom sleeps and retries on EAGAIN),
//   and with it every chat connection. Lines wait in memory instead, up to MAX_BUFFERED bytes;
//   past that they are dropped and counted (nodechat_log_lines_dropped_total), so a stalled
//   log reader costs bounded memory and never stalls the chat.
// - No pino-pretty: it is a dependency with a transport Worker of its own, for what a
//   thirty-line formatter does (pretty.ts), on a terminal only, where speed does not matter.

import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyLine } from './pretty.js';
import type { LogLevel } from '../config.js';

/** Log bytes that may wait for a slow stdout before lines are dropped. */
const MAX_BUFFERED = 8 << 20;

export interface OpsLog {
  readonly logger: Logger;
  /** Lines dropped because stdout did not keep up. */
  readonly dropped: number;
  /** Writes out what waits, for at most `timeoutMs` (a reader that never reads must not keep the process from exiting). */
  close(timeoutMs?: number): void;
}

export interface LogOptions {
  level: LogLevel;
  /** Where lines go instead of stdout (tests). */
  stream?: DestinationStream;
  /** Readable lines instead of JSON; default: whether stdout is a terminal. */
  pretty?: boolean;
}

export function createLog(options: LogOptions): OpsLog {
  const settings = {
    level: options.level,
    // Labels ("info"), not pino's numbers: what a person grepping or a jq filter reads.
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.stream !== undefined) return fixed(pino(settings, options.stream));
  if (options.pretty ?? process.stdout.isTTY === true) {
    return fixed(pino(settings, { write: (line: string) => void process.stdout.write(prettyLine(line)) }));
  }
  let giveUpAt = Infinity;
  let dropped = 0;
  const destination = pino.destination({
    dest: 1,
    sync: false,
    maxLength: MAX_BUFFERED,
    // Async writes retry on a timer (the thread goes on); at close, only until the deadline.
    retryEAGAIN: () => Date.now() < giveUpAt,
  });
  destination.on('drop', () => dropped++);
  destination.on('error', () => {}); // EPIPE (nobody reads any more) or EAGAIN past the close deadline: nothing to log it to
  const logger = pino(settings, destination);
  let closed = false;
  return {
    logger,
    get dropped() {
      return dropped;
    },
    close(timeoutMs = 1000) {
      if (closed) return;
      closed = true;
      giveUpAt = Date.now() + timeoutMs;
      try {
        destination.flushSync();
      } catch {
        // Not ready yet, or stdout would not take it in time: what is left is lost.
      }
      // pino flushes a live destination again at exit, without a deadline: it is done with.
      destination.destroy();
    },
  };
}

/** A log whose stream writes at once (a terminal, a test's sink): nothing to flush. */
function fixed(logger: Logger): OpsLog {
  return { logger, dropped: 0, close: () => {} };
}
