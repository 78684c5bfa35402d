import { randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import Database from 'better-sqlite3';
import postgres from 'postgres';

import { MAX_LINE_QUANTITY } from '../../shared/limits.js';
import type { AccountExport } from '../../shared/wire.js';
import { testConfig } from '../helpers/config.js';
import { as, buildServer, registerAndLogin } from '../helpers/server.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';
import { tally } from './helpers/figures.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/*
 * Issue 12, item 3: one account sending 3,000 keyed `PUT /cart/items/…` grew the database from 0.9 MB to 41 MB, every
 * response kept for 30 days. Records are now kept 24 hours and at most SHOP_IDEMPOTENCY_MAX_PER_USER (1,000) per user:
 * the same attack leaves at most 1,000 of them, whatever the number of requests.
 */

const WRITES = 3_000;
const BOUND = testConfig().idempotency.maxRecordsPerUser;

const internals = {
  /** Bytes the database takes, as the database itself counts them (SQLite: pages, WAL included; Postgres: the database). */
  async size(database: InspectableDatabase): Promise<number> {
    if (database.kind === 'sqlite') {
      const reader = new Database(database.url, { readonly: true, fileMustExist: true });
      try {
        return (reader.pragma('page_count', { simple: true }) as number) * (reader.pragma('page_size', { simple: true }) as number);
      } finally {
        reader.close();
      }
    }
    const sql = postgres(database.url, { max: 1, onnotice: () => {}, fetch_types: false });
    try {
      const [row] = await sql<{ bytes: string }[]>`SELECT pg_database_size(current_database())::text AS bytes`;
      return Number(row?.bytes ?? 0);
    } finally {
      await sql.end({ timeout: 1 });
    }
  },
  mb: (bytes: number): string => (bytes / 1024 / 1024).toFixed(1),
};

for (const kind of ['sqlite', 'postgres'] as DatabaseKind[]) {
  describe(`one user's keyed writes on ${kind}`, () => {
    let database: InspectableDatabase;
    let server: Server;

    before(async () => {
      database = await openDatabase(kind);
      server = await buildServer({ store: database.store });
    });

    after(() => database.dispose());

    it(`keeps at most ${BOUND} Idempotency-Key records of a user who sends ${WRITES} keyed writes, each still applied`, { timeout: 180_000 }, async () => {
      const user = await registerAndLogin(server);
      const skus = (await database.store.products.list({ limit: 100, offset: 0 })).items.map((product) => product.sku);
      const before = await internals.size(database);
      for (let index = 0; index < WRITES; index++) {
        const sku = skus[index % skus.length]!;
        const quantity = (index % MAX_LINE_QUANTITY) + 1;
        const res = await server.inject(
          as(user, { method: 'PUT', url: `/cart/items/${sku}`, payload: { quantity }, headers: { 'idempotency-key': randomUUID() } }),
        );
        expect(res.statusCode).to.equal(200);
      }
      const afterBytes = await internals.size(database);
      const records = (await database.rows('idempotency_keys')).length;
      const exported = (await server.inject(as(user, { method: 'GET', url: '/me/export' }))).result as AccountExport;

      expect(records).to.equal(BOUND);
      expect(exported.requests).to.have.length(BOUND);
      expect(exported.cart.version).to.equal(WRITES);
      tally('storage growth', kind, {
        'keyed writes': WRITES,
        'records kept': records,
        'KiB before': Math.round(before / 1024),
        'KiB after': Math.round(afterBytes / 1024),
      });
      process.stderr.write(`[adversarial] storage growth (${kind}): ${internals.mb(before)} MB → ${internals.mb(afterBytes)} MB after ${WRITES} keyed writes\n`);
    });
  });
}
