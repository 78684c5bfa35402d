import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import postgres from 'postgres';

import { openStore } from '../../server/db/open-store.js';
import { seedDemoCatalog } from '../../server/db/seed.js';
import type { Store } from '../../server/db/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { as, buildServer, registerAndLogin } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

// Postgres only: a read-only server is what a client meets during a failover (a standby, or a demoted primary).
describe('requests while Postgres accepts no writes', () => {
  let database: TestDatabase;
  let raw: postgres.Sql;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase();
    raw = postgres(database.url, { max: 1, onnotice: () => {}, fetch_types: false });
    store = await openStore({ url: database.url, dataDir: '.' });
    await seedDemoCatalog(store);
  });

  afterEach(async () => {
    await store.close();
    await raw.end({ timeout: 1 });
    await database.drop();
  });

  const makeReadOnly = async (): Promise<void> => {
    await raw`ALTER DATABASE ${raw(new URL(database.url).pathname.slice(1))} SET default_transaction_read_only = on`;
    await raw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'shop' AND datname = current_database()`;
  };

  it('answers a change with 503, Retry-After and SERVICE_UNAVAILABLE, never 500', async () => {
    const server = await buildServer({ store });
    const user = await registerAndLogin(server);
    await makeReadOnly();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-BLUE', quantity: 1 } }));
      statuses.push(res.statusCode);
      expect(res.statusCode).to.equal(503);
      expect(res.headers['retry-after']).to.equal('1');
      expect((res.result as { code: string }).code).to.equal('SERVICE_UNAVAILABLE');
    }
    expect(statuses).to.equal([503, 503, 503]);
  });

  it('answers /readyz with 503 while reads still work', async () => {
    const server = await buildServer({ store });
    await makeReadOnly();
    await server.inject('/products?limit=1');
    expect((await server.inject('/products?limit=1')).statusCode).to.equal(200);
    expect((await server.inject('/readyz')).statusCode).to.equal(503);
  });
});
