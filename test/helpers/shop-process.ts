import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { SERVER_BIN } from './cli-binary.js';

export { SERVER_BIN };

/** A `shop-server` process started by a test. */
export interface ShopProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every JSON log line the process wrote to stderr so far, parsed; other lines are kept in `rawErrors`. */
  readonly logs: Record<string, unknown>[];
  readonly rawErrors: string[];
  /** Resolves with the exit code, or the signal that ended it, once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartShopProcessOptions {
  /** Environment on top of a minimal one (PATH, HOME); PORT and HOST are filled in. */
  env: Record<string, string>;
  args?: string[];
  port?: number;
  /** How long to wait for `/readyz` to answer 200. */
  readyTimeoutMs?: number;
}

/** A port free on 127.0.0.1 right now: bound, read, and released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `url` until it answers 200, or throws after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) {
      throw new Error(`gave up waiting for ${url}: the process exited`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

/** Starts `node dist/server/main.js` on a loopback port and waits until it is ready. */
export async function startShopProcess(options: StartShopProcessOptions): Promise<ShopProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [SERVER_BIN, ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: String(port), ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const rawErrors: string[] = [];
  let buffered = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.trim() !== '')) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        rawErrors.push(line);
      }
    }
  });
  let running = true;
  const exited = (once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => {
    running = false;
    return { code, signal };
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(`${url}/readyz`, options.readyTimeoutMs ?? 20_000, () => running);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${rawErrors.join('\n')}`, { cause: error });
  }
  return { child, url, port, logs, rawErrors, exited };
}
