// Every scenario of `npm run bench`, in the order `all` runs them: each runs its cases against
// every server of the run, each case on a freshly started server, and returns one CaseResult per
// (case, server). One file per scenario; what they share is in shared.ts and traffic.ts.

import { churn } from './churn.js';
import { cluster } from './cluster.js';
import { connections } from './connections.js';
import { fanout } from './fanout.js';
import { rate } from './rate.js';
import { rooms } from './rooms.js';
import type { Scenario } from './shared.js';

export type { RunContext, Scenario } from './shared.js';

export const SCENARIOS: readonly Scenario[] = [fanout, rate, connections, churn, rooms, cluster];

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.map((x) => x.name).join(', ')}, all)`);
  return s;
}
