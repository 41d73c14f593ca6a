// The IRC edge: its framer (512-byte lines, tags up to 8191), the command reader and
// registration (session.ts, commands.ts), and its codecs, one per capability variant (render.ts).

import type { Edge } from '../edge.js';
import type { IrcOptions } from './replies.js';
import { IrcSession } from './session.js';
import { nameServer } from './names.js';

export type { IrcOptions };

export function ircEdge(options: IrcOptions): Edge {
  if (options.server) nameServer(options.server);
  return { protocol: 'irc', open: () => new IrcSession(options) };
}
