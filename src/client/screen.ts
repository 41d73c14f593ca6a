// Printing a line above the input line without breaking what the user is typing.
//
// readline shows `prompt + line` (possibly wrapped over several rows) with the cursor somewhere in
// it. To print incoming text we move to the first row of the input, clear to the end of the screen,
// print the text, and draw the prompt and the partial input again with the cursor where it was.
// This is the same drawing readline does in its own refresh, so readline's idea of where the cursor
// is (its row within the input) stays true. `renderAbove` is pure: it returns the bytes to write.

export interface InputState {
  readonly prompt: string; // may hold colour sequences; they take no width
  readonly line: string;
  readonly cursor: number; // index into line (UTF-16 units, as readline's rl.cursor)
  readonly columns: number; // terminal width
}

/** Width of one code point in a terminal: 0 for combining marks, 2 for wide East Asian and emoji. */
export function charWidth(cp: number): number {
  if (cp === 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (
    (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  ) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

/** Where the cursor stands after writing `text` from column 0 of a row: rows down, column. */
export function displayPos(text: string, columns: number): { rows: number; cols: number } {
  const width = Math.max(1, columns);
  let rows = 0;
  let col = 0;
  const plain = text.replace(/\x1b\[[0-9;:]*m/g, '');
  for (const ch of plain) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n') {
      rows++;
      col = 0;
      continue;
    }
    const w = ch === '\t' ? 8 - (col % 8) : charWidth(cp);
    if (w === 0) continue;
    if (col + w > width) {
      // a character that does not fit goes to the next row whole
      rows++;
      col = 0;
    }
    col += w;
    if (col === width) {
      rows++;
      col = 0;
    }
  }
  return { rows, cols: col };
}

const up = (n: number): string => (n > 0 ? `\x1b[${n}A` : '');
const column = (n: number): string => `\x1b[${n + 1}G`;

/**
 * The bytes that print `text` (complete lines, each ending in \n) above the input line and redraw
 * the input with the cursor where it was. `reset` (an SGR reset) is written after the text when
 * colours are on, so a colour the server left open does not paint the prompt. The input is
 * measured with the prompt shown now (`state.prompt`) and redrawn with `nextPrompt`.
 */
export function renderAbove(state: InputState, text: string, reset = '', nextPrompt = state.prompt): string {
  const before = displayPos(state.prompt + state.line.slice(0, state.cursor), state.columns);
  const cursorPos = displayPos(nextPrompt + state.line.slice(0, state.cursor), state.columns);
  const endPos = displayPos(nextPrompt + state.line, state.columns);
  const body = text.endsWith('\n') || text === '' ? text : `${text}\n`;
  let out = up(before.rows) + '\r\x1b[J';
  out += body.replace(/\n/g, '\r\n') + reset;
  out += nextPrompt + state.line;
  if (endPos.cols === 0) out += ' '; // make the terminal move to the new row, as readline does
  out += column(cursorPos.cols);
  out += up(endPos.rows - cursorPos.rows);
  return out;
}
