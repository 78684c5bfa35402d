/**
 * `npm run test:cluster`: proves the server is stateless with real parts. A throwaway Postgres, three `shop-server`
 * processes (the built `dist/server/main.js`) and nginx round-robin in front of them, all on 127.0.0.1:
 *
 *   1. concurrent clients add to their carts through nginx with Idempotency-Keys, retrying failures, while one instance
 *      is killed with SIGKILL and later started again: every acknowledged add must be in the database exactly once;
 *   1b. 40 concurrent checkouts of a product with 7 in stock, through nginx, while one instance is killed: exactly 7
 *      orders, stock 0, no order lost or doubled (also on SQLite, after 3);
 *   2. one instance gets SIGTERM under load: no request may fail;
 *   3. the adds of (1) again, with three processes over one SQLite file;
 *   4. failover: a fresh primary and synchronous standby, the instances on the multi-host URL, and the adds of (1)
 *      while the primary is SIGKILLed, then (on another fresh pair) SIGSTOPped, and the standby promoted;
 *   5. the adds of (1) and concurrent replays of one key through PgBouncer in transaction pooling mode;
 *   and, on (1) and (3)'s deployments, nginx's proxy_cache serving catalogue answers while cart answers always reach an
 *   instance.
 *
 * `npm run test:cluster -- pg sqlite failover-kill failover-freeze pgbouncer` picks groups (default: all).
 * Prints its figures, then `N passed, N failed` with checks as the unit; exits non-zero on any failed check. With
 * SHOP_CLUSTER_FIGURES=<file> it also writes the figures the benchmark reports (the failover pauses) to that file.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import Jwt from '@hapi/jwt';
import postgres from 'postgres';

import type { ClusterFigures } from '../bench/lib/cluster-figures.js';
import { demoCatalog } from '../server/db/demo-catalog.js';
import { startPostgresCluster } from '../test/helpers/postgres.js';
import type { ShopProcess } from '../test/helpers/shop-process.js';
import { Checks } from './cluster/checks.js';
import { Deployment } from './cluster/deployment.js';
import { checkoutPhase } from './cluster/checkout.js';
import { failoverPhase } from './cluster/failover.js';
import { type LoadUser, registerUsers, runCartLoad } from './cluster/load.js';
import { readAccessLog, readUpstreamFailures } from './cluster/nginx.js';
import { pgbouncerPhase } from './cluster/pgbouncer.js';
import { checkProxyCache } from './cluster/proxy-cache.js';
import { checkExactlyOnce, report } from './cluster/report.js';
import { judge, readStoredCarts } from './cluster/verify.js';

const checks = new Checks();

const internals = {
  /** The whole run must end well within CI's patience; past this it is stopped and counted as failed. */
  budgetMs: 300_000,
  usersPerPhase: 8,
  clientsPerUser: 3,
  skus: demoCatalog.filter((product) => product.active).map((product) => product.sku),
};

/**
 * Load through nginx while one instance is killed with SIGKILL and, later, started again. The restart waits for the
 * instance to be ready and the load then goes on long enough for nginx to send it traffic again.
 */
async function chaosPhase(phase: string, deployment: Deployment, target: { postgres: string } | { sqlite: string }): Promise<void> {
  const users = await registerUsers(deployment.nginx.url, phase, internals.usersPerPhase);
  const started = Date.now();
  let restartedAt = Number.POSITIVE_INFINITY;
  const chaos = (async () => {
    await sleep(1500);
    deployment.kill(1, 'SIGKILL');
    checks.log(`  ${phase}: killed instance 2 with SIGKILL at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await sleep(2000);
    await deployment.startInstance(1);
    restartedAt = Date.now();
    checks.log(`  ${phase}: instance 2 ready again at ${((restartedAt - started) / 1000).toFixed(1)} s`);
  })();
  const load = await runCartLoad({
    baseUrl: deployment.nginx.url,
    phase,
    users,
    clientsPerUser: internals.clientsPerUser,
    skus: internals.skus,
    // Past nginx's 2 s fail_timeout after the restart, so the restarted instance is back in rotation for a while.
    done: () => Date.now() > restartedAt + 3500,
  });
  await chaos;
  const seconds = (Date.now() - started) / 1000;

  const verdict = judge(users, load.operations, await readStoredCarts(target, users));
  const served = deployment.servedPerSlot(phase);
  report(checks, phase, deployment, load, verdict, seconds);
  checkExactlyOnce(checks, phase, load, verdict);
  checkSpread(phase, deployment, users, served);
  const restarted = deployment.history[1]!.at(-1)!;
  checks.check(
    `${phase}: the restarted instance served requests again`,
    restarted.logs.some((line) => typeof line.reqId === 'string' && line.reqId.startsWith(`${phase}.`) && line.res !== undefined),
  );
}

/** Every instance served, and every user's requests were served by more than one instance: nothing is sticky. */
function checkSpread(phase: string, deployment: Deployment, users: readonly LoadUser[], served: number[]): void {
  checks.check(`${phase}: every instance served requests`, served.every((count) => count > 0), `served ${served.join('/')}`);
  const entries = readAccessLog(deployment.nginx.accessLog).filter((entry) => entry.requestId.startsWith(`${phase}.`));
  const perUser = users.map((user) => {
    const upstreams = new Set(
      entries.filter((entry) => entry.requestId.startsWith(`${phase}.u${user.index}.`) && entry.status === 200).map((entry) => entry.upstreams.at(-1)),
    );
    return upstreams.size;
  });
  checks.check(
    `${phase}: no client needed a sticky instance (each user's adds were answered by several instances)`,
    perUser.every((count) => count >= 2),
    `instances per user: ${perUser.join(',')}`,
  );
}

/** SIGTERM to one instance under load: it drains and stops, and not a single request fails. */
async function drainPhase(phase: string, deployment: Deployment, target: { postgres: string }): Promise<void> {
  const users = await registerUsers(deployment.nginx.url, phase, internals.usersPerPhase);
  const started = Date.now();
  let stopped: ShopProcess | undefined;
  let errorLogMark = 0;
  const terminate = (async () => {
    await sleep(1500);
    errorLogMark = statSync(deployment.nginx.errorLog).size;
    stopped = deployment.kill(0, 'SIGTERM');
    checks.log(`  ${phase}: sent SIGTERM to instance 1 at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return stopped.exited;
  })();
  const load = await runCartLoad({
    baseUrl: deployment.nginx.url,
    phase,
    users,
    clientsPerUser: internals.clientsPerUser,
    skus: internals.skus,
    done: () => Date.now() - started > 5000,
  });
  const exit = await terminate;
  const seconds = (Date.now() - started) / 1000;
  const verdict = judge(users, load.operations, await readStoredCarts(target, users));
  report(checks, phase, deployment, load, verdict, seconds);
  const upstream = readUpstreamFailures(deployment.nginx.errorLog, errorLogMark);
  // Refused connections are nginx finding the instance gone, and cost nothing. A cut-off one would be a request the
  // instance accepted and dropped; nginx resends those only when they carry an Idempotency-Key.
  checks.log(`  ${phase}: after SIGTERM nginx saw ${upstream.refused} refused and ${upstream.cutOff} cut-off connections`);
  checks.check(`${phase}: no request failed while an instance drained and stopped`, load.failedAttempts === 0 && load.gaveUp === 0, `${load.failedAttempts} failed`);
  checks.check(`${phase}: the instance exited 0 after draining`, exit.code === 0, JSON.stringify(exit));
  const logs = stopped!.logs;
  const afterSigterm = logs.slice(logs.findIndex((line) => typeof line.msg === 'string' && line.msg.startsWith('shutting down')));
  const answered = afterSigterm.filter((line) => line.res !== undefined).map((line) => (line.res as { statusCode: number }).statusCode);
  checks.log(`  ${phase}: the stopping instance answered ${answered.length} requests after SIGTERM`);
  checks.check(
    `${phase}: every request the stopping instance took after SIGTERM was answered 200, and it logged a clean stop`,
    answered.length > 0 && answered.every((status) => status === 200) && logs.some((line) => line.msg === 'stopped'),
    `statuses ${[...new Set(answered)].join(',')}`,
  );
  checkExactlyOnce(checks, phase, load, verdict);
}

/** Tokens issued by the deployment verify with the public keys it publishes: what another service would do. */
async function checkJwks(deployment: Deployment): Promise<void> {
  const [user] = await registerUsers(deployment.nginx.url, 'jwks', 1);
  const jwks = (await (await fetch(`${deployment.nginx.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string; n: string; e: string; kty: string }[] };
  const artifacts = Jwt.token.decode(user!.accessToken);
  const kid = (artifacts.decoded.header as { kid?: string }).kid;
  const jwk = jwks.keys.find((key) => key.kid === kid);
  let verified = false;
  if (jwk) {
    const pem = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
    verified = (() => {
      try {
        Jwt.token.verifySignature(artifacts, { key: pem, algorithm: 'RS256' });
        return true;
      } catch {
        return false;
      }
    })();
  }
  checks.check('an access token verifies with the JWKS the deployment publishes (RS256)', verified);
}

/** `npm run test:cluster -- failover-freeze pgbouncer` runs just those groups; no names runs all of them. */
const selected = new Set(process.argv.slice(2));
const wanted = (group: string): boolean => selected.size === 0 || selected.has(group);

async function main(): Promise<void> {
  const started = Date.now();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const env = {
    NODE_ENV: 'production',
    SHOP_JWT_ALG: 'RS256',
    SHOP_JWT_KEYS: `k1:base64:${Buffer.from(rsa).toString('base64')}`,
    SHOP_TRUSTED_PROXIES: '127.0.0.1',
    SHOP_DRAIN_DELAY_MS: '1000',
    SHOP_SHUTDOWN_TIMEOUT_MS: '10000',
    // Cheap hashes: the load is about carts, and registration would otherwise dominate the run.
    SHOP_PASSWORD_COST: '10',
    // Every shopper of the load registers through nginx, so from one client address, many at once.
    SHOP_REGISTER_MAX_PER_ADDRESS: '1000000',
    SHOP_REGISTER_HASHES_IN_FLIGHT: '64',
    SHOP_HASHES_IN_FLIGHT: '64',
    LOG_LEVEL: 'info',
  };
  const pg = wanted('pg') || wanted('pgbouncer') ? await startPostgresCluster() : undefined;
  if (pg) {
    checks.defer(() => pg.stop());
  }

  if (pg && wanted('pg')) {
    const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
    await admin`CREATE DATABASE shop`;
    await admin.end();
    const databaseUrl = pg.adminUrl.replace(/\/postgres$/, '/shop');
    checks.log('Postgres: nginx -> 3 shop-server -> one Postgres');
    const onPostgres = await Deployment.start(checks, 'pg', { ...env, DATABASE_URL: databaseUrl });
    await checkJwks(onPostgres);
    await checkProxyCache(checks, 'pg-cache', onPostgres, (await registerUsers(onPostgres.nginx.url, 'pg-cache', 1))[0]!);
    await chaosPhase('pg-kill', onPostgres, { postgres: databaseUrl });
    await checkoutPhase(checks, 'pg-checkout', onPostgres, { postgres: databaseUrl });
    await drainPhase('pg-drain', onPostgres, { postgres: databaseUrl });
    await onPostgres.stop();
  }

  if (wanted('sqlite')) {
    checks.log('SQLite: nginx -> 3 shop-server -> one SQLite file');
    const sqliteDir = mkdtempSync(join(tmpdir(), 'shop-cluster-db-'));
    checks.defer(() => rmSync(sqliteDir, { recursive: true, force: true }));
    const file = join(sqliteDir, 'shop.db');
    const onSqlite = await Deployment.start(checks, 'sqlite', { ...env, DATABASE_URL: file });
    await checkProxyCache(checks, 'sqlite-cache', onSqlite, (await registerUsers(onSqlite.nginx.url, 'sqlite-cache', 1))[0]!);
    await chaosPhase('sqlite-kill', onSqlite, { sqlite: file });
    await checkoutPhase(checks, 'sqlite-checkout', onSqlite, { sqlite: file });
    await onSqlite.stop();
  }

  const load = { users: internals.usersPerPhase, clientsPerUser: internals.clientsPerUser, skus: internals.skus };
  for (const fault of ['kill', 'freeze'] as const) {
    if (wanted(`failover-${fault}`)) {
      checks.log(`Failover (${fault}): nginx -> 3 shop-server -> multi-host URL -> primary + synchronous standby`);
      await failoverPhase(checks, `failover-${fault}`, { ...load, fault, env });
    }
  }

  if (pg && wanted('pgbouncer')) {
    checks.log('PgBouncer: nginx -> 3 shop-server -> PgBouncer (transaction pooling) -> one Postgres');
    await pgbouncerPhase(checks, 'pgbouncer', { ...load, env, adminUrl: pg.adminUrl });
  }

  checks.log(`cluster test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * With SHOP_CLUSTER_FIGURES=<file>, writes the figures this run measured (the failover pauses) to that file, for
 * `npm run bench -- --cluster-figures <file>` to report beside its own; see bench/lib/cluster-figures.ts.
 */
function writeClusterFigures(): void {
  const file = process.env.SHOP_CLUSTER_FIGURES;
  if (file === undefined || file === '') {
    return;
  }
  // `-dirty` when the working tree had changes: the figures are then not those of the commit alone.
  const commit = spawnSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout?.trim() || undefined;
  const report: ClusterFigures = { measuredAt: new Date().toISOString(), commit, passed: checks.passed, failed: checks.failed, figures: checks.figures };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  checks.log(`wrote ${checks.figures.length} figures to ${file}`);
}

const watchdog = setTimeout(() => {
  checks.check('the cluster test finishes in time', false, `still running after ${internals.budgetMs / 1000} s`);
  void checks.cleanUp().finally(() => {
    writeClusterFigures();
    console.log(`${checks.passed} passed, ${checks.failed} failed`);
    process.exit(1);
  });
}, internals.budgetMs);

main()
  .catch((error: unknown) => {
    checks.check('the cluster test runs to the end', false, (error as Error).stack ?? String(error));
  })
  .finally(async () => {
    clearTimeout(watchdog);
    await checks.cleanUp();
    writeClusterFigures();
    console.log(`${checks.passed} passed, ${checks.failed} failed`);
    process.exit(checks.failed > 0 || checks.passed === 0 ? 1 : 0);
  });
