// The IRCv3 capabilities we offer (CAP LS), and which of them change the bytes of a broadcast.
// Delivery renders an event once per codec object among its recipients (see gateway/delivery.ts),
// so sessions whose capabilities make a broadcast read the same share one codec: one render
// per event per variant, whatever the number of recipients.

export const CAPS = ['away-notify', 'batch', 'cap-notify', 'draft/chathistory', 'echo-message', 'message-tags', 'multi-prefix', 'server-time', 'setname', 'userhost-in-names'] as const;

export type Cap = (typeof CAPS)[number];

export const isCap = (name: string): name is Cap => (CAPS as readonly string[]).includes(name);

/**
 * The capabilities that change how a broadcast reads, as bits of the codec variant: `@time`,
 * `@msgid`, and whether AWAY and SETNAME lines are sent at all. The others only change answers to one user
 * (NAMES, an echo of one's own private message), rendered for that user alone.
 */
export const VARIANT_BITS: Partial<Record<Cap, number>> = { 'server-time': 1, 'message-tags': 2, 'away-notify': 4, setname: 8 };

export function variantOf(caps: ReadonlySet<Cap>): number {
  let bits = 0;
  for (const cap of caps) bits |= VARIANT_BITS[cap] ?? 0;
  return bits;
}
