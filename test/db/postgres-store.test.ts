import { createServer } from 'node:net';
import { tmpdir } from 'node:os';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import postgres from 'postgres';

import { openStore } from '../../server/db/open-store.js';
import { openPostgresStore } from '../../server/db/postgres.js';
import { StoreUnavailableError, type Store } from '../../server/db/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { defineStoreContract } from './store-contract.js';

export const lab = Lab.script();
const { describe, it, after, beforeEach, afterEach } = lab;

const internals = {
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

    const rows = await raw`SELECT version, name FROM schema_migrations`;
    expect(rows.map((row) => ({ ...row }))).to.equal([{ version: 1, name: 'initial schema' }]);
  });

  it('migrates a new database exactly once when several instances open it at the same time', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => open()));

    const rows = await raw`SELECT version FROM schema_migrations`;
    expect(rows.map((row) => row.version as number)).to.equal([1]);
    await Promise.all(stores.map((store) => store.ping()));
  });

  it('keeps the exact sum when two instances add to one line concurrently', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    await a!.products.upsert([{ sku: 'MUG-BLUE', name: 'Blue Mug', description: '', price: 1490, currency: 'EUR', active: true }]);
    const user = await a!.users.create({ id: 'u-1', email: 'a@example.com', passwordHash: 'x', createdAt: new Date() });

    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a! : b!).transaction(async (tx) => {
          await tx.carts.lock(user!.id);
          await tx.carts.addQuantity(user!.id, 'MUG-BLUE', 1, 99, new Date());
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
    const product = { name: 'x', description: '', price: 1, currency: 'EUR', active: true };
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
