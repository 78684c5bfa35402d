#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseServerArgs, SERVER_USAGE } from './args.js';
import { runCatalogCommand } from './catalog/command.js';
import { runClusterPrimary } from './cluster-primary.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { backfillEmailSkeletons } from './auth/email-skeleton.js';
import { openStore } from './db/open-store.js';
import { seedDemoCatalog } from './db/seed.js';
import { loadOrCreateDevSecret } from './dev-secret.js';
import { startHousekeeping } from './housekeeping.js';
import { createLogger, type Logger } from './logger.js';
import { createServer, stopServer } from './server.js';

const internals = {
  /** EX_CONFIG: the operator must change the configuration; restarting will not help. */
  configExitCode: 78,
  /** See StopOptions.acceptedGraceMs: ample for a request already on its way, short enough not to hold up a stop. */
  acceptedGraceMs: 250,

  /** The package's version, from the nearest package.json above this file (dist/server/ in an install). */
  version(): string {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let depth = 0; depth < 4; depth++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'shop' && typeof pkg.version === 'string') {
          return pkg.version;
        }
      } catch {
        // Not here; look one level up.
      }
    }
    return '0.0.0';
  },
};

/** One instance: open the store, listen, and on SIGTERM/SIGINT drain, stop, and exit. */
async function runServer(config: Config, log: Logger): Promise<void> {
  // The transaction-misuse check costs every request (see TransactionScope): only on when asked for, in any mode, so
  // `npm start` runs the program production runs. The tests run with it on.
  const store = await openStore({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteMaxBytes: config.sqliteMaxBytes,
    checkTransactionUse: config.debugTransactions,
    onWarning: (message) => log.warn(message),
  });
  if (config.seedCatalog) {
    const seeded = await seedDemoCatalog(store);
    if (seeded > 0) {
      log.info({ products: seeded }, 'seeded the demo catalog');
    }
  }
  const skeletons = await backfillEmailSkeletons(store);
  if (skeletons > 0) {
    log.info({ accounts: skeletons }, 'recorded the look-alike keys of existing accounts');
  }
  const server = await createServer({ config, store, log, version: internals.version() });
  await server.start();
  const stopHousekeeping = startHousekeeping(store, log, () => new Date(), {
    loginWindowSeconds: config.loginThrottle.windowSeconds,
    registrationWindowSeconds: config.registrationThrottle.windowSeconds,
    guestTtlSeconds: config.guestTtlSeconds,
  });
  log.info({ url: server.info.uri, database: store.dialect, env: config.env, jwtAlgorithm: config.jwt.algorithm }, 'shop-server listening');

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal, drainDelayMs: config.drainDelayMs }, 'shutting down: /readyz fails from now, then in-flight requests finish');
    try {
      stopHousekeeping();
      await stopServer(server, config.shutdownTimeoutMs, { drainDelayMs: config.drainDelayMs, acceptedGraceMs: internals.acceptedGraceMs });
      await store.close();
      log.info({}, 'stopped');
      process.exitCode = 0;
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
    }
    // A cluster worker's IPC channel would keep it alive; a lone server has nothing left to wait for either.
    process.exit();
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

/** The only function that reads process.env and process.argv. */
async function main(): Promise<void> {
  if (process.argv[2] === 'catalog') {
    process.exitCode = await runCatalogCommand(process.argv.slice(3), { stdout: process.stdout, stderr: process.stderr, env: process.env });
    return;
  }
  const args = parseServerArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(SERVER_USAGE);
    return;
  }
  const env = args.workers === undefined ? process.env : { ...process.env, WORKERS: args.workers };
  // The primary loads the configuration too: it fails fast on a bad one, and creates the development secret before
  // any worker could race to.
  const config = loadConfig(env, loadOrCreateDevSecret);
  const log = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) {
    runClusterPrimary({ workers: config.workers, log, configExitCode: internals.configExitCode });
    return;
  }
  await runServer(config, log);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`shop-server: ${error.message}\n`);
    process.exit(internals.configExitCode);
  }
  process.stderr.write(`shop-server: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
