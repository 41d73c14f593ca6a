// What the gateway tells whoever watches it (the operator's log, src/ops/log-events.ts): the
// listeners, connections opening and closing with their reason, kicks with their cause. Called
// once per connection event, never per line; nothing a user typed is ever passed.

import type { AddressInfo } from 'node:net';
import type { ConnId } from '../model/messages.js';
import type { CloseReason, KickCause, RefuseReason } from './counts.js';

/** A connection as the log may name it: no text of the user's but its nickname. */
export interface ConnectionView {
  readonly id: ConnId;
  readonly protocol: string;
  readonly address: string;
  /** Its last nickname, kept after the name was released (null: it never had one). */
  readonly lastNick: string | null;
}

export interface CloseDetail {
  /** How long it was connected. */
  seconds: number;
  /** The socket error's code (ECONNRESET…) when the reason is `error`. */
  error?: string;
}

export interface GatewayObserver {
  listening(protocol: string, at: AddressInfo): void;
  /** An accept error (EMFILE, ENFILE…): about one new socket, never the ones served. */
  listenerError(protocol: string, err: NodeJS.ErrnoException): void;
  opened(conn: ConnectionView): void;
  kicked(conn: ConnectionView, cause: KickCause): void;
  closed(conn: ConnectionView, reason: CloseReason, detail: CloseDetail): void;
  refused(protocol: string, address: string, reason: RefuseReason): void;
  /** A server-operator login (the account name as given, never the password). */
  operLogin(conn: ConnectionView, account: string, outcome: 'accepted' | 'failed' | 'too_soon'): void;
}

/** For gateways nobody watches (tests, the bench's in-process servers). */
export const unobserved: GatewayObserver = {
  listening: () => {},
  listenerError: () => {},
  opened: () => {},
  kicked: () => {},
  closed: () => {},
  refused: () => {},
  operLogin: () => {},
};
