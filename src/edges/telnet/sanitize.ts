// Text from one user is shown on other users' terminals, so nothing in it may act as a
// terminal command: ESC sequences go whole (so no stray "[31m" is left behind), then
// every remaining C0 control but tab, DEL, every C1 control and the bidi controls go.

// CSI (ESC [) with its parameters and final byte; OSC/DCS/PM/APC/SOS strings (ESC ] P X ^ _) up to
// BEL or ST; any other ESC with the one character that follows it. 8-bit C1 introducers are
// removed one character at a time below: what follows them is then inert text.
const ESCAPE_SEQUENCE = /\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[\s\S]?/g;
// Bidirectional embedding, override and isolate controls too: they would reorder how the rest of
// another user's terminal line reads ("Trojan Source").
// The line and paragraph separators go as well: some terminals break the line at them.
// U+061C (ARABIC LETTER MARK) is one of the bidi marks too.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const ANY_CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Removes escape sequences and control characters (tab survives). */
export function cleanText(text: string): string {
  if (!ANY_CONTROL.test(text)) return text; // the common case: nothing to do, no new string
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

// IRC formatting (modern.ircdocs.horse "Formatting"): a colour code takes up to two digits for
// the foreground and, after a comma, two for the background; a hex colour six hex digits each.
// Removing only the control byte would leave its digits in the text ("4,2hello").
const IRC_COLOUR = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?/g;

/**
 * Text from another user (an IRC user's line may carry formatting codes), as a telnet terminal
 * may show it: IRC colour codes with their digits go, then every other escape and control as in
 * cleanText. Text without a control character (every telnet user's: its framer cleaned it) is
 * returned as it is, without a copy.
 */
export function forTerminal(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  return cleanText(text.replace(IRC_COLOUR, ''));
}
