import { createServer } from 'node:net';
import { tmpdir } from 'node:os';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import postgres from 'postgres';

import { initialSchema } from '../../server/db/migrations/001-initial-schema.js';
import { migrations } from '../../server/db/migrations/index.js';
import { openStore } from '../../server/db/open-store.js';
import { openPostgresStore } from '../../server/db/postgres.js';
import { StoreUnavailableError, type ClaimResult, type IdempotentResponse, type Store } from '../../server/db/store.js';
import { createTestDatabase, startPostgresCluster, type TestDatabase } from '../helpers/postgres.js';
import { defineStoreContract } from './store-contract.js';
import { addToLine } from '../helpers/cart-lines.js';

export const lab = Lab.script();
/** Every migration, applied in order. */
const allVersions = migrations.map((migration) => migration.version);
const { describe, it, before, after, beforeEach, afterEach } = lab;

const internals = {
  now: new Date('2025-03-01T12:00:00.000Z'),
  expiresAt: new Date('2025-03-02T12:00:00.000Z'),
  response: { status: 200, body: '{"version":1}', headers: { etag: '"v1"' } } satisfies IdempotentResponse,

  /** A promise plus the function that resolves it, to hold a transaction open at a chosen point. */
  signal(): { promise: Promise<void>; resolve: () => void } {
    let resolve = (): void => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    return { promise, resolve };
  },

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  },

  /** Kills the server side of every connection the store under test holds (they set application_name 'shop'). */
  async terminateStoreConnections(raw: postgres.Sql): Promise<void> {
    await raw`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'shop' AND datname = current_database()`;
  },

  /** A port nothing listens on: bound, read, and released again. */
  closedPort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
  },
};

// One database for the contract suite, emptied after each test: creating a database per test costs 100-300 ms.
let contractDatabase: TestDatabase | undefined;

after(async () => {
  await contractDatabase?.drop();
});

defineStoreContract(lab, 'postgres', async () => {
  contractDatabase ??= await createTestDatabase();
  const database = contractDatabase;
  const store = await openPostgresStore(database.url);
  return {
    store,
    async dispose() {
      await store.close();
      await database.reset();
    },
  };
});

describe('postgres store', () => {
  let database: TestDatabase;
  let raw: postgres.Sql;
  const opened: Store[] = [];

  const open = async (): Promise<Store> => {
    const store = await openStore({ url: database.url, dataDir: tmpdir() });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    database = await createTestDatabase();
    raw = postgres(database.url, { max: 2, onnotice: () => {}, fetch_types: false });
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await raw.end();
    await database.drop();
  });

  it('is what openStore opens for a postgres:// URL', async () => {
    const store = await open();

    expect(store.dialect).to.equal('postgres');
  });

  it('applies each migration once, however often the database is opened', async () => {
    await (await open()).close();
    await open();

    const rows = await raw`SELECT version, name FROM schema_migrations ORDER BY version`;
    expect(rows.map((row) => ({ ...row }))).to.equal(migrations.map(({ version, name }) => ({ version, name })));
  });

  it('migrates a new database exactly once when several instances open it at the same time', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => open()));

    const rows = await raw`SELECT version FROM schema_migrations ORDER BY version`;
    expect(rows.map((row) => row.version as number)).to.equal(allVersions);
    await Promise.all(stores.map((store) => store.ping()));
  });

  it('applies a new migration to a database migrated before it, keeping its data', async () => {
    // What a deployment of the previous release left behind: migration 1 applied, with data.
    await raw.begin(async (tx) => {
      await tx`
        CREATE TABLE schema_migrations (
          version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()
        )`;
      await tx.unsafe(initialSchema.postgres);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (1, 'initial schema')`;
      await tx`INSERT INTO users (id, email, password_hash, created_at) VALUES ('u-1', 'old@example.com', 'x', now())`;
    });

    const store = await open();

    const rows = await raw`SELECT version FROM schema_migrations ORDER BY version`;
    expect(rows.map((row) => row.version as number)).to.equal(allVersions);
    expect((await store.users.findById('u-1'))?.email).to.equal('old@example.com');
    expect(await store.idempotency.deleteExpired(new Date())).to.equal(0);
  });

  it('keeps the exact sum when two instances add to one line concurrently', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    await a!.products.upsert([{ sku: 'MUG-BLUE', name: 'Blue Mug', description: '', prices: { EUR: 1490 }, active: true }]);
    const user = await a!.users.create({ id: 'u-1', email: 'a@example.com', passwordHash: 'x', createdAt: new Date() });

    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a! : b!).transaction(async (tx) => {
          await tx.carts.lock(user!.id);
          await addToLine(tx, user!.id, 'MUG-BLUE', 1, new Date());
          await tx.carts.bumpVersion(user!.id);
        }),
      ),
    );

    const cart = await b!.carts.get(user!.id);
    expect(cart.version).to.equal(30);
    expect(cart.lines[0]?.quantity).to.equal(30);
  });

  it('orders skus by their bytes, whatever the database locale', async () => {
    const store = await open();
    const product = { name: 'x', description: '', prices: { EUR: 1 }, active: true };
    await store.products.upsert(['MUG-B', 'MUGB', 'MUG1', 'MUG-A'].map((sku) => ({ ...product, sku })));

    const page = await store.products.list({ limit: 10, offset: 0 });

    expect(page.items.map((item) => item.sku)).to.equal(['MUG-A', 'MUG-B', 'MUG1', 'MUGB']);
  });

  it('rejects with StoreUnavailableError when the server cannot be reached', async () => {
    const port = await internals.closedPort();

    const error = await expect(openStore({ url: `postgres://postgres@127.0.0.1:${port}/shop`, dataDir: tmpdir() })).to.reject(
      StoreUnavailableError,
    );
    expect(error.message).to.contain('ECONNREFUSED');
  });

  it('keeps failing fast, never waiting on a growing reconnect delay, while the server stays down', async () => {
    const cluster = await startPostgresCluster();
    let store: Store | undefined;
    try {
      store = await openStore({ url: cluster.adminUrl, dataDir: tmpdir() });
      await cluster.halt();
      let slowest = 0;
      for (let round = 0; round < 12; round++) {
        const started = Date.now();
        // Several at once, as requests arrive: each takes a connection of the pool.
        const pings = await Promise.allSettled([store.ping(), store.ping(), store.products.get('MUG-BLUE')]);
        expect(pings.every((ping) => ping.status === 'rejected' && ping.reason instanceof StoreUnavailableError)).to.be.true();
        slowest = Math.max(slowest, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      // The driver's own backoff would have reached seconds by the last rounds.
      expect(slowest).to.be.below(1000);
    } finally {
      await store?.close();
      await cluster.stop();
    }
  });

  it('reports a connection lost in a transaction as StoreUnavailableError and recovers on the next call', async () => {
    const store = await open();

    const failed = store.transaction(async (tx) => {
      await tx.ping();
      await internals.terminateStoreConnections(raw);
      await tx.ping();
    });

    await expect(failed).to.reject(StoreUnavailableError);
    await expect(store.ping()).to.not.reject();
  });

  it('refuses further calls of a transaction whose connection was lost, without crashing the process', async () => {
    const store = await open();
    const afterLoss: unknown[] = [];
    let workDone = (): void => {};
    const workFinished = new Promise<void>((resolve) => {
      workDone = resolve;
    });

    const failed = store.transaction(async (tx) => {
      try {
        await tx.ping();
        await internals.terminateStoreConnections(raw);
        // Let the driver see the close first: a write on the dead connection now is what crashes postgres 3.4.9.
        await new Promise((resolve) => setTimeout(resolve, 100));
        afterLoss.push(await tx.ping().catch((error: unknown) => error));
        afterLoss.push(await tx.users.findById('x').catch((error: unknown) => error));
      } finally {
        workDone();
      }
    });

    await expect(failed).to.reject(StoreUnavailableError);
    await workFinished;
    // An uncaught exception from the driver would surface in the next turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(afterLoss).to.have.length(2);
    for (const error of afterLoss) {
      expect(error).to.be.an.instanceof(StoreUnavailableError);
    }
    await expect(store.ping()).to.not.reject();
  });

  it('lets a database error that is not about the connection through unchanged', async () => {
    const store = await open();

    // A cart line for a product that does not exist breaks a foreign key: a bug, not an outage.
    const error = await expect(store.carts.setQuantity('nobody', 'NOPE', 1, new Date())).to.reject();
    expect(error).to.not.be.an.instanceof(StoreUnavailableError);
    expect((error as Error & { code?: string }).code).to.equal('23503');
  });
});

describe('postgres idempotency claims that meet an uncommitted claim of the same key', () => {
  // One database for these tests, emptied after each, as for the contract suite.
  let database: TestDatabase;
  const opened: Store[] = [];

  const openWaiting = async (idempotencyWaitMs: number): Promise<Store> => {
    const store = await openPostgresStore(database.url, { idempotencyWaitMs });
    opened.push(store);
    return store;
  };

  before(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await database.reset();
  });

  after(async () => {
    await database.drop();
  });

  /** Claims the key in a transaction that stays open, uncommitted, until `finish` is called. */
  const holdClaim = async (store: Store): Promise<{ finish(how: 'commit' | 'roll back'): Promise<void> }> => {
    const claimed = internals.signal();
    const release = internals.signal();
    let outcome: 'commit' | 'roll back' = 'commit';
    const holder = store.transaction(async (tx) => {
      await tx.idempotency.claim('user:u-1', 'key-1', 'fingerprint', internals.now, internals.expiresAt);
      claimed.resolve();
      await release.promise;
      await tx.idempotency.complete('user:u-1', 'key-1', internals.response);
      if (outcome === 'roll back') {
        throw new Error('holder rolled back');
      }
    });
    await claimed.promise;
    return {
      finish(how: 'commit' | 'roll back'): Promise<void> {
        outcome = how;
        release.resolve();
        return how === 'commit' ? holder : expect(holder).to.reject('holder rolled back').then(() => {});
      },
    };
  };

  const claim = (tx: Store): Promise<ClaimResult> =>
    tx.idempotency.claim('user:u-1', 'key-1', 'fingerprint', internals.now, internals.expiresAt);

  it('waits for the holder and replays its record once it commits', async () => {
    const store = await openWaiting(5000);
    const holder = await holdClaim(store);

    let seen: ClaimResult | undefined;
    const waiter = store.transaction(async (tx) => {
      seen = await claim(tx);
    });
    await internals.sleep(50);
    const seenWhileHeld = seen;
    await holder.finish('commit');
    await waiter;

    expect(seenWhileHeld).to.be.undefined();
    expect(seen?.status === 'replay' && seen.record.body).to.equal(internals.response.body);
  });

  it('waits for the holder and claims the key once it rolls back', async () => {
    const store = await openWaiting(5000);
    const holder = await holdClaim(store);

    const waiter = store.transaction(async (tx) => {
      const result = await claim(tx);
      await tx.idempotency.complete('user:u-1', 'key-1', { status: 201, body: '"mine"', headers: {} });
      return result;
    });
    await internals.sleep(50);
    await holder.finish('roll back');

    expect(await waiter).to.equal({ status: 'claimed' });
    const replay = await store.transaction(claim);
    expect(replay.status === 'replay' && replay.record.body).to.equal('"mine"');
  });

  it('answers in_flight when the holder runs longer than the claim waits', async () => {
    const store = await openWaiting(100);
    const holder = await holdClaim(store);

    const started = Date.now();
    let seen: ClaimResult | undefined;
    const waiter = store.transaction(async (tx) => {
      seen = await claim(tx);
      throw new Error('answered 409');
    });
    const error = await expect(waiter).to.reject('answered 409');
    const waited = Date.now() - started;
    await holder.finish('commit');

    expect(seen).to.equal({ status: 'in_flight' });
    expect(error).to.not.be.an.instanceof(StoreUnavailableError);
    expect(waited).to.be.within(95, 2500);
    expect((await store.transaction(claim)).status).to.equal('replay');
  });

  it('refuses to go on with or commit a transaction whose claim stopped waiting', async () => {
    const store = await openWaiting(100);
    const holder = await holdClaim(store);

    const afterwards: unknown[] = [];
    const waiter = store.transaction(async (tx) => {
      const result = await claim(tx);
      afterwards.push(await tx.users.findById('u-1').catch((error: unknown) => error));
      afterwards.push(await tx.transaction(async () => 1).catch((error: unknown) => error));
      return result;
    });

    const error = await expect(waiter).to.reject(/stopped waiting and answered in_flight/);
    await holder.finish('commit');
    expect(error).to.not.be.an.instanceof(StoreUnavailableError);
    expect(afterwards).to.have.length(2);
    for (const refusal of afterwards) {
      expect(refusal).to.be.an.error(/stopped waiting and answered in_flight/);
    }
    await expect(store.ping()).to.not.reject();
  });

  it('lets the locks a transaction takes after its claim wait as long as before', async () => {
    const store = await openWaiting(100);
    await store.users.create({ id: 'u-1', email: 'a@example.com', passwordHash: 'x', createdAt: internals.now });
    const locked = internals.signal();
    const locker = store.transaction(async (tx) => {
      await tx.users.lock('u-1');
      locked.resolve();
      await internals.sleep(300);
    });
    await locked.promise;

    const claimant = store.transaction(async (tx) => {
      const result = await claim(tx);
      // Waits about 300 ms for the locker: past the claim's 100 ms, which must no longer apply.
      const found = await tx.users.lock('u-1');
      await tx.idempotency.complete('user:u-1', 'key-1', internals.response);
      return [result.status, found];
    });

    await locker;
    expect(await claimant).to.equal(['claimed', true]);
  });

  it('refuses a wait that is not a positive number of milliseconds', async () => {
    await expect(openPostgresStore(database.url, { idempotencyWaitMs: 0 })).to.reject(RangeError, /positive integer/);
    await expect(openPostgresStore(database.url, { idempotencyWaitMs: 1.5 })).to.reject(RangeError, /positive integer/);
  });
});
