#!/usr/bin/env node
/**
 * The `shop` executable: the only module that touches `process`. Everything else gets argv, env, streams and the
 * clock handed in (see cli/run.ts), and nothing here is imported until it is needed, because scripts run `shop` in
 * loops and pay for every module loaded at start-up.
 */
import module from 'node:module';
import { homedir, hostname } from 'node:os';
import v8 from 'node:v8';

// Node 22.1+ can cache compiled code between runs, which cuts start-up further; Node 20 does not have it.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// undici parses HTTP with llhttp compiled to WebAssembly. V8 compiles it quickly for a first run, then optimises it
// again in the background — and Node waits for that before exiting: ~40 ms on every `shop` that made a request,
// for speed a CLI sending a handful of requests never uses. Set before undici loads; affects WebAssembly only.
v8.setFlagsFromString('--liftoff-only');

const argv = process.argv.slice(2);

// `shop | head -1`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    process.exit(0);
  }
  throw error;
});

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The cheapest path: no commander, no command modules.
  const { readVersion } = await import('./version.js');
  process.stdout.write(`${readVersion()}\n`);
} else {
  const [{ runCli }, { readVersion }, { resolveConfigDir }] = await Promise.all([
    import('./run.js'),
    import('./version.js'),
    import('./store/paths.js'),
  ]);
  process.exitCode = await runCli({
    argv,
    io: {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      stdinIsTTY: process.stdin.isTTY === true,
      stdoutIsTTY: process.stdout.isTTY === true,
      stderrIsTTY: process.stderr.isTTY === true,
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
  });
}
