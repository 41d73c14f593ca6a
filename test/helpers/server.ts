// An in-process node-chat server on an ephemeral port, for end-to-end tests over real TCP.

import { defaultConfig, type Config } from '../../src/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { telnetEdge, telnetLimits } from '../../src/edges/telnet/edge.js';
import { ActorPool, localSystem } from '../../src/runtime/pool.js';
import type { SystemFactory } from '../../src/runtime/system.js';

export interface TestServer {
  port: number;
  gateway: Gateway;
  /** Ends actor host `index` as a crash would. */
  kill(index: number): void;
  close(): Promise<void>;
}

/** A telnet gateway on `system` (default: the config's local Worker pool), as main.ts builds one. */
export function telnetGateway(config: Config, system: SystemFactory = localSystem(config.workers, config.actors)): Gateway {
  return new Gateway(config, system, telnetEdge(telnetLimits(config)));
}

export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const gateway = telnetGateway(defaultConfig({ host: '127.0.0.1', port: 0, workers: 1, floodRate: 0, shutdownGraceSeconds: 1, ...overrides }));
  const { port } = await gateway.listen();
  const pool = gateway.system as ActorPool; // localSystem makes an ActorPool
  return {
    port,
    gateway,
    kill: (index) => {
      if (!pool.kill(index)) throw new Error('an in-thread host cannot be killed');
    },
    close: () => gateway.close(200),
  };
}
