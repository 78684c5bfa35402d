import { spawnSync } from 'node:child_process';

import { median } from './stats.js';

/**
 * The environment CLI runs are timed in: this one, without NODE_EXTRA_CA_CERTS unless `extra` puts it back. Set (as
 * on the machines this benchmark was written on), it makes every Node process read a CA bundle at start (~80 ms
 * there), `node -e 0` as much as `shop`, burying what is compared under a cost neither side has by itself.
 */
export function cliEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return { ...env, ...extra };
}

/**
 * Median wall time in ms of running each command `runs` times, interleaved (A, B, A, B, …) so that drift on a shared
 * machine hits every command alike, after one untimed run of each: the first run of a `shop` command after a build
 * compiles it and writes its code cache, which a script running it in a loop pays once. Each run must exit 0.
 */
export function measureWallTimes(commands: Record<string, { args: string[]; env?: NodeJS.ProcessEnv }>, runs: number): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let run = -1; run < runs; run++) {
    for (const [name, { args, env }] of Object.entries(commands)) {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, { env: cliEnvironment(env), stdio: ['ignore', 'ignore', 'pipe'] });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) {
        throw new Error(`${name} exited with ${result.status}: ${result.stderr.toString()}`);
      }
      if (run >= 0) {
        samples[name]?.push(elapsed);
      }
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}
