// One pino JSON line as a line a person reads on a terminal:
//   12:00:00.123 INFO  connection 7 opened: telnet from 127.0.0.1  conn=7 protocol=telnet
// Every value passes through JSON.stringify or loses its control characters, so nothing logged
// (an address, a nickname, an error's message) can move the operator's cursor or recolour the terminal.

/** Fields every line has, shown in the line's head or not at all. */
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'event']);

// C0 controls, DEL and C1 controls (ESC and CSI among them).
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

const plain = (s: string): string => s.replace(CONTROLS, '\uFFFD');

/** A value as `key=value`: bare when it is a simple word, JSON otherwise (quotes, spaces and controls escaped). */
function value(v: unknown): string {
  if (typeof v === 'string' && /^[\w.:@[\]/+-]+$/.test(v)) return v;
  return plain(JSON.stringify(v) ?? String(v));
}

export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return plain(json.trimEnd()) + '\n';
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = String(record.level ?? '').toUpperCase().padEnd(5);
  const msg = plain(String(record.msg ?? ''));
  const rest = Object.entries(record)
    .filter(([k]) => !HEAD.has(k))
    .map(([k, v]) => `${plain(k)}=${value(v)}`)
    .join(' ');
  return `${time} ${level} ${msg}${rest ? `  ${rest}` : ''}\n`;
}
