#!/usr/bin/env node
import { loadConfig, ConfigError } from './config.js';
import { openStore } from './db/open-store.js';
import { seedDemoCatalog } from './db/seed.js';
import { loadOrCreateDevSecret } from './dev-secret.js';
import { createJsonLogger, type LogLevel } from './logger.js';
import { startHousekeeping } from './housekeeping.js';
import { createServer, stopServer } from './server.js';

/** The only file that reads process.env, listens, and handles signals. */
async function main(): Promise<void> {
  const log = createJsonLogger((process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info', (line) => process.stderr.write(line));
  const config = loadConfig(process.env, loadOrCreateDevSecret);
  const store = await openStore({ url: config.databaseUrl, dataDir: config.dataDir });
  if (config.seedCatalog) {
    const seeded = await seedDemoCatalog(store);
    if (seeded > 0) {
      log.info({ products: seeded }, 'seeded the demo catalog');
    }
  }
  const server = await createServer({ config, store, log });
  await server.start();
  const stopHousekeeping = startHousekeeping(store, log, () => new Date());
  log.info({ url: server.info.uri, database: store.dialect, env: config.env }, 'shop-server listening');

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      stopHousekeeping();
      await stopServer(server, config.shutdownTimeoutMs);
      await store.close();
      log.info({}, 'stopped');
      process.exitCode = 0;
    } catch (error) {
      log.error({ err: (error as Error).stack }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`shop-server: ${error.message}\n`);
    process.exit(78); // EX_CONFIG: the operator must change the configuration, restarting will not help.
  }
  process.stderr.write(`shop-server: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
