// A throwaway redis-server on a free port, persistence off, for cluster tests: the bench's
// own (bench/redis.ts), with a restart on the same port for the tests that need one.

import { RedisServer, redisMissing } from '../../bench/redis.js';

export interface TestRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
  /** Stops and starts it again on the same port: empty, as after a crash without persistence. */
  restart(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const missing = redisMissing('redis-server');
  if (missing !== null) throw new Error(`${missing} (.ci/run installs it)`);
  let server = await RedisServer.start();
  return {
    port: server.port,
    url: server.url,
    stop: () => server.kill(),
    restart: async () => {
      await server.kill();
      server = await RedisServer.launch('redis-server', server.port);
    },
  };
}
