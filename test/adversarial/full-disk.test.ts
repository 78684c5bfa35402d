/*
 * A database with no room left. Writes must answer 503 STORAGE_FULL with Retry-After (not 500), reads keep working, and
 * `/readyz` fails while writes cannot succeed, so a load balancer stops sending this instance traffic. SQLite is filled
 * for real up to its size cap (the same SQLITE_FULL a full disk gives); Postgres raises its real disk_full SQLSTATE.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import Database from 'better-sqlite3';
import * as Lab from '@hapi/lab';
import postgres from 'postgres';

import { isStorageFull } from '../../server/db/storage-full.js';
import { openStore } from '../../server/db/open-store.js';
import { seedDemoCatalog } from '../../server/db/seed.js';
import type { ErrorBody } from '../../shared/errors.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { buildServer, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('a full database', () => {
  it('answers writes 503 STORAGE_FULL, still answers reads, and fails /readyz until the hold passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-full-'));
    try {
      const url = join(dir, 'shop.db');
      const setup = await openStore({ url, dataDir: dir });
      await seedDemoCatalog(setup);
      await setup.close();
      const probe = new Database(url, { readonly: true });
      const pages = probe.pragma('page_count', { simple: true }) as number;
      const pageSize = probe.pragma('page_size', { simple: true }) as number;
      probe.close();

      const store = await openStore({ url, dataDir: dir, sqliteMaxBytes: (pages + 3) * pageSize });
      let at = new Date('2026-04-01T00:00:00Z');
      const server = await buildServer({ store, config: testConfig(), now: () => at });
      try {
        let full: { statusCode: number; result: unknown; headers: Record<string, unknown> } | undefined;
        for (let i = 0; i < 500 && !full; i++) {
          const res = await server.inject({ method: 'POST', url: '/auth/register', payload: { email: uniqueEmail('filler-of-the-last-free-pages'), password: 'correct horse battery staple' } });
          if (res.statusCode !== 201) {
            full = res;
          }
        }
        expect(full?.statusCode).to.equal(503);
        expect((full!.result as ErrorBody).code).to.equal('STORAGE_FULL');
        expect(full!.headers['retry-after']).to.equal('30');
        expect((await server.inject('/products')).statusCode).to.equal(200);
        expect((await server.inject('/readyz')).statusCode).to.equal(503);
        at = new Date(at.getTime() + 31_000);
        expect((await server.inject('/readyz')).statusCode).to.equal(200);
      } finally {
        await server.stop();
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("recognises Postgres's own disk_full error as storage full", async () => {
    const database = await createTestDatabase();
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const error: unknown = await sql`DO $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$`.catch((caught: unknown) => caught);
      expect(isStorageFull(error)).to.be.true();
      const other: unknown = await sql`SELECT 1/0`.catch((caught: unknown) => caught);
      expect(isStorageFull(other)).to.be.false();
    } finally {
      await sql.end({ timeout: 1 });
      await database.drop();
    }
  });
});
