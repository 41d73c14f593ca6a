// The IRC edge: its framer (512-byte lines, client tags up to 4096), the command reader and
// registration (session.ts, commands.ts), and its codecs, one per capability variant (render.ts).

import type { Config } from '../../config.js';
import type { Edge } from '../edge.js';
import type { IrcOptions } from './replies.js';
import { IrcSession } from './session.js';
import { nameServer } from './names.js';

export type { IrcOptions };

/** The IRC edge's history settings from the configuration: CHATHISTORY's most messages, and the replay on joining. */
export const ircHistory = (c: Config): Pick<IrcOptions, 'chathistory' | 'autoreplay'> => ({ chathistory: c.history, autoreplay: c.ircAutoreplay });

export function ircEdge(options: IrcOptions): Edge {
  if (options.server) nameServer(options.server);
  return { protocol: 'irc', open: () => new IrcSession(options) };
}
