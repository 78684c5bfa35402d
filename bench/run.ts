/**
 * `npm run bench`: every figure of the benchmark in one run on this machine, as ratios measured side by side (absolute
 * numbers drift on a shared machine; ratios from one run do not). Prints a table and writes bench/results.md.
 * `npm run bench -- --quick` is a few-second smoke run that checks the harness works; its numbers mean little.
 *
 * Every server variant runs in its own process, and all those a comparison needs run at once, so their rounds can
 * take turns (see measureLoads); the load comes from autocannon in this process, over loopback.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import postgres from 'postgres';

import { jwtSubject } from '../cli/api/jwt.js';
import type { ChangeOp } from '../cli/store/change-op.js';
import { normalizeServerUrl } from '../cli/server-url.js';
import { Outbox } from '../cli/store/outbox.js';
import { demoCatalog } from '../server/db/demo-catalog.js';
import { pgbouncerBinary, startPgbouncer } from '../scripts/cluster/pgbouncer.js';
import { MAX_LINE_QUANTITY } from '../shared/limits.js';
import { SHOP_BIN } from '../test/helpers/cli-binary.js';
import { startPostgresCluster } from '../test/helpers/postgres.js';
import { cyclePlan, cycleRequests, perCycle } from './lib/checkout.js';
import { clusterFigureRows } from './lib/cluster-figures.js';
import { buildCatalogDatabase, buildLargeSqliteDatabase } from './lib/dataset.js';
import type { LatencyProbe } from './lib/latency.js';
import { type LoadFigures, type LoadPlan, measureLoads } from './lib/load.js';
import { freePort, type RunningProcess, startServerProcess } from './lib/processes.js';
import { type Figure, renderMarkdown, renderTable } from './lib/report.js';
import { createUsers, fillCart, startShopServer } from './lib/shop.js';
import { cliEnvironment, measureWallTimes } from './lib/wall-time.js';

const quick = process.argv.includes('--quick');
/**
 * `--only server,cli`: run some groups (server: the baselines, the stateful references and shop on SQLite; postgres:
 * shop on Postgres, directly and through PgBouncer; modes: `npm start`'s development mode vs production; scale: a
 * million users, search over 100,000 products; cli; checkout: orders/s beside keyed cart changes, SQLite and Postgres),
 * for quick iteration while optimising. Ratios whose baseline is in a group not run are left blank, and results.md is
 * not written.
 */
const groups = ['server', 'postgres', 'modes', 'scale', 'cli', 'checkout'] as const;
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex === -1 ? undefined : new Set((process.argv[onlyIndex + 1] ?? '').split(','));
if (only && [...only].some((group) => !(groups as readonly string[]).includes(group))) {
  process.stderr.write(`bench: --only takes a comma-separated list of ${groups.join(', ')}\n`);
  process.exit(2);
}
const wants = (group: (typeof groups)[number]) => only === undefined || only.has(group);
/** `--cluster-figures <file>`: the failover pauses a `SHOP_CLUSTER_FIGURES=<file> npm run test:cluster` wrote. */
const clusterIndex = process.argv.indexOf('--cluster-figures');
const clusterFigures = clusterIndex === -1 ? undefined : process.argv[clusterIndex + 1];
if (clusterIndex !== -1 && (clusterFigures === undefined || !existsSync(clusterFigures))) {
  process.stderr.write(`bench: --cluster-figures takes the file SHOP_CLUSTER_FIGURES=<file> npm run test:cluster wrote; ${clusterFigures ?? 'none given'} is not there\n`);
  process.exit(2);
}
const settings = quick
  ? { seconds: 1, rounds: 1, connections: 8, writers: 50, smallUsers: 200, largeUsers: 2_000, linesPerUser: 10, smallCatalog: 1_000, largeCatalog: 20_000, wallRuns: 3, latencySamples: 200, syncOps: 50 }
  : { seconds: 5, rounds: 5, connections: 8, writers: 2_000, smallUsers: 1_000, largeUsers: 1_000_000, linesPerUser: 10, smallCatalog: 1_000, largeCatalog: 100_000, wallRuns: 20, latencySamples: 2000, syncOps: 1000 };

const skus = demoCatalog.filter((product) => product.active).map((product) => product.sku);
/** Finds the two enamel mugs of the demo catalogue whatever the catalogue's size: every word must match, the last as a prefix. */
const searchQuery = 'enamel mu';
const work = mkdtempSync(join(tmpdir(), 'shop-bench-'));
const figures: Figure[] = [];
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** The figures' names, which rows refer to as baselines. */
const names = {
  hello: 'bare Hapi GET /hello',
  echo: 'bare Hapi POST /echo (the body and headers of POST /cart/items, joi-validated)',
  statefulBare: 'stateful reference GET /cart on bare Hapi (cookie → memory)',
  stateful: "stateful reference GET /cart on shop's pipeline (cookie → memory)",
  getCart: 'authenticated GET /cart (SQLite)',
  postKey: 'POST /cart/items with Idempotency-Key (SQLite)',
  postNoKey: 'POST /cart/items without Idempotency-Key (SQLite)',
  node: '`node -e 0`',
};

/** A load plan with a latency probe sending the same requests. */
function plan(name: string, url: string, request: LoadPlan['request'], headers: Record<string, string> = {}): LoadPlan {
  const latency: LatencyProbe = {
    method: request.method === 'POST' ? 'POST' : 'GET',
    path: request.path ?? '/',
    prepare: () => {
      if (typeof request.setupRequest === 'function') {
        const prepared = request.setupRequest({ ...request, headers }, {});
        return { headers: (prepared.headers ?? {}) as Record<string, string>, ...(typeof prepared.body === 'string' ? { body: prepared.body } : {}) };
      }
      return { headers, ...(typeof request.body === 'string' ? { body: request.body } : {}) };
    },
  };
  return { name, url, request, headers, latency };
}

/** Runs the plans interleaved and refuses figures with failed requests: a figure with failures would be meaningless. */
async function measure(plans: LoadPlan[]): Promise<Map<string, LoadFigures>> {
  const results = await measureLoads(plans, settings, log);
  const byName = new Map<string, LoadFigures>();
  for (const [index, result] of results.entries()) {
    const name = (plans[index] as LoadPlan).name;
    if (result.failures > 0) {
      throw new Error(`${name}: ${result.failures} failed requests`);
    }
    byName.set(name, result);
  }
  return byName;
}

/** Keeps track of the processes a group started, to stop them all however it ends. */
class Processes {
  readonly #running: RunningProcess[] = [];

  async start(started: Promise<RunningProcess>): Promise<RunningProcess> {
    const running = await started;
    this.#running.push(running);
    return running;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#running.splice(0).map((running) => running.stop()));
  }
}

/** A bench server from bench/servers/, run from source. */
async function startBenchServer(file: string, readyPath: string): Promise<RunningProcess> {
  return startServerProcess(process.execPath, ['--import', 'tsx', file], {}, await freePort(), readyPath);
}

async function statefulSession(url: string): Promise<string> {
  const session = await fetch(`${url}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ skus: skus.slice(0, 3) }) });
  return (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/**
 * Queues `settings.syncOps` cart adds in the CLI's own outbox format (through its Outbox class: queueing them one
 * `shop` process at a time would take minutes), then times one `shop sync` and checks it left nothing behind.
 */
async function measureSync(configDir: string, serverUrl: string, token: string, env: NodeJS.ProcessEnv): Promise<number> {
  const server = normalizeServerUrl(serverUrl);
  const userId = jwtSubject(token);
  if (server === undefined || userId === undefined) {
    throw new Error('cannot tell the account the ops belong to');
  }
  const outbox = new Outbox(configDir);
  await outbox.update((state) => {
    for (let i = 0; i < settings.syncOps; i++) {
      const op: ChangeOp = { kind: 'cart.add', sku: skus[i % skus.length] as string, quantity: 1 };
      // As today's shop queues them: the id and the device sequence number from one counter.
      const id = state.nextId++;
      state.pending.push({ id, seq: id, key: randomUUID(), op, server, userId, email: null, queuedAt: new Date().toISOString() });
    }
    return true;
  });
  const started = process.hrtime.bigint();
  const sync = spawnSync(process.execPath, [SHOP_BIN, 'sync'], { env: cliEnvironment(env), stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (sync.status !== 0 || outbox.read().pending.length !== 0) {
    throw new Error(`shop sync exited ${sync.status} leaving ${outbox.read().pending.length} ops: ${sync.stderr.toString()}`);
  }
  return elapsed;
}

async function main(): Promise<void> {
  if (spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' }).status !== 0) {
    throw new Error('build failed');
  }

  if (wants('server') || wants('postgres')) {
    await measureServers();
  }
  if (wants('modes')) {
    await measureModes();
  }
  if (wants('scale')) {
    await measureScale();
  }
  if (wants('cli')) {
    await measureCli();
  }
  if (wants('checkout')) {
    await measureCheckout();
  }
  if (only === undefined || clusterFigures !== undefined) {
    figures.push(...clusterFigureRows(clusterFigures));
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}${quick ? ' (--quick)' : ''}`;
  process.stdout.write(`${renderTable(figures, machine)}\n`);
  if (!quick && only === undefined) {
    const notes = existsSync('bench/notes.md') ? readFileSync('bench/notes.md', 'utf8') : '';
    writeFileSync('bench/results.md', renderMarkdown(figures, machine, notes));
    log('wrote bench/results.md');
  }
}

/**
 * The baselines, the stateful references and shop (SQLite; and Postgres), all running at once and measured in turns.
 * shop on SQLite always runs: its GET /cart is also the baseline of the Postgres figure.
 */
async function measureServers(): Promise<void> {
  const processes = new Processes();
  const stopCluster: Array<() => Promise<void>> = [];
  try {
    log('starting shop on SQLite');
    const readerDir = join(work, 'sqlite-reads');
    const shop = await processes.start(startShopServer(join(readerDir, 'shop.db'), readerDir));
    const [reader] = await createUsers(shop.url, 1, 'reader');
    await fillCart(shop.url, reader as string, skus.slice(0, 3));
    const plans = [plan(names.getCart, shop.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${reader}` })];

    if (wants('server')) {
      log('starting the baselines and the stateful references');
      const hello = await processes.start(startBenchServer('bench/servers/hello.ts', '/hello'));
      const statefulBare = await processes.start(startBenchServer('bench/servers/stateful-bare.ts', '/healthz'));
      const stateful = await processes.start(startBenchServer('bench/servers/stateful.ts', '/healthz'));
      // The writes go to a shop process and database of their own: the read figure's database stays as it was, and
      // its WAL is not the one the writes grow and the checkpoint thread copies.
      const writerDir = join(work, 'sqlite-writes');
      const writeShop = await processes.start(startShopServer(join(writerDir, 'shop.db'), writerDir));

      // Each writer's adds go round 4 lines, so carts stay the size the read figures use (a cart that grew to every SKU
      // would make the write figure measure reading a 37-line cart back). A writer that has filled its 4 lines to the
      // 99 limit moves on to the next 4 SKUs, so however fast the machine no add is refused (a refusal fails the figure).
      const writers = await createUsers(writeShop.url, settings.writers, 'writer');
      const linesPerWriter = 4;
      const skuFor = (n: number): string => {
        const writer = n % writers.length;
        const add = Math.floor(n / writers.length);
        const block = Math.floor(add / (linesPerWriter * MAX_LINE_QUANTITY));
        return skus[(writer + block * linesPerWriter + (add % linesPerWriter)) % skus.length] as string;
      };
      let next = 0;
      const addRequest = (path: string, withKey: boolean): LoadPlan['request'] => ({
        method: 'POST',
        path,
        setupRequest: (request) => {
          const n = next++;
          const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${writers[n % writers.length]}` };
          if (withKey) {
            headers['idempotency-key'] = randomUUID();
          }
          return { ...request, headers, body: JSON.stringify({ sku: skuFor(n), quantity: 1 }) };
        },
      });

      plans.unshift(
        plan(names.hello, hello.url, { method: 'GET', path: '/hello' }),
        plan(names.echo, hello.url, addRequest('/echo', true)),
        plan(names.statefulBare, statefulBare.url, { method: 'GET', path: '/cart' }, { cookie: await statefulSession(statefulBare.url) }),
        plan(names.stateful, stateful.url, { method: 'GET', path: '/cart' }, { cookie: await statefulSession(stateful.url) }),
      );
      plans.push(plan(names.postKey, writeShop.url, addRequest('/cart/items', true)), plan(names.postNoKey, writeShop.url, addRequest('/cart/items', false)));
    }

    const pgName = 'authenticated GET /cart (Postgres)';
    const bouncerName = 'authenticated GET /cart (Postgres through PgBouncer, transaction pooling)';
    let bouncerSkipped: string | undefined;
    if (wants('postgres')) {
      log('starting Postgres and shop on it');
      const cluster = await startPostgresCluster();
      stopCluster.push(() => cluster.stop());
      const pg = await processes.start(startShopServer(cluster.adminUrl, join(work, 'pg')));
      const [pgReader] = await createUsers(pg.url, 1, 'reader');
      await fillCart(pg.url, pgReader as string, skus.slice(0, 3));
      plans.push(plan(pgName, pg.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${pgReader}` }));

      if (pgbouncerBinary() === undefined) {
        bouncerSkipped = 'not measured: pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)';
        log(`${bouncerName}: ${bouncerSkipped}`);
      } else {
        log('starting PgBouncer in front of another database of that Postgres, and shop on it');
        const bouncer = await startBouncer(cluster.adminUrl);
        stopCluster.unshift(bouncer.stop);
        const viaBouncer = await processes.start(startShopServer(bouncer.url, join(work, 'pgbouncer')));
        const [bouncerReader] = await createUsers(viaBouncer.url, 1, 'reader');
        await fillCart(viaBouncer.url, bouncerReader as string, skus.slice(0, 3));
        plans.push(plan(bouncerName, viaBouncer.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${bouncerReader}` }));
      }
    }

    log(`measuring ${plans.length} figures in turns`);
    const results = await measure(plans);
    const load = (name: string) => results.get(name) as LoadFigures;
    if (wants('server')) {
      figures.push(
        { name: names.hello, load: load(names.hello) },
        { name: names.echo, load: load(names.echo), baseline: names.hello, target: { kind: 'reported' } },
        { name: names.statefulBare, load: load(names.statefulBare) },
        { name: names.stateful, load: load(names.stateful), baseline: names.statefulBare, target: { kind: 'throughput', atLeast: 0.85 } },
        { name: names.getCart, load: load(names.getCart), baseline: names.statefulBare, target: { kind: 'throughput', atLeast: 0.6 } },
        { name: `${names.getCart} vs the reference on shop's pipeline`, load: load(names.getCart), baseline: names.stateful, target: { kind: 'reported' } },
        { name: names.postKey, load: load(names.postKey), baseline: names.echo, target: { kind: 'throughput', atLeast: 0.5 } },
        { name: `${names.postKey} vs bare hello`, load: load(names.postKey), baseline: names.hello, target: { kind: 'reported' } },
        { name: names.postNoKey, load: load(names.postNoKey) },
        { name: 'POST /cart/items with vs without key', load: load(names.postKey), baseline: names.postNoKey, target: { kind: 'p50', atMost: 1.1 } },
      );
    } else {
      figures.push({ name: names.getCart, load: load(names.getCart) });
    }
    if (wants('postgres')) {
      figures.push(
        { name: pgName, load: load(pgName), baseline: names.getCart, target: { kind: 'throughput', atLeast: 0.6 } },
        bouncerSkipped === undefined
          ? { name: bouncerName, load: load(bouncerName), baseline: pgName, target: { kind: 'reported' } }
          : { name: bouncerName, skipped: bouncerSkipped, baseline: pgName, target: { kind: 'reported' } },
      );
    }
  } finally {
    await processes.stopAll();
    for (const stop of stopCluster) {
      await stop();
    }
  }
}

/**
 * PgBouncer as the cluster test runs it (scripts/cluster/pgbouncer.ts: the README's settings, transaction pooling) in
 * front of a database of its own on `adminUrl`'s server; returns the URL shop connects with (`prepare=false`, as
 * transaction pooling needs).
 */
async function startBouncer(adminUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const database = 'shop_bench_pgbouncer';
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {}, fetch_types: false });
  try {
    await admin`CREATE DATABASE ${admin(database)}`;
    // Behind PgBouncer the statement timeout is the database's setting, as in the cluster test.
    await admin`ALTER DATABASE ${admin(database)} SET statement_timeout = '15s'`;
  } finally {
    await admin.end();
  }
  // Not under the bench's own directory: PgBouncer runs as the postgres user, which must be able to reach it.
  const dir = mkdtempSync(join(tmpdir(), 'shop-bench-pgbouncer-'));
  const bouncer = await startPgbouncer(new URL(adminUrl), dir, database);
  return {
    url: `postgres://postgres@127.0.0.1:${bouncer.port}/shop?prepare=false`,
    stop: async () => {
      await bouncer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The same server and database (SQLite) as `npm start` runs it — no NODE_ENV, so development mode, and the default
 * log level, so a request log — and with NODE_ENV=production and otherwise the same: what development mode costs.
 */
async function measureModes(): Promise<void> {
  const processes = new Processes();
  try {
    const variants = [
      { name: 'GET /cart (SQLite), as `npm start` runs it: development mode, default log level', env: { NODE_ENV: undefined, LOG_LEVEL: undefined } },
      { name: 'GET /cart (SQLite), NODE_ENV=production, default log level', env: { NODE_ENV: 'production', LOG_LEVEL: undefined } },
    ];
    const plans: LoadPlan[] = [];
    for (const [index, { name, env }] of variants.entries()) {
      log(`starting shop: ${name}`);
      const dir = join(work, `mode-${index}`);
      const shop = await processes.start(startShopServer(join(dir, 'shop.db'), dir, env));
      const [reader] = await createUsers(shop.url, 1, 'reader');
      await fillCart(shop.url, reader as string, skus.slice(0, 3));
      plans.push(plan(name, shop.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${reader}` }));
    }
    const results = await measure(plans);
    const [development, production] = variants as [(typeof variants)[number], (typeof variants)[number]];
    figures.push(
      { name: production.name, load: results.get(production.name) as LoadFigures },
      { name: development.name, load: results.get(development.name) as LoadFigures, baseline: production.name, target: { kind: 'throughput', atLeast: 0.8 } },
    );
  } finally {
    await processes.stopAll();
  }
}

/**
 * Checkout throughput on SQLite and Postgres: cycles of a keyed line set and a checkout, beside cycles of a keyed set and
 * a keyed removal on the same server (see bench/lib/checkout.ts). Figures are cycles per second: orders/s for checkout.
 */
async function measureCheckout(): Promise<void> {
  const processes = new Processes();
  const stopCluster: Array<() => Promise<void>> = [];
  try {
    const unlimited = demoCatalog.filter((product) => product.active && (product.stock ?? null) === null);
    const servers: Array<{ label: string; url: string }> = [];
    log('starting shop on SQLite for checkouts');
    const dir = join(work, 'sqlite-checkout');
    servers.push({ label: 'SQLite', url: (await processes.start(startShopServer(join(dir, 'shop.db'), dir))).url });
    log('starting Postgres and shop on it for checkouts');
    const cluster = await startPostgresCluster();
    stopCluster.push(() => cluster.stop());
    servers.push({ label: 'Postgres', url: (await processes.start(startShopServer(cluster.adminUrl, join(work, 'pg-checkout')))).url });

    const plans: LoadPlan[] = [];
    for (const { label, url } of servers) {
      const buyers = await createUsers(url, settings.connections * 3, `buyer-${label}`);
      const changers = await createUsers(url, settings.connections * 3, `changer-${label}`);
      plans.push(
        cyclePlan(`keyed set + keyed remove cycles/s (${label})`, url, cycleRequests(changers, unlimited, 'remove')),
        cyclePlan(`checkout: keyed set + POST /orders, orders/s (${label})`, url, cycleRequests(buyers, unlimited, 'checkout')),
      );
    }
    log(`measuring ${plans.length} checkout figures in turns`);
    const results = await measure(plans);
    for (const { label } of servers) {
      const base = `keyed set + keyed remove cycles/s (${label})`;
      const name = `checkout: keyed set + POST /orders, orders/s (${label})`;
      figures.push(
        { name: base, load: perCycle(results.get(base) as LoadFigures), unit: 'cycles/s' },
        { name, load: perCycle(results.get(name) as LoadFigures), unit: 'orders/s', baseline: base, target: { kind: 'reported' } },
      );
    }
  } finally {
    await processes.stopAll();
    for (const stop of stopCluster) {
      await stop();
    }
  }
}

async function measureScale(): Promise<void> {
  const processes = new Processes();
  try {
    const plans: LoadPlan[] = [];
    const sizes = [
      { label: 'small', users: settings.smallUsers },
      { label: 'large', users: settings.largeUsers },
    ];
    for (const { label, users } of sizes) {
      log(`building a SQLite database with ${users} users × ${settings.linesPerUser} cart lines`);
      const file = join(work, `${label}.db`);
      const started = Date.now();
      await buildLargeSqliteDatabase(file, users, settings.linesPerUser);
      log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const server = await processes.start(startShopServer(file, join(work, label)));
      const [token] = await createUsers(server.url, 1, `${label}-reader`);
      await fillCart(server.url, token as string, skus.slice(0, settings.linesPerUser));
      plans.push(plan(label, server.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${token}` }));
    }
    // Search: the same query over a small and a large catalogue; see buildCatalogDatabase.
    const search = { method: 'GET' as const, path: `/products?q=${encodeURIComponent(searchQuery)}` };
    for (const { label, products } of [
      { label: 'catalog-small', products: settings.smallCatalog },
      { label: 'catalog-large', products: settings.largeCatalog },
    ]) {
      log(`building a SQLite catalogue of ${products} products`);
      const file = join(work, `${label}.db`);
      const started = Date.now();
      await buildCatalogDatabase(file, products);
      log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const server = await processes.start(startShopServer(file, join(work, label)));
      plans.push(plan(label, server.url, search));
    }
    const results = await measure(plans);
    const searchName = (products: number) => `GET /products?q=${searchQuery} with ${products.toLocaleString('en')} products (SQLite)`;
    figures.push(
      { name: searchName(settings.smallCatalog), load: results.get('catalog-small') as LoadFigures },
      {
        name: searchName(settings.largeCatalog),
        load: results.get('catalog-large') as LoadFigures,
        baseline: searchName(settings.smallCatalog),
        target: { kind: 'p50', atMost: 1.5 },
      },
    );
    const smallName = `GET /cart with ${settings.smallUsers.toLocaleString('en')} users (SQLite)`;
    figures.push(
      { name: smallName, load: results.get('small') as LoadFigures },
      {
        name: `GET /cart with ${settings.largeUsers.toLocaleString('en')} users, ${(settings.largeUsers * settings.linesPerUser).toLocaleString('en')} lines (SQLite)`,
        load: results.get('large') as LoadFigures,
        baseline: smallName,
        target: { kind: 'p50', atMost: 1.2 },
      },
    );
  } finally {
    await processes.stopAll();
  }
}

async function measureCli(): Promise<void> {
  log('CLI start-up');
  const cliServer = await startShopServer(join(work, 'cli.db'), join(work, 'cli'));
  try {
    const [cliToken] = await createUsers(cliServer.url, 1, 'cli');
    await fillCart(cliServer.url, cliToken as string, skus.slice(0, 3));
    const configDir = join(work, 'cli-config');
    const cliEnv = { SHOP_CONFIG_DIR: configDir, SHOP_SERVER: cliServer.url };
    const login = spawnSync(process.execPath, [SHOP_BIN, 'login', '--email', 'cli-0@bench.test', '--password-stdin'], {
      env: { ...process.env, ...cliEnv },
      input: 'bench-password-1\n',
    });
    if (login.status !== 0) {
      throw new Error(`shop login failed: ${login.stderr.toString()}`);
    }
    // With the machine's NODE_EXTRA_CA_CERTS as well, when it sets one, to show what it does to both sides.
    const caCerts = process.env.NODE_EXTRA_CA_CERTS;
    const withCaCerts = caCerts === undefined || caCerts === '' ? {} : { NODE_EXTRA_CA_CERTS: caCerts };
    const wall = measureWallTimes(
      {
        node: { args: ['-e', '0'] },
        version: { args: [SHOP_BIN, '--version'] },
        cart: { args: [SHOP_BIN, 'cart', 'list', '--json'], env: cliEnv },
        ...(caCerts === undefined || caCerts === ''
          ? {}
          : {
              nodeCa: { args: ['-e', '0'], env: withCaCerts },
              cartCa: { args: [SHOP_BIN, 'cart', 'list', '--json'], env: { ...cliEnv, ...withCaCerts } },
            }),
      },
      settings.wallRuns,
    );
    log(`shop sync of ${settings.syncOps} queued ops`);
    const syncMs = await measureSync(configDir, cliServer.url, cliToken as string, cliEnv);
    figures.push({ name: names.node, wallMs: wall.node as number });
    figures.push({ name: '`shop --version`', wallMs: wall.version as number, baseline: names.node, target: { kind: 'wall', atMost: 1.5 } });
    figures.push({ name: '`shop cart list --json` (local server)', wallMs: wall.cart as number, baseline: names.node, target: { kind: 'wall', atMost: 2.0 } });
    if (wall.nodeCa !== undefined && wall.cartCa !== undefined) {
      const nodeCa = '`node -e 0` with this machine’s NODE_EXTRA_CA_CERTS';
      figures.push({ name: nodeCa, wallMs: wall.nodeCa });
      figures.push({ name: '`shop cart list --json` with it', wallMs: wall.cartCa, baseline: nodeCa, target: { kind: 'reported' } });
    }
    figures.push({ name: `\`shop sync\` of ${settings.syncOps} queued ops`, wallMs: syncMs, target: { kind: 'absolute', atMostMs: quick ? Infinity : 500 } });
  } finally {
    await cliServer.stop();
  }
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
