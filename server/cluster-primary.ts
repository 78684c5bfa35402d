import cluster, { type Worker } from 'node:cluster';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from './logger.js';

export interface ClusterPrimaryOptions {
  workers: number;
  log: Logger;
  /** Exit code a worker uses for a bad configuration: restarting it cannot help, so the primary gives up. */
  configExitCode: number;
}

const internals = {
  /** A worker that dies sooner than this after it started is crashing at start-up: wait before the next one. */
  minUptimeMs: 5_000,
  restartDelayMs: 1_000,
};

/**
 * The primary of `shop-server --workers N`: forks N workers that each run the whole server and share the listening
 * port (node:cluster hands out connections round-robin), replaces a worker that dies, and on SIGTERM or SIGINT passes
 * SIGTERM on to every worker — each drains and stops on its own — then exits once they all have. It holds no state and
 * serves no request: the workers are ordinary stateless instances that happen to share a port.
 */
export function runClusterPrimary({ workers, log, configExitCode }: ClusterPrimaryOptions): void {
  let stopping = false;
  let failed = false;
  const started = new Map<Worker, number>();

  const fork = (): void => {
    started.set(cluster.fork(), Date.now());
  };

  cluster.on('exit', (worker, code, signal) => {
    const uptime = Date.now() - (started.get(worker) ?? Date.now());
    started.delete(worker);
    if (stopping) {
      failed ||= code !== 0;
      if (started.size === 0) {
        log.info({}, 'all workers stopped');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (code === configExitCode) {
      log.error({ pid: worker.process.pid, code }, 'a worker refused the configuration; stopping');
      stopping = true;
      failed = true;
      for (const other of started.keys()) {
        other.process.kill('SIGTERM');
      }
      if (started.size === 0) {
        process.exit(configExitCode);
      }
      return;
    }
    log.error({ pid: worker.process.pid, code, signal, uptimeMs: uptime }, 'worker died; starting another');
    void (uptime < internals.minUptimeMs ? sleep(internals.restartDelayMs) : Promise.resolve()).then(() => {
      if (!stopping) {
        fork();
      }
    });
  });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal, workers: started.size }, 'stopping workers');
    for (const worker of started.keys()) {
      worker.process.kill('SIGTERM');
    }
    if (started.size === 0) {
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (let i = 0; i < workers; i++) {
    fork();
  }
  log.info({ workers }, 'cluster primary started');
}
