// What an actor may do: hand back deliveries and effects, and message other actors.
// Actors never see a socket or a Worker; the host decides where a message goes.

import type { ConnId, Effect, Envelope } from '../model/messages.js';

export interface Outbox {
  deliver(to: Int32Array, except: ConnId, text: string): void;
  send(env: Envelope): void;
  effect(effect: Effect): void;
}

export const only = (conn: ConnId): Int32Array => Int32Array.of(conn);
