/**
 * `npx tsx bench/registration-flood.ts [--cost 17] [--flood 24] [--logins 20]`: login latency while unauthenticated
 * registrations flood one shop-server, against the same server at rest. Two servers run: one with the default bound on
 * password hashing in flight, one with the bound lifted (what shop did before). Needs `npm run build` first.
 * Prints p50 and p90 of the logins, and what the flood was answered. Not part of `npm run bench`: at production cost
 * it takes a minute and most of the machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, type RunningProcess, startServerProcess } from './lib/processes.js';
import { percentile } from './lib/stats.js';

const internals = {
  arg(name: string, fallback: number): number {
    const index = process.argv.indexOf(`--${name}`);
    return index === -1 ? fallback : Number(process.argv[index + 1]);
  },

  async post(url: string, body: unknown): Promise<number> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    return res.status;
  },

  async timeLogins(base: string, count: number, email: string): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const status = await internals.post(`${base}/auth/login`, { email, password: 'bench password 1' });
      if (status !== 200) {
        throw new Error(`login answered ${status}`);
      }
      times.push(performance.now() - started);
    }
    return times;
  },
};

async function measure(label: string, env: NodeJS.ProcessEnv, cost: number, flood: number, logins: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shop-flood-'));
  let server: RunningProcess | undefined;
  try {
    server = await startServerProcess(
      process.execPath,
      ['dist/server/main.js'],
      {
        NODE_ENV: 'production',
        DATABASE_URL: join(dir, 'shop.db'),
        SHOP_DATA_DIR: dir,
        SHOP_JWT_KEYS: 'bench:a-benchmark-secret-that-is-long-enough-0123456789',
        SHOP_PASSWORD_COST: String(cost),
        SHOP_REGISTER_MAX_PER_ADDRESS: '1000000', // the flood comes from one address; the per-address limit is not what is measured
        LOG_LEVEL: 'silent',
        ...env,
      },
      await freePort(),
      '/readyz',
    );
    const base = server.url;
    const email = `flood-${Date.now()}@bench.test`;
    await internals.post(`${base}/auth/register`, { email, password: 'bench password 1' });
    const quiet = await internals.timeLogins(base, logins, email);

    let running = true;
    const answers = new Map<number, number>();
    const attackers = Array.from({ length: flood }, async (_, index) => {
      for (let n = 0; running; n++) {
        const status = await internals.post(`${base}/auth/register`, { email: `x-${index}-${n}-${Date.now()}@bench.test`, password: 'bench password 1' }).catch(() => 0);
        answers.set(status, (answers.get(status) ?? 0) + 1);
        if (status === 503) {
          await new Promise((resolve) => setTimeout(resolve, 20)); // an impatient attacker retries quickly, not after Retry-After
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const flooded = await internals.timeLogins(base, logins, email);
    running = false;
    await Promise.all(attackers);

    const ms = (value: number): string => `${Math.round(value)} ms`;
    console.log(
      `${label}: login p50 ${ms(percentile(quiet, 0.5))} (p90 ${ms(percentile(quiet, 0.9))}) at rest; ` +
        `p50 ${ms(percentile(flooded, 0.5))} (p90 ${ms(percentile(flooded, 0.9))}) under ${flood} concurrent registrations; ` +
        `registrations answered ${[...answers].map(([status, count]) => `${status}×${count}`).join(', ')}`,
    );
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const cost = internals.arg('cost', 17);
const flood = internals.arg('flood', 24);
const logins = internals.arg('logins', 20);
await measure('hashing bounded (defaults)', {}, cost, flood, logins);
await measure('hashing unbounded (before)', { SHOP_HASHES_IN_FLIGHT: '1024', SHOP_REGISTER_HASHES_IN_FLIGHT: '1024' }, cost, flood, logins);
