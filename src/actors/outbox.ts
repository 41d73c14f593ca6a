// What an actor may do: hand back deliveries and effects, message other actors, read the clock.
// Actors never see a socket or a Worker; the host decides where a message goes.

import type { ChatEvent } from '../model/events.js';
import type { ConnId, Effect, Envelope } from '../model/messages.js';

export interface Outbox {
  deliver(to: Int32Array, except: ConnId, event: ChatEvent): void;
  send(env: Envelope): void;
  effect(effect: Effect): void;
  /** Server time in ms since the epoch (injected, so tests decide it). */
  now(): number;
}

export const only = (conn: ConnId): Int32Array => Int32Array.of(conn);
