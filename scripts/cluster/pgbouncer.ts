import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import postgres from 'postgres';

import type { Cart } from '../../shared/wire.js';
import { ownByPostgres } from '../../test/helpers/postgres.js';
import { freePort } from '../../test/helpers/shop-process.js';
import type { Checks } from './checks.js';
import { Deployment } from './deployment.js';
import { type LoadUser, registerUsers, runCartLoad } from './load.js';
import { checkExactlyOnce, report } from './report.js';
import { judge, readStoredCarts } from './verify.js';

/** The PgBouncer settings the README gives operators; the test runs PgBouncer with exactly these. */
export const PGBOUNCER_SETTINGS = {
  pool_mode: 'transaction',
  /** Server connections per database and user: what Postgres sees, however many instances connect. */
  default_pool_size: 8,
  max_client_conn: 1000,
  /** shop sends statement_timeout at connect; PgBouncer 1.18 refuses start-up parameters it does not track. */
  ignore_startup_parameters: 'statement_timeout',
  /** A request waiting longer than this for a server connection gets an error (shop answers 503) instead of hanging. */
  query_wait_timeout: 10,
  server_lifetime: 600,
  server_idle_timeout: 60,
} as const;

export interface PgbouncerPhaseOptions {
  env: Record<string, string>;
  /** A superuser URL on the Postgres server PgBouncer pools for. */
  adminUrl: string;
  users: number;
  clientsPerUser: number;
  skus: readonly string[];
}

/** Where the pgbouncer executable is, on PATH or in the usual sbin directories; undefined when it is not installed. */
export function pgbouncerBinary(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'].filter(Boolean)) {
    try {
      accessSync(join(dir, 'pgbouncer'), constants.X_OK);
      return join(dir, 'pgbouncer');
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export interface RunningPgbouncer {
  port: number;
  stop(): Promise<void>;
}

const internals = {
  database: 'shop_pgbouncer',
  loadMs: 6000,
  replays: 8,

  findPgbouncer(): string {
    const binary = pgbouncerBinary();
    if (binary === undefined) {
      throw new Error('pgbouncer was not found: install it (apt-get install pgbouncer); .ci/run does');
    }
    return binary;
  },

  async waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`pgbouncer exited with ${child.exitCode}`);
      }
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`pgbouncer did not listen on ${port} within ${timeoutMs} ms`);
      }
      await sleep(50);
    }
  },

  /**
   * Runs PgBouncer in the foreground with a generated configuration, listening on 127.0.0.1 only, with trust
   * authentication for the `postgres` user (loopback, throwaway data). As root it runs as `postgres`: PgBouncer
   * refuses to run as root.
   */
  async start(target: URL, dir: string, database: string): Promise<RunningPgbouncer> {
    const port = await freePort();
    const settings = Object.entries(PGBOUNCER_SETTINGS).map(([name, value]) => `${name} = ${value}`);
    const ini = [
      '[databases]',
      `shop = host=${target.hostname} port=${target.port} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      ...settings,
    ].join('\n');
    writeFileSync(join(dir, 'pgbouncer.ini'), `${ini}\n`);
    writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n');
    ownByPostgres(dir);
    for (const file of ['pgbouncer.ini', 'userlist.txt']) {
      ownByPostgres(join(dir, file));
    }
    const binary = internals.findPgbouncer();
    const [command, args] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, join(dir, 'pgbouncer.ini')]] : [binary, [join(dir, 'pgbouncer.ini')]];
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = once(child, 'exit');
    try {
      await internals.waitForPort(port, child, 10_000);
    } catch (error) {
      child.kill('SIGKILL');
      let log = '';
      try {
        log = readFileSync(join(dir, 'pgbouncer.log'), 'utf8');
      } catch {
        // None written.
      }
      throw new Error(`${(error as Error).message}\n${stderr}\n${log}`, { cause: error });
    }
    return {
      port,
      async stop() {
        if (child.exitCode === null) {
          // runuser passes SIGTERM on to pgbouncer, which stops at once.
          child.kill('SIGTERM');
          await exited;
        }
      },
    };
  },

  /**
   * The same keyed add sent `replays` times at once: exactly one is applied, and every 200 carries the same body
   * (the others wait for it or get 409 in flight and try again).
   */
  async replayOneKey(baseUrl: string, user: LoadUser, sku: string): Promise<{ key: string; bodies: Set<string>; statuses: number[] }> {
    const key = randomUUID();
    const statuses: number[] = [];
    const bodies = new Set<string>();
    await Promise.all(
      Array.from({ length: internals.replays }, async () => {
        for (let attempt = 0; attempt < 40; attempt++) {
          const res = await fetch(`${baseUrl}/cart/items`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}`, 'idempotency-key': key },
            body: JSON.stringify({ sku, quantity: 1 }),
            signal: AbortSignal.timeout(15_000),
          });
          const text = await res.text();
          statuses.push(res.status);
          if (res.status === 200) {
            bodies.add(text);
            return;
          }
          await sleep(50 + Math.random() * 100);
        }
      }),
    );
    return { key, bodies, statuses };
  },

  async cartQuantity(baseUrl: string, user: LoadUser, sku: string): Promise<number> {
    const res = await fetch(`${baseUrl}/cart`, { headers: { authorization: `Bearer ${user.accessToken}` } });
    const cart = (await res.json()) as Cart;
    return cart.lines.find((line) => line.sku === sku)?.quantity ?? 0;
  },
};

/**
 * Starts PgBouncer with {@link PGBOUNCER_SETTINGS} in front of `database` on the Postgres server at `target`, with
 * a configuration written to `dir`; clients connect to database `shop` on the returned port (with `prepare=false`).
 * Also used by bench/run.ts, so the benchmark measures the configuration the cluster test proves.
 */
export function startPgbouncer(target: URL, dir: string, database: string): Promise<RunningPgbouncer> {
  return internals.start(target, dir, database);
}

/**
 * Three instances through PgBouncer in transaction pooling mode (`prepare=false` in their URL): they start and migrate
 * at once, then keyed cart adds from concurrent retrying clients, and concurrent replays of one key. Nothing may be
 * lost or doubled, and Postgres must see no more server connections than PgBouncer's pool.
 */
export async function pgbouncerPhase(checks: Checks, phase: string, options: PgbouncerPhaseOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shop-pgbouncer-'));
  checks.defer(() => rmSync(dir, { recursive: true, force: true }));
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {}, fetch_types: false });
  checks.defer(() => admin.end({ timeout: 1 }));
  await admin`CREATE DATABASE ${admin(internals.database)}`;
  // Behind PgBouncer the statement timeout is the database's (or the role's) setting; see PGBOUNCER_SETTINGS.
  await admin`ALTER DATABASE ${admin(internals.database)} SET statement_timeout = '15s'`;
  const target = new URL(options.adminUrl);
  const bouncer = await startPgbouncer(target, dir, internals.database);
  checks.defer(() => bouncer.stop());

  let peak = 0;
  let sampling = true;
  let samplerError: unknown;
  // Counts what Postgres itself sees, over a direct connection to another database, so the sampler is not counted.
  const sampler = (async () => {
    while (sampling) {
      const [row] = await admin<{ count: number }[]>`
        SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = ${internals.database} AND backend_type = 'client backend'`;
      peak = Math.max(peak, row?.count ?? 0);
      await sleep(50);
    }
  })().catch((error: unknown) => {
    samplerError = sampling ? error : undefined;
  });
  checks.defer(async () => {
    sampling = false;
    await sampler;
  });

  const started = Date.now();
  const url = `postgres://postgres@127.0.0.1:${bouncer.port}/shop?prepare=false`;
  const deployment = await Deployment.start(checks, phase, { ...options.env, DATABASE_URL: url });
  checks.log(`  ${phase}: PgBouncer ${PGBOUNCER_SETTINGS.pool_mode} pooling (pool size ${PGBOUNCER_SETTINGS.default_pool_size}) on :${bouncer.port}; 3 instances started and migrated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const users = await registerUsers(deployment.nginx.url, phase, options.users);
  const loadStarted = Date.now();
  const load = await runCartLoad({
    baseUrl: deployment.nginx.url,
    phase,
    users,
    clientsPerUser: options.clientsPerUser,
    skus: options.skus,
    done: () => Date.now() - loadStarted > internals.loadMs,
  });
  const seconds = (Date.now() - loadStarted) / 1000;

  const [replayUser] = users;
  const sku = options.skus[0]!;
  const before = await internals.cartQuantity(deployment.nginx.url, replayUser!, sku);
  const replay = await internals.replayOneKey(deployment.nginx.url, replayUser!, sku);
  const after = await internals.cartQuantity(deployment.nginx.url, replayUser!, sku);
  sampling = false;
  await sampler;
  if (samplerError !== undefined) {
    throw samplerError;
  }

  const verdict = judge(
    users,
    // The replayed add is one more acknowledged add for its user.
    [...load.operations, { key: replay.key, user: replayUser!.index, sku, acknowledged: true, attempts: 1 }],
    await readStoredCarts({ postgres: `${options.adminUrl.replace(/\/postgres$/, '')}/${internals.database}` }, users),
  );
  report(checks, phase, deployment, load, verdict, seconds);
  const clientConnections = Deployment.instances * 10;
  checks.log(
    `  ${phase}: Postgres saw at most ${peak} server connections for ${Deployment.instances} instances holding up to ${clientConnections} client connections; ` +
      `${internals.replays} concurrent replays of one key answered ${replay.statuses.join(',')}`,
  );
  checkExactlyOnce(checks, phase, load, verdict);
  checks.check(
    `${phase}: concurrent replays of one key through PgBouncer apply it once and all get the same answer`,
    after - before === 1 && replay.bodies.size === 1 && replay.statuses.filter((status) => status === 200).length === internals.replays,
    `quantity ${before} -> ${after}, ${replay.bodies.size} different bodies, statuses ${replay.statuses.join(',')}`,
  );
  checks.check(
    `${phase}: Postgres sees no more server connections than PgBouncer's pool`,
    peak > 0 && peak <= PGBOUNCER_SETTINGS.default_pool_size,
    `peak ${peak}`,
  );
  await deployment.stop();
  await bouncer.stop();
}
