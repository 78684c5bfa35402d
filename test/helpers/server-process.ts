import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { SERVER_BIN } from './cli-binary.js';

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

  freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
  },

  async waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
    const deadline = Date.now() + internals.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
      }
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(20);
    }
    throw new Error(`the server did not become ready within ${internals.readyTimeoutMs} ms:\n${output()}`);
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
 * restarts: what `shop` talks to in the end-to-end tests. Build the bins first (`ensureBuilt`).
 */
export async function createServerProcess(): Promise<ServerProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'shop-server-'));
  const port = await internals.freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: join(directory, 'shop.db'),
    SHOP_DATA_DIR: directory,
    SHOP_JWT_KEYS: 'k1:a-test-secret-that-is-long-enough-for-hs256!!',
    SHOP_PASSWORD_COST: '10',
    LOG_LEVEL: 'silent',
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
