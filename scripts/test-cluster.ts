/**
 * `npm run test:cluster`: proves the server is stateless with real parts. A throwaway Postgres, three `shop-server`
 * processes (the built `dist/server/main.js`) and nginx round-robin in front of them, all on 127.0.0.1:
 *
 *   1. concurrent clients add to their carts through nginx with Idempotency-Keys, retrying failures, while one instance
 *      is killed with SIGKILL and later started again: every acknowledged add must be in the database exactly once;
 *   2. one instance gets SIGTERM under load: no request may fail;
 *   3. the adds of (1) again, with three processes over one SQLite file.
 *
 * Prints its figures, then `N passed, N failed` with checks as the unit; exits non-zero on any failed check.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import Jwt from '@hapi/jwt';
import postgres from 'postgres';

import { demoCatalog } from '../server/db/demo-catalog.js';
import { startPostgresCluster } from '../test/helpers/postgres.js';
import { freePort, type ShopProcess, startShopProcess } from '../test/helpers/shop-process.js';
import { type LoadResult, type LoadUser, registerUsers, runCartLoad } from './cluster/load.js';
import { readAccessLog, readUpstreamFailures, type RunningNginx, startNginx } from './cluster/nginx.js';
import { judge, readStoredCarts, type Verdict } from './cluster/verify.js';

const internals = {
  /** The whole run must end well within CI's patience; past this it is stopped and counted as failed. */
  budgetMs: 170_000,
  instances: 3,
  usersPerPhase: 8,
  clientsPerUser: 3,
  skus: demoCatalog.filter((product) => product.active).map((product) => product.sku),
  passed: 0,
  failed: 0,
  cleanups: [] as (() => Promise<void> | void)[],

  check(name: string, ok: boolean, detail = ''): void {
    if (ok) {
      internals.passed++;
      console.log(`  ok    ${name}`);
    } else {
      internals.failed++;
      console.log(`  FAIL  ${name}${detail ? `: ${detail}` : ''}`);
    }
  },

  log(message: string): void {
    console.log(message);
  },

  async cleanUp(): Promise<void> {
    for (const cleanup of internals.cleanups.reverse()) {
      await Promise.resolve(cleanup()).catch(() => {});
    }
    internals.cleanups = [];
  },
};

/** Three instances and nginx in front of them, over one database. */
class Deployment {
  readonly instances: (ShopProcess | undefined)[] = [];
  /** Every process that ever ran in a slot, so logs from before a restart still count. */
  readonly history: ShopProcess[][] = [];
  nginx!: RunningNginx;

  private constructor(
    readonly env: Record<string, string>,
    readonly ports: number[],
    readonly dir: string,
  ) {}

  static async start(name: string, env: Record<string, string>): Promise<Deployment> {
    const dir = mkdtempSync(join(tmpdir(), `shop-cluster-${name}-`));
    internals.cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ports = await Promise.all(Array.from({ length: internals.instances }, () => freePort()));
    const deployment = new Deployment(env, ports, dir);
    internals.cleanups.push(() => deployment.stop());
    // One first, so migrations and the catalog seed are done once before the others race for them.
    await deployment.startInstance(0);
    await Promise.all(ports.slice(1).map((_, i) => deployment.startInstance(i + 1)));
    deployment.nginx = await startNginx(dir, await freePort(), ports.map((port) => `127.0.0.1:${port}`));
    return deployment;
  }

  async startInstance(slot: number): Promise<ShopProcess> {
    const instance = await startShopProcess({ env: this.env, port: this.ports[slot]! });
    this.instances[slot] = instance;
    (this.history[slot] ??= []).push(instance);
    return instance;
  }

  kill(slot: number, signal: NodeJS.Signals): ShopProcess {
    const instance = this.instances[slot]!;
    instance.child.kill(signal);
    this.instances[slot] = undefined;
    return instance;
  }

  /** Requests each slot's processes logged as answered, whatever the status. */
  servedPerSlot(phase: string): number[] {
    return this.history.map((processes) =>
      processes.flatMap((instance) => instance.logs).filter((line) => typeof line.reqId === 'string' && line.reqId.startsWith(`${phase}.`) && line.res !== undefined)
        .length,
    );
  }

  async stop(): Promise<void> {
    await this.nginx?.stop();
    for (const instance of this.instances) {
      instance?.child.kill('SIGKILL');
    }
    await Promise.all(this.instances.map((instance) => instance?.exited));
  }
}

/** Figures for one phase, printed as one block. */
function report(phase: string, deployment: Deployment, load: LoadResult, verdict: Verdict, seconds: number): void {
  const entries = readAccessLog(deployment.nginx.accessLog).filter((entry) => entry.requestId.startsWith(`${phase}.`));
  const resent = entries.filter((entry) => entry.upstreams.length > 1).length;
  internals.log(
    `  ${phase}: ${load.operations.length} adds, ${load.requests} requests in ${seconds.toFixed(1)} s; ` +
      `acknowledged ${verdict.acknowledged}, resent by nginx to another instance ${resent}, ` +
      `failures retried by clients ${load.failedAttempts}, gave up ${load.gaveUp}, lost ${verdict.lost}, ` +
      `doubled ${verdict.doubled}; served per instance ${deployment.servedPerSlot(phase).join('/')}`,
  );
  for (const sample of load.failureSamples.slice(0, 5)) {
    internals.log(`    failure: ${sample}`);
  }
}

/** Checks that hold for any load phase: nothing lost, nothing doubled, nothing extra, nothing given up. */
function checkExactlyOnce(phase: string, load: LoadResult, verdict: Verdict): void {
  internals.check(
    `${phase}: every acknowledged add is in the database exactly once`,
    verdict.lost === 0 && verdict.doubled === 0 && verdict.missingKeys === 0,
    `lost ${verdict.lost}, doubled ${verdict.doubled}, keys missing ${verdict.missingKeys}`,
  );
  internals.check(
    `${phase}: the database holds nothing that was not acknowledged`,
    verdict.unexpectedKeys === 0 && verdict.versionMismatches === 0,
    `${verdict.unexpectedKeys} unacknowledged keys, ${verdict.versionMismatches} carts with a wrong version`,
  );
  internals.check(`${phase}: every add was acknowledged in the end`, load.gaveUp === 0, `${load.gaveUp} gave up`);
}

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
    internals.log(`  ${phase}: killed instance 2 with SIGKILL at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await sleep(2000);
    await deployment.startInstance(1);
    restartedAt = Date.now();
    internals.log(`  ${phase}: instance 2 ready again at ${((restartedAt - started) / 1000).toFixed(1)} s`);
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
  report(phase, deployment, load, verdict, seconds);
  checkExactlyOnce(phase, load, verdict);
  checkSpread(phase, deployment, users, served);
  const restarted = deployment.history[1]!.at(-1)!;
  internals.check(
    `${phase}: the restarted instance served requests again`,
    restarted.logs.some((line) => typeof line.reqId === 'string' && line.reqId.startsWith(`${phase}.`) && line.res !== undefined),
  );
}

/** Every instance served, and every user's requests were served by more than one instance: nothing is sticky. */
function checkSpread(phase: string, deployment: Deployment, users: readonly LoadUser[], served: number[]): void {
  internals.check(`${phase}: every instance served requests`, served.every((count) => count > 0), `served ${served.join('/')}`);
  const entries = readAccessLog(deployment.nginx.accessLog).filter((entry) => entry.requestId.startsWith(`${phase}.`));
  const perUser = users.map((user) => {
    const upstreams = new Set(
      entries.filter((entry) => entry.requestId.startsWith(`${phase}.u${user.index}.`) && entry.status === 200).map((entry) => entry.upstreams.at(-1)),
    );
    return upstreams.size;
  });
  internals.check(
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
    internals.log(`  ${phase}: sent SIGTERM to instance 1 at ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
  report(phase, deployment, load, verdict, seconds);
  const upstream = readUpstreamFailures(deployment.nginx.errorLog, errorLogMark);
  // Refused connections are nginx finding the instance gone, and cost nothing. A cut-off one would be a request the
  // instance accepted and dropped; nginx resends those only when they carry an Idempotency-Key.
  internals.log(`  ${phase}: after SIGTERM nginx saw ${upstream.refused} refused and ${upstream.cutOff} cut-off connections`);
  internals.check(`${phase}: no request failed while an instance drained and stopped`, load.failedAttempts === 0 && load.gaveUp === 0, `${load.failedAttempts} failed`);
  internals.check(`${phase}: the instance exited 0 after draining`, exit.code === 0, JSON.stringify(exit));
  const logs = stopped!.logs;
  const afterSigterm = logs.slice(logs.findIndex((line) => typeof line.msg === 'string' && line.msg.startsWith('shutting down')));
  const answered = afterSigterm.filter((line) => line.res !== undefined).map((line) => (line.res as { statusCode: number }).statusCode);
  internals.log(`  ${phase}: the stopping instance answered ${answered.length} requests after SIGTERM`);
  internals.check(
    `${phase}: every request the stopping instance took after SIGTERM was answered 200, and it logged a clean stop`,
    answered.length > 0 && answered.every((status) => status === 200) && logs.some((line) => line.msg === 'stopped'),
    `statuses ${[...new Set(answered)].join(',')}`,
  );
  checkExactlyOnce(phase, load, verdict);
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
  internals.check('an access token verifies with the JWKS the deployment publishes (RS256)', verified);
}

async function main(): Promise<void> {
  const started = Date.now();
  const pg = await startPostgresCluster();
  internals.cleanups.push(() => pg.stop());
  const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
  await admin`CREATE DATABASE shop`;
  await admin.end();
  const databaseUrl = pg.adminUrl.replace(/\/postgres$/, '/shop');

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

  internals.log('Postgres: nginx -> 3 shop-server -> one Postgres');
  const onPostgres = await Deployment.start('pg', { ...env, DATABASE_URL: databaseUrl });
  await checkJwks(onPostgres);
  await chaosPhase('pg-kill', onPostgres, { postgres: databaseUrl });
  await drainPhase('pg-drain', onPostgres, { postgres: databaseUrl });
  await onPostgres.stop();

  internals.log('SQLite: nginx -> 3 shop-server -> one SQLite file');
  const sqliteDir = mkdtempSync(join(tmpdir(), 'shop-cluster-db-'));
  internals.cleanups.push(() => rmSync(sqliteDir, { recursive: true, force: true }));
  const file = join(sqliteDir, 'shop.db');
  const onSqlite = await Deployment.start('sqlite', { ...env, DATABASE_URL: file });
  await chaosPhase('sqlite-kill', onSqlite, { sqlite: file });
  await onSqlite.stop();

  internals.log(`cluster test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const watchdog = setTimeout(() => {
  internals.check('the cluster test finishes in time', false, `still running after ${internals.budgetMs / 1000} s`);
  void internals.cleanUp().finally(() => {
    console.log(`${internals.passed} passed, ${internals.failed} failed`);
    process.exit(1);
  });
}, internals.budgetMs);

main()
  .catch((error: unknown) => {
    internals.check('the cluster test runs to the end', false, (error as Error).stack ?? String(error));
  })
  .finally(async () => {
    clearTimeout(watchdog);
    await internals.cleanUp();
    console.log(`${internals.passed} passed, ${internals.failed} failed`);
    process.exit(internals.failed > 0 || internals.passed === 0 ? 1 : 0);
  });
