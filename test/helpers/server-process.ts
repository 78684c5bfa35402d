import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SERVER_BIN } from './cli-binary.js';
import { freePort, waitForOk } from './shop-process.js';

/** `node dist/server/main.js` as a separate process, to be stopped, killed and started again at the same address. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`: the same across restarts, as `shop` ties queued changes to it. */
  url: string;
  /** Starts the server — again, after `stop` or `kill`: same port, same database — and resolves once `/readyz` answers 200. */
  start(): Promise<void>;
  /** SIGTERM: in-flight requests finish, then it exits. */
  stop(): Promise<void>;
  /** SIGKILL: gone at once, mid-request and mid-transaction if that is where it was. */
  kill(): Promise<void>;
  /** Kills it if running and removes its database. */
  dispose(): Promise<void>;
}

const internals = {
  readyTimeoutMs: 15_000,
  /** Every server this test process started, killed should the process exit without disposing of them. */
  running: new Set<ChildProcess>(),
  exitHookInstalled: false,

  async waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
    const alive = (): boolean => child.exitCode === null && child.signalCode === null;
    try {
      await waitForOk(`${url}/readyz`, internals.readyTimeoutMs, alive);
    } catch (error) {
      throw new Error(`the server was not ready (${(error as Error).message}):\n${output()}`, { cause: error });
    }
  },

  async end(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  },
};

/**
 * A real shop server on a fixed free port of 127.0.0.1, over a SQLite file in a temporary directory that outlives
 * restarts (or over `databaseUrl`): what `shop` talks to in the end-to-end tests. Build the bins first (`ensureBuilt`).
 */
export async function createServerProcess(options: { databaseUrl?: string } = {}): Promise<ServerProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'shop-server-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PORT: String(port),
    HOST: '127.0.0.1',
    // Another instance's database when given: two processes over one database, as two instances behind a balancer.
    DATABASE_URL: options.databaseUrl ?? join(directory, 'shop.db'),
    SHOP_DATA_DIR: directory,
    SHOP_JWT_KEYS: 'k1:a-test-secret-that-is-long-enough-for-hs256!!',
    SHOP_PASSWORD_COST: '10',
    // The end-to-end suites register many accounts from 127.0.0.1.
    SHOP_REGISTER_MAX_PER_ADDRESS: '1000000',
    // Warnings and errors only, kept with the output shown when a start fails (a silent server says nothing of why).
    LOG_LEVEL: 'warn',
    // The transaction-misuse check, off by default, is on wherever the tests run the server.
    SHOP_DEBUG_TRANSACTIONS: '1',
  };
  if (!internals.exitHookInstalled) {
    internals.exitHookInstalled = true;
    process.once('exit', () => internals.running.forEach((child) => child.kill('SIGKILL')));
  }
  let child: ChildProcess | undefined;

  const server: ServerProcess = {
    url,
    async start() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        return;
      }
      let output = '';
      const started = spawn(process.execPath, [SERVER_BIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      internals.running.add(started);
      started.once('exit', () => internals.running.delete(started));
      child = started;
      await internals.waitUntilReady(url, started, () => output);
    },
    stop: () => internals.end(child, 'SIGTERM'),
    kill: () => internals.end(child, 'SIGKILL'),
    async dispose() {
      await internals.end(child, 'SIGKILL');
      await rm(directory, { recursive: true, force: true });
    },
  };
  return server;
}
