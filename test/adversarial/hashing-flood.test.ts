/*
 * A flood of registrations against one process. Password hashing runs on libuv's few threads, first come first served;
 * registrations past their share of it must be turned away at once (503 with Retry-After), so that logins, which share
 * those threads, never queue behind them.
 */
import { expect } from '@hapi/code';
import type { Server, ServerInjectResponse } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import { testConfig } from '../helpers/config.js';
import { buildServer, registerAndLogin, uniqueEmail } from '../helpers/server.js';
import { type InspectableDatabase, openDatabase } from './helpers/database.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

describe('a registration flood', () => {
  let db: InspectableDatabase;
  let server: Server;

  before(async () => {
    db = await openDatabase('sqlite');
    // A cost whose hash takes tens of milliseconds, so the flood's requests overlap; one registration hashes at a time.
    server = await buildServer({
      store: db.store,
      config: testConfig({ passwordCost: 14, passwordHashing: { maxInFlight: 8, maxRegistrationsInFlight: 1 } }),
    });
  });

  after(async () => {
    await server.stop();
    await db.dispose();
  });

  const register = (email = uniqueEmail('flood')): Promise<ServerInjectResponse> =>
    server.inject({ method: 'POST', url: '/auth/register', payload: { email, password: 'correct horse battery staple' } });

  it('answers registrations past the hashing bound 503 SERVICE_UNAVAILABLE with Retry-After, and the rest 201', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => register()));
    const refused = answers.filter((res) => res.statusCode === 503);
    expect(answers.filter((res) => res.statusCode === 201).length).to.be.at.least(1);
    expect(refused.length).to.be.at.least(6);
    expect(answers.every((res) => res.statusCode === 201 || res.statusCode === 503)).to.be.true();
    for (const res of refused) {
      expect((res.result as ErrorBody).code).to.equal('SERVICE_UNAVAILABLE');
      expect(Number(res.headers['retry-after'])).to.be.at.least(1);
    }
  });

  it('stores nothing for a registration it turned away', async () => {
    const emails = Array.from({ length: 8 }, () => uniqueEmail('flood'));
    const answers = await Promise.all(emails.map((email) => register(email)));
    const users = await db.rows('users');
    const refusedEmails = emails.filter((_, index) => answers[index]!.statusCode === 503);
    expect(refusedEmails.length).to.be.at.least(1);
    for (const email of refusedEmails) {
      expect(users.some((row) => row.email === email)).to.be.false();
    }
  });

  it('still logs users in while registrations flood in', async () => {
    const user = await registerAndLogin(server);
    const flood = Array.from({ length: 16 }, () => register());
    const logins = await Promise.all(
      Array.from({ length: 4 }, () => server.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password } })),
    );
    await Promise.all(flood);
    expect(logins.map((res) => res.statusCode)).to.equal([200, 200, 200, 200]);
  });
});
