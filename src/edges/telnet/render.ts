// Events in telnet's words: the classic node-chat texts (texts.ts), one string per event,
// the same for every recipient. What users wrote goes through forTerminal: an IRC user's line may
// carry formatting and control codes, and none may reach a terminal.

import type { ChatEvent } from '../../model/events.js';
import * as texts from './texts.js';
import { forTerminal as t } from './sanitize.js';

export function renderTelnet(event: ChatEvent): string {
  switch (event.k) {
    case 'welcome':
      return ''; // telnet's welcome is the banner; its join line says the name was taken
    case 'awayChanged':
    // Telnet shows no real names anywhere (its /who lists nicknames), so a new one changes nothing it shows.
    case 'realnameChanged':
    case 'counts':
    case 'users':
      return ''; // asked for, or followed, by IRC users only
    case 'joined':
      return texts.joined(event.nick, event.room);
    case 'left':
      return texts.left(event.nick, event.room, event.how === 'lost' ? 'connection lost' : event.reason === undefined ? undefined : t(event.reason));
    case 'said':
      return texts.message(event.nick, t(event.text));
    case 'acted':
      return texts.action(event.nick, t(event.text));
    case 'renamed':
    case 'nickChanged':
      return texts.renamed(event.from, event.nick);
    case 'topicSet':
      return event.text === '' ? texts.topicCleared(event.nick) : texts.topicSet(event.nick, t(event.text));
    case 'topic':
      return texts.topic(t(event.text));
    case 'noTopic':
      return texts.noTopic();
    case 'roomSize':
      return texts.roomSize(event.count, event.room);
    case 'members':
      return texts.whoLines(event.nicks, undefined, event.marks);
    case 'kicked':
      return texts.kicked(event.by, event.nick, event.reason === undefined ? undefined : t(event.reason));
    case 'modeChanged':
      return texts.modeChanged(event.nick, event.changes.map((c) => (c.arg === undefined ? c : { ...c, arg: t(c.arg) })));
    case 'modes':
      return texts.modesOf(event.room, event.modes.key === null ? event.modes : { ...event.modes, key: t(event.modes.key) }, event.member);
    case 'bans':
      return texts.banList(event.room, event.bans.map((b) => ({ ...b, mask: t(b.mask) })));
    case 'invited':
      return texts.invited(event.by, event.room);
    case 'inviteSent':
      return texts.inviteSent(event.nick, event.room);
    case 'rooms':
      return texts.roomList(new Map(event.rooms));
    case 'private':
      return texts.privateFrom(event.from, t(event.text));
    case 'privateSent':
      return texts.privateTo(event.to, t(event.text));
    case 'notice':
      // A kick's or a kill's reason is someone's text: it goes through forTerminal like any line.
      return texts.notice('reason' in event.notice && event.notice.reason !== undefined ? { ...event.notice, reason: t(event.notice.reason) } : event.notice);
    case 'history':
      return history(event);
    case 'historyTargets':
      return ''; // asked by IRC users only
    case 'tagged':
    case 'privateTagged':
      return ''; // tags alone (IRC TAGMSG): telnet never shows tags
  }
}

/**
 * A room's past lines in grey with their times, then the line that says where live traffic
 * begins. On joining (`join`) an empty history shows nothing; asked for (/history), it says so.
 */
function history(e: Extract<ChatEvent, { k: 'history' }>): string {
  let out = e.reset ? texts.historyReset() : '';
  for (const line of e.events) {
    if (line.k === 'said') out += texts.pastMessage(line.at, line.nick, t(line.text));
    else if (line.k === 'acted') out += texts.pastAction(line.at, line.nick, t(line.text));
    else if (line.k === 'private') out += texts.pastMessage(line.at, line.from, t(line.text));
  }
  if (e.events.length === 0) return e.ask === 'join' ? out : out + texts.noHistory(e.target);
  return out + texts.historyEnd();
}
