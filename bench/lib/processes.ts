import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export { freePort } from '../../test/helpers/shop-process.js';

export interface RunningProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a server in its own process on `port` and resolves once `readyPath` answers 200, so every variant pays for
 * its own event loop and none shares one with the load generator.
 */
export async function startServerProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
): Promise<RunningProcess> {
  // A variable `env` gives as undefined is left out: spawn passes on only those with a value.
  const child = spawn(command, args, { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      const res = await fetch(`${url}${readyPath}`);
      if (res.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not become ready: ${stderr}`);
    }
    await sleep(50);
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), sleep(5000).then(() => child.kill('SIGKILL'))]);
      }
    },
  };
}
