import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import { ensureBuilt, SERVER_BIN } from '../../helpers/cli-binary.js';
import { freePort } from '../../helpers/shop-process.js';

export { freePort, SERVER_BIN };

/** The bins are built by `npm test`; this keeps a single battery file runnable on its own. */
export const ensureServerBuilt = ensureBuilt;

/** A production-grade key every spawned instance shares, so a token from one is good on all. */
export const SHARED_JWT_KEYS = `adv-1:base64:${Buffer.from('adversarial-battery-shared-secret-of-48-bytes!!!').toString('base64')}`;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the built server with exactly `env` (plus PATH) and waits for it to exit; kills it after `timeoutMs`. */
export function runServerToExit(env: Record<string, string>, timeoutMs = 15_000): Promise<Exit & { stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [SERVER_BIN], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

/** One running `node dist/server/main.js`. */
export interface ServerProcess {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** What it wrote to stderr so far: its log. */
  log(): string;
  /** `undefined` while it runs. */
  exit(): Exit | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<Exit>;
}

/**
 * Starts the built server on a free port with a production configuration and `env` on top, and waits until `/healthz`
 * answers. Throws with the server's log if it exits or does not answer within 20 s.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [SERVER_BIN], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      SHOP_JWT_KEYS: SHARED_JWT_KEYS,
      SHOP_PASSWORD_COST: '10',
      // The suites register many accounts from 127.0.0.1, many at once.
      SHOP_REGISTER_MAX_PER_ADDRESS: '1000000',
      SHOP_REGISTER_HASHES_IN_FLIGHT: '64',
      SHOP_HASHES_IN_FLIGHT: '64',
      SHOP_SHUTDOWN_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolveExit(exit);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const process_: ServerProcess = {
    url,
    log: () => log,
    exit: () => exit,
    async stop(timeoutMs = 5000) {
      if (exit) {
        return exit;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exit) {
      throw new Error(`shop-server exited with ${exit.code ?? exit.signal} before answering:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) {
        return process_;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await process_.stop(1000);
      throw new Error(`shop-server did not answer /healthz within 20 s:\n${log}`);
    }
    await sleep(50);
  }
}
