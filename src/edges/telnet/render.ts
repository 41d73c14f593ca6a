// Events in telnet's words: the classic node-chat texts (texts.ts), one string per event,
// the same for every recipient. What users wrote goes through forTerminal: an IRC user's line may
// carry formatting and control codes, and none may reach a terminal.

import type { ChatEvent, Notice } from '../../model/events.js';
import * as texts from './texts.js';
import { forTerminal as t } from './sanitize.js';

export function renderTelnet(event: ChatEvent): string {
  switch (event.k) {
    case 'welcome':
      return ''; // telnet's welcome is the banner; its join line says the name was taken
    case 'awayChanged':
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
      return texts.topicSet(event.nick, t(event.text));
    case 'topic':
      return texts.topic(t(event.text));
    case 'noTopic':
      return texts.noTopic();
    case 'roomSize':
      return texts.roomSize(event.count, event.room);
    case 'members':
      return texts.whoLines(event.nicks);
    case 'rooms':
      return texts.roomList(new Map(event.rooms));
    case 'private':
      return texts.privateFrom(event.from, t(event.text));
    case 'privateSent':
      return texts.privateTo(event.to, t(event.text));
    case 'notice':
      return renderNotice(event.notice);
  }
}

function renderNotice(n: Notice): string {
  switch (n.code) {
    case 'nickInvalid':
      return n.stage === 'claim' ? texts.nickInvalidPrompt(texts.nickProblem(n.problem)) : texts.error(texts.nickProblem(n.problem));
    case 'nickTaken':
      return n.stage === 'claim' ? texts.nickTaken(n.nick) : texts.nickInUse(n.nick);
    case 'nickUnchanged':
      return texts.alreadyKnownAs(n.nick);
    case 'noSuchNick':
      return texts.noUser(n.nick);
    case 'tooManyRooms':
      return texts.error(`you are in too many rooms (at most ${n.max})`);
    case 'storeFailed':
      return texts.error('that could not be done just now (the chat store failed); please try again');
    case 'claimLost':
      return texts.nickInvalidPrompt('the server had a hiccup, please try again');
    case 'hiccup':
      return texts.error('this server had a hiccup: lines sent in the last moment may not have reached you');
    case 'degraded':
      return texts.error('the chat is degraded: its message store is unreachable; your lines will go out when it is back');
    case 'recovered':
      return texts.info(
        n.missed.length === 0 ? 'the chat is back: nothing was missed' : `the chat is back, but some lines in ${n.missed.join(', ')} were missed (older than the store keeps)`,
      );
    case 'missed':
      return texts.info(`some lines in ${n.room} were missed (older than the store keeps)`);
    case 'privatesMissed':
      return texts.info('some private messages to you may have been missed (older than the store keeps)');
    case 'storeReset':
      return texts.error('the message store restarted and lost recent history; lines sent just before may be lost');
    case 'lostTouch':
      return texts.error('this server lost touch with the chat for a while');
    case 'nickLost':
      return texts.error(`your nickname ${n.nick} was taken while this server was away; please reconnect`);
    case 'away':
      return ''; // telnet has no /away
  }
}
