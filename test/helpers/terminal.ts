import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import { SHOP_BIN } from './cli-binary.js';

/** Keys to type once `prompt` has appeared on the terminal. */
export interface TerminalAnswer {
  prompt: string;
  keys: string;
}

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed — stdout and stderr together, escape sequences included — and what it echoed. */
  screen: string;
}

/**
 * Runs the built `shop` in a real pseudo-terminal: util-linux `script` opens one, so stdin, stdout and stderr are a
 * tty, raw mode and echo are the kernel's, and Ink draws as it would for a person. Each answer is typed once its prompt
 * is on the screen. The environment holds only what is given.
 */
export async function runInTerminal(args: readonly string[], env: Record<string, string>, answers: readonly TerminalAnswer[], timeoutMs = 15_000): Promise<TerminalRun> {
  const quoted = [process.execPath, SHOP_BIN, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  // A pty starts 0×0; give it a size, as a terminal window would.
  const child = spawn('script', ['--quiet', '--return', '--command', `stty cols 100 rows 30; exec ${quoted}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', TERM: 'xterm-256color', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (const answer of answers) {
      while (!screen.includes(answer.prompt)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`"${answer.prompt}" never appeared on the terminal; it showed: ${JSON.stringify(screen)}`);
        }
        await sleep(20);
      }
      // Ink attaches its input handler in an effect after drawing the prompt.
      await sleep(50);
      child.stdin.write(answer.keys);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, deadline - Date.now()));
    const code = await exited;
    clearTimeout(timer);
    return { code, screen };
  } finally {
    // Left open until now: `script` ends the session when its stdin ends.
    child.stdin.end();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
    }
  }
}
