// An in-process node-chat server on an ephemeral port, for end-to-end tests over real TCP.

import { defaultConfig, type Config } from '../../src/config.js';
import { Gateway } from '../../src/gateway/gateway.js';

export interface TestServer {
  port: number;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const gateway = new Gateway(defaultConfig({ host: '127.0.0.1', port: 0, workers: 1, floodRate: 0, shutdownGraceSeconds: 1, ...overrides }));
  const { port } = await gateway.listen();
  return { port, gateway, close: () => gateway.close(200) };
}
