import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/** The built server, as `npm start` runs it. */
export const SERVER_BIN = resolve('dist/server/main.js');

/** A production-grade key every spawned instance shares, so a token from one is good on all. */
export const SHARED_JWT_KEYS = `adv-1:base64:${Buffer.from('adversarial-battery-shared-secret-of-48-bytes!!!').toString('base64')}`;

const internals = {
  modifiedAt(path: string): number | undefined {
    try {
      return statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
  },

  newest(directories: string[], pattern: RegExp): number {
    let latest = 0;
    const visit = (directory: string): void => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) {
          visit(path);
        } else if (pattern.test(entry.name)) {
          latest = Math.max(latest, statSync(path).mtimeMs);
        }
      }
    };
    directories.forEach(visit);
    return latest;
  },
};

/**
 * Builds dist/ when the server sources are newer than the built bin. `npm test` builds first; this keeps a single file
 * runnable on its own. tsc emits even when some other part of the tree does not typecheck.
 */
export async function ensureServerBuilt(): Promise<void> {
  const built = internals.modifiedAt(SERVER_BIN);
  if (built !== undefined && internals.newest(['dist/server', 'dist/shared'], /\.js$/) >= internals.newest(['server', 'shared'], /(?<!\.d)\.ts$/)) {
    return;
  }
  await promisify(execFile)(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']).catch(() => undefined);
  if (internals.modifiedAt(SERVER_BIN) === undefined) {
    throw new Error('npm run build did not produce dist/server/main.js');
  }
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

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
