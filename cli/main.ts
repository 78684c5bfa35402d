/**
 * Runs `shop` in this process: with cli/launcher.ts, the only module that touches `process`. Everything else gets
 * argv, env, streams and the clock handed in (see cli/run.ts). Built into dist/cli/main.cjs, one file with commander
 * and undici, which cli/launcher.ts (the `shop` executable) loads and calls.
 */
import { homedir, hostname } from 'node:os';

import type { ModuleLoaders } from './deps.js';
import { runCli } from './run.js';
import { resolveConfigDir } from './store/paths.js';
import { readVersion } from './version.js';

export async function main(loaders: ModuleLoaders): Promise<void> {
  // `shop | head -1`: a reader that stops early is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(0);
    }
    throw error;
  });

  process.exitCode = await runCli({
    argv: process.argv.slice(2),
    io: {
      // Getters: Node builds process.stdin when first read (a file stream, with node:fs/promises, when stdin is
      // /dev/null), and most commands never read it nor ask whether it is a terminal.
      get stdin() {
        return process.stdin;
      },
      stdout: process.stdout,
      // The same for stderr: when it is a pipe or a terminal, building it costs ~3–8 ms, and a command that succeeds
      // quietly (`cart list --json` in a script) writes nothing there.
      get stderr() {
        return process.stderr;
      },
      get stdinIsTTY() {
        return process.stdin.isTTY === true;
      },
      stdoutIsTTY: process.stdout.isTTY === true,
      get stderrIsTTY() {
        return process.stderr.isTTY === true;
      },
      columns: process.stdout.columns,
    },
    env: process.env,
    now: () => Date.now(),
    configDir: resolveConfigDir(process.env, process.platform, homedir()),
    platform: process.platform,
    lockHolder: {
      pid: process.pid,
      host: hostname(),
      isAlive: (pid) => {
        try {
          // Signal 0 checks that the process exists without touching it.
          process.kill(pid, 0);
          return true;
        } catch (error) {
          // EPERM: it exists, it is just not ours.
          return (error as NodeJS.ErrnoException).code === 'EPERM';
        }
      },
    },
    version: readVersion(),
    nodeVersion: process.versions.node,
    loaders,
  });
}
