// Why the server closes a connection, in words every edge uses (telnet in its yellow error line,
// IRC in its ERROR): protocol-neutral English, one place.

import type { Farewell } from '../model/events.js';

export function farewellText(why: Farewell): string {
  switch (why.code) {
    case 'flooding':
      return 'flooding: too many lines for too long, goodbye';
    case 'slow':
      return `you fell more than ${why.bytes} bytes behind, goodbye`;
    case 'registerTimeout':
      return `no nickname chosen in ${why.seconds} seconds, goodbye`;
    case 'pingTimeout':
      return `ping timeout: no answer in ${why.seconds} seconds`;
    case 'shutdown':
      return 'the server is shutting down, goodbye';
    case 'full':
      return `the server is full (${why.max} connections), try again later`;
    case 'perAddress':
      return `too many connections from your address (at most ${why.max})`;
    case 'idsExhausted':
      return 'this server has used up its connection numbers and needs a restart';
  }
}
