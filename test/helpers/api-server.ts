import type { Config } from '../../server/config.js';
import { openStore } from '../../server/db/open-store.js';
import { seedDemoCatalog } from '../../server/db/seed.js';
import type { Store } from '../../server/db/store.js';
import { createServer, stopServer } from '../../server/server.js';
import { testConfig } from './config.js';

export interface RunningApiServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  store: Store;
  stop(): Promise<void>;
}

export interface ApiServerOptions {
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** The server's clock; tests move it to expire tokens. */
  now?: () => Date;
  config?: Partial<Omit<Config, 'jwt'>>;
}

/** A real server listening on an ephemeral loopback port over in-memory SQLite with the demo catalog: what the CLI talks to. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<RunningApiServer> {
  const store = await openStore({ url: ':memory:', dataDir: './data' });
  await seedDemoCatalog(store);
  const jwt: Partial<Config['jwt']> = {};
  if (options.accessTokenTtlSeconds !== undefined) {
    jwt.accessTokenTtlSeconds = options.accessTokenTtlSeconds;
  }
  if (options.refreshTokenTtlSeconds !== undefined) {
    jwt.refreshTokenTtlSeconds = options.refreshTokenTtlSeconds;
  }
  const config = testConfig({ ...options.config, jwt });
  const server = await createServer({ config, store, ...(options.now ? { now: options.now } : {}) });
  await server.start();
  return {
    url: server.info.uri,
    store,
    async stop() {
      await stopServer(server, 1000);
      await store.close();
    },
  };
}
