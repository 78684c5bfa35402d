/**
 * `npm run bench`: every figure of the benchmark in one run on this machine, as ratios measured side by side (absolute
 * numbers drift on a shared machine; ratios from one run do not). Prints a table and writes bench/results.md.
 * `npm run bench -- --quick` is a few-second smoke run that checks the harness works; its numbers mean little.
 *
 * Every server variant runs in its own process; the load comes from autocannon in this process, over loopback.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { jwtSubject } from '../cli/api/jwt.js';
import type { ChangeOp } from '../cli/offline/ops.js';
import { normalizeServerUrl } from '../cli/server-url.js';
import { Outbox } from '../cli/store/outbox.js';
import { demoCatalog } from '../server/db/demo-catalog.js';
import { MAX_LINE_QUANTITY } from '../shared/limits.js';
import { SHOP_BIN } from '../test/helpers/cli-binary.js';
import { startPostgresCluster } from '../test/helpers/postgres.js';
import { buildLargeSqliteDatabase } from './lib/dataset.js';
import type { LatencyProbe } from './lib/latency.js';
import { type LoadFigures, type LoadPlan, measureLoad } from './lib/load.js';
import { freePort, startServerProcess } from './lib/processes.js';
import { type Figure, renderMarkdown, renderTable } from './lib/report.js';
import { createUsers, fillCart, startShopServer } from './lib/shop.js';
import { measureWallTimes } from './lib/wall-time.js';

const quick = process.argv.includes('--quick');
/**
 * `--only server,cli`: run some groups (server: hello, stateful and shop on SQLite; postgres; scale; cli), for quick
 * iteration while optimising. Ratios whose baseline is in a group not run are left blank, and results.md is not written.
 */
const groups = ['server', 'postgres', 'scale', 'cli'] as const;
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex === -1 ? undefined : new Set((process.argv[onlyIndex + 1] ?? '').split(','));
if (only && [...only].some((group) => !(groups as readonly string[]).includes(group))) {
  process.stderr.write(`bench: --only takes a comma-separated list of ${groups.join(', ')}\n`);
  process.exit(2);
}
const wants = (group: (typeof groups)[number]) => only === undefined || only.has(group);
const settings = quick
  ? { seconds: 1, rounds: 1, connections: 8, writers: 50, smallUsers: 200, largeUsers: 2_000, linesPerUser: 10, wallRuns: 3, latencySamples: 200, syncOps: 50 }
  : { seconds: 5, rounds: 3, connections: 8, writers: 2_000, smallUsers: 1_000, largeUsers: 1_000_000, linesPerUser: 10, wallRuns: 20, latencySamples: 2000, syncOps: 1000 };

const skus = demoCatalog.filter((product) => product.active).map((product) => product.sku);
const work = mkdtempSync(join(tmpdir(), 'shop-bench-'));
const figures: Figure[] = [];
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** Throughput under concurrent load, plus a precise sequential p50/p99 of the same request. */
function load(url: string, request: LoadPlan['request'], headers: Record<string, string> = {}) {
  const latency: LatencyProbe = {
    method: request.method === 'POST' ? 'POST' : 'GET',
    path: request.path ?? '/',
    prepare: () => {
      if (request.setupRequest && typeof request.setupRequest === 'function') {
        const prepared = request.setupRequest({ ...request, headers }, {});
        return { headers: (prepared.headers ?? {}) as Record<string, string>, ...(typeof prepared.body === 'string' ? { body: prepared.body } : {}) };
      }
      return { headers };
    },
  };
  return measureLoad({ url, connections: settings.connections, seconds: settings.seconds, rounds: settings.rounds, request, headers, latency, latencySamples: settings.latencySamples });
}

function requireClean(name: string, result: LoadFigures): LoadFigures {
  if (result.failures > 0) {
    throw new Error(`${name}: ${result.failures} failed requests — a figure with failures would be meaningless`);
  }
  return result;
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
      state.pending.push({ id: state.nextId++, key: randomUUID(), op, server, userId, email: null, queuedAt: new Date().toISOString() });
    }
    return true;
  });
  const started = process.hrtime.bigint();
  const sync = spawnSync(process.execPath, [SHOP_BIN, 'sync'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
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

  if (wants('server')) {
    await measureServer();
  }
  if (wants('postgres')) {
    await measurePostgres();
  }
  if (wants('scale')) {
    await measureScale();
  }
  if (wants('cli')) {
    await measureCli();
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}${quick ? ' (--quick)' : ''}`;
  process.stdout.write(`${renderTable(figures, machine)}\n`);
  if (!quick && only === undefined) {
    const notes = existsSync('bench/notes.md') ? readFileSync('bench/notes.md', 'utf8') : '';
    writeFileSync('bench/results.md', renderMarkdown(figures, machine, notes));
    log('wrote bench/results.md');
  }
}

async function measureServer(): Promise<void> {
  log('baseline: bare Hapi hello route');
  const hello = await startServerProcess(process.execPath, ['--import', 'tsx', 'bench/servers/hello.ts'], {}, await freePort(), '/hello');
  const helloFigures = requireClean('hello', await load(hello.url, { method: 'GET', path: '/hello' }));
  await hello.stop();
  figures.push({ name: 'bare Hapi hello route', load: helloFigures });

  log('stateful reference: cookie session → cart in memory');
  const stateful = await startServerProcess(process.execPath, ['--import', 'tsx', 'bench/servers/stateful.ts'], {}, await freePort(), '/healthz');
  const session = await fetch(`${stateful.url}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ skus: skus.slice(0, 3) }) });
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const statefulFigures = requireClean('stateful', await load(stateful.url, { method: 'GET', path: '/cart' }, { cookie }));
  await stateful.stop();
  figures.push({ name: 'stateful reference GET /cart (cookie → memory)', load: statefulFigures });

  log('shop on SQLite');
  const sqliteDir = join(work, 'sqlite');
  const shop = await startShopServer(join(sqliteDir, 'shop.db'), sqliteDir);
  const [reader] = await createUsers(shop.url, 1, 'reader');
  await fillCart(shop.url, reader as string, skus.slice(0, 3));
  const getCart = requireClean('GET /cart sqlite', await load(shop.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${reader}` }));
  figures.push({ name: 'authenticated GET /cart (SQLite)', load: getCart, baseline: 'stateful reference GET /cart (cookie → memory)', target: { kind: 'throughput', atLeast: 0.6 } });

  // Each writer's adds go round 4 lines, so carts stay the size the read figures use (a cart that grew to every SKU
  // would make the write figure measure reading a 37-line cart back). A writer that has filled its 4 lines to the
  // 99 limit moves on to the next 4 SKUs, so however fast the machine no add is refused (a refusal fails the figure).
  const writers = await createUsers(shop.url, settings.writers, 'writer');
  const linesPerWriter = 4;
  const skuFor = (n: number): string => {
    const writer = n % writers.length;
    const add = Math.floor(n / writers.length);
    const block = Math.floor(add / (linesPerWriter * MAX_LINE_QUANTITY));
    return skus[(writer + block * linesPerWriter + (add % linesPerWriter)) % skus.length] as string;
  };
  let next = 0;
  const addRequest = (withKey: boolean): LoadPlan['request'] => ({
    method: 'POST',
    path: '/cart/items',
    setupRequest: (request) => {
      const n = next++;
      const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${writers[n % writers.length]}` };
      if (withKey) {
        headers['idempotency-key'] = randomUUID();
      }
      return { ...request, headers, body: JSON.stringify({ sku: skuFor(n), quantity: 1 }) };
    },
  });
  const withKey = requireClean('POST with key', await load(shop.url, addRequest(true)));
  const withoutKey = requireClean('POST without key', await load(shop.url, addRequest(false)));
  await shop.stop();
  figures.push({ name: 'POST /cart/items with Idempotency-Key (SQLite)', load: withKey, baseline: 'bare Hapi hello route', target: { kind: 'throughput', atLeast: 0.35 } });
  figures.push({ name: 'POST /cart/items without Idempotency-Key (SQLite)', load: withoutKey });
  figures.push({ name: 'POST /cart/items with vs without key', load: withKey, baseline: 'POST /cart/items without Idempotency-Key (SQLite)', target: { kind: 'p50', atMost: 1.15 } });
}

async function measurePostgres(): Promise<void> {

  log('shop on Postgres');
  const cluster = await startPostgresCluster();
  try {
    const pg = await startShopServer(cluster.adminUrl, join(work, 'pg'));
    const [pgReader] = await createUsers(pg.url, 1, 'reader');
    await fillCart(pg.url, pgReader as string, skus.slice(0, 3));
    const pgCart = requireClean('GET /cart postgres', await load(pg.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${pgReader}` }));
    await pg.stop();
    figures.push({ name: 'authenticated GET /cart (Postgres)', load: pgCart, baseline: 'authenticated GET /cart (SQLite)', target: { kind: 'reported' } });
  } finally {
    await cluster.stop();
  }

}

async function measureScale(): Promise<void> {
  for (const [label, users] of [['small', settings.smallUsers], ['large', settings.largeUsers]] as const) {
    log(`building a SQLite database with ${users} users × ${settings.linesPerUser} cart lines`);
    const file = join(work, `${label}.db`);
    const started = Date.now();
    await buildLargeSqliteDatabase(file, users, settings.linesPerUser);
    log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const server = await startShopServer(file, join(work, label));
    const [token] = await createUsers(server.url, 1, `${label}-reader`);
    await fillCart(server.url, token as string, skus.slice(0, settings.linesPerUser));
    const figure = requireClean(`GET /cart ${label}`, await load(server.url, { method: 'GET', path: '/cart' }, { authorization: `Bearer ${token}` }));
    await server.stop();
    rmSync(file, { force: true });
    figures.push(
      label === 'small'
        ? { name: `GET /cart with ${users.toLocaleString('en')} users (SQLite)`, load: figure }
        : {
            name: `GET /cart with ${users.toLocaleString('en')} users, ${(users * settings.linesPerUser).toLocaleString('en')} lines (SQLite)`,
            load: figure,
            baseline: `GET /cart with ${settings.smallUsers.toLocaleString('en')} users (SQLite)`,
            target: { kind: 'p50', atMost: 1.2 },
          },
    );
  }

}

async function measureCli(): Promise<void> {
  log('CLI start-up');
  const cliServer = await startShopServer(join(work, 'cli.db'), join(work, 'cli'));
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
  const wall = measureWallTimes(
    {
      node: { args: ['-e', '0'] },
      version: { args: [SHOP_BIN, '--version'] },
      cart: { args: [SHOP_BIN, 'cart', 'list', '--json'], env: cliEnv },
    },
    settings.wallRuns,
  );
  log(`shop sync of ${settings.syncOps} queued ops`);
  const syncMs = await measureSync(configDir, cliServer.url, cliToken as string, cliEnv);
  await cliServer.stop();
  figures.push({ name: '`node -e 0`', wallMs: wall.node as number });
  figures.push({ name: '`shop --version`', wallMs: wall.version as number, baseline: '`node -e 0`', target: { kind: 'wall', atMost: 1.5 } });
  figures.push({ name: '`shop cart list --json` (local server)', wallMs: wall.cart as number, baseline: '`node -e 0`', target: { kind: 'wall', atMost: 2.0 } });
  figures.push({ name: `\`shop sync\` of ${settings.syncOps} queued ops`, wallMs: syncMs, target: { kind: 'absolute', atMostMs: quick ? Infinity : 3000 } });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
