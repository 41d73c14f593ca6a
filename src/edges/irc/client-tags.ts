// Client-only tags (IRCv3 message-tags, "Client-only tags"): the `+name[=value]` tags a client
// attaches to PRIVMSG / NOTICE / TAGMSG for the server to relay unchanged. They cross the
// intent/event seam as plain data (unescaped key -> value), never as IRC bytes; the IRC renderer
// escapes them again for the recipients that negotiated message-tags.

import type { ClientTags } from '../../model/events.js';
import { escapeTag } from './message.js';

export type { ClientTags };

// Key grammar (spec): [ '+' ] [ vendor '/' ] key_name, key_name of letters, digits and '-'; the
// vendor a host name. Anything else is not a tag we can relay safely, so it is dropped.
const CLIENT_KEY = /^\+(?:[A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;

/**
 * The client-only tags of an incoming line's (already unescaped) tags: keys starting '+' that are
 * well formed; server tags a client sends (`fizz=buzz`) are dropped, as the spec says a server
 * must not relay them as if it had set them. `undefined` when there are none, so events without
 * tags stay as small as before.
 */
export function clientTagsOf(tags: Readonly<Record<string, string>>): ClientTags | undefined {
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(tags)) {
    if (!CLIENT_KEY.test(key)) continue;
    (out ??= Object.create(null) as Record<string, string>)[key] = value;
  }
  return out;
}

/** Client tags in wire form (`+a=b;+c`), escaped per spec; '' for none. */
export function clientTagText(tags: ClientTags | undefined): string {
  if (tags === undefined) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(tags)) parts.push(value === '' ? key : `${key}=${escapeTag(value)}`);
  return parts.join(';');
}
