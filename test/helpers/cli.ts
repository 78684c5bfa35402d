import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import type { CliContext } from '../../cli/deps.js';
import { runCli } from '../../cli/run.js';
import type { LockHolder } from '../../cli/store/file-lock.js';

/** What one in-process `shop` run printed, and how it exited. */
export interface ShopRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Text to type once `prompt` has appeared on stderr (prompts are drawn there). */
export interface Answer {
  prompt: string;
  keys: string;
}

export interface RunShopOptions {
  configDir: string;
  /** Sets SHOP_SERVER. */
  server?: string;
  /** The whole environment the CLI sees, besides SHOP_SERVER; nothing leaks in from the test process. */
  env?: Record<string, string | undefined>;
  /** Piped to stdin, which then ends. Ignored for a terminal stdin. */
  stdin?: string;
  /** Which streams claim to be terminals; `true` means all three. */
  tty?: boolean | { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** Keystrokes for Ink prompts; needs a terminal stdin. */
  answers?: readonly Answer[];
  now?: () => number;
  columns?: number;
}

/** This test process as a lock holder, as cli/main.ts describes the real `shop` one. */
const lockHolder: LockHolder = {
  pid: process.pid,
  host: hostname(),
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

/** A stdin that says it is a terminal and accepts the raw-mode calls Ink makes. */
class FakeTerminalInput extends PassThrough {
  readonly isTTY = true;
  setRawMode(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** Runs `shop <argv>` in this process, with injected streams, env and clock. */
export async function runShop(argv: readonly string[], options: RunShopOptions): Promise<ShopRun> {
  const tty = options.tty === true ? { stdin: true, stdout: true, stderr: true } : options.tty === false ? {} : (options.tty ?? {});
  const stdin = tty.stdin === true ? new FakeTerminalInput() : new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  if (tty.stdin !== true) {
    stdin.end(options.stdin ?? '');
  }

  const context: CliContext = {
    argv,
    io: {
      stdin,
      stdout,
      stderr,
      stdinIsTTY: tty.stdin === true,
      stdoutIsTTY: tty.stdout === true,
      stderrIsTTY: tty.stderr === true,
      columns: options.columns ?? 100,
    },
    // The 0600 file unless a test asks for the keyring: a developer's own keyring must not change what tests see.
    env: { SHOP_CREDENTIAL_STORE: 'file', ...(options.server === undefined ? {} : { SHOP_SERVER: options.server }), ...options.env },
    now: options.now ?? (() => Date.now()),
    configDir: options.configDir,
    platform: process.platform,
    version: '0.0.0-test',
    nodeVersion: process.versions.node,
    lockHolder,
    retryDelaysMs: [5, 5],
  };

  const running = runCli(context);
  for (const answer of options.answers ?? []) {
    await waitForText(() => err, answer.prompt);
    stdin.write(answer.keys);
  }
  const code = await running;
  return { code, stdout: out, stderr: err };
}

async function waitForText(read: () => string, text: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!read().includes(text)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for "${text}"; stderr so far: ${read()}`);
    }
    await sleep(10);
  }
  // Ink attaches its input listener in an effect after the first frame; give it that turn.
  await sleep(20);
}

/** A fresh, empty config directory, removed by `remove()`. */
export async function makeConfigDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'shop-cli-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A unique address per call, so tests sharing a server never collide. */
export function uniqueEmail(prefix = 'cli'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

export const TEST_PASSWORD = 'correct horse battery staple';

/** Registers a new account with `shop register` (which also logs in) and returns its email. */
export async function registerWithCli(server: string, configDir: string, email = uniqueEmail()): Promise<string> {
  const run = await runShop(['register', '--email', email, '--password-stdin'], {
    server,
    configDir,
    stdin: `${TEST_PASSWORD}\n`,
  });
  if (run.code !== 0) {
    throw new Error(`shop register failed with ${run.code}: ${run.stderr}`);
  }
  return email;
}

/** Parses stdout as the one JSON document `--json` promises; throws if there is anything else. */
export function parseJson<T = unknown>(run: ShopRun): T {
  return JSON.parse(run.stdout) as T;
}

/** True when the text holds an ANSI escape sequence (colour, cursor movement). */
export function hasEscapeCodes(text: string): boolean {
  return text.includes('\u001b');
}
