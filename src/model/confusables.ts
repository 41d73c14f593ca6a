// The skeleton of a string (Unicode UTS #39, section 4): two nicknames that look alike have the
// same skeleton (`аlice` with a Cyrillic а and `alice`; `ｃ` and `c`; `l`, `I` and `1`), so a name's
// identity can be its skeleton and a look-alike of a taken name is taken too. The table is
// confusables-data.ts, made from Unicode's own file by scripts/make-confusables.mjs.

import { CONFUSABLES } from './confusables-data.js';

let table: Map<number, string> | null = null;

/** Source code point → its prototype, built on first use (about 6,500 entries). */
function prototypes(): Map<number, string> {
  if (table !== null) return table;
  table = new Map();
  for (const entry of CONFUSABLES.split(';')) {
    const [source, target] = entry.split(':') as [string, string];
    table.set(parseInt(source, 16), String.fromCodePoint(...target.split(' ').map((cp) => parseInt(cp, 16))));
  }
  return table;
}

/** UTS #39 skeleton: NFD, each character replaced by its prototype, NFD again. */
export function skeleton(text: string): string {
  const map = prototypes();
  let out = '';
  for (const ch of text.normalize('NFD')) out += map.get(ch.codePointAt(0)!) ?? ch;
  return out.normalize('NFD');
}
