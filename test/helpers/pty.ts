import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import { SHOP_BIN } from './cli-binary.js';

/** A shell command line running in a real pseudo-terminal, typed into as a person would. */
export interface PtySession {
  /** Everything the terminal showed so far (stdout and stderr together, as on a screen). */
  output(): string;
  /** Sends keys one at a time, with a pause between them, as typing does. */
  type(keys: string, pauseMs?: number): Promise<void>;
  /** Sends text in one write, as a paste (or keys arriving together) does. */
  paste(text: string): Promise<void>;
  /** Waits until the screen shows `text` after `from` (an offset into output()). */
  waitFor(text: string, from?: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the command has exited, with its exit code. */
  readonly exited: Promise<number | null>;
}

/**
 * Runs `commandLine` in bash inside a pseudo-terminal made by util-linux `script`, so stdin, stdout and stderr are a
 * real terminal (raw mode, echo, line discipline). In the command line `shop` is the built bin. The environment holds
 * only what is given.
 */
export function runInPty(commandLine: string, env: Record<string, string>): PtySession {
  const shop = `shop() { '${process.execPath}' '${SHOP_BIN}' "$@"; }`;
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', `bash --norc --noprofile -c ${quote(`${shop}\n${commandLine}`)}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', SHELL: '/bin/bash', TERM: 'xterm-256color', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
  });
  const send = (text: string) =>
    new Promise<void>((resolve, reject) => {
      child.stdin.write(text, (error) => (error ? reject(error) : resolve()));
    });
  return {
    output: () => screen,
    async type(keys, pauseMs = 40) {
      for (const key of [...keys]) {
        await send(key);
        await sleep(pauseMs);
      }
    },
    paste: send,
    async waitFor(text, from = 0, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!screen.slice(from).includes(text)) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`timed out waiting for ${JSON.stringify(text)}; the terminal shows:\n${screen}`);
        }
        await sleep(20);
      }
      // The prompt is drawn before raw mode is on and the keys are listened for; give it that turn.
      await sleep(50);
    },
    exited,
  };
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
