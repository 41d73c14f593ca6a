// A line of text cut into pieces that each fit an IRC line: a telnet user may send 4096 bytes,
// an IRC line carries 512 with its CR LF. Cuts fall between characters (code points), never
// inside a UTF-8 sequence or a surrogate pair, and nothing is lost.

/** Pieces of `text` of at most `budget` UTF-8 bytes each (at least one piece, maybe empty). */
export function splitBytes(text: string, budget: number): string[] {
  if (Buffer.byteLength(text) <= budget) return [text];
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > budget && i > start) {
      pieces.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  pieces.push(text.slice(start));
  return pieces;
}
