/*
 * Look-alike addresses: with an account registered, the same address spelled with fullwidth letters, letters of another
 * script that look the same, invisible characters, or another Unicode normal form must not make a second account.
 * Run on both databases: the collision is kept by a unique index, so concurrent look-alikes cannot both get in.
 */
import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { backfillEmailSkeletons, emailSkeleton } from '../../server/auth/email-skeleton.js';
import { isMixedScript, normalizeEmail } from '../../shared/rules/email.js';
import type { ErrorBody } from '../../shared/errors.js';
import { buildServer, login } from '../helpers/server.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const password = 'correct horse battery staple';

describe('email normalisation (shared/rules/email.ts)', () => {
  it('folds compatibility forms, case and normal forms, and drops invisible characters', () => {
    expect(normalizeEmail('ｋate@Example.COM')).to.equal('kate@example.com');
    expect(normalizeEmail('ka\u200bte@example.com')).to.equal('kate@example.com');
    expect(normalizeEmail('k\u00adate\ufeff@example.com')).to.equal('kate@example.com');
    expect(normalizeEmail('a\u030asa@example.com')).to.equal(normalizeEmail('\u00e5sa@example.com'));
    expect(normalizeEmail('  kate@example.com ')).to.equal('kate@example.com');
  });

  it('writes an internationalised domain in its ASCII form', () => {
    expect(normalizeEmail('kate@BÜCHER.example')).to.equal('kate@xn--bcher-kva.example');
    expect(normalizeEmail('kate@xn--bcher-kva.example')).to.equal('kate@xn--bcher-kva.example');
  });

  it('gives look-alikes of other scripts the same skeleton, and different letters different ones', () => {
    expect(emailSkeleton('k\u0430te@example.com')).to.equal(emailSkeleton('kate@example.com'));
    expect(emailSkeleton('\u0440ay\u0440al@example.com')).to.equal(emailSkeleton('paypal@example.com'));
    expect(emailSkeleton('kite@example.com')).to.not.equal(emailSkeleton('kate@example.com'));
  });

  it('tells a local part that mixes scripts from one that keeps to one', () => {
    expect(isMixedScript('k\u0430te')).to.be.true();
    expect(isMixedScript('kate.smith-1')).to.be.false();
    expect(isMixedScript('\u043a\u0430\u0442\u044f')).to.be.false();
    expect(isMixedScript('\u5c71\u7530\u305f\u308d\u3046')).to.be.false(); // Han with Hiragana, as Japanese is written
  });
});

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`look-alike registrations on ${kind}`, () => {
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

    const register = (email: string) => server.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });

    it('answers 409 EMAIL_TAKEN to every look-alike of a registered address, and stores none of them', async () => {
      expect((await register('kate@example.com')).statusCode).to.equal(201);
      const lookalikes = ['\uff4bate@example.com', 'k\u0430te@example.com', 'ka\u200bte@example.com', 'KATE@EXAMPLE.COM', 'k\u0430t\u0435@example.com'];
      for (const email of lookalikes) {
        const res = await register(email);
        expect(res.statusCode, email).to.equal(409);
        expect((res.result as ErrorBody).code).to.equal('EMAIL_TAKEN');
      }
      const kates = (await db.rows('users')).filter((row) => String(row.email).includes('@example.com'));
      expect(kates.map((row) => row.email)).to.equal(['kate@example.com']);
    });

    it('makes one account of the NFC and NFD spellings of an address, and logs in with either', async () => {
      expect((await register('\u00e5sa@example.com')).statusCode).to.equal(201);
      expect((await register('a\u030asa@example.com')).statusCode).to.equal(409);
      await login(server, 'a\u030asa@example.com', password);
      await login(server, '\uff41\u030asa@example.com', password);
    });

    it('refuses a local part mixing scripts with 400 even when nothing collides', async () => {
      const res = await register('\u0440a\u0443pal-unique@example.com');
      expect(res.statusCode).to.equal(400);
      expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
    });

    it('lets only one of two look-alikes registered at the same moment in', async () => {
      // `rn` looks like `m`: both Latin, so only the skeleton tells them apart.
      const [a, b] = await Promise.all([register('mila@example.org'), register('rnila@example.org')]);
      expect([a.statusCode, b.statusCode].sort()).to.equal([201, 409]);
    });

    it('gives accounts made before skeletons were kept theirs at start-up, so their look-alikes are refused too', async () => {
      await db.store.users.create({ id: 'old-account', email: 'kate2@example.org', passwordHash: 'x', createdAt: new Date() });
      expect(await backfillEmailSkeletons(db.store)).to.equal(1);
      expect(await backfillEmailSkeletons(db.store)).to.equal(0);
      expect((await register('k\u0430te2@example.org')).statusCode).to.equal(409);
    });

    it('keeps accounts whose letters differ visibly apart', async () => {
      expect((await register('jan@example.net')).statusCode).to.equal(201);
      expect((await register('j\u00e1n@example.net')).statusCode).to.equal(201);
    });
  });
}
