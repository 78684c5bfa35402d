/*
 * What someone who can read the database learns. A stored idempotency record of a registration must not let a password
 * be guessed any faster than the scrypt hash beside it, and the SQLite file, its WAL and shared-memory files and the
 * data directory are the owner's alone.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { openStore } from '../../server/db/open-store.js';
import type { ErrorBody } from '../../shared/errors.js';
import { buildServer, uniqueEmail } from '../helpers/server.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  password: 'Tr0ub4dor&3 is a fine password',

  /** What an attacker tries per guess if the fingerprint were a plain hash of the request text (the old format). */
  guess(email: string, password: string): string {
    return createHash('sha256').update(`POST /auth/register\n{"email":${JSON.stringify(email)},"password":${JSON.stringify(password)}}`).digest('hex');
  },

  mode(path: string): number {
    return statSync(path).mode & 0o777;
  },
};

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`a keyed registration at rest on ${kind}`, () => {
    let db: InspectableDatabase;
    let server: Server;

    before(async () => {
      db = await openDatabase(kind);
      server = await buildServer({ store: db.store });
    });

    after(async () => {
      await server.stop();
      await db.dispose();
    });

    const register = (email: string, password: string, key: string) =>
      server.inject({ method: 'POST', url: '/auth/register', payload: { email, password }, headers: { 'idempotency-key': key } });

    it('stores a fingerprint that no password guess can be checked against', async () => {
      const email = uniqueEmail('oracle');
      const key = randomUUID();
      expect((await register(email, internals.password, key)).statusCode).to.equal(201);

      const rows = (await db.rows('idempotency_keys')).filter((row) => row.key === key);
      expect(rows).to.have.length(1);
      const stored = JSON.stringify(rows[0]);
      expect(stored).to.not.include(internals.password);
      expect(rows[0]!.fingerprint).to.not.equal(internals.guess(email, internals.password));
      // The fingerprint is of the request without its password: the password takes no part in it at all.
      const withoutPassword = createHash('sha256').update(`POST /auth/register\n{"email":${JSON.stringify(email)}}`).digest('hex');
      expect(rows[0]!.fingerprint).to.equal(withoutPassword);
    });

    it('replays a registration retried with the same key and password', async () => {
      const email = uniqueEmail('replay');
      const key = randomUUID();
      const first = await register(email, internals.password, key);
      const again = await register(email, internals.password, key);
      expect(again.statusCode).to.equal(201);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(again.payload).to.equal(first.payload);
    });

    it('refuses a retry with the same key and another password as a different request', async () => {
      const email = uniqueEmail('other-password');
      const key = randomUUID();
      expect((await register(email, internals.password, key)).statusCode).to.equal(201);
      const other = await register(email, 'not the password it was registered with', key);
      expect(other.statusCode).to.equal(422);
      expect((other.result as ErrorBody).code).to.equal('IDEMPOTENCY_KEY_REUSED');
      expect(other.headers['idempotent-replayed']).to.not.exist();
    });
  });
}

describe('the SQLite files on disk', () => {
  it('creates the data directory 0700 and the database, its WAL and shared memory 0600', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shop-modes-'));
    try {
      const dataDir = join(root, 'data');
      const store = await openStore({ dataDir });
      try {
        await store.users.findByEmail('nobody@example.test');
        const file = join(dataDir, 'shop.db');
        expect(internals.mode(dataDir)).to.equal(0o700);
        expect(internals.mode(file)).to.equal(0o600);
        expect(existsSync(`${file}-wal`)).to.be.true();
        expect(internals.mode(`${file}-wal`)).to.equal(0o600);
        expect(internals.mode(`${file}-shm`)).to.equal(0o600);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('takes group and other access away from a database file an older version created readable', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shop-modes-'));
    try {
      const file = join(root, 'shop.db');
      closeSync(openSync(file, 'w', 0o644));
      chmodSync(file, 0o644);
      const store = await openStore({ url: file, dataDir: root });
      await store.close();
      expect(internals.mode(file)).to.equal(0o600);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
